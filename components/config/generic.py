"""Readers shared by many keys: a boolean, one of the key's choices, a secret string."""

from __future__ import annotations

from typing import TYPE_CHECKING

from components.config.reader import Reader, Values

if TYPE_CHECKING:
    from components.config.keys import Key


def boolean(r: Reader, key: Key, v: Values) -> None:
    """`true` or `false`."""
    v[key.field] = r.boolean(key.name)


def choice(r: Reader, key: Key, v: Values) -> None:
    """One of `key.choices`, compared after `key.normalise` (lower- or upper-casing)."""
    v[key.field] = r.choice(key.name, key.choices, key.normalise)


def secret(r: Reader, key: Key, v: Values) -> None:
    """An optional secret string without whitespace."""
    v[key.field] = r.secret(key.name)
