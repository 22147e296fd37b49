"""Readers of the numeric keys with bounds of their own: the health timeout and the app's port."""

from __future__ import annotations

from typing import TYPE_CHECKING

from components.config.reader import Reader, Values

if TYPE_CHECKING:
    from components.config.keys import Key


def health_timeout(r: Reader, key: Key, v: Values) -> None:
    """`healthTimeoutSeconds`: a positive number of seconds."""
    value = r.parse(key.name, int, "an integer")
    if value is not None and value <= 0:
        r.fail(key.name, f"must be a positive number of seconds; got {value}")
    v[key.field] = value


def app_port(r: Reader, key: Key, v: Values) -> None:
    """`appPort`: 0 (read from the Dockerfile: None) or a port number."""
    value = r.parse(key.name, int, "a port number (0 reads it from the backend's Dockerfile)")
    if value is not None and not 0 <= value <= 65535:
        r.fail(key.name, f"must be a port between 1 and 65535 (0 reads it from the Dockerfile); got {value}")
    v[key.field] = value or None
