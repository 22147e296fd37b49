"""What a deploy commit says and when preview warns of a revert (components/hub/provenance.py), on real git."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from components.hub.provenance import Provenance, actor, commit_message, revert_warning, source_revision

ISOLATED = {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, env={**os.environ, **ISOLATED}, capture_output=True, text=True,
                          check=True).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for key, value in ISOLATED.items():
        monkeypatch.setenv(key, value)
    root = tmp_path / "repo"
    (root / "backend").mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Alice Example")
    git(root, "config", "user.email", "alice@example.com")
    (root / "backend" / "main.py").write_text("v1\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "v1")
    return root


def test_revision_is_the_head_and_dirty_only_for_changes_under_the_backend(repo: Path) -> None:
    head = git(repo, "rev-parse", "HEAD")
    assert source_revision(repo / "backend") == head
    (repo / "notes.txt").write_text("outside the backend\n")
    assert source_revision(repo / "backend") == head
    (repo / "backend" / "main.py").write_text("v1 edited\n")
    assert source_revision(repo / "backend") == f"{head}-dirty"
    assert source_revision(repo.parent) == "unversioned"


def test_actor_is_the_ci_login_else_the_git_user_and_never_a_secret(repo: Path) -> None:
    backend = repo / "backend"
    assert actor({"GITHUB_ACTOR": "octocat"}, backend) == "octocat"
    assert actor({}, backend) == "Alice Example"
    assert actor({"GITHUB_ACTOR": "hf_" + "a" * 34}, backend) == "(withheld)"
    assert actor({"GITHUB_ACTOR": "s3cr3t-value"}, backend, ["s3cr3t-value"]) == "(withheld)"
    assert actor({"GITHUB_ACTOR": "bob"}, backend, ["xbobx-secret"]) == "bob"  # a name inside a secret is fine
    assert actor({"GITHUB_ACTOR": "eve\nInjected: line"}, backend) == "eve"


def test_commit_message_names_revision_stack_and_actor(repo: Path) -> None:
    source = Provenance.of(repo / "backend", "hf-rag-space/prod", env={"GITHUB_ACTOR": "ci-bot"}).as_input("backend")
    message = commit_message(3, 1, source)
    assert message == (f"Deploy 3 changed and 1 deleted file(s) from {git(repo, 'rev-parse', 'HEAD')} of stack "
                       "hf-rag-space/prod, by ci-bot (hf-rag-space)")
    assert commit_message(1, 0, None) == "Deploy 1 changed and 0 deleted file(s) (hf-rag-space)"


def test_revert_warning_when_the_deployed_revision_is_newer_or_unknown(repo: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo)  # the provider runs in the project directory; `dir` is relative to it
    old = git(repo, "rev-parse", "HEAD")
    (repo / "backend" / "main.py").write_text("v2\n")
    git(repo, "commit", "-q", "-am", "v2")
    new = git(repo, "rev-parse", "HEAD")

    def src(revision: str) -> dict[str, str]:
        return {"revision": revision, "stack": "hf-rag-space/prod", "actor": "bob", "dir": "backend"}

    warning = revert_warning(src(new), src(old), "alice/rag")
    assert warning and "you are about to revert" in warning and new in warning and old in warning and "bob" in warning
    assert revert_warning(src(new + "-dirty"), src(old), "alice/rag")
    assert revert_warning(src(old), src(new), "alice/rag") is None  # deploying a newer revision
    assert revert_warning(src(new), src(new + "-dirty"), "alice/rag") is None  # local edits on the same one
    unknown = revert_warning(src("f" * 40), src(new), "alice/rag")
    assert unknown and "does not have" in unknown
    assert revert_warning(None, src(new), "alice/rag") is None  # state from before provenance
