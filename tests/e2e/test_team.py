"""One stack shared by a team and CI: an S3-compatible state backend (moto's server on loopback, started
here), git checkouts of the project, a CI-style runner, and a preview stack per pull request. Observed
from outside: localhub's request counters and commits, the state export, the files on each checkout's
disk, the CLI's output."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from components.frontend_patch import BEGIN_MARKER
from components.rules.ownership import MARKER_VARIABLE, stack_instance
from tests.e2e.conftest import OWNER, Hub, copy_project
from tests.e2e.pulumi_cli import REPO, Stack, toolchain_env

pytestmark = pytest.mark.e2e

SPACE = f"{OWNER}/rag-chatbot"
BUCKET = "hf-rag-state"
CLIENT = "../frontend/src/services/api.ts"
STAGING = Path(".hf-rag-space") / "prod" / "blobs"
WORKFLOW = REPO / "examples" / "ci" / "pulumi.yml"
GIT_ISOLATION = {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, env={**os.environ, **GIT_ISOLATION}, capture_output=True,
                          text=True, check=False)
    if proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout.strip()


@pytest.fixture
def s3(tmp_path: Path) -> Iterator[dict[str, str]]:
    """moto's S3 server on a free loopback port with one bucket; the environment Pulumi's S3 backend needs."""
    import boto3

    log = tmp_path / "moto.log"
    with log.open("w") as out:
        server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", "0"],
                                  stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while not (found := re.search(r"Running on http://127\.0\.0\.1:(\d+)", log.read_text())):
            assert server.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        port = found.group(1)
        credentials = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1"}
        boto3.client("s3", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                     aws_access_key_id="testing", aws_secret_access_key="testing").create_bucket(Bucket=BUCKET)
        yield {"PULUMI_BACKEND_URL": f"s3://{BUCKET}?endpoint=127.0.0.1:{port}&disableSSL=true&s3ForcePathStyle=true",
               "HF_RAG_TEST_S3_ENDPOINT": f"http://127.0.0.1:{port}", **credentials}
    finally:
        server.terminate()
        server.wait(timeout=30)


def locks(s3: dict[str, str]) -> int:
    """Lock objects Pulumi holds in the bucket."""
    import boto3

    client = boto3.client("s3", endpoint_url=s3["HF_RAG_TEST_S3_ENDPOINT"], region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    return int(client.list_objects_v2(Bucket=BUCKET, Prefix=".pulumi/locks/").get("KeyCount", 0))


def stack_env(s3: dict[str, str], hub: Hub, **extra: str) -> dict[str, str]:
    env = toolchain_env()
    env.update(s3, PULUMI_CONFIG_PASSPHRASE="team-passphrase", HF_TOKEN=hub.token, **GIT_ISOLATION,
               HF_RAG_SPACE_ESBUILD=str(REPO / "tools" / "node_modules" / ".bin" / "esbuild"), **extra)
    return env


def first_checkout(root: Path, s3: dict[str, str], hub: Hub) -> Stack:
    """Alice's git checkout of the project with stack `prod` on the shared backend, its frontend beside it
    (optional: the other checkouts have none), its stack file committed."""
    workdir = copy_project(root / "project")
    shutil.copy2(REPO / ".gitignore", workdir / ".gitignore")
    shutil.copytree(REPO / "examples" / "frontend", root / "frontend",
                    ignore=shutil.ignore_patterns("node_modules", "dist"))
    git(workdir, "init", "-q", "-b", "main")
    git(workdir, "config", "user.name", "Alice Example")
    git(workdir, "config", "user.email", "alice@example.com")
    stack = Stack(workdir, "prod", stack_env(s3, hub))
    stack.run("stack", "init")
    for key, value in (("hfOwner", OWNER), ("spaceName", "rag-chatbot"), ("hubEndpoint", hub.endpoint),
                       ("backendDir", "backend"), ("frontendUrl", "https://my-app.example.com"),
                       ("healthCheck", "false"), ("frontendDir", "../frontend"), ("frontendOptional", "true")):
        stack.config_set(key, value)
    git(workdir, "add", "-A")  # the stack file is not ignored: it is committed, as Pulumi's convention has it
    assert "Pulumi.prod.yaml" in git(workdir, "diff", "--cached", "--name-only").split()
    git(workdir, "commit", "-q", "-m", "Project and its prod stack")
    return stack


def clone(first: Stack, root: Path, s3: dict[str, str], hub: Hub, user: str | None, **extra: str) -> Stack:
    """A fresh clone of the first checkout (no frontend beside it, no staging, no state of its own)."""
    workdir = root / "project"
    root.mkdir(parents=True)
    git(root, "clone", "-q", str(first.workdir), str(workdir))
    if user:
        git(workdir, "config", "user.name", user)
        git(workdir, "config", "user.email", f"{user.split()[0].lower()}@example.com")
    return Stack(workdir, "prod", stack_env(s3, hub, **extra))


def printed(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout + result.stderr


def newest_commit_title(hub: Hub, space: str = SPACE) -> str:
    return str(next(iter(hub.api().list_repo_commits(space, repo_type="space"))).title)


def test_shared_stack_from_two_checkouts_and_a_runner(s3: dict[str, str], hub: Hub, tmp_path: Path) -> None:
    alice = first_checkout(tmp_path / "alice", s3, hub)
    alice.up()
    api = hub.api()
    rev1 = git(alice.workdir, "rev-parse", "HEAD")
    title = newest_commit_title(hub)
    assert rev1 in title and "hf-rag-space/prod" in title and "Alice Example" in title, title
    assert "team-passphrase" not in title and hub.token not in title
    client = tmp_path / "alice" / "frontend" / "src" / "services" / "api.ts"
    original_client = (REPO / "examples" / "frontend" / "src" / "services" / "api.ts").read_bytes()
    assert BEGIN_MARKER in client.read_text()
    marker = api.get_space_variables(SPACE)[MARKER_VARIABLE].value
    # No machine path in state or outputs: every checkout reads and writes the same state.
    exported = json.dumps(alice.export())
    assert str(tmp_path) not in exported and str(alice.workdir) not in exported
    assert alice.outputs()["frontendClientFile"] == CLIENT
    assert {r["inputs"].get("managed_by") for r in alice.resources("") if "SpaceArgs" not in r["type"]
            and r["type"].startswith("pulumi-python:dynamic/hf:Space")} == {marker}

    # Bob's clone: same config (the committed stack file) and passphrase: nothing to do, nothing sent.
    bob = clone(alice, tmp_path / "bob", s3, hub, "Bob Example")
    hub.reset_stats()
    result = bob.preview("--expect-no-changes")
    assert "not here: skipped" in printed(result)
    assert hub.stats()["total_requests"] == 0, hub.stats()["requests"]

    # A fresh CI runner: clean clone, CI=true, no TTY, HF_TOKEN from the environment, and a stack file as
    # `pulumi config set` writes it on a new machine (no salt: Pulumi keeps that in the backend). Its own
    # derivation gives another marker; the state's is kept.
    runner = clone(alice, tmp_path / "runner", s3, hub, None, CI="true", GITHUB_ACTOR="ci-bot")
    stack_file = runner.workdir / "Pulumi.prod.yaml"
    stack_file.write_text("".join(line for line in stack_file.read_text().splitlines(keepends=True)
                                  if not line.startswith("encryptionsalt:")))
    assert not marker.endswith(stack_instance(runner.workdir, "hf-rag-space", "prod", "organization"))
    hub.reset_stats()
    runner.run("preview", "--diff", "--expect-no-changes", stdin="")  # the settings and files follow the Space
    runner.run("up", "--yes", "--skip-preview", stdin="")
    assert hub.stats()["write_requests"] == 0 and hub.stats()["rebuilds"] == {}, hub.stats()["writes"]
    assert api.get_space_variables(SPACE)[MARKER_VARIABLE].value == marker

    # Alice deploys a newer revision; Bob, still on the older one, is warned before reverting it.
    main_py = Path("backend") / "app" / "main.py"
    (alice.workdir / main_py).write_text((alice.workdir / main_py).read_text() + "\n# v2\n")
    git(alice.workdir, "commit", "-q", "-am", "v2")
    rev2 = git(alice.workdir, "rev-parse", "HEAD")
    alice.up()
    assert rev2 in newest_commit_title(hub)
    assert "which this checkout does not have" in printed(bob.preview()) and rev2 in printed(bob.preview())
    git(bob.workdir, "fetch", "-q", "origin")
    warned = printed(bob.preview())
    assert "you are about to revert" in warned and rev2 in warned and rev1 in warned, warned

    # Both on v3, both run `up` at once: the backend's lock refuses one, the Space stays whole, both converge.
    (alice.workdir / main_py).write_text((alice.workdir / main_py).read_text() + "\n# v3\n")
    git(alice.workdir, "commit", "-q", "-am", "v3")
    git(bob.workdir, "pull", "-q", "--ff-only", "origin", "main")
    first = subprocess.Popen(["pulumi", "up", "--yes", "--skip-preview", "--non-interactive", "--stack", "prod"],
                             cwd=alice.workdir, env=alice.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True)
    deadline = time.monotonic() + 120
    while locks(s3) == 0:
        assert first.poll() is None and time.monotonic() < deadline, "alice's up never took the lock"
        time.sleep(0.2)
    refused = bob.up(check=False)
    out, _ = first.communicate(timeout=600)
    assert first.returncode == 0, out
    assert refused.returncode != 0 and "locked" in printed(refused), printed(refused)
    hub.reset_stats()
    bob.up()
    assert hub.stats()["write_requests"] == 0, hub.stats()["writes"]
    alice.refresh()  # reads the Space's tree: drift would show below
    alice.preview("--expect-no-changes")
    bob.preview("--expect-no-changes")

    # State written by the earlier version held Alice's absolute staging path: still no change, and a
    # destroy from the runner (which never deployed) removes only the runner's own staged copies.
    exported_state = alice.export()
    for resource in exported_state["deployment"]["resources"]:
        for part in ("inputs", "outputs"):
            if "blob_dir" in (resource.get(part) or {}):
                resource[part]["blob_dir"] = str(alice.workdir / STAGING)
    (tmp_path / "old-state.json").write_text(json.dumps(exported_state))
    git(runner.workdir, "pull", "-q", "--ff-only", "origin", "main")
    runner.run("stack", "import", "--file", str(tmp_path / "old-state.json"))
    runner.preview("--expect-no-changes")
    alice_blobs = sorted(p.name for p in (alice.workdir / STAGING).iterdir())
    assert (runner.workdir / STAGING).is_dir()
    destroyed = printed(runner.destroy())
    assert not api.repo_exists(SPACE, repo_type="space")
    assert sorted(p.name for p in (alice.workdir / STAGING).iterdir()) == alice_blobs
    assert not (runner.workdir / ".hf-rag-space").exists()
    assert f"{CLIENT} is not on this machine, so it stays patched" in destroyed, destroyed
    # Alice's frontend keeps its original line inside the block and gets it back byte for byte.
    assert BEGIN_MARKER in client.read_text()
    restored = subprocess.run([sys.executable, "-m", "components.frontend_restore", CLIENT], cwd=alice.workdir,
                              capture_output=True, text=True, check=False)
    assert restored.returncode == 0, restored.stderr
    assert client.read_bytes() == original_client


def test_preview_space_per_pull_request(s3: dict[str, str], hub: Hub, tmp_path: Path) -> None:
    """The example workflow's per-PR flow: stack `pr-7` from prod's config, its own private Space with the
    PR's code, prod's Space untouched; its destroy removes only pr-7's Space."""
    prod = first_checkout(tmp_path / "main", s3, hub)
    prod.up()
    api = hub.api()
    prod_sha = api.space_info(SPACE).sha
    pr = clone(prod, tmp_path / "pr", s3, hub, None, CI="true", GITHUB_ACTOR="pr-author")
    pr.name = "pr-7"
    git(pr.workdir, "checkout", "-q", "-b", "feature")
    git(pr.workdir, "config", "user.email", "pr-author@example.com")
    main_py = pr.workdir / "backend" / "app" / "main.py"
    main_py.write_text(main_py.read_text() + "\n# the pull request's change\n")
    git(pr.workdir, "commit", "-q", "-am", "PR change")
    script = next(step["run"] for step in yaml.safe_load(WORKFLOW.read_text())["jobs"]["pr-space"]["steps"]
                  if "stack init" in str(step.get("run")))

    def workflow_step() -> None:  # the example workflow's own step, as its runner runs it
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=pr.workdir,
                              env={**pr.env, "STACK": "pr-7"}, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stdout + done.stderr

    workflow_step()
    hub.reset_stats()
    pr.up()
    pr_space = f"{OWNER}/rag-chatbot-pr-7"
    assert api.space_info(pr_space).private is True
    assert set(hub.stats()["commits"]) == {pr_space}
    assert api.space_info(SPACE).sha == prod_sha
    assert b"the pull request's change" in Path(api.hf_hub_download(
        pr_space, "app/main.py", repo_type="space", cache_dir=tmp_path / "dl")).read_bytes()
    assert "pr-author" in newest_commit_title(hub, pr_space)
    assert api.get_space_variables(pr_space)[MARKER_VARIABLE].value.startswith("hf-rag-space/pr-7#")
    # The next push runs on a fresh runner: no stack file; the same step and `up` change nothing.
    (pr.workdir / "Pulumi.pr-7.yaml").unlink()
    workflow_step()
    hub.reset_stats()
    pr.up()
    assert hub.stats()["write_requests"] == 0, hub.stats()["writes"]
    # The cleanup job is a fresh runner: the stack file that `stack init` wrote is not in the repository.
    (pr.workdir / "Pulumi.pr-7.yaml").unlink()
    pr.destroy()
    pr.run("stack", "rm", "--yes")
    assert not api.repo_exists(pr_space, repo_type="space")
    assert api.space_info(SPACE).sha == prod_sha
    prod.preview("--expect-no-changes")
