"""What huggingface_hub's own test suite expects of the Hub, checked with the real 2.4.0 client against localhub.

Each test names the Hub-suite test (HFH ``tests/test_hf_api.py``) whose behaviour it reproduces; the Hub's
suite itself is not part of this project.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import httpx
import pytest
from huggingface_hub import CommitOperationAdd, CommitOperationDelete, HfApi, hf_hub_download
from huggingface_hub.errors import EntryNotFoundError, GatedRepoError, HfHubHTTPError, RepositoryNotFoundError

from localhub import LocalHub
from tests.hub.conftest import INTERMEDIATE, create_space


@pytest.fixture
def model_id(api: HfApi) -> str:
    """A fresh private model repo of alice holding ``file.txt``."""
    repo_id = api.create_repo(f"alice/model-{uuid.uuid4().hex[:10]}", private=True).repo_id
    api.upload_file(repo_id=repo_id, path_in_repo="file.txt", path_or_fileobj=b"content")
    return repo_id


def test_exists_helpers_answer_false_for_a_missing_repo_revision_or_file(hub: LocalHub, model_id: str) -> None:
    """HFH ``TestHfApiRepoFileExists``: the helpers return False instead of raising, including for an id
    without a namespace and for a private repo read anonymously (401 on the Hub, still with the code)."""
    api = HfApi(endpoint=hub.endpoint, token="alice-token")
    assert api.repo_exists(model_id) and api.revision_exists(model_id, "main") and api.file_exists(model_id, "file.txt")
    assert not api.repo_exists("repo-that-does-not-exist")
    assert not api.repo_exists("alice/repo-that-does-not-exist")
    assert not api.repo_exists(model_id, token=False)
    assert not api.revision_exists(model_id, "revision-that-does-not-exist")
    assert not api.revision_exists("repo-that-does-not-exist", "main")
    assert not api.revision_exists(model_id, "main", token=False)
    assert not api.file_exists("repo-that-does-not-exist", "file.txt")
    assert not api.file_exists(model_id, "file-does-not-exist")
    assert not api.file_exists(model_id, "file.txt", revision="revision-that-does-not-exist")
    assert not api.file_exists(model_id, "file.txt", token=False)
    for method, url in (
        ("GET", "/api/models/repo-that-does-not-exist"),
        ("GET", "/api/datasets/repo-that-does-not-exist/revision/main"),
        ("HEAD", "/repo-that-does-not-exist/resolve/main/file.txt"),
        ("POST", "/api/models/repo-that-does-not-exist/preupload/main"),
    ):
        r = httpx.request(method, hub.endpoint + url, headers={"authorization": "Bearer alice-token"})
        assert (r.status_code, r.headers.get("x-error-code")) == (404, "RepoNotFound"), url
        assert r.headers["x-error-message"] == "Repository not found"
    for url in (f"/api/models/{model_id}", "/api/models/alice/missing", "/gpt2/resolve/main/config.json"):
        r = httpx.get(hub.endpoint + url)  # anonymous: the Hub answers 401, with the code
        assert (r.status_code, r.headers.get("x-error-code")) == (401, "RepoNotFound"), url
        assert r.headers["x-error-message"] == "Invalid username or password."
    bad_token = httpx.get(f"{hub.endpoint}/api/models/gpt2", headers={"authorization": "Bearer nope"})
    assert (
        bad_token.status_code == 401
        and bad_token.headers["x-error-message"] == "Invalid credentials in Authorization header"
    )


def test_a_gated_repos_files_are_refused_with_gatedrepo_to_non_members(
    hub: LocalHub, api: HfApi, tmp_path: Path
) -> None:
    """A gated repo exists for everyone (``repo_exists`` True) but its files answer ``GatedRepo``: 401 to an
    anonymous caller, 403 to a signed-in non-member, with the Hub's texts; its owner reads them."""
    repo_id = api.create_repo(f"alice/gated-{uuid.uuid4().hex[:10]}").repo_id
    api.upload_file(repo_id=repo_id, path_in_repo="file.txt", path_or_fileobj=b"content")
    api.update_repo_settings(repo_id, gated="auto")
    bob, anonymous = (HfApi(endpoint=hub.endpoint, token=t) for t in ("bob-token", False))
    assert api.file_exists(repo_id, "file.txt") and bob.repo_exists(repo_id) and anonymous.repo_exists(repo_id)
    with pytest.raises(GatedRepoError) as err:
        bob.file_exists(repo_id, "file.txt")
    assert err.value.response.status_code == 403
    assert err.value.server_message == (
        f"Access to model {repo_id} is restricted and you are not in the authorized list. "
        f"Visit {hub.endpoint}/{repo_id} to ask for access."
    )
    with pytest.raises(GatedRepoError) as err:
        bob.get_paths_info(repo_id, ["file.txt"])
    with pytest.raises(GatedRepoError) as err:
        anonymous.hf_hub_download(repo_id, "file.txt", cache_dir=tmp_path)
    assert err.value.response.status_code == 401
    assert err.value.server_message == (
        f"Access to model {repo_id} is restricted. You must have access to it and be authenticated to access it."
        " Please log in."
    )
    api.update_repo_settings(repo_id, gated=False)
    assert bob.file_exists(repo_id, "file.txt")


def test_commit_to_a_missing_repo_gets_the_clients_message_and_nothing_else(api: HfApi) -> None:
    """HFH ``test_create_commit_repo_does_not_exist`` compares the whole message: the Hub's own text must
    already be part of the client's, so nothing is appended."""
    with pytest.raises(RepositoryNotFoundError) as err:
        api.create_commit("alice/repo_that_do_not_exist", [CommitOperationAdd("config.json", b"x")], commit_message="m")
    request_id = err.value.response.headers["x-request-id"]
    assert str(err.value) == (
        f"404 Client Error. (Request ID: {request_id})\n\nRepository Not Found for url:"
        f" {api.endpoint}/api/models/alice/repo_that_do_not_exist/preupload/main.\nPlease make sure you specified"
        " the correct `repo_id` and `repo_type`.\nIf you are trying to access a private or gated repo, make sure"
        " you are authenticated and your token has the required permissions.\nFor more details, see"
        " https://huggingface.co/docs/huggingface_hub/authentication\nNote: Creating a commit assumes that the repo"
        " already exists on the Huggingface Hub. Please use `create_repo` if it's not the case."
    )


def test_repo_ids_are_case_insensitive(api: HfApi) -> None:
    """HFH ``test_create_commit_repo_id_case_insensitive`` (issue #1371): a commit to the lowercased id, regular
    and LFS files alike, lands in the repo; a case variant of an existing id cannot be created next to it."""
    repo_id = api.create_repo(f"alice/CaSe_Is_ImPoRtAnT-{uuid.uuid4().hex[:6]}").repo_id
    api.create_commit(
        repo_id.lower(),
        [CommitOperationAdd("file.txt", b"content"), CommitOperationAdd("lfs.bin", b"LFS content")],
        commit_message="Add 1 regular and 1 LFS files.",
    )
    assert {"file.txt", "lfs.bin"} <= set(api.list_repo_files(repo_id))
    info = api.model_info(repo_id.upper(), files_metadata=True)
    assert info.id == repo_id
    assert {s.rfilename: s.lfs is not None for s in info.siblings or []}["lfs.bin"]
    with pytest.raises(HfHubHTTPError) as err:
        api.create_repo("alice/" + repo_id.split("/")[1].swapcase())
    assert err.value.response.status_code == 409


def test_a_path_starting_with_dotdot_backslash_is_refused_with_422(
    api: HfApi, hub: LocalHub, model_id: str, tmp_path: Path
) -> None:
    """HFH ``test_create_file_with_relative_path``: ``..\\ddd`` is refused. The Hub's download tests upload
    ``folder/..\\..\\..\\file`` (accepted), and the client refuses to write it to disk."""
    for path in ("..\\ddd", "..\\"):
        with pytest.raises(HfHubHTTPError) as err:
            api.upload_file(path_or_fileobj=b"content", path_in_repo=path, repo_id=model_id)
        assert err.value.response.status_code == 422, path
    for path in ("folder/..\\..\\..\\file", "notes/v1..2.txt", "..draft.txt"):
        api.upload_file(path_or_fileobj=b"ok", path_in_repo=path, repo_id=model_id)
    assert {"folder/..\\..\\..\\file", "notes/v1..2.txt", "..draft.txt"} <= set(api.list_repo_files(model_id))
    with pytest.raises(ValueError, match="Invalid filename"):
        hf_hub_download(
            model_id, "folder/..\\..\\..\\file", endpoint=hub.endpoint, token="alice-token", cache_dir=tmp_path
        )


def test_deleting_a_folder_path_as_a_file_deletes_the_folder(api: HfApi, hub: LocalHub, tmp_path: Path) -> None:
    """HFH ``TestHfApiDeleteFolder``: ``CommitOperationDelete("1")`` (a ``deletedFile`` line) on a folder is
    accepted since PR #2259 and removes it, like ``"1/"``; a path that is neither is still EntryNotFound."""
    repo_id = api.create_repo(f"alice/folders-{uuid.uuid4().hex[:10]}").repo_id
    files = ("1/file_1.md", "1/file_2.md", "2/file_3.md", "3/file_4.md")
    api.create_commit(repo_id, [CommitOperationAdd(p, b"data") for p in files], commit_message="Init repo")
    api.create_commit(repo_id, [CommitOperationDelete("1")], commit_message="Implicit delete folder")
    api.create_commit(repo_id, [CommitOperationDelete("3/")], commit_message="Explicit delete folder")
    for gone in ("1/file_1.md", "1/file_2.md", "3/file_4.md"):
        with pytest.raises(EntryNotFoundError):
            hf_hub_download(repo_id, gone, endpoint=hub.endpoint, token="alice-token", cache_dir=tmp_path)
    assert Path(hf_hub_download(repo_id, "2/file_3.md", endpoint=hub.endpoint, cache_dir=tmp_path)).read_bytes()
    with pytest.raises(EntryNotFoundError):
        api.create_commit(repo_id, [CommitOperationDelete("nope")], commit_message="Missing")


def test_paths_info_and_tree_with_expand_give_each_paths_last_commit(api: HfApi) -> None:
    """HFH ``test_continue_commit_without_existing_files``: ``get_paths_info(expand=True)`` tells which commit
    last changed each file (the client skipped the unchanged ones); folders and ``list_repo_tree`` too."""
    repo_id = api.create_repo(f"alice/expand-{uuid.uuid4().hex[:10]}").repo_id
    first = [("file.txt", b"1.0"), ("file2.txt", b"2.0"), ("lfs.bin", b"LFS 1.0"), ("dir/a.txt", b"a")]
    api.create_commit(repo_id, [CommitOperationAdd(p, c) for p, c in first], commit_message="initial commit")
    second = [("file.txt", b"1.0"), ("file2.txt", b"2.1"), ("lfs.bin", b"LFS 1.0"), ("new.txt", b"3.0")]
    api.create_commit(repo_id, [CommitOperationAdd(p, c) for p, c in second], commit_message="second commit")
    paths = ["file.txt", "file2.txt", "lfs.bin", "new.txt", "dir"]
    titles = {i.path: i.last_commit.title for i in api.get_paths_info(repo_id, paths, expand=True) if i.last_commit}
    assert titles == {
        "file.txt": "initial commit",
        "file2.txt": "second commit",
        "lfs.bin": "initial commit",
        "new.txt": "second commit",
        "dir": "initial commit",
    }
    head = api.model_info(repo_id).sha
    [new] = api.get_paths_info(repo_id, ["new.txt"], expand=True)
    assert new.last_commit is not None and new.last_commit.oid == head
    assert all(i.last_commit is None for i in api.get_paths_info(repo_id, paths))
    tree = {e.path: e.last_commit.title for e in api.list_repo_tree(repo_id, expand=True) if e.last_commit}
    assert tree["file2.txt"] == "second commit" and tree["dir"] == "initial commit"
    assert tree[".gitattributes"] == "initial commit"  # localhub's repo-creation commit


def test_a_broken_space_shows_building_then_can_be_paused_and_restarted(api: HfApi, space_id: str) -> None:
    """HFH ``TestSpaceAPIProduction.test_pause_and_restart_space`` (and its cassette): right after a commit the
    runtime reads BUILDING, even for a Space whose build will fail; paused it stays PAUSED; restarted it builds
    again and reaches BUILD_ERROR."""
    create_space(api, space_id)
    api.upload_file(path_or_fileobj=b"", path_in_repo="app.py", repo_id=space_id, repo_type="space")
    assert api.get_space_runtime(space_id).stage == "BUILDING"
    assert api.pause_space(space_id).stage == "PAUSED"
    time.sleep(1.5)  # longer than a build: nothing runs while paused
    assert api.get_space_runtime(space_id).stage == "PAUSED"
    restarted = api.restart_space(space_id)
    assert restarted.stage == "BUILDING"
    deadline = time.monotonic() + 30
    while (runtime := api.get_space_runtime(space_id)).stage in INTERMEDIATE and time.monotonic() < deadline:
        time.sleep(0.1)
    assert runtime.stage == "BUILD_ERROR"
    assert "dockerfile-missing" in (runtime.raw.get("errorMessage") or "")
