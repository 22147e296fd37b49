"""The server state shared by every route, and the repo lookup / permission helpers routes use."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.requests import Request

from localhub.auth import Auth, Principal
from localhub.cas import CasStore
from localhub.errors import HubError, bad_request, repo_not_found
from localhub.faults import Faults
from localhub.ratelimit import CommitLimiter
from localhub.runtime import DEFAULT_BUILD_SECONDS, Runtime, RuntimeConfig
from localhub.stats import Stats
from localhub.storage import RepoKey, Store

REPO_TYPES = ("space", "model", "dataset")
_NAME = re.compile(r"^(?![-.])[A-Za-z0-9_.-]{1,96}(?<![-.])$")
NAME_RULES = (
    "Only regular characters and '-', '_', '.' are accepted. '--' and '..' are forbidden. "
    "'-' and '.' cannot start or end the name. The name cannot end with \".git\". Max length is 96."
)


def validate_name(part: str) -> None:
    if not _NAME.match(part) or "--" in part or ".." in part or part.endswith(".git"):
        raise bad_request(f"Invalid repo name {part!r}: {NAME_RULES}")


@dataclass
class Settings:
    """Everything the CLI or ``serve()`` configures."""

    data_dir: Path
    tokens: dict[str, str] = field(default_factory=dict)
    orgs: dict[str, list[str]] = field(default_factory=dict)
    admin_token: str | None = None
    commit_limit: int = 128
    build_delay_seconds: float = DEFAULT_BUILD_SECONDS
    startup_timeout_seconds: float = 120.0
    fault_seed: int | None = None
    #: Largest LFS object accepted (the Hub's per-file limit is 50 GB; localhub streams, so any size works).
    max_lfs_bytes: int = 50 * 1024**3
    #: ``real``: pip-install the Space's requirements into a cached virtualenv; ``fast``: localhub's Python.
    build_mode: str = "fast"
    #: Where the per-requirements virtualenvs are cached (default ``DATA_DIR/venvs``).
    venv_cache: Path | None = None
    #: Seconds the previous build keeps reporting RUNNING after a commit before BUILDING shows.
    running_window_seconds: float = 1.0
    #: Idle seconds before a RUNNING Space goes SLEEPING; None: the Space's own sleep time (gcTimeout).
    sleep_after_seconds: float | None = None
    #: The ``casUrl`` Xet tokens name (default: this server's ``/cas``); another value tests an unreachable CAS.
    cas_url: str | None = None


@dataclass
class Repo:
    """A looked-up repo: key, metadata and the caller."""

    key: RepoKey
    meta: dict[str, Any]
    principal: Principal | None


class Hub:
    """Store, Xet CAS, auth, runtime, stats, faults and limits of one localhub server."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = Store(Path(settings.data_dir))
        self.auth = Auth.from_specs(settings.tokens, settings.orgs)
        self.stats = Stats()
        self.faults = Faults(settings.fault_seed)
        self.limiter = CommitLimiter(settings.commit_limit)
        self.lfs_secret = os.urandom(32)
        self.cas = CasStore(self.store)
        self.store.xet_index = self.cas.file_for_sha256
        config = RuntimeConfig(
            settings.build_delay_seconds,
            settings.startup_timeout_seconds,
            settings.running_window_seconds,
            -1.0 if settings.sleep_after_seconds is None else settings.sleep_after_seconds,
            settings.build_mode,
            str((settings.venv_cache or Path(settings.data_dir) / "venvs").resolve()),
        )
        self.runtime = Runtime(self.store, self.stats, Path(settings.data_dir), config, self.auth)

    def repo(self, request: Request, repo_type: str, namespace: str, name: str, write: bool = False) -> Repo:
        """The repo, enforcing visibility (404 RepoNotFound) and, with ``write``, write permission."""
        principal = self.auth.principal(request)
        if repo_type not in REPO_TYPES:
            raise HubError(404, f"Unknown repo type {repo_type!r}")
        key = self.store.find_repo(RepoKey(repo_type, namespace, name))  # ids are case-insensitive
        meta = self.store.get_meta(key) if key else None
        if key is None or meta is None:
            raise repo_not_found(f"{namespace}/{name}", anonymous=principal is None)
        private = bool(meta.get("private"))
        if write:
            self.auth.check_write(principal, key.namespace, private, key.repo_id)
        else:
            self.auth.check_read(principal, key.namespace, private, key.repo_id)
        return Repo(key, meta, principal)

    def space(self, request: Request, namespace: str, name: str, write: bool = False) -> Repo:
        return self.repo(request, "space", namespace, name, write)


def hub_of(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


def body_bytes(request: Request) -> bytes:
    """The request body, buffered by the accounting middleware (so sync routes can read it)."""
    body: bytes = request.scope.get("localhub.body", b"")
    return body


def json_body(request: Request) -> dict[str, Any]:
    raw = body_bytes(request)
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as e:
        raise bad_request(f"Invalid JSON body: {e}") from e
    if not isinstance(data, dict):
        raise bad_request("The JSON body must be an object")
    return data


def endpoint(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def web_prefix(repo_type: str) -> str:
    """URL prefix of a repo type on the website: ``spaces/``, ``datasets/`` or nothing for models."""
    return "" if repo_type == "model" else f"{repo_type}s/"


def flag(value: str | None) -> bool:
    """Query/form booleans arrive as ``true``/``True``/``1``."""
    return (value or "").lower() in ("1", "true", "yes")
