"""localhub: a local emulator of the Hugging Face Hub HTTP API for Spaces, with a local Spaces runtime."""

from localhub.serve import LocalHub, serve

__all__ = ["LocalHub", "serve"]
