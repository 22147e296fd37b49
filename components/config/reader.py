"""The raw-config reader every key's reader uses: absent, required, secret, parsed and chosen values, with
every problem collected (never raised one by one) so that all of them are reported together."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from components.errors import ConfigError
from components.rules.tokens import has_whitespace

if TYPE_CHECKING:
    from components.config.managed import Managed

T = TypeVar("T")

#: Settings field -> value, filled key by key (a key's reader may read the fields read before it).
Values = dict[str, Any]


class Reader:
    """Parses one raw config mapping, collecting errors instead of stopping at the first."""

    def __init__(self, cfg: Mapping[str, str | None], env: Mapping[str, str], project_dir: Path,
                 table: tuple[Managed, ...]) -> None:
        self.cfg = cfg
        self.env = env
        self.project_dir = project_dir
        self.table = table
        """The managed secrets and variables (components/config/managed.py), for the checks across names."""
        self.errors: list[ConfigError] = []

    def fail(self, key: str, message: str) -> None:
        self.errors.append(ConfigError(key, message))

    def optional(self, key: str) -> str | None:
        """A value that may be absent; empty counts as absent."""
        value = self.cfg.get(key)
        return value if value else None

    def required(self, key: str, hint: str | None = None) -> str | None:
        """A value that must be present (Pulumi.yaml gives it a default or the user must set it)."""
        value = self.cfg.get(key)
        if value is None or (value == "" and hint is not None):
            self.fail(key, f"is not set; {hint or f'set it with `pulumi config set {key} <value>`'}")
            return None
        return value

    def secret(self, key: str) -> str | None:
        """A key-like or URL secret: whitespace anywhere in it is a paste error (the runbook's first issue)."""
        value = self.optional(key)
        if value is not None and has_whitespace(value):
            self.fail(key, whitespace_fix(key, f"pulumi config set --secret {key} ..."))
            return None
        return value

    def parse(self, key: str, convert: Callable[[str], T], expected: str) -> T | None:
        raw = self.required(key)
        if raw is None:
            return None
        try:
            return convert(raw)
        except ValueError:
            self.fail(key, f"must be {expected}, got {raw!r}")
            return None

    def boolean(self, key: str) -> bool | None:
        return self.parse(key, parse_bool, "true or false")

    def choice(self, key: str, choices: tuple[str, ...], normalise: Callable[[str], str] = str) -> str | None:
        raw = self.required(key)
        if raw is None:
            return None
        value = normalise(raw.strip())
        if value not in choices:
            self.fail(key, f"must be one of {', '.join(choices)}; got {raw!r}")
            return None
        return value

    def json_strings(self, key: str, how: str, what: str) -> list[str] | None:
        """The JSON list of strings a `--path 'KEY[0]'` key holds; None (after failing) when it is not one."""
        raw = self.optional(key)
        if raw is None:
            return []
        try:
            data = json.loads(raw)
        except ValueError:
            data = None
        if not isinstance(data, list) or not all(isinstance(item, str) for item in data):
            self.fail(key, f"must be a list{what}; set entries with `{how}`")
            return None
        return data

    def string_list(self, key: str, item: re.Pattern[str], example: str) -> tuple[str, ...]:
        """A list of strings, each matching ``item`` (set with `--path 'KEY[0]'`)."""
        how = f"pulumi config set --plaintext --path '{key}[0]' {example}"
        data = self.json_strings(key, how, "")
        bad = [value for value in data or () if not item.fullmatch(value)]
        if bad:
            self.fail(key, f"{bad[0]!r} is not valid here, e.g. `{how}`")
            return ()
        return tuple(data or ())


def parse_bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value not in ("true", "false"):
        raise ValueError(raw)
    return value == "true"


def whitespace_fix(key: str, how: str, inside: bool = True) -> str:
    where = "contains whitespace" if inside else "has leading or trailing whitespace"
    return f"{where} (often a pasted space or newline); set it again without it: `{how}`"
