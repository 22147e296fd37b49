"""Clients of the data stores."""
