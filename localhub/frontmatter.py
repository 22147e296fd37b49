"""README.md YAML front matter (the Space's card data)."""

from __future__ import annotations

from typing import Any

import yaml


class FrontMatterError(ValueError):
    """The README front matter is not valid YAML mapping."""


def parse(text: str) -> dict[str, Any] | None:
    """The front matter mapping, None when the README has none; FrontMatterError when it is invalid."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != "---":
        return None
    for i, line in enumerate(lines[1:], start=1):
        if line.strip() == "---":
            try:
                data = yaml.safe_load("\n".join(lines[1:i]))
            except yaml.YAMLError as e:
                raise FrontMatterError(f"Invalid YAML in README.md front matter: {e}") from e
            if data is None:
                return {}
            if not isinstance(data, dict):
                raise FrontMatterError("README.md front matter must be a YAML mapping")
            return data
    raise FrontMatterError("README.md front matter is not closed by a '---' line")


def parse_lenient(text: str) -> dict[str, Any] | None:
    try:
        return parse(text)
    except FrontMatterError:
        return None
