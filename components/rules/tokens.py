"""Token rules: well-known credential formats, and the one rule for finding the Hub token."""

from __future__ import annotations

import re
from collections.abc import Mapping

from components.errors import ConfigError

#: Well-known credential formats (kind, pattern): a variable value matching one is refused.
TOKEN_FORMATS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern)) for kind, pattern in (
        ("Hugging Face token", r"\bhf_[A-Za-z0-9]{30,}"),
        ("OpenAI-style key", r"\bsk-(?:proj-)?[A-Za-z0-9_-]{20,}"),
        ("Stripe key", r"\b[rs]k_(?:live|test)_[A-Za-z0-9]{16,}"),
        ("GitHub token", r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})"),
        ("GitLab token", r"\bglpat-[A-Za-z0-9_-]{20,}"),
        ("AWS access key id", r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
        ("Slack token", r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
        ("Google API key", r"\bAIza[0-9A-Za-z_-]{35}"),
        ("JSON Web Token", r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]+"),
        ("private key", r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
        ("password in a URL", r"[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@"),
    )
)

TOKEN_HINT = "set it with `pulumi config set --secret hfToken hf_...` or export HF_TOKEN"


def token_kind(value: str) -> str | None:
    """The kind of credential `value` holds (a well-known token format), or None."""
    return next((kind for kind, pattern in TOKEN_FORMATS if pattern.search(value)), None)


def has_whitespace(value: str) -> bool:
    """True when `value` holds any whitespace (a pasted space, tab or newline)."""
    return any(c.isspace() for c in value)


def resolve_token(config_value: str | None, env: Mapping[str, str]) -> str:
    """The Hub token: stack config `hfToken` (secret) first, then the HF_TOKEN environment variable.

    The one rule for the program (settings) and every provider: a missing token, or one with whitespace
    (a pasted space or newline), raises a ConfigError naming `hfToken` and HF_TOKEN; never stripped.
    """
    value, source = config_value or None, "hfToken"
    if value is None:
        value, source = env.get("HF_TOKEN") or None, "HF_TOKEN"
    if value is None:
        raise ConfigError("hfToken", f"no Hugging Face token; {TOKEN_HINT}")
    if has_whitespace(value):
        where = "the HF_TOKEN environment variable" if source == "HF_TOKEN" else "the value"
        raise ConfigError("hfToken", f"{where} contains whitespace (a space, tab or pasted newline); "
                          f"{TOKEN_HINT} without it")
    return value
