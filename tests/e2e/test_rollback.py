"""A deploy never leaves the app down: the real pulumi CLI against localhub running the example backend.

A new files revision that crashes at import, fails its build or fails its health check is rolled back to
the last healthy revision (a new commit restoring its files), `up` fails naming both, the state keeps the
change pending, and the fix deploys in one commit. Build and run logs stream into the CLI while `up` waits.
"""

from __future__ import annotations

import os
import secrets
import signal
import time
from pathlib import Path

import httpx
import pytest

from components.space_files import paths_map
from tests.blobs import git_blob_id
from tests.e2e.conftest import OWNER, Hub
from tests.e2e.pulumi_cli import Stack
from tests.e2e.test_health import enable_health, printed
from tests.e2e.test_resilience import (
    assert_no_leftover_processes,
    deploy_commits,
    finish,
    recover_after_kill,
    start_up,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]
SPACE = f"{OWNER}/rag-chatbot"
HEALTH_ROUTER = 'app.include_router(health.router, prefix="/api")'


def main_py(stack: Stack) -> Path:
    return stack.workdir / "backend" / "app" / "main.py"


def remote_main(hub: Hub) -> bytes:
    return Path(hub.api().hf_hub_download(SPACE, "app/main.py", repo_type="space")).read_bytes()


def head(hub: Hub) -> str:
    return str(hub.api().space_info(SPACE).sha)


def serves_healthy(stack: Stack) -> bool:
    answer = httpx.get(stack.outputs()["healthUrl"], timeout=10)
    return answer.status_code == 200 and answer.json().get("status") == "healthy"


def assert_rolled_back(out: str, stage: str, healthy: str, v1: bytes, stack: Stack, hub: Hub) -> None:
    """`up` failed naming the stage and the rollback; the Space serves v1's files, healthy; the change is
    still pending."""
    assert "failed: revision " in out and f"({stage})." in out, out[-3000:]
    assert f"Rolled back: the Space serves the last healthy revision {healthy[:12]} again" in out, out[-3000:]
    assert "fix the backend" in out and "pulumi up" in out
    assert remote_main(hub) == v1
    assert hub.api().get_space_runtime(SPACE).stage == "RUNNING"
    assert serves_healthy(stack)
    assert stack.plan().get("rag-files") == "update"  # not "no changes": the Space holds v1's files


def test_a_failing_revision_is_rolled_back_and_the_fix_deploys_in_one_commit(project: Stack, hub: Hub) -> None:
    """v1 healthy; v2 raises at import (printing a secret first); v2' answers its health check unhealthy,
    with a variable changed in the same run; v3 fixes it."""
    canary = f"canary-{secrets.token_hex(8)}"
    enable_health(project, timeout=120)
    project.config_set("extraSecrets.WEBHOOK_SECRET", canary, secret=True, path=True)
    original = main_py(project).read_text()
    v1 = original + '\nprint("v1 says hello at import", flush=True)\n'
    main_py(project).write_text(v1)
    out = printed(project.up())
    live = out.find("[run] v1 says hello at import")
    assert live != -1 and live < out.find(f"{SPACE}: healthy, services"), out[-3000:]  # streamed before healthy
    healthy = head(hub)
    outputs = project.outputs()
    assert outputs["healthyRevision"] == healthy == outputs["filesRevision"]

    # v2: the app raises at import, after printing the secret's value.
    main_py(project).write_text(original + '\nimport os\nprint("v2 echoes", os.environ["WEBHOOK_SECRET"], flush=True)\n'
                                'raise RuntimeError("boom at import in v2")\n')
    commits = deploy_commits(hub)
    result = project.up(check=False)
    out = printed(result)
    assert result.returncode != 0
    assert "RuntimeError: boom at import in v2" in out, out[-3000:]
    assert "[run] v2 echoes [redacted WEBHOOK_SECRET]" in out  # streamed live, redacted
    assert "they did not change since the last files deploy" in out
    assert_rolled_back(out, "RUNTIME_ERROR", healthy, v1.encode(), project, hub)
    assert deploy_commits(hub) == commits + 2  # v2, then the restore on top: history kept

    # v2': it starts, but its health endpoint says unhealthy; a variable changes in the same run.
    main_py(project).write_text(original.replace(HEALTH_ROUTER, (
        "@app.get('/api/health')\n    async def unhealthy() -> dict[str, str]:\n"
        "        return {'status': 'unhealthy'}\n    " + HEALTH_ROUTER)))
    project.config_set("logLevel", "DEBUG")
    result = project.up(check=False)
    out = printed(result)
    assert result.returncode != 0
    assert "reports status 'unhealthy'" in out, out[-3000:]
    assert "they changed since these files were last deployed" in out  # the variable: not rolled back
    assert_rolled_back(out, "HEALTH_CHECK", healthy, v1.encode(), project, hub)

    # v3: fixed. One commit, on top of the restored tree.
    v3 = original + "\n# v3: fixed\n"
    main_py(project).write_text(v3)
    commits = deploy_commits(hub)
    project.up()
    assert deploy_commits(hub) == commits + 1
    assert remote_main(hub) == v3.encode() and serves_healthy(project)
    assert project.outputs()["healthyRevision"] == head(hub)
    project.preview("--expect-no-changes")
    assert canary not in project.everything_printed() + str(project.export())


def test_rollback_off_leaves_the_failing_revision_and_fails(project: Stack, hub: Hub) -> None:
    enable_health(project, timeout=120)
    project.config_set("rollback", "false")
    project.up()
    broken = main_py(project).read_text() + '\nraise RuntimeError("boom, no rollback")\n'
    main_py(project).write_text(broken)
    result = project.up(check=False)
    out = printed(result)
    assert result.returncode != 0 and "RUNTIME_ERROR" in out and "boom, no rollback" in out
    assert "Rolled back" not in out and "rolling back" not in out
    assert hub.api().get_space_runtime(SPACE).stage == "RUNTIME_ERROR"
    assert remote_main(hub) == broken.encode()


@pytest.mark.real_builds
def test_a_revision_whose_build_fails_is_rolled_back(project: Stack, hub: Hub) -> None:
    """Real pip builds: v1's pip lines stream before `up` reports healthy; v2 pins a version that does not
    exist, its build fails, v1 comes back (its environment cached, as a rebuild of the same image would)."""
    enable_health(project, timeout=600)
    requirements = project.workdir / "backend" / "requirements.txt"
    original = requirements.read_text()
    # A requirement set of its own, so this test's v1 build really runs pip.
    requirements.write_text(original.replace("httpx>=0.27,<1", f"httpx>=0.27,<1,!=0.0.{secrets.randbelow(10**6)}"))
    out = printed(project.up())
    pip = out.find("[build] Collecting fastapi")
    assert pip != -1 and pip < out.find(f"{SPACE}: healthy, services"), out[-3000:]
    healthy = head(hub)
    v1 = remote_main(hub)
    requirements.write_text(requirements.read_text() + "fastapi==0.0.404\n")
    result = project.up(check=False)
    out = printed(result)
    assert result.returncode != 0 and "fastapi==0.0.404" in out
    assert_rolled_back(out, "BUILD_ERROR", healthy, v1, project, hub)
    remote_requirements = hub.api().hf_hub_download(SPACE, "requirements.txt", repo_type="space")
    assert "0.0.404" not in Path(remote_requirements).read_text()


def test_up_killed_during_the_rollback_converges_on_rerun(project: Stack, hub: Hub) -> None:
    enable_health(project, timeout=120)
    original = main_py(project).read_text()
    project.up()
    commits = deploy_commits(hub)
    main_py(project).write_text(original + '\nraise RuntimeError("boom before the kill")\n')
    proc = start_up(project)
    deadline = time.monotonic() + 300
    while deploy_commits(hub) < commits + 2:  # the restore commit landed: up now waits for it to be healthy
        assert proc.poll() is None, finish(project, proc)[-3000:]
        assert time.monotonic() < deadline, "no restore commit"
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    killed = finish(project, proc)
    assert "[build] ===== Build started" in killed  # the logs reached the CLI while it waited, not at the end
    assert_no_leftover_processes(project.workdir.resolve())
    v3 = original + "\n# v3 after the kill\n"
    main_py(project).write_text(v3)
    recover_after_kill(project)  # README's recipe: cancel, refresh, up
    assert deploy_commits(hub) == commits + 3  # v2, the restore, v3: nothing sent twice
    assert remote_main(hub) == v3.encode() and serves_healthy(project)
    state = project.resources(":SpaceFiles")[0]["outputs"]
    assert paths_map(state["blob_ids"])["app/main.py"] == git_blob_id(v3.encode())
    assert state["healthy_revision"] == head(hub)
    project.preview("--expect-no-changes")


def test_a_rollback_that_fails_too_reports_both_and_leaves_the_space(project: Stack, hub: Hub) -> None:
    """v1 refuses to start when the variable BREAK is set; the run that deploys a crashing v2 also sets it,
    so the restored v1 fails as well (variables are not rolled back)."""
    enable_health(project, timeout=120)
    original = main_py(project).read_text()
    main_py(project).write_text(original + '\nimport os\nif os.environ.get("BREAK"):\n'
                                '    raise SystemExit("v1 refuses BREAK")\n')
    project.up()
    healthy = head(hub)
    main_py(project).write_text(original + '\nraise RuntimeError("boom in v2")\n')
    project.config_set("extraVariables.BREAK", "yes", path=True)
    result = project.up(check=False)
    out = printed(result)
    assert result.returncode != 0
    assert "boom in v2" in out and "v1 refuses BREAK" in out, out[-3000:]  # both failures
    assert f"Rollback to the last healthy revision {healthy[:12]} failed too" in out
    assert "The Space is left as it is" in out and "they changed since these files were last deployed" in out
    assert "Rolled back:" not in out
    assert hub.api().get_space_runtime(SPACE).stage == "RUNTIME_ERROR"
    assert project.plan().get("rag-files") == "update"
