"""LFS storage like the Hub (localhub/README.md "2026 behaviours"), driven by the unmodified huggingface_hub
2.4 client: LFS rules with Xet on (the default), and the git-lfs batch API with Xet disabled (`no_xet`)."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path

import httpx
import pytest
from huggingface_hub import HfApi, hf_hub_download
from huggingface_hub.hf_api import RepoFile

from localhub import LocalHub, serve
from localhub.storage import LFS_PATTERNS, git_blob_sha1, lfs_pointer
from tests.hub.conftest import TOKENS, create_space

MIB = 1024 * 1024


def _auth() -> dict[str, str]:
    return {"authorization": "Bearer alice-token"}


def test_new_space_gets_default_gitattributes_and_readme(api: HfApi, hub: LocalHub, space_id: str) -> None:
    create_space(api, space_id)
    assert sorted(api.list_repo_files(space_id, repo_type="space")) == [".gitattributes", "README.md"]
    attributes = Path(hf_hub_download(space_id, ".gitattributes", repo_type="space", endpoint=hub.endpoint,
                                      token="alice-token", cache_dir=str(hub.data_dir / "dl"))).read_text()
    lines = attributes.splitlines()
    assert len(lines) == len(LFS_PATTERNS) == 35
    assert "*.npy filter=lfs diff=lfs merge=lfs -text" in lines and "*.pkl filter=lfs diff=lfs merge=lfs -text" in lines
    card = api.space_info(space_id).card_data
    assert card is not None and card["sdk"] == "docker"


def test_preupload_decides_lfs_like_the_hub(hub: LocalHub, api: HfApi, space_id: str) -> None:
    create_space(api, space_id)
    binary = os.urandom(512)
    files = [
        {"path": "model.pkl", "size": 10, "sample": base64.b64encode(b"plain text").decode()},  # pattern
        {"path": "img/photo.png", "size": 2 * MIB, "sample": base64.b64encode(binary).decode()},  # binary > 1 MiB
        {"path": "corpus.txt", "size": 20 * MIB, "sample": base64.b64encode(b"a" * 512).decode()},  # > 10 MiB
        {"path": "icon.png", "size": 512, "sample": base64.b64encode(binary).decode()},  # small binary
        {"path": "notes.txt", "size": 2 * MIB, "sample": base64.b64encode(b"b" * 512).decode()},  # text 2 MiB
    ]
    r = httpx.post(f"{hub.endpoint}/api/spaces/{space_id}/preupload/main", json={"files": files}, headers=_auth())
    modes = {f["path"]: f["uploadMode"] for f in r.json()["files"]}
    assert modes == {"model.pkl": "lfs", "img/photo.png": "lfs", "corpus.txt": "lfs", "icon.png": "regular",
                     "notes.txt": "regular"}


@pytest.mark.parametrize(("path", "content"), [("weights.pkl", b"tiny"), ("photo.png", b"\0" * (2 * MIB))])
def test_inline_upload_of_an_lfs_file_is_refused(hub: LocalHub, api: HfApi, space_id: str, path: str,
                                                 content: bytes) -> None:
    create_space(api, space_id)
    lines = [{"key": "header", "value": {"summary": "inline"}},
             {"key": "file", "value": {"path": path, "encoding": "base64",
                                       "content": base64.b64encode(content).decode()}}]
    body = "\n".join(json.dumps(line) for line in lines).encode()
    r = httpx.post(f"{hub.endpoint}/api/spaces/{space_id}/commit/main", content=body,
                   headers={**_auth(), "content-type": "application/x-ndjson"})
    assert r.status_code == 400 and "Your push was rejected" in r.json()["error"]
    assert path not in api.list_repo_files(space_id, repo_type="space")


def test_small_pattern_file_goes_through_lfs_with_the_client(api: HfApi, hub: LocalHub, space_id: str) -> None:
    create_space(api, space_id)
    api.upload_file(path_or_fileobj=b"pickle bytes", path_in_repo="model.pkl", repo_id=space_id, repo_type="space")
    (entry,) = api.get_paths_info(space_id, ["model.pkl"], repo_type="space")
    assert isinstance(entry, RepoFile) and entry.lfs is not None
    assert entry.lfs.sha256 == hashlib.sha256(b"pickle bytes").hexdigest()


def _peak_rss_reset(pid: int) -> None:
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # resets VmHWM (peak RSS) to the current RSS


def _rss_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(field)


@pytest.mark.timeout(300)
def test_50_mib_random_file_round_trip_with_flat_memory(tmp_path: Path, no_xet: None) -> None:
    data = os.urandom(50 * MIB)
    source = tmp_path / "data.bin"
    source.write_bytes(data)
    sha = hashlib.sha256(data).hexdigest()
    with serve(tmp_path / "hub", tokens=TOKENS) as hub:
        assert hub.process is not None
        pid = hub.process.pid
        api = HfApi(endpoint=hub.endpoint, token="alice-token")
        create_space(api, "alice/big")
        _peak_rss_reset(pid)
        base = _rss_kib(pid, "VmRSS")
        api.upload_file(path_or_fileobj=str(source), path_in_repo="data/corpus.dat", repo_id="alice/big",
                        repo_type="space")
        downloaded = hf_hub_download("alice/big", "data/corpus.dat", repo_type="space", endpoint=hub.endpoint,
                                     token="alice-token", cache_dir=str(tmp_path / "cache"))
        peak_growth_mib = (_rss_kib(pid, "VmHWM") - base) / 1024
        stats = hub.stats()
        tree = {e.path: e for e in api.list_repo_tree("alice/big", repo_type="space", recursive=True)}
    assert hashlib.sha256(Path(downloaded).read_bytes()).hexdigest() == sha
    entry = tree["data/corpus.dat"]
    assert isinstance(entry, RepoFile) and entry.lfs is not None
    assert entry.lfs.sha256 == sha and entry.lfs.size == len(data)
    assert entry.blob_id == git_blob_sha1(lfs_pointer(sha, len(data)))  # the pointer's git blob id
    assert entry.lfs.pointer_size == len(lfs_pointer(sha, len(data)))
    assert stats["requests"]["PUT /_lfs/upload/{object}"] == 1
    assert stats["request_bytes"] >= len(data)
    # 50 MiB went up and down; streamed, localhub's peak RSS grows by far less than the file.
    print(f"localhub peak RSS growth: {peak_growth_mib:.1f} MiB")
    assert peak_growth_mib < 20, f"localhub peak RSS grew {peak_growth_mib:.1f} MiB"
