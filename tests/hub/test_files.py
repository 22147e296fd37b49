"""Commits, uploads, tree, paths-info, history and downloads through the real client."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import httpx
import pytest
from huggingface_hub import CommitOperationAdd, CommitOperationDelete, HfApi, RepoFile, RepoFolder, hf_hub_download
from huggingface_hub.errors import (
    EntryNotFoundError,
    HfHubHTTPError,
    RemoteEntryNotFoundError,
    RepositoryNotFoundError,
)

from localhub import LocalHub
from localhub.storage import git_blob_sha1
from tests.hub.conftest import commit_files, create_space


def test_commit_add_and_delete(api: HfApi, space_id: str) -> None:
    create_space(api, space_id)
    first = commit_files(api, space_id, {"a.txt": b"A", "dir/b.txt": b"B", "dir/sub/c.txt": b"C"})
    assert len(first) == 40 and api.space_info(space_id).sha == first
    api.create_commit(
        space_id,
        [CommitOperationDelete("a.txt"), CommitOperationDelete("dir/sub/", is_folder=True)],
        commit_message="clean",
        repo_type="space",
    )
    files = api.list_repo_files(space_id, repo_type="space")
    assert sorted(files) == [".gitattributes", "README.md", "dir/b.txt"]


def test_delete_missing_file_is_entry_not_found(api: HfApi, space_id: str) -> None:
    create_space(api, space_id)
    with pytest.raises(RemoteEntryNotFoundError):
        api.create_commit(space_id, [CommitOperationDelete("nope.txt")], commit_message="x", repo_type="space")


def test_stale_parent_commit_is_412(api: HfApi, space_id: str) -> None:
    create_space(api, space_id)
    base = api.space_info(space_id).sha
    commit_files(api, space_id, {"a.txt": b"1"})
    with pytest.raises(HfHubHTTPError) as err:
        api.create_commit(
            space_id,
            [CommitOperationAdd("a.txt", b"2")],
            commit_message="late",
            repo_type="space",
            parent_commit=base,
        )
    assert err.value.response.status_code == 412


def test_two_clients_same_parent_one_wins(hub: LocalHub, space_id: str) -> None:
    api = HfApi(endpoint=hub.endpoint, token="alice-token")
    create_space(api, space_id)
    parent = api.space_info(space_id).sha

    def push(i: int) -> int:
        client = HfApi(endpoint=hub.endpoint, token="alice-token")
        try:
            client.create_commit(
                space_id,
                [CommitOperationAdd("race.txt", f"client {i}".encode())],
                commit_message=f"client {i}",
                repo_type="space",
                parent_commit=parent,
            )
            return 200
        except HfHubHTTPError as e:
            return e.response.status_code

    with ThreadPoolExecutor(2) as pool:
        statuses = sorted(pool.map(push, range(2)))
    assert statuses == [200, 412]
    assert len(api.list_repo_commits(space_id, repo_type="space")) == 2


def test_upload_folder_twice_makes_one_commit(hub: LocalHub, api: HfApi, space_id: str, tmp_path: Path) -> None:
    create_space(api, space_id)
    folder = tmp_path / "site"
    (folder / "app").mkdir(parents=True)
    (folder / "README.md").write_text("---\nsdk: docker\napp_port: 7860\n---\n")
    (folder / "app" / "main.py").write_text("x = 1\n")
    (folder / "app" / "util.py").write_text("y = 2\n")
    first = api.upload_folder(repo_id=space_id, repo_type="space", folder_path=folder)
    before = hub.stats()
    second = api.upload_folder(repo_id=space_id, repo_type="space", folder_path=folder)
    after = hub.stats()
    assert second.oid == first.oid
    assert after["commits"][space_id] == before["commits"][space_id] == 1
    assert after["mutating_requests"] == before["mutating_requests"]

    (folder / "app" / "util.py").write_text("y = 3\n")
    third = api.upload_folder(repo_id=space_id, repo_type="space", folder_path=folder)
    final = hub.stats()
    assert third.oid != first.oid
    assert final["commits"][space_id] == 2
    assert final["files_committed"][space_id] - after["files_committed"][space_id] == 1


def test_preupload_reports_git_blob_oid(hub: LocalHub, api: HfApi, space_id: str) -> None:
    create_space(api, space_id)
    commit_files(api, space_id, {"f.txt": b"hello"})
    r = httpx.post(
        f"{hub.endpoint}/api/spaces/{space_id}/preupload/main",
        json={"files": [{"path": "f.txt", "sample": "", "size": 5}, {"path": "new.txt", "sample": "", "size": 1}]},
        headers={"authorization": "Bearer alice-token"},
    )
    files = {f["path"]: f for f in r.json()["files"]}
    assert files["f.txt"]["oid"] == git_blob_sha1(b"hello")
    assert files["f.txt"]["uploadMode"] == "regular" and files["f.txt"]["shouldIgnore"] is False
    assert "oid" not in files["new.txt"]


@pytest.mark.timeout(120)
def test_tree_pagination_over_1000_files(api: HfApi, space_id: str) -> None:
    create_space(api, space_id)
    commit_files(api, space_id, {f"data/f{i:04d}.txt": str(i).encode() for i in range(1100)})
    entries = list(api.list_repo_tree(space_id, repo_type="space", recursive=True))
    files = [e.path for e in entries if e.__class__.__name__ == "RepoFile"]
    assert len(files) == 1102  # + the default .gitattributes and README.md
    assert "data" in [e.path for e in entries if e.__class__.__name__ == "RepoFolder"]
    top = [e.path for e in api.list_repo_tree(space_id, repo_type="space")]
    assert top == [".gitattributes", "README.md", "data"]


def test_paths_info(api: HfApi, space_id: str) -> None:
    create_space(api, space_id)
    commit_files(api, space_id, {"a/b.txt": b"abc"})
    infos = api.get_paths_info(space_id, ["a/b.txt", "a", "missing.txt"], repo_type="space")
    by_path = {i.path: i for i in infos}
    assert set(by_path) == {"a/b.txt", "a"}
    file = by_path["a/b.txt"]
    assert isinstance(file, RepoFile) and isinstance(by_path["a"], RepoFolder)
    assert file.blob_id == git_blob_sha1(b"abc") and file.size == 3


def test_list_repo_commits(api: HfApi, space_id: str) -> None:
    create_space(api, space_id)
    sha = commit_files(api, space_id, {"x.txt": b"1"}, message="add x")
    commits = api.list_repo_commits(space_id, repo_type="space")
    assert commits[0].commit_id == sha
    assert commits[0].title == "add x" and commits[0].authors == ["alice"]
    assert commits[-1].title == "initial commit"


def test_download_by_branch_and_sha(api: HfApi, hub: LocalHub, space_id: str, tmp_path: Path) -> None:
    create_space(api, space_id)
    sha = commit_files(api, space_id, {"dir/file.txt": b"content v1"})
    commit_files(api, space_id, {"dir/file.txt": b"content v2"})
    download = partial(hf_hub_download, repo_type="space", endpoint=hub.endpoint, token="alice-token",
                       cache_dir=tmp_path)
    latest = download(space_id, "dir/file.txt")
    old = download(space_id, "dir/file.txt", revision=sha)
    assert Path(latest).read_bytes() == b"content v2" and Path(old).read_bytes() == b"content v1"
    assert api.file_exists(space_id, "dir/file.txt", repo_type="space")
    assert not api.file_exists(space_id, "nope.txt", repo_type="space")
    with pytest.raises(EntryNotFoundError):
        download(space_id, "nope.txt")
    head = httpx.head(f"{hub.endpoint}/spaces/{space_id}/resolve/{sha}/dir/file.txt")
    assert head.headers["x-repo-commit"] == sha
    assert head.headers["etag"] == f'"{git_blob_sha1(b"content v1")}"'


def test_commit_to_missing_repo(api: HfApi) -> None:
    with pytest.raises(RepositoryNotFoundError):
        commit_files(api, "alice/never-created", {"a": b"b"})


@pytest.mark.timeout(60)
def test_state_survives_restart(tmp_path: Path) -> None:
    from localhub import serve

    with serve(tmp_path / "d", tokens={"t": "alice"}) as hub:
        api = HfApi(endpoint=hub.endpoint, token="t")
        create_space(api, "alice/persist", private=True, space_secrets=[{"key": "S", "value": "v"}])
        sha = commit_files(api, "alice/persist", {"keep.txt": b"kept"})
        api.add_space_variable("alice/persist", "V", "1")
        api.pause_space("alice/persist")
        hub.restart()
        api = HfApi(endpoint=hub.endpoint, token="t")
        info = api.space_info("alice/persist")
        assert info.sha == sha and info.private is True
        assert info.runtime is not None and info.runtime.stage == "PAUSED"
        assert api.get_space_variables("alice/persist")["V"].value == "1"
        assert list(api.get_space_secrets("alice/persist")) == ["S"]
        assert api.list_repo_files("alice/persist", repo_type="space") == [".gitattributes", "README.md", "keep.txt"]


def test_commit_without_changes_makes_no_commit(hub: LocalHub, api: HfApi, space_id: str) -> None:
    create_space(api, space_id)
    sha = commit_files(api, space_id, {"a.txt": b"a"})
    header = b'{"key": "header", "value": {"summary": "nothing", "description": ""}}\n'
    for payload in (
        header,
        header + b'{"key": "file", "value": {"path": "a.txt", "content": "YQ==", "encoding": "base64"}}\n',
    ):
        r = httpx.post(
            f"{hub.endpoint}/api/spaces/{space_id}/commit/main",
            content=payload,
            headers={"authorization": "Bearer alice-token", "content-type": "application/x-ndjson"},
        )
        assert r.status_code == 200 and r.json()["commitOid"] == sha
    assert (
        api.create_commit(space_id, [CommitOperationAdd("a.txt", b"a")], commit_message="same", repo_type="space").oid
        == sha
    )
    assert len(api.list_repo_commits(space_id, repo_type="space")) == 2


def test_upload_folder_delete_patterns(api: HfApi, space_id: str, tmp_path: Path) -> None:
    create_space(api, space_id)
    commit_files(api, space_id, {"app/old.py": b"old", "keep.txt": b"k"})
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "new.py").write_text("new")
    (tmp_path / "debug.log").write_text("noise")
    api.upload_folder(
        repo_id=space_id,
        repo_type="space",
        folder_path=tmp_path,
        ignore_patterns=["*.log"],
        delete_patterns=["app/*"],
    )
    files = sorted(api.list_repo_files(space_id, repo_type="space"))
    assert files == [".gitattributes", "README.md", "app/new.py", "keep.txt"]
