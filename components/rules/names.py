"""Name rules: Space secret and variable names, the names the runtime or the Hub own, Hub names, the Space id."""

from __future__ import annotations

import re

#: A Space secret or variable name: it becomes an environment variable of the app (`is_env_name`).
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

#: Names the app's runtime depends on: a Space secret or variable of that name would take over the dynamic
#: loader (LD_*), Python's import path (PYTHON*), the search path for programs, the home folder, or the port
#: the app must listen on (the Docker Spaces runtime sets PORT; hub-docs `spaces-sdks-docker.md`).
RUNTIME_ENV_NAMES = ("PATH", "HOME", "PORT", "LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT", "PYTHONPATH",
                     "PYTHONHOME")
#: Names the Hub itself sets in every Space's environment: hub-docs `spaces-overview.md`, "Helper environment
#: variables" (CPU_CORES, MEMORY, SPACE_AUTHOR_NAME, SPACE_REPO_NAME, SPACE_TITLE, SPACE_ID, SPACE_HOST,
#: SPACE_CREATOR_USER_ID), and with "Sign-in with HF" (`hf_oauth: true`) `spaces-oauth.md`: OAUTH_CLIENT_ID,
#: OAUTH_CLIENT_SECRET, OAUTH_SCOPES, OPENID_PROVIDER_URL (every OAUTH_* name is kept for the Hub).
HUB_ENV_NAMES = ("SPACE_ID", "SPACE_HOST", "SPACE_AUTHOR_NAME", "SPACE_REPO_NAME", "SPACE_TITLE",
                 "SPACE_CREATOR_USER_ID", "CPU_CORES", "MEMORY", "OPENID_PROVIDER_URL")
HUB_ENV_PREFIXES = ("OAUTH_",)

#: Space variables whose name ends like this hold secrets (variables are public): extraSecrets.
SECRET_NAME_SUFFIXES = ("_KEY", "_TOKEN", "_SECRET", "PASSWORD")

_HUB_NAME = re.compile(r"[A-Za-z0-9_.-]{1,96}")


def is_env_name(name: str) -> bool:
    """True when `name` is a valid Space secret or variable name (the whole string matches ENV_NAME)."""
    return ENV_NAME.fullmatch(name) is not None


def reserved_env_name(name: str) -> str | None:
    """Who sets `name` in the app's environment when a Space secret or variable must not (RUNTIME_ENV_NAMES,
    HUB_ENV_NAMES, HUB_ENV_PREFIXES), or None for a name that is the user's to choose."""
    if name in RUNTIME_ENV_NAMES:
        return "the app's runtime depends on it (the container and Python set it)"
    if name in HUB_ENV_NAMES or name.startswith(HUB_ENV_PREFIXES):
        return "the Hub sets it in every Space (its helper and OAuth variables)"
    return None


def secret_like_name(name: str) -> str | None:
    """The suffix that makes a variable name look like a secret's (`_KEY`, `_TOKEN`, ...), or None."""
    return next((s for s in SECRET_NAME_SUFFIXES if name.upper().endswith(s)), None)


def space_id_of(owner: str, name: str) -> str:
    """The Space's repo id, ``owner/name``: the one formula (settings, the Space resource, its provider)."""
    return f"{owner}/{name}"


def hub_name_problem(value: str) -> str | None:
    """Return why ``value`` is not a valid Hub user, org or repo name, or None when it is.

    Rules (huggingface_hub ``validate_repo_id`` and the Hub server): 1-96 ASCII characters from
    ``[A-Za-z0-9_.-]``; no leading or trailing ``-`` or ``.``; no ``--`` or ``..``; no ``.git`` suffix.
    """
    if not _HUB_NAME.fullmatch(value):
        return "must be 1-96 characters from letters, digits, '-', '_' and '.'"
    if value[0] in "-." or value[-1] in "-.":
        return "must not start or end with '-' or '.'"
    if "--" in value or ".." in value:
        return "must not contain '--' or '..'"
    if value.endswith(".git"):
        return "must not end with '.git'"
    return None
