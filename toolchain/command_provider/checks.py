"""Input validation and defaults, as pulumi-go-provider's `infer` default `Check` does for Command/run."""

from __future__ import annotations

from typing import Any

from .local_command import LOGGING_VALUES
from .values import UNKNOWN, contains_unknown, unwrap

_STRING_KEYS = ("create", "update", "delete", "dir", "stdin", "command")
_STRING_LIST_KEYS = ("interpreter", "assetPaths", "archivePaths")


def _problem(key: str, value: Any) -> str | None:
    """Why `value` (plain, known) is not valid for input `key`, or None."""
    if key in _STRING_KEYS and not isinstance(value, str):
        return f"{key} must be a string"
    if key in _STRING_LIST_KEYS and not (isinstance(value, list)
                                         and all(isinstance(v, str) or v == UNKNOWN for v in value)):
        return f"{key} must be a list of strings"
    if key == "environment" and not (isinstance(value, dict)
                                     and all(isinstance(v, str) for v in value.values())):
        return "environment must be a map of strings"
    if key == "addPreviousOutputInEnv" and not isinstance(value, bool):
        return "addPreviousOutputInEnv must be a boolean"
    if key == "logging" and value not in LOGGING_VALUES:
        return f"logging must be one of {', '.join(LOGGING_VALUES)}"
    if key == "triggers" and not isinstance(value, list):
        return "triggers must be a list"
    return None


Failures = list[tuple[str, str]]


def check(news: dict[str, Any], *, require_command: bool = False) -> tuple[dict[str, Any], Failures]:
    """Checked inputs (news with defaults applied, secrets kept) and [(property, reason)] failures."""
    failures: Failures = []
    for key, wire in news.items():
        value = unwrap(wire)
        if value is None or value == UNKNOWN:
            continue
        problem = _problem(key, value)
        if problem and not (key == "environment" and contains_unknown(value)):
            failures.append((key, problem))
    if require_command and unwrap(news.get("command")) is None:
        failures.append(("command", "missing required property 'command'"))
    checked = {k: v for k, v in news.items() if v is not None}
    checked.setdefault("addPreviousOutputInEnv", True)
    return checked, failures
