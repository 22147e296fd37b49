"""Fixtures shared by unit test modules."""

from tests.unit.test_example_backend import backend  # noqa: F401 - the example backend's `app.main`, a fixture
