"""A commit of many staged files through Xet (the real huggingface_hub + hf_xet against localhub) uploads them
in batches of `hub.XET_BATCH_BYTES`, one Xet session each, so hf_xet never holds the whole commit in its xorbs
(bench/README.md, "Memory"), and still makes one commit holding every file, byte for byte."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from huggingface_hub import HfApi, hf_hub_download
from huggingface_hub.hf_api import RepoFile

from components.hub import client as hub
from localhub import LocalHub
from tests.hub.conftest import create_space

KIB = 1024
SHARDS = ("POST /cas/v1/shards", "POST /cas/v2/shards")


def staged_files(folder: Path, count: int, size: int) -> dict[str, hub.StagedFile]:
    """``count`` random binary files (stored as LFS/Xet by the Hub's rules) staged as `stage_blobs` does."""
    folder.mkdir()
    uploads = {}
    for i in range(count):
        data = b"\0" + os.urandom(size - 1)
        digest = hashlib.sha256(data).hexdigest()
        (folder / digest).write_bytes(data)
        uploads[f"data/part_{i}.bin"] = hub.StagedFile(str(folder / digest), digest, size)
    return uploads


def shard_uploads(hub_server: LocalHub) -> int:
    requests = hub_server.stats()["requests"]
    return sum(requests.get(route, 0) for route in SHARDS)


@pytest.mark.parametrize("batch_kib, sessions", [(1024, 3), (64 * 1024, 1)])
def test_a_commit_through_xet_uploads_in_batches_and_commits_once(
        fresh_hub: LocalHub, space_id: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        batch_kib: int, sessions: int) -> None:
    api = HfApi(endpoint=fresh_hub.endpoint, token="alice-token")
    create_space(api, space_id)
    uploads = staged_files(tmp_path / "blobs", 6, 400 * KIB)  # 2 fit in 1 MiB: 3 batches
    monkeypatch.setattr(hub, "XET_BATCH_BYTES", batch_kib * KIB)
    fresh_hub.reset_stats()
    revision = hub.commit(api, space_id, uploads={"app/main.py": b"app = None\n", **uploads}, deletions=[],
                          message="deploy", parent=None)
    stats = fresh_hub.stats()
    assert stats["commits"] == {space_id: 1}
    assert shard_uploads(fresh_hub) == sessions  # each Xet session ends with its shard
    for path, staged in uploads.items():
        (entry,) = api.get_paths_info(space_id, [path], repo_type="space", revision=revision)
        assert isinstance(entry, RepoFile) and entry.lfs is not None and entry.lfs.sha256 == staged.sha256
        got = hf_hub_download(space_id, path, repo_type="space", revision=revision, endpoint=fresh_hub.endpoint,
                              token="alice-token", cache_dir=str(tmp_path / "dl"))
        assert Path(got).read_bytes() == Path(staged.path).read_bytes()
