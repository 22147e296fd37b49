"""SpaceHealth on the 2026 runtime (issue 13): the wait must see the NEW revision's build (localhub keeps
the old build RUNNING for a while after a commit), a SLEEPING Space is woken and waited for, a PAUSED one
fails with how to resume it."""

from __future__ import annotations

import time

import pytest

from tests.e2e.conftest import OWNER, Hub
from tests.e2e.pulumi_cli import Stack
from tests.e2e.test_health import enable_health, printed

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]
SPACE = f"{OWNER}/rag-chatbot"


def test_wait_ignores_the_old_build_still_running(project: Stack, hub: Hub) -> None:
    enable_health(project)
    project.up()
    # The previous build keeps reporting RUNNING (and serving) for 8 s after the next commit: a waiter that
    # took the first RUNNING would check the old app, find it healthy, and miss the crash below.
    hub.handle.configure(running_window_seconds=8)
    main_py = project.workdir / "backend" / "app" / "main.py"
    main_py.write_text(main_py.read_text() + '\nraise RuntimeError("boom in the new revision")\n')
    result = project.up(check=False)
    out = printed(result)
    assert result.returncode != 0, out[-2000:]
    assert "RUNTIME_ERROR" in out and "RuntimeError: boom in the new revision" in out


def _until_stage(hub: Hub, stage: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while hub.api().get_space_runtime(SPACE).stage != stage:
        assert time.monotonic() < deadline, f"never {stage}"
        time.sleep(0.2)


def test_sleeping_space_is_woken_and_waited_for(project: Stack, hub: Hub) -> None:
    enable_health(project)
    project.up()
    hub.handle.configure(sleep_after_seconds=1)
    _until_stage(hub, "SLEEPING")
    hub.handle.configure(sleep_after_seconds=-1)  # awake, it stays awake for the rest of the test
    enable_health(project, require="reachable")  # the check runs again, no rebuild
    result = project.up()
    out = printed(result)
    assert f"{SPACE}: SLEEPING; waking it" in out
    assert f"{SPACE}: woke up, RUNNING" in out
    assert project.outputs()["health"]["status"] == "healthy"


def test_paused_space_fails_with_how_to_resume(project: Stack, hub: Hub) -> None:
    enable_health(project)
    project.up()
    hub.api().pause_space(SPACE)
    enable_health(project, require="reachable")
    result = project.up(check=False)
    out = printed(result)
    assert result.returncode != 0
    assert f"Space {SPACE} is PAUSED" in out and "restart_space" in out and "Restart button" in out
