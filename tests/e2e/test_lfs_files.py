"""Binary and large files end to end with the real pulumi CLI: a backend holding a .npy, a .pkl, a 3 MiB
binary and a 12 MiB model deploys in one commit through Xet (hf_xet on, the default), every file reads back
byte for byte through a Xet client and through a client without Xet, the tree lists a xetHash for each;
refresh then `preview --expect-no-changes` are clean (no false drift from pointer oids); a 100-byte edit of
the model is one commit that sends little (chunk dedup). Storage faults and a refused Xet token are
handled like HTTP ones. With Xet disabled, the same backend goes through git-LFS."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import hf_xet
import pytest
from huggingface_hub import constants, hf_hub_download
from huggingface_hub.hf_api import RepoFile

from tests.e2e.conftest import OWNER, Hub
from tests.e2e.pulumi_cli import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]
SPACE = f"{OWNER}/rag-chatbot"
MIB = 1024 * 1024
XORBS = "POST /cas/v1/xorbs/{prefix}/{xorb}"


def _write(path: Path, data: bytes) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def _binary_backend(backend: Path) -> dict[str, str]:
    return {
        "app/models/vectors.npy": _write(backend / "app/models/vectors.npy", b"\x93NUMPY\x01\x00" + bytes(3000)),
        "app/models/clf.pkl": _write(backend / "app/models/clf.pkl", b"\x80\x04\x95" + os.urandom(4000)),
        "app/static/sprites.bin": _write(backend / "app/static/sprites.bin", os.urandom(3 * MIB)),
        "app/models/model.safetensors": _write(backend / "app/models/model.safetensors", os.urandom(12 * MIB)),
    }


def _cas_bytes(stats: dict[str, object]) -> int:
    by_route = stats["request_bytes_by_route"]
    assert isinstance(by_route, dict)
    return sum(int(n) for route, n in by_route.items() if " /cas/" in route)


def test_binary_backend_deploys_through_xet_and_a_small_edit_sends_little(
        project: Stack, hub: Hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    backend = project.workdir / "backend"
    expected = _binary_backend(backend)
    preview = project.preview()
    assert "4 file(s) will be stored as LFS/Xet on the Hub" in preview.stdout + preview.stderr
    assert hub.stats()["write_requests"] == 0

    up = project.up()
    stats = hub.stats()
    assert stats["commits"] == {SPACE: 1}
    assert stats["requests"][XORBS] >= 1 and "PUT /_lfs/upload/{object}" not in stats["requests"]
    assert "Processing Files" not in up.stderr + up.stdout and "New Data Upload" not in up.stderr  # no bars
    tree = {e.path: e for e in hub.api().list_repo_tree(SPACE, repo_type="space", recursive=True)}
    for path, sha in expected.items():
        entry = tree[path]
        assert isinstance(entry, RepoFile) and entry.lfs is not None and entry.lfs.sha256 == sha, path
        (local,) = hf_xet.hash_files([str(backend / path)])
        assert entry.xet_hash == local.hash, path
    for xet_on in (True, False):
        monkeypatch.setattr(constants, "HF_HUB_DISABLE_XET", not xet_on)
        for path in expected:
            got = hf_hub_download(SPACE, path, repo_type="space", endpoint=hub.endpoint, token=hub.token,
                                  cache_dir=str(tmp_path / f"dl-{xet_on}"))
            assert Path(got).read_bytes() == (backend / path).read_bytes(), (path, xet_on)
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_XET", False)

    # Refresh compares LFS/Xet files by sha256: nothing drifted, nothing to do.
    hub.reset_stats()
    project.refresh()
    project.preview("--expect-no-changes")
    assert hub.stats()["mutating_requests"] == 0

    # 100 bytes of the 12 MiB model edited: one commit of that file, a few chunks sent.
    model = backend / "app/models/model.safetensors"
    data = bytearray(model.read_bytes())
    data[5 * MIB : 5 * MIB + 100] = os.urandom(100)
    model.write_bytes(bytes(data))
    hub.reset_stats()
    project.up()
    stats = hub.stats()
    assert stats["commits"] == {SPACE: 1}
    print(f"100-byte edit of 12 MiB: {stats['request_bytes']} bytes received by localhub, "
          f"{_cas_bytes(stats)} by its CAS")
    assert _cas_bytes(stats) <= stats["request_bytes"] <= 2 * MIB
    (entry,) = hub.api().get_paths_info(SPACE, ["app/models/model.safetensors"], repo_type="space")
    assert isinstance(entry, RepoFile) and entry.lfs is not None
    assert entry.lfs.sha256 == hashlib.sha256(data).hexdigest()


def test_storage_faults_converge_in_one_run_and_refused_tokens_say_so(project: Stack, hub: Hub) -> None:
    _binary_backend(project.workdir / "backend")
    hub.handle.set_faults(rate=0.5, statuses=[429, 503], routes=["POST /cas/v1/xorbs/*"], retry_after=1, seed=4)
    project.up()
    stats = hub.stats()
    assert stats["faults_injected"] >= 1 and stats["commits"] == {SPACE: 1}
    hub.handle.clear_faults()

    model = project.workdir / "backend/app/models/model.safetensors"
    model.write_bytes(model.read_bytes()[:-100] + os.urandom(100))
    hub.handle.set_faults(next=50, statuses=[403], routes=["GET /api/*/xet-write-token/*"])
    failed = project.up(check=False)
    assert failed.returncode != 0
    assert "permission denied (403). Use a token with write access" in failed.stdout + failed.stderr
    hub.handle.clear_faults()
    project.config_set("hfToken", "hf_readonlytoken0000000000000000000", secret=True)  # a read-only Hub token
    failed = project.up(check=False)
    assert failed.returncode != 0
    assert "permission denied (403). Use a token with write access" in failed.stdout + failed.stderr
    project.config_set("hfToken", hub.token, secret=True)
    hub.reset_stats()
    project.up()
    assert hub.stats()["commits"] == {SPACE: 1}


def test_without_xet_binary_files_go_through_git_lfs(project: Stack, hub: Hub) -> None:
    project.env["HF_HUB_DISABLE_XET"] = "1"  # a client with Xet disabled
    expected = _binary_backend(project.workdir / "backend")
    project.up()
    stats = hub.stats()
    assert stats["commits"] == {SPACE: 1} and stats["requests"]["PUT /_lfs/upload/{object}"] == 4
    assert not any(" /cas/" in route for route in stats["requests"])
    tree = {e.path: e for e in hub.api().list_repo_tree(SPACE, repo_type="space", recursive=True)}
    for path, sha in expected.items():
        entry = tree[path]
        assert isinstance(entry, RepoFile) and entry.lfs is not None and entry.lfs.sha256 == sha, path
    hub.reset_stats()
    project.refresh()
    project.preview("--expect-no-changes")
    assert hub.stats()["mutating_requests"] == 0
