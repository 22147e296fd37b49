"""FrontendApiUrl end to end: the real pulumi CLI patches a frontend checkout's API client against
localhub, re-patches it when the Space moves, commits and pushes it on request, refuses an ambiguous
client at preview, and restores the file byte for byte on destroy. Everything is observed from
outside: the file's bytes on disk, the git remote's log, localhub's request counters."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from huggingface_hub.errors import RepositoryNotFoundError

from components.frontend import COMMIT_MESSAGE
from components.frontend_patch import BEGIN_MARKER, END_MARKER, ORIGINAL_PREFIX
from tests.e2e.conftest import OWNER, Hub
from tests.e2e.pulumi_cli import REPO, Stack
from tests.typed_props import dynamic_types, state_mismatches

pytestmark = pytest.mark.e2e

CLIENT = "src/services/api.ts"
DEV_URL = "http://localhost:8000"
ORIGINAL_STATEMENT = "this.baseUrl = 'http://localhost:8000';"
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Frontend Test",
    "GIT_AUTHOR_EMAIL": "frontend-test@example.com",
    "GIT_COMMITTER_NAME": "Frontend Test",
    "GIT_COMMITTER_EMAIL": "frontend-test@example.com",
}
ESBUILD = REPO / "tools" / "node_modules" / ".bin" / "esbuild"


def git(*args: str, cwd: Path | None = None) -> str:
    """Run git with a fixed identity and no user/system config; return stdout."""
    env = {**os.environ, **GIT_IDENTITY, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    proc = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def frontend_remote(tmp_path: Path) -> tuple[Path, Path]:
    """A bare repo holding a copy of examples/frontend (one commit on main) and a clone of it."""
    remote = tmp_path / "frontend-remote.git"
    git("init", "--quiet", "--bare", "--initial-branch=main", str(remote))
    seed = tmp_path / "frontend-seed"
    shutil.copytree(REPO / "examples" / "frontend", seed, ignore=shutil.ignore_patterns("node_modules", "dist"))
    git("init", "--quiet", "--initial-branch=main", cwd=seed)
    git("add", "-A", cwd=seed)
    git("commit", "--quiet", "-m", "Example frontend", cwd=seed)
    git("push", "--quiet", str(remote), "main", cwd=seed)
    clone = tmp_path / "frontend"
    git("clone", "--quiet", str(remote), str(clone))
    return remote, clone


def remote_log(remote: Path) -> list[str]:
    """Commit hashes on the remote's main branch, newest first."""
    return git("--git-dir", str(remote), "log", "--format=%H", "main").split()


def use_frontend(stack: Stack, frontend_dir: str, git_push: bool = False) -> None:
    """Point the stack at a frontend checkout (health checks off; the Space never runs on localhub)."""
    stack.env.update(GIT_IDENTITY)
    stack.env.update(GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
    # The project copy carries no tools/ directory: point the provider at the checkout's esbuild.
    stack.env["HF_RAG_SPACE_ESBUILD"] = str(ESBUILD)
    stack.config_set("healthCheck", "false")
    stack.config_set("frontendDir", frontend_dir)
    if git_push:
        stack.config_set("frontendGitPush", "true")


def test_patch_noop_repatch_on_new_space_and_restore_on_destroy(project: Stack, hub: Hub, tmp_path: Path) -> None:
    _, clone = frontend_remote(tmp_path)
    client = clone / CLIENT
    original = client.read_bytes()
    assert ORIGINAL_STATEMENT.encode() in original
    # Relative to the project, as a user would write it.
    use_frontend(project, os.path.relpath(clone, project.workdir))

    # 1. up patches the client: markers, the Space URL (= the spaceUrl output) and the dev URL.
    project.up()
    outputs = project.outputs()
    space_url = outputs["spaceUrl"]
    patched = client.read_bytes()
    text = patched.decode()
    assert text.count(BEGIN_MARKER) == 1 and text.count(END_MARKER) == 1
    assert text.index(BEGIN_MARKER) < text.index(END_MARKER)
    assert space_url == hub.api().space_info(f"{OWNER}/rag-chatbot").host.rstrip("/")
    assert f"'{space_url}'" in text and f"'{DEV_URL}'" in text
    # The statement is no longer code: only the block's comment keeps it, for a restore from anywhere.
    assert [line for line in text.splitlines() if ORIGINAL_STATEMENT in line] == [
        f'    {ORIGINAL_PREFIX}"    {ORIGINAL_STATEMENT}"']
    # As configured, relative to the project: the same output in every checkout of the stack.
    assert outputs["frontendClientFile"] == f"{os.path.relpath(clone, project.workdir)}/{CLIENT}"
    assert (project.workdir / outputs["frontendClientFile"]).resolve() == client.resolve()
    # The patch's state holds exactly its TypedDicts' keys (FrontendClientPatchInputs / Outputs).
    state = project.resources()
    assert "hf:FrontendClientPatch" in dynamic_types(state) and state_mismatches(state) == []
    # Only the client file changed in the checkout.
    assert git("status", "--porcelain", cwd=clone).split() == ["M", CLIENT]

    # 2. A second up is a no-op: preview sees no change and the file is not rewritten.
    mtime = client.stat().st_mtime_ns
    project.preview("--expect-no-changes")
    project.up()
    assert client.read_bytes() == patched
    assert client.stat().st_mtime_ns == mtime

    # 3. Another Space name replaces the Space; the client is re-patched with the new URL.
    project.config_set("spaceName", "rag-chatbot-renamed")
    plan = project.plan()
    assert plan.get("frontend-client") == "update", plan
    project.up()
    new_url = project.outputs()["spaceUrl"]
    assert new_url != space_url
    assert hub.api().space_info(f"{OWNER}/rag-chatbot-renamed").host.rstrip("/") == new_url
    with pytest.raises(RepositoryNotFoundError):  # replaced, not kept alongside
        hub.api().space_info(f"{OWNER}/rag-chatbot")
    text = client.read_text()
    assert f"'{new_url}'" in text and f"'{space_url}'" not in text and f"'{DEV_URL}'" in text
    assert text.count(BEGIN_MARKER) == 1 and text.count(END_MARKER) == 1
    project.preview("--expect-no-changes")

    # 4. destroy restores the original file byte for byte.
    project.destroy()
    assert client.read_bytes() == original
    assert git("status", "--porcelain", cwd=clone) == ""
    assert project.resources("") == []


def test_git_push_commits_only_the_client_file(project: Stack, hub: Hub, tmp_path: Path) -> None:
    remote, clone = frontend_remote(tmp_path)
    before = remote_log(remote)
    # Another change already staged in the checkout must not ride along.
    other = clone / "src" / "main.ts"
    other.write_text(other.read_text() + "\n// staged by the developer, not by hf-rag-space\n")
    git("add", "src/main.ts", cwd=clone)
    use_frontend(project, str(clone), git_push=True)

    project.up()
    space_url = project.outputs()["spaceUrl"]
    after = remote_log(remote)
    assert after[1:] == before and len(after) == len(before) + 1
    head = after[0]
    assert git("--git-dir", str(remote), "log", "-1", "--format=%B", head).strip() == COMMIT_MESSAGE.format(
        space_url=space_url
    )
    assert COMMIT_MESSAGE.format(space_url=space_url) == f"Point API client at {space_url} (hf-rag-space)"
    changed = git("--git-dir", str(remote), "show", "--name-only", "--format=", head).split()
    assert changed == [CLIENT]
    pushed = subprocess.run(["git", "--git-dir", str(remote), "show", f"{head}:{CLIENT}"],
                            capture_output=True, check=True).stdout
    assert pushed == (clone / CLIENT).read_bytes()
    assert f"'{space_url}'".encode() in pushed
    # The developer's staged change is still staged, and was not pushed.
    assert git("diff", "--cached", "--name-only", cwd=clone).split() == ["src/main.ts"]
    assert b"staged by the developer" not in subprocess.run(
        ["git", "--git-dir", str(remote), "show", f"{head}:src/main.ts"], capture_output=True, check=True
    ).stdout

    # No change: no new commit.
    project.preview("--expect-no-changes")
    project.up()
    assert remote_log(remote) == after


AMBIGUOUS_CONSTRUCTOR = """  constructor(useProxy = false) {
    this.baseUrl = 'http://localhost:8000';
    if (useProxy) {
      this.baseUrl = '/proxy';
    }
  }
"""


def test_ambiguous_client_fails_preview_and_up_and_writes_nothing(project: Stack, hub: Hub, tmp_path: Path) -> None:
    _, clone = frontend_remote(tmp_path)
    client = clone / CLIENT
    source = client.read_text()
    ctor = "  constructor() {\n    this.baseUrl = 'http://localhost:8000';\n  }\n"
    assert ctor in source
    client.write_text(source.replace(ctor, AMBIGUOUS_CONSTRUCTOR))
    ambiguous = client.read_bytes()
    mtime = client.stat().st_mtime_ns
    use_frontend(project, str(clone))

    hub.reset_stats()
    result = project.preview(check=False)
    assert result.returncode != 0
    printed = result.stdout + result.stderr
    assert "2 `this.baseUrl = ...` assignments" in printed
    assert BEGIN_MARKER in printed and END_MARKER in printed  # the marker instructions
    assert client.read_bytes() == ambiguous and client.stat().st_mtime_ns == mtime
    assert not list(client.parent.glob(".api.ts.*"))  # no temporary file left behind
    up = project.up(check=False)  # `up` too: it must not create the Space before refusing the client
    assert up.returncode != 0 and "2 `this.baseUrl = ...` assignments" in up.stdout + up.stderr
    assert client.read_bytes() == ambiguous
    assert hub.stats()["write_requests"] == 0, hub.stats()["writes"]


def test_no_frontend_dir_means_no_frontend_resources(project: Stack, hub: Hub) -> None:
    project.config_set("healthCheck", "false")
    project.up()
    types = {r["type"] for r in project.export()["deployment"].get("resources") or []}
    assert any(t.endswith(":Space") for t in types), types
    assert not any("FrontendApiUrl" in t or "FrontendClientPatch" in t or t.startswith("command:") for t in types)
    assert "frontendClientFile" not in project.outputs()
