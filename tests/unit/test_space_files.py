"""SpaceFiles / hub unit tests for issue 13: only a missing repository means "gone"; LFS files compared by
sha256; a large commit logs its upload progress (fake HfApi objects, real huggingface_hub error types)."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx2
import pytest
from huggingface_hub.errors import (
    HfHubHTTPError,
    RemoteEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from pulumi.dynamic import ResourceProvider

from components.hub import client as hub
from components.space_files import SpaceFilesProvider as _SpaceFilesProvider
from components.space_files import encode_paths, lfs_paths, paths_map
from tests.blobs import git_blob_id

#: Driven as the engine drives it, plain dicts in and out (its methods' TypedDicts are the provider's own view).
SpaceFilesProvider: type[ResourceProvider] = _SpaceFilesProvider
URL = "https://hub.example/api/spaces/alice/demo/tree/main"


def _error(cls: type[HfHubHTTPError], code: str | None) -> HfHubHTTPError:
    headers = {"X-Error-Code": code} if code else {}
    return cls("404", response=httpx2.Response(404, headers=headers, request=httpx2.Request("GET", URL)))


class FakeApi:
    """space_info and list_repo_tree of a Space holding one LFS file; `tree_error` is raised by the listing."""

    def __init__(self, tree_error: Exception | None = None, info_error: Exception | None = None) -> None:
        self.tree_error = tree_error
        self.info_error = info_error

    def space_info(self, _space_id: str) -> Any:
        if self.info_error:
            raise self.info_error
        return SimpleNamespace(sha="c" * 40)

    def list_repo_tree(self, *_a: Any, **_k: Any) -> list[Any]:
        if self.tree_error:
            raise self.tree_error
        lfs = SimpleNamespace(sha256=hashlib.sha256(b"big").hexdigest())
        return [SimpleNamespace(path="data.bin", blob_id="f" * 40, lfs=lfs)]  # oid: the pointer's blob id


def provider(api: FakeApi, monkeypatch: pytest.MonkeyPatch) -> ResourceProvider:
    monkeypatch.setattr(SpaceFilesProvider, "api", lambda self, props: api)
    return SpaceFilesProvider()


PROPS: dict[str, Any] = {
    "hub_endpoint": "https://hub.example", "space_id": "alice/demo", "blob_dir": "/nowhere",
    "manifest": {"data.bin": hashlib.sha256(b"big").hexdigest()},  # the map form: state written before
    "blob_ids": {"data.bin": git_blob_id(b"big")}}


def test_missing_repository_drops_the_resource(monkeypatch: pytest.MonkeyPatch) -> None:
    result = provider(FakeApi(info_error=_error(RepositoryNotFoundError, "RepoNotFound")), monkeypatch).read(
        "alice/demo", dict(PROPS))
    assert result.id is None


@pytest.mark.parametrize("error", [
    _error(RevisionNotFoundError, "RevisionNotFound"),
    _error(RemoteEntryNotFoundError, "EntryNotFound"),
    _error(HfHubHTTPError, None),  # a 404 of some other route
])
def test_other_404s_keep_the_resource(monkeypatch: pytest.MonkeyPatch, error: HfHubHTTPError) -> None:
    with pytest.raises(hub.HubError) as raised:
        provider(FakeApi(tree_error=error), monkeypatch).read("alice/demo", dict(PROPS))
    assert not isinstance(raised.value, hub.SpaceGone)
    assert raised.value.status == 404 and "the Space itself exists" in str(raised.value)


def test_lfs_file_compared_by_sha256_is_no_drift(monkeypatch: pytest.MonkeyPatch) -> None:
    result = provider(FakeApi(), monkeypatch).read("alice/demo", dict(PROPS))
    # The pointer's oid differs from the content's blob id, the sha256 is the same: no drift.
    assert result.outs is not None and result.outs["manifest"] == PROPS["manifest"]


def test_lfs_file_with_other_content_is_drift(monkeypatch: pytest.MonkeyPatch) -> None:
    props = {**PROPS, "manifest": {"data.bin": hashlib.sha256(b"other").hexdigest()}}
    result = provider(FakeApi(), monkeypatch).read("alice/demo", props)
    assert result.outs is not None and result.outs["manifest"]["data.bin"].startswith("remote:sha256:")


#: The state's two forms of a path map: JSON in one string (written now), a map (state written before).
FORMS: dict[str, Callable[[Mapping[str, str]], str | dict[str, str]]] = {"json": encode_paths, "map": dict}


@pytest.mark.parametrize("form", FORMS)
def test_a_refresh_keeps_the_form_the_state_has(monkeypatch: pytest.MonkeyPatch, form: str) -> None:
    encode = FORMS[form]
    props = {**PROPS, "manifest": encode(PROPS["manifest"]), "blob_ids": encode(PROPS["blob_ids"])}
    result = provider(FakeApi(), monkeypatch).read("alice/demo", props)
    assert result.outs is not None and result.outs["manifest"] == props["manifest"]  # no change of form shown
    drifted = {**props, "manifest": encode({"data.bin": hashlib.sha256(b"other").hexdigest()})}
    outs = provider(FakeApi(), monkeypatch).read("alice/demo", drifted).outs
    assert outs is not None and type(outs["manifest"]) is type(props["manifest"])
    assert paths_map(outs["manifest"])["data.bin"].startswith("remote:sha256:")


@pytest.mark.parametrize("old_form", FORMS)
def test_the_diff_compares_the_files_whatever_form_the_state_has(old_form: str) -> None:
    old = {**PROPS, "manifest": FORMS[old_form](PROPS["manifest"])}
    same = {**PROPS, "manifest": encode_paths(PROPS["manifest"])}
    edited = {**PROPS, "manifest": encode_paths({"data.bin": "0" * 64})}
    assert not SpaceFilesProvider().diff("alice/demo", old, same).changes  # an upgrade alone changes nothing
    assert SpaceFilesProvider().diff("alice/demo", old, edited).changes


def test_a_path_map_is_one_sorted_json_object() -> None:
    paths = {"b.py": "2" * 64, "a/x.py": "1" * 64}
    encoded = encode_paths(paths)
    assert encoded == '{"a/x.py":"' + "1" * 64 + '","b.py":"' + "2" * 64 + '"}'
    assert paths_map(encoded) == paths == paths_map(paths) and paths_map(None) == {} == paths_map("")
    with pytest.raises(ValueError, match="not a JSON object"):
        paths_map('["a.py"]')


def test_preview_names_the_files_stored_as_lfs(tmp_path: Path) -> None:
    files = {"app/main.py": b"print(1)\n", "m.pkl": b"tiny", "img.png": b"\0" * (2 << 20),
             "big.txt": b"a" * (11 << 20), "small.png": b"\0" * 100}
    manifest = {}
    for path, data in files.items():
        digest = hashlib.sha256(data).hexdigest()
        (tmp_path / digest).write_bytes(data)
        manifest[path] = digest
    assert lfs_paths(tmp_path, manifest) == ["big.txt", "img.png", "m.pkl"]


class SlowCommitApi:
    """create_commit reads each file object slowly, like a slow upload."""

    def __init__(self) -> None:
        self.sent = 0

    def create_commit(self, _space_id: str, operations: list[Any], **_k: Any) -> Any:
        for op in operations:
            handle = op.path_or_fileobj
            while chunk := handle.read(256 * 1024):
                self.sent += len(chunk)
                time.sleep(0.01)
        return SimpleNamespace(oid="d" * 40)


def test_large_commit_logs_upload_progress(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hub, "_xet_available", lambda: False)  # the git-LFS path: files read by the client
    data = b"x" * (4 << 20)
    blob = tmp_path / "blob"
    blob.write_bytes(data)
    lines: list[str] = []
    lock = threading.Lock()

    def record(line: str) -> None:
        with lock:
            lines.append(line)

    api = SlowCommitApi()
    staged = hub.StagedFile(str(blob), hashlib.sha256(data).hexdigest(), len(data))
    oid = hub.commit(api, "alice/demo", uploads={"data.bin": staged}, deletions=[], message="m",  # type: ignore[arg-type]
                     parent=None, on_progress=record, progress_every=0.02)
    assert oid == "d" * 40 and api.sent == len(data)
    assert lines and all("of 4.0 MiB" in line for line in lines)
    assert any("uploaded 0." in line or "uploaded 1." in line or "uploaded 2." in line for line in lines)


@pytest.mark.parametrize("xet", [True, False])
def test_staged_file_changed_while_deploying_is_not_sent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         xet: bool) -> None:
    monkeypatch.setattr(hub, "_xet_available", lambda: xet)
    blob = tmp_path / "blob"
    blob.write_bytes(b"changed")
    staged = hub.StagedFile(str(blob), hashlib.sha256(b"original").hexdigest(), 8)
    with pytest.raises(hub.HubError, match="changed while deploying"):
        hub.commit(SlowCommitApi(), "alice/demo", uploads={"f": staged}, deletions=[], message="m",  # type: ignore[arg-type]
                   parent=None)


class RecordingCommitApi:
    """create_commit keeps the operations it was given."""

    operations: list[Any] = []

    def create_commit(self, _space_id: str, operations: list[Any], **_k: Any) -> Any:
        self.operations = operations
        return SimpleNamespace(oid="d" * 40)


@pytest.mark.parametrize("xet", [True, False])
def test_every_file_is_sent_from_its_staged_copy_by_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         xet: bool) -> None:
    """The provider holds no file's bytes: small files too go to huggingface_hub as staged paths."""
    from components.space_files import _upload

    monkeypatch.setattr(hub, "_xet_available", lambda: xet)
    uploads = {}
    for i in range(300):  # more than a low open-file limit would allow as open readers
        data = f"print({i})\n".encode()
        digest = hashlib.sha256(data).hexdigest()
        (tmp_path / digest).write_bytes(data)
        uploads[f"app/m{i}.py"] = _upload(str(tmp_path), digest)
    assert all(isinstance(upload, hub.StagedFile) for upload in uploads.values())
    api = RecordingCommitApi()
    hub.commit(api, "alice/demo", uploads=uploads, deletions=[], message="m", parent=None)  # type: ignore[arg-type]
    sources = [op.path_or_fileobj for op in api.operations]
    assert sources == [str(tmp_path / upload.sha256) for upload in uploads.values()]
