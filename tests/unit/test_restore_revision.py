"""`hub.restore_revision` against localhub with the real huggingface_hub + hf_xet: the files of an earlier
commit come back as ONE new commit on top (history kept), LFS/Xet files copied on the Hub by reference
(no byte of them sent again), regular files read at that revision and re-uploaded, extra files deleted."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from huggingface_hub import CommitOperationAdd, CommitOperationDelete, HfApi, constants
from huggingface_hub.utils._xet import abort_xet_session

from components.hub import client as hub
from localhub import LocalHub, serve

SPACE = "alice/demo"


@pytest.fixture
def local(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalHub]:
    monkeypatch.delenv("HF_HUB_DISABLE_XET", raising=False)
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_XET", False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    abort_xet_session()
    with serve(tmp_path / "hub", tokens={"tok": "alice"}, in_process=True) as server:
        HfApi(endpoint=server.endpoint, token="tok").create_repo(SPACE, repo_type="space", space_sdk="docker")
        yield server
    abort_xet_session()


def _commit(api: HfApi, adds: dict[str, bytes], deletes: tuple[str, ...] = ()) -> str:
    ops: list[CommitOperationAdd | CommitOperationDelete] = [CommitOperationAdd(p, d) for p, d in adds.items()]
    ops += [CommitOperationDelete(p) for p in deletes]
    return api.create_commit(SPACE, ops, commit_message="deploy", repo_type="space").oid


def test_restore_brings_back_an_old_revision_as_one_new_commit(local: LocalHub) -> None:
    api = HfApi(endpoint=local.endpoint, token="tok")
    model_v1 = os.urandom(3 << 20)
    healthy = _commit(api, {"app.py": b"print('v1')\n", "model.bin": model_v1, "keep.txt": b"same\n",
                            "old.txt": b"only in v1\n"})
    failed = _commit(api, {"app.py": b"raise SystemExit(1)\n", "model.bin": os.urandom(3 << 20),
                           "new.txt": b"only in v2\n"}, deletes=("old.txt",))
    local.reset_stats()
    restored = hub.restore_revision(api, SPACE, healthy, message="Roll back")
    assert restored not in (healthy, failed)
    assert hub.files_at(api, SPACE, restored) == hub.files_at(api, SPACE, healthy)
    history = [c.commit_id for c in api.list_repo_commits(SPACE, repo_type="space")]
    assert history[:3] == [restored, failed, healthy]  # on top: nothing rewritten
    stats = local.stats()
    assert stats["commits"] == {SPACE: 1}
    assert not any(route.startswith("POST /cas/") for route in stats["requests"])  # the Xet file: by reference
    assert Path(api.hf_hub_download(SPACE, "app.py", repo_type="space", revision=restored)).read_bytes() == \
        b"print('v1')\n"
    assert Path(api.hf_hub_download(SPACE, "model.bin", repo_type="space", revision=restored)).read_bytes() == model_v1
    # Nothing differs any more: no second commit.
    assert hub.restore_revision(api, SPACE, healthy, message="Roll back") == restored
    assert local.stats()["commits"] == {SPACE: 1}
