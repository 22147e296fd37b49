"""Fixtures: a localhub server (subprocess, shared per session) and real `huggingface_hub` clients."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from huggingface_hub import CommitOperationAdd, HfApi, constants

from localhub import LocalHub, serve

TOKENS = {
    "alice-token": "alice",
    "alice-read": "alice:read",
    "bob-token": "bob",
    "fred-token": "fred:free",  # a free account (no PRO, no payment method)
}
# acme: a paid Team org with a free member (fred); hobby: an org without a paid plan.
ORGS = {"acme": ["alice", "fred"], "hobby": ["alice", "fred:free"]}
INTERMEDIATE = ("BUILDING", "APP_STARTING", "RUNNING_BUILDING", "RUNNING_APP_STARTING")

README = b"---\ntitle: Demo\nsdk: docker\napp_port: 7860\n---\n# Demo\n"
DOCKERFILE = b"""FROM python:3.11-slim
RUN useradd -m -u 1000 user
USER user
ENV HOME=/home/user PATH=/home/user/.local/bin:$PATH
WORKDIR /home/user/app
COPY --chown=user requirements.txt .
COPY --chown=user . .
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "7860"]
"""
APP = b"""import os
from fastapi import FastAPI

app = FastAPI()


@app.get("/api/health")
def health():
    return {"status": "ok", "secret": os.environ.get("API_KEY"), "var": os.environ.get("MODE")}
"""


def app_files(**overrides: bytes) -> dict[str, bytes]:
    """A minimal, valid FastAPI Docker Space; ``overrides`` replace files by path (``app_main`` -> ``app/main.py``)."""
    files = {
        "README.md": README,
        "Dockerfile": DOCKERFILE,
        "requirements.txt": b"fastapi\nuvicorn\n",
        "app/__init__.py": b"",
        "app/main.py": APP,
    }
    files.update({k.replace("app_main", "app/main.py"): v for k, v in overrides.items()})
    return files


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    for var in ("HF_TOKEN", "HF_ENDPOINT", "HUGGING_FACE_HUB_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    # Xet on, as for every user with hf_xet installed (HFH-2.4 _commit_api._upload_files reads this constant at
    # call time); tests of the git-LFS path use the `no_xet` fixture.
    monkeypatch.delenv("HF_HUB_DISABLE_XET", raising=False)
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_XET", False)


@pytest.fixture
def no_xet(monkeypatch: pytest.MonkeyPatch) -> None:
    """A client with Xet disabled (``HF_HUB_DISABLE_XET=1``): it uploads through the git-lfs batch API."""
    monkeypatch.setenv("HF_HUB_DISABLE_XET", "1")
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_XET", True)


@pytest.fixture(scope="session")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalHub]:
    """One localhub subprocess for the session (tests use unique repo names)."""
    with serve(tmp_path_factory.mktemp("localhub"), tokens=TOKENS, orgs=ORGS) as server:
        yield server


@pytest.fixture
def fresh_hub(tmp_path: Path) -> Iterator[LocalHub]:
    """A private in-process localhub, for tests that change global state (faults, limits, stats)."""
    with serve(tmp_path / "data", tokens=TOKENS, orgs=ORGS, in_process=True, fault_seed=1) as server:
        yield server


@pytest.fixture
def api(hub: LocalHub) -> HfApi:
    return HfApi(endpoint=hub.endpoint, token="alice-token")


@pytest.fixture
def space_id() -> str:
    return f"alice/space-{uuid.uuid4().hex[:10]}"


def create_space(api: HfApi, repo_id: str, **kwargs: object) -> None:
    api.create_repo(repo_id, repo_type="space", space_sdk="docker", **kwargs)  # type: ignore[arg-type]


def commit_files(api: HfApi, repo_id: str, files: dict[str, bytes], message: str = "deploy") -> str:
    ops = [CommitOperationAdd(path, content) for path, content in files.items()]
    return api.create_commit(repo_id, ops, commit_message=message, repo_type="space").oid


def wait_stage(api: HfApi, repo_id: str, timeout: float = 60, revision: str | None = None) -> str:
    """Poll the runtime until it leaves the intermediate stages; return the stage.

    With ``revision`` (a commit just made), a RUNNING that still reports another commit's ``sha`` is the
    previous build (localhub's old-RUNNING window) and does not count."""
    deadline = time.monotonic() + timeout

    def waiting() -> tuple[bool, str]:
        runtime = api.get_space_runtime(repo_id)
        stale = revision is not None and runtime.stage == "RUNNING" and runtime.raw.get("sha") != revision
        return runtime.stage in INTERMEDIATE or stale, str(runtime.stage)

    busy, stage = waiting()
    while busy and time.monotonic() < deadline:
        time.sleep(0.1)
        busy, stage = waiting()
    return stage


def space_host(api: HfApi, repo_id: str) -> str:
    """Where the Space serves (`space_info().host`, which the client types as optional)."""
    host = api.space_info(repo_id).host
    assert host, f"{repo_id} has no host"
    return host
