"""What `pulumi up` prints when a deploy is rolled back, or when the rollback fails too."""

from __future__ import annotations

from components import health, rollback

FAILED, HEALTHY, RESTORED = "f" * 40, "a" * 40, "b" * 40


def test_rolled_back_names_the_failure_the_revision_served_and_how_to_retry() -> None:
    failure = health.RevisionFailed("Space alice/demo ended in RUNTIME_ERROR\n    RuntimeError: boom", "RUNTIME_ERROR")
    text = rollback.rolled_back_message("alice/demo", FAILED, failure, HEALTHY, RESTORED, "https://alice-demo.hf.space",
                                        config_changed=True)
    assert f"revision {FAILED[:12]}: the app crashed (RUNTIME_ERROR)" in text
    assert "RuntimeError: boom" in text
    assert f"serves the last healthy revision {HEALTHY[:12]} again (restored as commit {RESTORED[:12]}" in text
    assert "https://alice-demo.hf.space" in text
    assert "they changed in this run" in text and "pulumi up" in text and "rollback false" in text


def test_a_failed_rollback_reports_both_failures_and_leaves_the_space() -> None:
    failure = health.RevisionFailed("pip install failed", "BUILD_ERROR")
    second = health.RevisionFailed("Space alice/demo ended in BUILD_ERROR: old pin gone", "BUILD_ERROR")
    text = rollback.rollback_failed_message("alice/demo", FAILED, failure, HEALTHY, second, RESTORED,
                                            config_changed=False)
    assert "its build failed (BUILD_ERROR)" in text and "pip install failed" in text
    assert f"Rollback to the last healthy revision {HEALTHY[:12]} failed too" in text and "old pin gone" in text
    assert "left as it is" in text and "did not change in this run" in text
