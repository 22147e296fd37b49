"""The settings this project writes to a Space as secrets and variables, taken from the key declarations.

Each row ties a config key (``pulumi config``) to the Space secret or variable it becomes, with the purpose
shown in the Space's README and next to the key on the Hub. The readers (keys, validation, the values sent),
templating.py (README), deployment.py (Hub descriptions), the tests and the benches all read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from components.config.keys import KEYS

Kind = Literal["secret", "variable"]


@dataclass(frozen=True)
class Managed:
    """One managed Space setting."""

    key: str
    """The config key (`pulumi config set [--secret] <key>`)."""
    name: str
    """The Space secret or variable name (an environment variable of the app)."""
    kind: Kind
    purpose: str
    """README table and Hub description."""
    attribute: str
    """The `Settings` attribute holding the value sent to the Space (None: not set, nothing sent)."""
    example: str
    """A valid value of the right form, never a real credential, with a `{tag}` to make it unique
    (test canaries, bench stacks); see `example_values`."""


MANAGED: tuple[Managed, ...] = tuple(
    Managed(key.name, key.space.name, "secret" if key.secret else "variable", key.space.purpose,
            key.space.attribute, key.space.example)
    for key in KEYS if key.space is not None
)

#: Space secret name -> config key, for the secrets this project manages.
MANAGED_SECRETS = {row.name: row.key for row in MANAGED if row.kind == "secret"}

#: Space variable name -> config key, for the variables this project manages.
MANAGED_VARIABLES = {row.name: row.key for row in MANAGED if row.kind == "variable"}


def rows(kind: Kind) -> tuple[Managed, ...]:
    """The rows of one kind, in table order."""
    return tuple(row for row in MANAGED if row.kind == kind)


def by_name(name: str) -> Managed | None:
    """The row of a Space secret or variable name, or None for a name the table does not manage."""
    return next((row for row in MANAGED if row.name == name), None)


def example_values(kind: Kind, tag: str) -> dict[str, str]:
    """Config key -> a valid example value holding `tag`, for every row of `kind`."""
    return {row.key: row.example.format(tag=tag) for row in rows(kind)}
