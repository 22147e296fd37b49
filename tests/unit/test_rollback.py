"""What `pulumi up` prints when a deploy is rolled back, or when the rollback fails too."""

from __future__ import annotations

import pytest

from components import health, rollback
from components.hub import client as hub

FAILED, HEALTHY, RESTORED = "f" * 40, "a" * 40, "b" * 40


def test_rolled_back_names_the_failure_the_revision_served_and_how_to_retry() -> None:
    failure = health.RevisionFailed("Space alice/demo ended in RUNTIME_ERROR\n    RuntimeError: boom", "RUNTIME_ERROR")
    text = rollback.rolled_back_message("alice/demo", FAILED, failure, HEALTHY, RESTORED, "https://alice-demo.hf.space",
                                        config_changed=True)
    assert f"revision {FAILED[:12]}: the app crashed (RUNTIME_ERROR)" in text
    assert "RuntimeError: boom" in text
    assert f"serves the last healthy revision {HEALTHY[:12]} again (restored as commit {RESTORED[:12]}" in text
    assert "https://alice-demo.hf.space" in text
    assert "they changed since these files were last deployed" in text
    assert "pulumi up" in text and "rollback false" in text


def test_a_failed_rollback_reports_both_failures_and_leaves_the_space() -> None:
    failure = health.RevisionFailed("pip install failed", "BUILD_ERROR")
    second = health.RevisionFailed("Space alice/demo ended in BUILD_ERROR: old pin gone", "BUILD_ERROR")
    text = rollback.rollback_failed_message("alice/demo", FAILED, failure, HEALTHY, second, RESTORED,
                                            config_changed=False)
    assert "its build failed (BUILD_ERROR)" in text and "pip install failed" in text
    assert f"Rollback to the last healthy revision {HEALTHY[:12]} failed too" in text and "old pin gone" in text
    assert "left as it is" in text and "did not change since the last files deploy" in text


class Provider:
    """What roll_back uses of a provider: its log lines and a client."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def warn(self, message: str) -> None:
        self.lines.append(message)

    log = warn

    def api(self, _props: object) -> object:
        return object()


WATCH = {"space_id": "alice/demo", "space_url": "https://alice-demo.hf.space", "hub_endpoint": "https://hub"}


def test_roll_back_restores_then_verifies_the_restored_commit(monkeypatch: pytest.MonkeyPatch) -> None:
    verified: list[str] = []
    monkeypatch.setattr(hub, "restore_revision", lambda _api, _sid, rev, message: RESTORED)
    monkeypatch.setattr(health, "verify", lambda _p, props, expect_rebuild: verified.append(props["revision"]))
    provider = Provider()
    error = rollback.roll_back(provider, WATCH, failed=FAILED, healthy=HEALTHY,  # type: ignore[arg-type]
                               failure=health.RevisionFailed("boom", "RUNTIME_ERROR"), config_changed=False)
    assert isinstance(error, rollback.RolledBack) and verified == [RESTORED]
    assert any("rolling back to the last healthy revision" in line for line in provider.lines)


def test_a_restored_revision_that_fails_is_reported_with_the_first_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    def fails(_p: object, props: dict[str, str], expect_rebuild: bool) -> None:
        raise health.RevisionFailed("Space alice/demo ended in BUILD_ERROR: fastapi==0.1 is gone", "BUILD_ERROR")

    monkeypatch.setattr(hub, "restore_revision", lambda _api, _sid, rev, message: RESTORED)
    monkeypatch.setattr(health, "verify", fails)
    error = rollback.roll_back(Provider(), WATCH, failed=FAILED, healthy=HEALTHY,  # type: ignore[arg-type]
                               failure=health.RevisionFailed("boom v2", "RUNTIME_ERROR"), config_changed=True)
    assert isinstance(error, rollback.RollbackFailed)
    assert "boom v2" in str(error) and "fastapi==0.1 is gone" in str(error)
    assert f"restored as commit {RESTORED[:12]}, which did not become healthy" in str(error)


def test_a_restore_commit_refused_leaves_the_space_as_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(*_a: object, **_k: object) -> str:
        raise hub.HubError("403 Forbidden: the token cannot write to alice/demo")

    monkeypatch.setattr(hub, "restore_revision", refused)
    error = rollback.roll_back(Provider(), WATCH, failed=FAILED, healthy=HEALTHY,  # type: ignore[arg-type]
                               failure=health.RevisionFailed("boom v2", "RUNTIME_ERROR"), config_changed=False)
    assert isinstance(error, rollback.RollbackFailed)
    assert "its files could not be restored" in str(error) and "403 Forbidden" in str(error)
