"""Fixtures for end-to-end tests: localhub running as a subprocess, and a copy of this Pulumi project
driven by the real `pulumi` CLI against it."""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from localhub import serve
from tests.e2e.pulumi_cli import REPO, Stack

OWNER = "alice"
# Xet on, as for every user with hf_xet installed: localhub serves it (routes_xet.py). A caller's
# HF_HUB_DISABLE_XET must not leak into the pulumi plugin processes, which inherit this environment.
os.environ.pop("HF_HUB_DISABLE_XET", None)
PROJECT_FILES = ("Pulumi.yaml", "__main__.py", "components", "templates")


@dataclass
class Hub:
    """A running localhub with one write token for OWNER."""

    handle: Any
    token: str

    @property
    def endpoint(self) -> str:
        return str(self.handle.endpoint)

    def stats(self) -> dict[str, Any]:
        result: dict[str, Any] = self.handle.stats()
        return result

    def reset_stats(self) -> None:
        self.handle.reset_stats()

    def api(self) -> Any:
        from huggingface_hub import HfApi

        return HfApi(endpoint=self.endpoint, token=self.token)


@pytest.fixture(scope="session")
def venv_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One virtualenv cache for every real-builds test, so a requirements set is installed once a run."""
    return tmp_path_factory.mktemp("venvs")


@pytest.fixture
def hub(tmp_path: Path, request: pytest.FixtureRequest, venv_cache: Path) -> Iterator[Hub]:
    """localhub with fast builds, or real pip-installing builds for tests marked ``real_builds``."""
    token = f"hf_{secrets.token_hex(20)}"
    real = request.node.get_closest_marker("real_builds") is not None
    with serve(tmp_path / "hub", tokens={token: OWNER, "hf_readonlytoken0000000000000000000": f"{OWNER}:read",
                                         "hf_bobtoken000000000000000000000000000": "bob"},
               orgs={"acme": [OWNER]}, build_mode="real" if real else "fast",
               venv_cache=venv_cache if real else None) as handle:
        yield Hub(handle, token)


def copy_project(dest: Path, backend: Path | None = None) -> Path:
    """This project's program (not its stacks or state) plus a private copy of the example backend."""
    dest.mkdir(parents=True)
    for name in PROJECT_FILES:
        src = REPO / name
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, dest / name)
    text = (dest / "Pulumi.yaml").read_text().replace("virtualenv: .venv", f"virtualenv: {REPO / '.venv'}")
    (dest / "Pulumi.yaml").write_text(text)
    shutil.copytree(backend or REPO / "examples" / "rag-backend", dest / "backend",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return dest


@pytest.fixture
def project(tmp_path: Path, hub: Hub) -> Stack:
    """A fresh stack of a copy of the project, configured for localhub (health checks off by default)."""
    workdir = copy_project(tmp_path / "project")
    stack = Stack.create(workdir, tmp_path / "state")
    stack.config_set("hfOwner", OWNER)
    stack.config_set("spaceName", "rag-chatbot")
    stack.config_set("hubEndpoint", hub.endpoint)
    stack.config_set("backendDir", "backend")
    stack.config_set("frontendUrl", "https://my-app.example.com")
    stack.config_set("hfToken", hub.token, secret=True)
    stack.config_set("healthCheck", "false")  # fast by default; tests/e2e/test_health.py turns it on
    return stack


def another_stack(first: Stack, hub: Hub, name: str) -> Stack:
    """A second stack `name` of `first`'s project directory and state backend, configured like `project`
    (same owner and Space name, token in secret config)."""
    state_dir = Path(first.env["PULUMI_BACKEND_URL"].removeprefix("file://"))
    stack = Stack.create(first.workdir, state_dir, name)
    for key, value in (("hfOwner", OWNER), ("spaceName", "rag-chatbot"), ("hubEndpoint", hub.endpoint),
                       ("backendDir", "backend"), ("frontendUrl", "https://my-app.example.com"),
                       ("healthCheck", "false")):
        stack.config_set(key, value)
    stack.config_set("hfToken", hub.token, secret=True)
    return stack


def tree_bytes(root: Path) -> bytes:
    """Every regular file under `root`, concatenated (to grep a whole directory for canaries)."""
    return b"".join(p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink())
