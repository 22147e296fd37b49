"""SpaceHealth end to end: the real pulumi CLI, localhub and its runtime running the example backend.

`pulumi up` must end only when the backend really serves, or fail with the reason on the screen.
"""

from __future__ import annotations

import re

import httpx
import pytest

from tests.e2e.conftest import OWNER, Hub
from tests.e2e.pulumi_cli import Stack

pytestmark = pytest.mark.e2e
SPACE = f"{OWNER}/rag-chatbot"


def enable_health(stack: Stack, require: str = "healthy", timeout: int = 120) -> None:
    stack.config_set("healthCheck", "true")
    stack.config_set("healthRequire", require)
    stack.config_set("healthTimeoutSeconds", str(timeout))


def printed(result: object) -> str:
    return f"{getattr(result, 'stdout', '')}\n{getattr(result, 'stderr', '')}"


def test_healthy_path_exports_health_and_no_change_is_free(project: Stack, hub: Hub) -> None:
    enable_health(project)
    project.config_set("extraSecrets.WEBHOOK_SECRET", "webhook-canary-first-value", secret=True, path=True)
    project.up()
    outputs = project.outputs()
    health = outputs["health"]
    assert health["status"] == "healthy"
    assert health["services"] == {"fastapi": "running", "qdrant": "not_configured",
                                  "postgres": "not_configured", "gemini": "not_configured"}
    assert health["cors"] == "allows https://my-app.example.com"
    answer = httpx.get(outputs["healthUrl"], timeout=10)
    assert answer.status_code == 200 and answer.json()["status"] == "healthy"
    # The digest of the secrets and variables is secret in state.
    state = project.resources(":SpaceHealth")[0]
    assert "config_digest" in (state.get("additionalSecretOutputs") or [])
    # Nothing changed: the health check does not run again, and the Hub sees no request.
    hub.reset_stats()
    project.preview("--expect-no-changes")
    project.up()
    assert hub.stats()["total_requests"] == 0
    # A secret rotated: the Space rebuilds and the check runs again, after the new build.
    project.config_set("extraSecrets.WEBHOOK_SECRET", "webhook-canary-second-value", secret=True, path=True)
    assert project.plan() == {"rag-secret-webhook-secret": "update", "rag-health": "update"}
    hub.reset_stats()
    result = project.up()
    assert hub.stats()["rebuilds"] == {SPACE: 1}
    assert hub.stats()["requests"]["GET /api/spaces/{repo_id}/runtime"] >= 1
    assert hub.api().get_space_runtime(SPACE).stage == "RUNNING"
    assert "waiting for the Space to build and start" in printed(result)
    for value in ("webhook-canary-first-value", "webhook-canary-second-value"):
        assert value not in project.everything_printed() + str(project.export())


def test_build_error_and_crash_at_import_show_the_logs(project: Stack, hub: Hub) -> None:
    enable_health(project)
    template = project.workdir / "templates" / "Dockerfile.j2"
    original = template.read_text()
    template.write_text(original.replace("COPY --chown=user . .", "COPY --chown=user . .\nCOPY missing.txt ."))
    result = project.up(check=False)
    out = printed(result)
    assert result.returncode != 0
    assert "BUILD_ERROR" in out
    assert "ERROR: [rule dockerfile-copy-source]" in out

    template.write_text(original)
    main_py = project.workdir / "backend" / "app" / "main.py"
    main_py.write_text(main_py.read_text() + '\nraise RuntimeError("boom at import (health test)")\n')
    result = project.up(check=False)
    out = printed(result)
    assert result.returncode != 0
    assert "RUNTIME_ERROR" in out
    assert "Traceback (most recent call last)" in out
    assert "RuntimeError: boom at import (health test)" in out

    # Fixed: the next `up` checks again and succeeds.
    main_py.write_text(main_py.read_text().replace('raise RuntimeError("boom at import (health test)")\n', ""))
    project.up()
    assert project.outputs()["health"]["status"] == "healthy"


def test_frontend_origin_missing_from_cors_fails(project: Stack, hub: Hub) -> None:
    enable_health(project, require="reachable")
    project.config_set("extraVariables.ALLOWED_ORIGINS", "https://other.example.com", path=True)
    result = project.up(check=False)
    out = printed(result)
    assert result.returncode != 0
    assert "ALLOWED_ORIGINS" in out and "https://my-app.example.com" in out
    assert "hf-rag-space:frontendUrl" in out and "hf-rag-space:allowedOrigins" in out
    project.run("config", "rm", "--path", "extraVariables.ALLOWED_ORIGINS")
    project.up()
    assert project.outputs()["health"]["cors"] == "allows https://my-app.example.com"


def test_stuck_building_times_out_naming_the_stage(project: Stack, hub: Hub) -> None:
    enable_health(project, timeout=4)
    hub.handle.configure(build_delay_seconds=60)
    result = project.up(check=False)
    out = printed(result)
    assert result.returncode != 0
    assert "Timed out waiting for Space" in out and "stuck in BUILDING" in out
    assert "healthTimeoutSeconds" in out


def test_private_space_checked_with_the_token_and_progress_is_logged(project: Stack, hub: Hub) -> None:
    """A private Space's URL answers 401 without a token (localhub's proxy, like *.hf.space), so a passing
    health check shows the token was sent; progress lines show while it builds; the token is never
    printed or stored."""
    enable_health(project)
    project.config_set("private", "true")
    hub.handle.configure(build_delay_seconds=13)
    result = project.up()
    out = printed(result)
    assert hub.api().space_info(SPACE).private is True
    assert project.outputs()["health"]["status"] == "healthy"
    health_url = project.outputs()["healthUrl"]
    assert httpx.get(health_url, timeout=10).status_code == 401  # the check could only pass with the token
    assert httpx.get(health_url, headers={"Authorization": f"Bearer {hub.token}"}, timeout=10).status_code == 200
    # At least one progress line while the Space was building.
    assert re.search(rf"{SPACE}: BUILDING, 1\d s elapsed", out), out[-3000:]
    # The token went to the Space, never to the screen or the state.
    everything = project.everything_printed() + str(project.export()) + str(project.outputs())
    assert hub.token not in everything


def test_degraded_backend_fails_with_hints_unless_only_reachable_is_required(project: Stack, hub: Hub) -> None:
    enable_health(project)
    project.config_set("qdrantUrl", "https://127.0.0.1:9", secret=True)  # nothing listens: disconnected
    result = project.up(check=False)
    out = printed(result)
    assert result.returncode != 0
    assert "reports status 'degraded'" in out and "- qdrant: disconnected" in out
    assert "Qdrant Cloud console" in out
    project.config_set("healthRequire", "reachable")
    project.up()
    assert project.outputs()["health"]["services"]["qdrant"] == "disconnected"
