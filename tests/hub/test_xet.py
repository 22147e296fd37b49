"""Xet like the Hub (localhub/routes_xet.py, cas.py): the token routes and the CAS service, driven by the
unmodified huggingface_hub 2.4 client with hf_xet 1.8; expected hashes come from hf_xet's own `hash_files`."""

from __future__ import annotations

import hashlib
import json
import os
import random
import struct
import subprocess
import sys
import time
from pathlib import Path

import hf_xet
import httpx
import pytest
from huggingface_hub import HfApi, constants, hf_hub_download
from huggingface_hub.hf_api import RepoFile

from localhub import LocalHub
from tests.hub.conftest import create_space

MIB = 1024 * 1024
ROOT = Path(__file__).resolve().parents[2]
CAS_XORB = "POST /cas/v1/xorbs/{prefix}/{xorb}"


def _auth(token: str = "alice-token") -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def _xet_hash(path: Path) -> str:
    (info,) = hf_xet.hash_files([str(path)])
    return str(info.hash)


def _upload_in_fresh_client(hub: LocalHub, repo_id: str, source: Path, home: Path, path_in_repo: str) -> None:
    """Upload from a new process with its own HF_HOME: no Xet session or local shard cache carried over."""
    code = ("import sys; from huggingface_hub import HfApi; HfApi(endpoint=sys.argv[1], token='alice-token')"
            ".upload_file(path_or_fileobj=sys.argv[3], path_in_repo=sys.argv[4], repo_id=sys.argv[2], "
            "repo_type='space')")
    env = {k: v for k, v in os.environ.items() if k != "HF_HUB_DISABLE_XET"}
    env.update(HF_HOME=str(home), HF_HUB_DISABLE_PROGRESS_BARS="1", PYTHONPATH=str(ROOT))
    subprocess.run([sys.executable, "-c", code, hub.endpoint, repo_id, str(source), path_in_repo], env=env,
                   check=True, timeout=120)


def test_write_token_answers_like_the_hub(hub: LocalHub, api: HfApi, space_id: str) -> None:
    create_space(api, space_id)
    r = httpx.get(f"{hub.endpoint}/api/spaces/{space_id}/xet-write-token/main", headers=_auth())
    body = r.json()
    assert r.status_code == 200 and set(body) == {"accessToken", "exp", "casUrl"}
    assert r.headers["X-Xet-Cas-Url"] == body["casUrl"] == f"{hub.endpoint}/cas"
    assert r.headers["X-Xet-Access-Token"] == body["accessToken"]
    assert int(r.headers["X-Xet-Token-Expiration"]) == body["exp"] > time.time() + 600
    read = httpx.get(f"{hub.endpoint}/api/spaces/{space_id}/xet-read-token/main", headers=_auth("alice-read"))
    assert read.status_code == 200 and read.json()["accessToken"]


def test_tokens_follow_the_hub_tokens_rights(hub: LocalHub, api: HfApi, space_id: str) -> None:
    create_space(api, space_id)
    base = f"{hub.endpoint}/api/spaces/{space_id}"
    assert httpx.get(f"{base}/xet-write-token/main", headers=_auth("alice-read")).status_code == 403
    assert httpx.get(f"{base}/xet-write-token/main", headers=_auth("bob-token")).status_code == 403
    assert httpx.get(f"{base}/xet-write-token/main").status_code == 401
    assert httpx.get(f"{base}/xet-write-token/nobranch", headers=_auth()).status_code == 404
    missing = httpx.get(f"{hub.endpoint}/api/spaces/alice/no-such-space/xet-read-token/main", headers=_auth())
    assert missing.status_code == 404 and missing.headers["X-Error-Code"] == "RepoNotFound"


def test_read_token_cannot_upload_to_the_cas(hub: LocalHub, api: HfApi, space_id: str) -> None:
    create_space(api, space_id)
    token = httpx.get(f"{hub.endpoint}/api/spaces/{space_id}/xet-read-token/main", headers=_auth()).json()
    r = httpx.post(f"{token['casUrl']}/v1/shards", content=b"x", headers=_auth(token["accessToken"]))
    assert r.status_code == 403
    assert httpx.post(f"{token['casUrl']}/v1/shards", content=b"x", headers=_auth("forged")).status_code == 401


def test_xet_upload_lists_xet_hash_and_reads_back_with_and_without_xet(
        hub: LocalHub, api: HfApi, space_id: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    create_space(api, space_id)
    data = os.urandom(3 * MIB)
    source = tmp_path / "weights.bin"
    source.write_bytes(data)
    hub_stats_before = hub.stats()["requests"].get(CAS_XORB, 0)
    api.upload_file(path_or_fileobj=str(source), path_in_repo="weights.bin", repo_id=space_id, repo_type="space")
    requests = hub.stats()["requests"]
    assert requests.get(CAS_XORB, 0) > hub_stats_before  # it went through the CAS
    (entry,) = api.get_paths_info(space_id, ["weights.bin"], repo_type="space")
    assert isinstance(entry, RepoFile) and entry.lfs is not None
    assert entry.xet_hash == _xet_hash(source)
    assert entry.lfs.sha256 == hashlib.sha256(data).hexdigest() and entry.size == len(data)
    (listed,) = [f for f in api.list_repo_tree(space_id, repo_type="space") if f.path == "weights.bin"]
    assert isinstance(listed, RepoFile) and listed.xet_hash == entry.xet_hash
    head = httpx.head(f"{hub.endpoint}/spaces/{space_id}/resolve/main/weights.bin", headers=_auth())
    assert head.headers["X-Xet-Hash"] == entry.xet_hash and 'rel="xet-auth"' in head.headers["Link"]

    with_xet = hf_hub_download(space_id, "weights.bin", repo_type="space", endpoint=hub.endpoint,
                               token="alice-token", cache_dir=str(tmp_path / "xet-cache"))
    assert Path(with_xet).read_bytes() == data
    assert any(k.startswith("GET /cas/v") and "reconstructions" in k for k in hub.stats()["requests"])
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_XET", True)
    without = hf_hub_download(space_id, "weights.bin", repo_type="space", endpoint=hub.endpoint,
                              token="alice-token", cache_dir=str(tmp_path / "plain-cache"))
    assert Path(without).read_bytes() == data


def test_a_small_edit_sends_only_the_changed_chunks(fresh_hub: LocalHub, space_id: str, tmp_path: Path) -> None:
    """Global dedup: a client with no local cache finds the old xorb through the CAS and re-sends ~1 chunk."""
    api = HfApi(endpoint=fresh_hub.endpoint, token="alice-token")
    create_space(api, space_id)
    data = bytearray(os.urandom(12 * MIB))
    source = tmp_path / "model.bin"
    source.write_bytes(data)
    _upload_in_fresh_client(fresh_hub, space_id, source, tmp_path / "home-a", "model.bin")
    first = fresh_hub.stats()["request_bytes_by_route"][CAS_XORB]
    assert first >= 12 * MIB
    data[6 * MIB : 6 * MIB + 100] = os.urandom(100)
    source.write_bytes(data)
    fresh_hub.reset_stats()
    _upload_in_fresh_client(fresh_hub, space_id, source, tmp_path / "home-b", "model.bin")
    stats = fresh_hub.stats()
    assert stats["request_bytes_by_route"][CAS_XORB] < 512 * 1024
    assert stats["requests"]["GET /cas/v1/chunks/{prefix}/{chunk}"] >= 1
    (entry,) = api.get_paths_info(space_id, ["model.bin"], repo_type="space")
    assert isinstance(entry, RepoFile) and entry.xet_hash == _xet_hash(source)
    got = hf_hub_download(space_id, "model.bin", repo_type="space", endpoint=fresh_hub.endpoint,
                          token="alice-token", cache_dir=str(tmp_path / "dl"))
    assert Path(got).read_bytes() == bytes(data)


@pytest.mark.timeout(300)
def test_full_xorbs_of_64_mib_are_accepted(fresh_hub: LocalHub, space_id: str, tmp_path: Path) -> None:
    """hf_xet fills a xorb with 64 MiB of chunk data; headers and metadata make the body a little longer."""
    api = HfApi(endpoint=fresh_hub.endpoint, token="alice-token")
    create_space(api, space_id)
    source = tmp_path / "big.bin"
    source.write_bytes(random.Random(1).randbytes(65 * MIB))  # chunked so that the first xorb's body > 64 MiB
    api.upload_file(path_or_fileobj=str(source), path_in_repo="big.bin", repo_id=space_id, repo_type="space")
    assert max(p.stat().st_size for p in _stored(fresh_hub, "xorbs")) > 64 * MIB
    (entry,) = api.get_paths_info(space_id, ["big.bin"], repo_type="space")
    assert isinstance(entry, RepoFile) and entry.xet_hash == _xet_hash(source)
    got = hf_hub_download(space_id, "big.bin", repo_type="space", endpoint=fresh_hub.endpoint,
                          token="alice-token", cache_dir=str(tmp_path / "dl"))
    assert Path(got).read_bytes() == source.read_bytes()


def _stored(hub: LocalHub, kind: str) -> list[Path]:
    return sorted(p for p in (hub.data_dir / "xet" / kind).iterdir() if "." not in p.name)


def test_cas_refuses_malformed_xorbs_and_shards(fresh_hub: LocalHub, space_id: str, tmp_path: Path) -> None:
    api = HfApi(endpoint=fresh_hub.endpoint, token="alice-token")
    create_space(api, space_id)
    api.upload_file(path_or_fileobj=os.urandom(300_000), path_in_repo="a.bin", repo_id=space_id, repo_type="space")
    (xorb,) = _stored(fresh_hub, "xorbs")
    (shard,) = _stored(fresh_hub, "shards")
    token = httpx.get(f"{fresh_hub.endpoint}/api/spaces/{space_id}/xet-write-token/main", headers=_auth()).json()
    cas, headers = token["casUrl"], _auth(token["accessToken"])
    body = bytearray(xorb.read_bytes())
    assert httpx.post(f"{cas}/v1/xorbs/default/{xorb.name}", content=bytes(body), headers=headers).json() == {
        "was_inserted": False}
    body[100] ^= 0xFF  # inside the first chunk: its hash, so the xorb's, changes (or it no longer decompresses)
    r = httpx.post(f"{cas}/v1/xorbs/default/{xorb.name}", content=bytes(body), headers=headers)
    assert r.status_code == 400
    other = "0" * 64
    assert httpx.post(f"{cas}/v1/xorbs/default/{other}", content=xorb.read_bytes(), headers=headers).status_code == 400
    good = shard.read_bytes()
    assert httpx.post(f"{cas}/v1/shards", content=good, headers=headers).status_code == 200
    for offset in (48 + 48 + 40, 48 + 48 + 48):  # the first term's chunk range end; its verification hash
        bad = bytearray(good)
        struct.pack_into("<I", bad, offset, struct.unpack_from("<I", bad, offset)[0] + 1)
        r = httpx.post(f"{cas}/v1/shards", content=bytes(bad), headers=headers)
        assert r.status_code == 400, r.text
    assert httpx.post(f"{cas}/v1/shards", content=good[:-10], headers=headers).status_code == 400
    lying = bytearray(good)
    lying[48 * 4] ^= 0xFF  # the metadata extension's sha256 (after header, file header, 1 term, 1 verification)
    assert httpx.post(f"{cas}/v1/shards", content=bytes(lying), headers=headers).status_code == 400


def test_cas_faults_are_retried_by_hf_xet(fresh_hub: LocalHub, space_id: str) -> None:
    api = HfApi(endpoint=fresh_hub.endpoint, token="alice-token")
    create_space(api, space_id)
    fresh_hub.set_faults(next=2, statuses=[503, 429], routes=["POST /cas/v1/xorbs/*"], retry_after=0)
    api.upload_file(path_or_fileobj=os.urandom(200_000), path_in_repo="a.bin", repo_id=space_id, repo_type="space")
    stats = fresh_hub.stats()
    assert stats["faults_injected"] == 2 and stats["commits"] == {space_id: 1}


def test_stats_count_cas_bytes_by_route(fresh_hub: LocalHub, space_id: str) -> None:
    api = HfApi(endpoint=fresh_hub.endpoint, token="alice-token")
    create_space(api, space_id)
    api.upload_file(path_or_fileobj=os.urandom(100_000), path_in_repo="a.bin", repo_id=space_id, repo_type="space")
    by_route = fresh_hub.stats()["request_bytes_by_route"]
    assert 100_000 <= by_route[CAS_XORB] < 110_000
    assert json.dumps(by_route)  # plain JSON numbers
