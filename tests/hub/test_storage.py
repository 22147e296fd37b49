"""The object store: git blob ids, atomic publish, no-op commits."""

from __future__ import annotations

from pathlib import Path

import pytest
from huggingface_hub.utils.sha import git_hash

from localhub import storage
from localhub.errors import HubError
from localhub.storage import AddFile, DeleteFile, RepoKey, Store

KEY = RepoKey("space", "alice", "s")


def make_store(tmp_path: Path) -> Store:
    store = Store(tmp_path)
    assert store.create_repo(KEY, {"private": False}, "alice")
    return store


def test_blob_id_matches_the_client(tmp_path: Path) -> None:
    for content in (b"", b"hello", bytes(range(256)) * 10):
        assert storage.git_blob_sha1(content) == git_hash(content)


def test_crash_before_ref_publish_keeps_the_old_head(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = make_store(tmp_path)
    head = store.head(KEY)
    real = storage._atomic_write

    def crash_on_ref(path: Path, data: bytes, fsync: bool = False) -> None:
        if path.parent.name == "refs":
            raise OSError("simulated crash")
        real(path, data, fsync)

    monkeypatch.setattr(storage, "_atomic_write", crash_on_ref)
    with pytest.raises(OSError):
        store.commit(KEY, [AddFile("a.txt", b"a")], "c", "", "alice")
    monkeypatch.undo()
    assert store.head(KEY) == head
    assert set(Store(tmp_path).read_commit(head or "").tree) == {".gitattributes", "README.md"}


def test_failed_operation_publishes_nothing(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    head = store.head(KEY)
    with pytest.raises(HubError) as err:
        store.commit(KEY, [AddFile("a.txt", b"a"), DeleteFile("missing.txt")], "c", "", "alice")
    assert err.value.status == 404 and err.value.code == "EntryNotFound"
    assert store.head(KEY) == head


def test_noop_commit_returns_head(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    sha, created = store.commit(KEY, [AddFile("a.txt", b"a")], "c", "", "alice")
    assert created
    assert store.commit(KEY, [AddFile("a.txt", b"a")], "again", "", "alice") == (sha, False)
    assert store.commit(KEY, [], "empty", "", "alice") == (sha, False)


@pytest.mark.parametrize("path", ["../x", "/abs", "a//b", ".git/config", "a/./b"])
def test_bad_paths_are_422(tmp_path: Path, path: str) -> None:
    with pytest.raises(HubError) as err:
        make_store(tmp_path).commit(KEY, [AddFile(path, b"x")], "c", "", "alice")
    assert err.value.status == 422
