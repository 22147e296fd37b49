"""`hub.commit` through Xet, against localhub's CAS with the real huggingface_hub + hf_xet: one commit for
every file the Hub stores as LFS, whatever its size; progress from hf_xet's reports, no bars on stderr;
hf_xet failures explained like HTTP ones (refused token, storage 5xx, unreachable storage host)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from huggingface_hub import HfApi, constants
from huggingface_hub.utils._xet import abort_xet_session

from components.hub import client as hub
from localhub import LocalHub, serve

MIB = 1 << 20
SPACE = "alice/demo"


@pytest.fixture
def local(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalHub]:
    monkeypatch.delenv("HF_HUB_DISABLE_XET", raising=False)
    monkeypatch.delenv("HF_HUB_DISABLE_PROGRESS_BARS", raising=False)
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_XET", False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    # A short hf_xet retry budget for the failure tests; a new hf_xet session reads it.
    monkeypatch.setenv("HF_XET_CLIENT_RETRY_MAX_DURATION", "4s")
    monkeypatch.setenv("HF_XET_CLIENT_RETRY_MAX_ATTEMPTS", "2")
    abort_xet_session()
    with serve(tmp_path / "hub", tokens={"tok": "alice", "ro": "alice:read"}, in_process=True) as server:
        HfApi(endpoint=server.endpoint, token="tok").create_repo(SPACE, repo_type="space", space_sdk="docker")
        yield server
    abort_xet_session()


def _staged(tmp_path: Path, name: str, data: bytes) -> hub.StagedFile:
    blob = tmp_path / name
    blob.write_bytes(data)
    return hub.StagedFile(str(blob), hashlib.sha256(data).hexdigest(), len(data))


def _uploads(tmp_path: Path) -> dict[str, bytes | hub.StagedFile]:
    return {"model.bin": _staged(tmp_path, "model", os.urandom(12 * MIB)), "small.pkl": b"\x80\x04" + os.urandom(900),
            "app.py": b"print('hi')\n"}


def test_a_commit_with_a_big_file_goes_through_xet_in_one_commit(local: LocalHub, tmp_path: Path,
                                                                 capfd: pytest.CaptureFixture[str]) -> None:
    api = HfApi(endpoint=local.endpoint, token="tok")
    lines: list[str] = []
    hub.commit(api, SPACE, uploads=_uploads(tmp_path), deletions=[], message="m", parent=None,
               on_progress=lines.append, progress_every=0.05)
    stats = local.stats()
    assert stats["commits"] == {SPACE: 1}
    assert stats["request_bytes_by_route"]["POST /cas/v1/xorbs/{prefix}/{xorb}"] >= 12 * MIB
    assert not any("lfs/objects/batch" in route for route in stats["requests"])
    entries = {e.path: e for e in api.get_paths_info(SPACE, ["model.bin", "small.pkl"], repo_type="space")}
    assert all(getattr(entries[p], "xet_hash", None) for p in ("model.bin", "small.pkl"))
    assert lines and any("through Xet" in line and "of 12.0 MiB" in line for line in lines), lines
    assert capfd.readouterr().err == ""  # no progress bar drawn


def test_a_refused_xet_token_gets_the_token_message(local: LocalHub, tmp_path: Path) -> None:
    local.set_faults(next=20, statuses=[403], routes=["GET /api/*/xet-write-token/*"])
    api = HfApi(endpoint=local.endpoint, token="tok")
    with pytest.raises(hub.HubError) as err:
        hub.commit(api, SPACE, uploads={"w.bin": os.urandom(2 * MIB)}, deletions=[], message="m", parent=None)
    assert err.value.status == 403 and "Use a token with write access" in str(err.value)
    assert not hub.retryable(err.value)


def test_storage_5xx_after_hf_xets_retries_is_retryable(local: LocalHub, tmp_path: Path) -> None:
    local.set_faults(rate=1.0, statuses=[503], routes=["POST /cas/v1/xorbs/*"])
    api = HfApi(endpoint=local.endpoint, token="tok")
    with pytest.raises(hub.HubError) as err:
        hub.commit(api, SPACE, uploads={"w.bin": os.urandom(2 * MIB)}, deletions=[], message="m", parent=None)
    assert err.value.status == 503 and "Xet storage" in str(err.value) and hub.retryable(err.value)
    assert local.stats()["commits"] == {}


def test_an_unreachable_storage_host_is_named(local: LocalHub, tmp_path: Path) -> None:
    assert local.hub is not None
    local.hub.settings.cas_url = "http://127.0.0.1:9/cas"  # nothing listens on the discard port
    api = HfApi(endpoint=local.endpoint, token="tok")
    with pytest.raises(hub.HubError) as err:
        hub.commit(api, SPACE, uploads={"w.bin": os.urandom(2 * MIB)}, deletions=[], message="m", parent=None)
    assert "cannot reach the Hub's Xet storage at http://127.0.0.1:9" in str(err.value)
    assert err.value.transient and hub.retryable(err.value)


def test_without_xet_the_commit_takes_git_lfs(local: LocalHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capfd: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_XET", True)
    api = HfApi(endpoint=local.endpoint, token="tok")
    lines: list[str] = []
    hub.commit(api, SPACE, uploads=_uploads(tmp_path), deletions=[], message="m", parent=None,
               on_progress=lines.append, progress_every=0.05)
    stats = local.stats()
    assert stats["commits"] == {SPACE: 1} and stats["requests"]["PUT /_lfs/upload/{object}"] == 2
    assert not any(route.startswith("POST /cas/") for route in stats["requests"])
    assert capfd.readouterr().err == ""


BLOCK_HF_XET = '''
import importlib.abc, sys
from importlib.machinery import PathFinder

class _NoHfXet(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "hf_xet" or name.startswith("hf_xet."):
            raise ModuleNotFoundError("No module named 'hf_xet'", name=name)
        return None

sys.meta_path.insert(0, _NoHfXet())
_find = PathFinder.find_distributions
PathFinder.find_distributions = staticmethod(  # and no hf-xet distribution metadata either
    lambda *a, **k: (d for d in _find(*a, **k) if d.metadata["Name"].lower().replace("_", "-") != "hf-xet"))
'''
COMMIT_IN_CHILD = '''
import hashlib, sys
from components.hub import client as hub
from huggingface_hub import HfApi
from huggingface_hub.utils._runtime import is_xet_available
assert not is_xet_available()
try:
    import hf_xet  # noqa: F401
    raise SystemExit("hf_xet still importable")
except ModuleNotFoundError:
    pass
data = open(sys.argv[2], "rb").read()
staged = hub.StagedFile(sys.argv[2], hashlib.sha256(data).hexdigest(), len(data))
hub.commit(HfApi(endpoint=sys.argv[1], token="tok"), "alice/demo", uploads={"model.bin": staged,
           "small.pkl": b"pickle"}, deletions=[], message="m", parent=None)
'''


def test_without_hf_xet_installed_the_commit_takes_git_lfs(local: LocalHub, tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(BLOCK_HF_XET)
    blob = tmp_path / "model"
    blob.write_bytes(os.urandom(9 * MIB))
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": f"{site}{os.pathsep}{root}"}
    env.pop("HF_HUB_DISABLE_XET", None)
    run = subprocess.run([sys.executable, "-c", COMMIT_IN_CHILD, local.endpoint, str(blob)], env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""  # no progress bar, no Xet fallback warning
    stats = local.stats()
    assert stats["commits"] == {SPACE: 1} and stats["requests"]["PUT /_lfs/upload/{object}"] == 2
    assert not any(route.startswith("POST /cas/") or "xet-" in route for route in stats["requests"])
