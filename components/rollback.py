"""Automatic rollback: a files revision that fails never leaves the app down.

Where it runs (ARCHITECTURE.md, "Rollback runs inside the SpaceFiles update"): with `healthCheck` and
`rollback` on, `SpaceFiles` waits for its own commit and checks it (health.verify) before its update
returns. When the new revision fails (health.RevisionFailed: BUILD_ERROR, RUNTIME_ERROR, CONFIG_ERROR, a
timeout, a failing check) and the state knows a last healthy commit, `roll_back` restores that commit's
files as one new commit on top (hub.restore_revision; the Hub keeps history, nothing is force-pushed),
waits until the restored revision is healthy, and returns the error the update raises. A failed
dynamic-provider update keeps the resource's old state, which is then exactly what the Space holds (the
last healthy files): the next `preview` shows the failed change as pending, and the next `up` commits the
fix on top of the restored tree, in one commit.

Files only: secrets and variables stay as this run set them (the message says so when they changed).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from components import health
from components.errors import DeployError, RollbackError, RollbackFailed, RolledBack
from components.hub import client as hub
from components.provider_base import HubProvider


def short(commit: str | None) -> str:
    return (commit or "?")[:12]


def _indent(text: object) -> str:
    return "\n".join(f"  {line}" for line in str(text).splitlines())


#: What went wrong, by `RevisionFailed.stage`.
WHY = {"BUILD_ERROR": "its build failed", "RUNTIME_ERROR": "the app crashed", "CONFIG_ERROR":
       "the Space's configuration is invalid", "TIMEOUT": "it did not become healthy within healthTimeoutSeconds",
       "HEALTH_CHECK": "it started but failed its health check"}


def failure_summary(space_id: str, failed: str, failure: health.RevisionFailed) -> str:
    why = WHY.get(failure.stage, "it did not become healthy")
    return f"Deploy of Space {space_id} failed: revision {short(failed)}: {why} ({failure.stage}).\n{_indent(failure)}"


def config_note(config_changed: bool) -> str:
    """`config_changed`: the digest of the secrets and variables differs from the one this resource recorded
    at its last files deploy (so it covers every change made in this run)."""
    if config_changed:
        return ("Secrets and variables are not rolled back (files only): they changed since these files were "
                "last deployed (in this run or an earlier one), so the restored revision runs with the new values.")
    return "Secrets and variables are not rolled back (files only); they did not change since the last files deploy."


def rolled_back_message(space_id: str, failed: str, failure: health.RevisionFailed, healthy: str, restored: str,
                        space_url: str, config_changed: bool) -> str:
    return (f"{failure_summary(space_id, failed, failure)}\n"
            f"Rolled back: the Space serves the last healthy revision {short(healthy)} again (restored as commit "
            f"{short(restored)}, healthy at {space_url}). The failed commit stays in the Space's history.\n"
            f"{config_note(config_changed)}\n"
            "Your stack still shows this change as pending: fix the backend (the log lines above say why it "
            "failed), then `pulumi preview` and `pulumi up` deploy the fix in one commit. To keep a failing "
            "revision up for debugging instead, `pulumi config set rollback false`.")


def rollback_failed_message(space_id: str, failed: str, failure: health.RevisionFailed, healthy: str,
                            second: BaseException, restored: str | None, config_changed: bool) -> str:
    where = (f"restored as commit {short(restored)}, which did not become healthy" if restored
             else "its files could not be restored")
    return (f"{failure_summary(space_id, failed, failure)}\n"
            f"Rollback to the last healthy revision {short(healthy)} failed too ({where}):\n{_indent(second)}\n"
            "The Space is left as it is, not serving a healthy revision. "
            f"{config_note(config_changed)}\n"
            "Fix the backend (or whatever the second failure names: a dependency gone from the index, a "
            "changed secret) and run `pulumi up` again.")


def restore_message(healthy: str, failed: str) -> str:
    return (f"Roll back to {short(healthy)}: revision {short(failed)} failed to become healthy "
            "(hf-rag-space)")


def roll_back(provider: HubProvider, watch: Mapping[str, Any], *, failed: str, healthy: str,
              failure: health.RevisionFailed, config_changed: bool) -> RollbackError:
    """Restore `healthy`'s files on top and wait until they are healthy; return the error to raise
    (RolledBack, or RollbackFailed with both failures, the Space left as it is)."""
    space_id = str(watch["space_id"])
    provider.warn(f"{space_id}: revision {short(failed)} failed ({failure.stage}); rolling back to the last "
                  f"healthy revision {short(healthy)}")
    restored: str | None = None
    try:
        restored = hub.restore_revision(provider.api(watch), space_id, healthy,
                                        message=restore_message(healthy, failed))
        provider.log(f"{space_id}: restored the files of {short(healthy)} as commit {short(restored)}; waiting "
                     "for it to be healthy")
        health.verify(provider, {**watch, "revision": restored}, expect_rebuild=True)
    except DeployError as second:
        return RollbackFailed(rollback_failed_message(space_id, failed, failure, healthy, second, restored,
                                                      config_changed))
    return RolledBack(rolled_back_message(space_id, failed, failure, healthy, str(restored),
                                          str(watch["space_url"]), config_changed))
