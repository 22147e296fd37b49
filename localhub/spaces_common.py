"""Space constants and validation shared by the repo and Space routes."""

from __future__ import annotations

import re

from localhub.errors import bad_request

HARDWARE = (
    "cpu-basic", "cpu-upgrade", "cpu-performance", "cpu-xl", "zero-a10g", "t4-small", "t4-medium", "l4x1",
    "l4x4", "l40sx1", "l40sx4", "l40sx8", "a10g-small", "a10g-large", "a10g-largex2", "a10g-largex4",
    "a100-large", "a100x4", "a100x8", "h100", "h100x8", "rtx-pro-6000", "rtx-pro-6000x2",
    "rtx-pro-6000x4", "rtx-pro-6000x8",
)  # fmt: skip
_ENV_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def check_env_key(key: str) -> str:
    """Secret and variable keys become environment variables of the app, so they must be valid names."""
    if not _ENV_KEY.fullmatch(key):  # not `match` with `$`, which also accepts a trailing newline
        raise bad_request(f"Invalid key {key!r}: use letters, digits and '_' (not starting with a digit)")
    return key
