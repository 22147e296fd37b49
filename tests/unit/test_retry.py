"""The retry core (components/retry.py) and the error tree (components/errors.py): the budget, jitter,
`Retry-After` from a real 429, non-idempotent calls sent once, a log line per retry (redacted before it
reaches the CLI), and typed Hub errors keeping the request id and server message of a real answer
(localhub on loopback, its fault injection)."""

from __future__ import annotations

import logging
import secrets
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pulumi
import pytest
from pulumi.errors import RunError

from components import (
    errors,
    frontend_patch,
    frontend_patch_provider,
    health,
    log_bridge,
    provider_base,
    retry,
    rollback,
)
from components.hub import client as hub
from localhub import LocalHub, serve

SPACE = "alice/demo"
SPACE_ROUTE = "GET /api/spaces/*"


class Flaky(Exception):
    def __init__(self, message: str = "flaky", retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def failing(times: int, error: Exception | None = None) -> tuple[list[int], Any]:
    calls: list[int] = []

    def attempt() -> str:
        calls.append(1)
        if len(calls) <= times:
            raise error or Flaky()
        return "ok"

    return calls, attempt


ANY_FLAKY = retry.Policy(retry_on=lambda e: isinstance(e, Flaky), attempts=4, cap=5.0)


# --- the policy and the loop (no network) --------------------------------------------------------

def test_budget_of_attempts_is_never_exceeded() -> None:
    sleeps: list[float] = []
    calls, attempt = failing(10)
    with pytest.raises(Flaky) as raised:
        retry.run("Reading", attempt, ANY_FLAKY, sleep=sleeps.append)
    assert len(calls) == 4 and len(sleeps) == 3
    assert getattr(raised.value, "retries_spent", False)  # so an enclosing loop does not retry it again
    outer_calls: list[int] = []

    def outer() -> str:
        outer_calls.append(1)
        return retry.run("Reading", failing(10)[1], ANY_FLAKY, sleep=lambda _s: None)

    with pytest.raises(Flaky):
        retry.run("Outer", outer, ANY_FLAKY, sleep=lambda _s: None)
    assert len(outer_calls) == 1  # 4 attempts, not 4 x 4


def test_deadline_cuts_the_last_wait_and_ends_the_retries() -> None:
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    policy = retry.Policy(retry_on=lambda e: isinstance(e, Flaky), attempts=None, cap=10.0, jitter=0.0)
    calls, attempt = failing(100)
    with pytest.raises(Flaky):
        retry.run("GET /health", attempt, policy, deadline=5.0, sleep=sleep, clock=lambda: now[0])
    assert now[0] == 5.0 and len(calls) == 5  # 0.5 + 1 + 2 + 1.5 (cut to the deadline), then no more


def test_total_wait_budget_cuts_what_the_server_asks_for() -> None:
    sleeps: list[float] = []
    policy = retry.Policy(retry_on=lambda e: isinstance(e, Flaky), attempts=10, total_wait=100.0)
    calls, attempt = failing(10, Flaky(retry_after=45))
    with pytest.raises(Flaky):
        retry.run("Reading", attempt, policy, sleep=sleeps.append)
    assert sleeps == [45.0, 45.0, 10.0] and len(calls) == 4


def test_jitter_stays_between_half_and_all_of_the_backoff() -> None:
    low = retry.Policy(random=lambda: 0.0)
    high = retry.Policy(random=lambda: 1.0)
    assert [low.delay(n, Flaky()) for n in (1, 2, 3)] == [0.25, 0.5, 1.0]
    assert [high.delay(n, Flaky()) for n in (1, 2, 3, 10)] == [0.5, 1.0, 2.0, 20.0]
    waits = [retry.Policy().delay(3, Flaky()) for _ in range(200)]
    assert all(1.0 <= w <= 2.0 for w in waits) and len(set(waits)) > 100  # really random, within bounds


def test_retry_after_is_a_floor_and_a_long_one_is_not_waited_out() -> None:
    policy = retry.Policy(retry_on=lambda e: isinstance(e, Flaky), max_wait=60.0)
    assert policy.delay(1, Flaky(retry_after=7)) == 7.0
    sleeps: list[float] = []
    calls, attempt = failing(1, Flaky(retry_after=3600))
    with pytest.raises(Flaky):
        retry.run("Committing", attempt, policy, sleep=sleeps.append)
    assert calls == [1] and sleeps == []


def test_each_retry_is_logged_with_the_call_the_cause_and_the_wait(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="components.retry")
    fixed = retry.Policy(retry_on=lambda e: isinstance(e, Flaky), jitter=0.0)
    retry.run("Reading Space a/b", failing(2, Flaky("Reading Space a/b: the Hub answered 503."))[1], fixed,
              sleep=lambda _s: None)
    lines = [r.getMessage() for r in caplog.records if r.name == "components.retry"]
    assert lines == ["Reading Space a/b: the Hub answered 503.; retry 1 in 0.5 s",
                     "Reading Space a/b: the Hub answered 503.; retry 2 in 1.0 s"]
    assert [r.retry_wait for r in caplog.records] == [0.5, 1.0]  # type: ignore[attr-defined]


# --- against localhub -----------------------------------------------------------------------------

@pytest.fixture
def local(tmp_path: Path) -> Iterator[LocalHub]:
    with serve(tmp_path / "hub", tokens={"tok": "alice"}, in_process=True) as server:
        hub.client(server.endpoint, "tok").create_repo(SPACE, repo_type="space", space_sdk="docker")
        server.reset_stats()
        yield server


def space_reads(server: LocalHub) -> int:
    return sum(n for route, n in server.stats()["requests"].items() if route.startswith("GET /api/{repo_type}s/"))


def test_a_real_429_is_waited_for_as_long_as_its_retry_after_says(local: LocalHub) -> None:
    api = hub.client(local.endpoint, "tok")
    local.set_faults(next=2, statuses=[429], routes=[SPACE_ROUTE], retry_after=7)
    sleeps: list[float] = []
    info = hub.call("Reading Space", lambda: api.space_info(SPACE), sleep=sleeps.append)
    assert info.id == SPACE and space_reads(local) == 3
    assert len(sleeps) == 2 and all(s >= 7.0 for s in sleeps)  # jittered backoff would be 0.25 s to 1 s


def test_a_real_429_asking_for_longer_than_a_minute_fails_at_once_naming_the_wait(local: LocalHub) -> None:
    api = hub.client(local.endpoint, "tok")
    local.set_faults(next=1, statuses=[429], routes=[SPACE_ROUTE], retry_after=600)
    sleeps: list[float] = []
    with pytest.raises(errors.RateLimited) as raised:
        hub.call("Reading Space", lambda: api.space_info(SPACE), sleep=sleeps.append)
    assert sleeps == [] and space_reads(local) == 1 and raised.value.retry_after == 600
    assert "wait about 10 min" in str(raised.value)


def test_a_non_idempotent_call_is_sent_once_even_on_a_503(local: LocalHub) -> None:
    api = hub.client(local.endpoint, "tok")
    local.set_faults(next=3, statuses=[503], routes=["POST /api/repos/create"])
    sleeps: list[float] = []
    with pytest.raises(errors.ServerError):
        hub.call("Creating", lambda: api.create_repo("alice/other", repo_type="space", space_sdk="docker"),
                 retry=False, sleep=sleeps.append)
    assert sleeps == [] and local.stats()["requests"] == {"POST /api/repos/create": 1}


def test_hub_errors_are_typed_and_keep_request_id_and_server_message(local: LocalHub) -> None:
    api = hub.client(local.endpoint, "tok")
    with pytest.raises(errors.Conflict) as conflict:
        hub.call("Creating", lambda: api.create_repo(SPACE, repo_type="space", space_sdk="docker"), retry=False)
    error = conflict.value
    assert error.status == 409 and error.server_message == "You already created this space repo"
    assert error.request_id and f"Hub request id: {error.request_id}" in str(error)
    local.set_faults(next=1, statuses=[503], routes=[SPACE_ROUTE])
    with pytest.raises(errors.ServerError) as server_error:
        hub.call("Reading", lambda: api.space_info(SPACE), retry=False)
    assert server_error.value.server_message == "localhub injected fault: HTTP 503"
    assert server_error.value.request_id and server_error.value.request_id != error.request_id
    with pytest.raises(errors.SpaceGone) as gone:
        hub.call("Reading", lambda: api.space_info("alice/missing"), retry=False)
    assert isinstance(gone.value, errors.NotFound) and gone.value.request_id
    assert all(isinstance(e, errors.DeployError) for e in (error, server_error.value, gone.value))


def test_every_error_has_one_root_and_keeps_its_old_import_path() -> None:
    assert issubclass(errors.ConfigError, RunError)  # program.run_program's clean exit catches RunError
    old_places = {
        hub.HubError: errors.HubError, hub.SpaceGone: errors.SpaceGone, hub.PlanRequired: errors.PlanRequired,
        hub.PaymentMethodRequired: errors.PaymentMethodRequired, hub.SpaceTimeout: errors.SpaceTimeout,
        health.HealthError: errors.HealthError, health.RevisionFailed: errors.RevisionFailed,
        rollback.RolledBack: errors.RolledBack, rollback.RollbackFailed: errors.RollbackFailed,
        frontend_patch.PatchError: errors.PatchError, frontend_patch_provider.TypeScriptError: errors.TypeScriptError,
        provider_base.ProviderError: errors.ProviderError,
    }
    assert all(old is new and issubclass(new, errors.DeployError) for old, new in old_places.items())
    assert issubclass(errors.PatchError, ValueError)


# --- logged retries reach the CLI redacted -------------------------------------------------------

@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """What `pulumi.log` receives (the CLI's diagnostics); the bridge removed afterwards."""
    shown: list[str] = []
    for level in ("debug", "info", "warn", "error"):
        monkeypatch.setattr(pulumi.log, level, lambda message, *_a, _l=level, **_k: shown.append(f"{_l}: {message}"))
    yield shown
    logger = logging.getLogger(log_bridge.ROOT)
    for handler in [h for h in logger.handlers if isinstance(h, log_bridge.PulumiHandler)]:
        logger.removeHandler(handler)
    root = logging.getLogger()
    for stale in [h for h in root.handlers if getattr(h, "_hf_rag_space", False)]:
        root.removeHandler(stale)


def test_a_secret_in_a_retried_error_never_reaches_the_cli(cli: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    from pulumi.dynamic import ConfigureRequest
    from pulumi.dynamic.config import Config

    canary = "AIza" + "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(35))
    provider: provider_base.HubProvider[Any, Any] = provider_base.HubProvider()
    provider.configure(ConfigureRequest(Config({"hf-rag-space:geminiApiKey": canary}, "hf-rag-space")))
    answers: list[Exception | str] = [httpx2.ConnectError(f"connection reset, key={canary}"), "ok"]

    def flaky() -> str:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert hub.call("Reading Space a/b", flaky, sleep=lambda _s: None) == "ok"
    assert len(cli) == 1 and cli[0].startswith("info: Reading Space a/b: cannot reach the Hub (ConnectError")
    assert "[redacted GEMINI_API_KEY]" in cli[0] and "; retry 1 in " in cli[0]
    printed = capsys.readouterr()
    assert canary not in "".join(cli) + printed.out + printed.err
    assert "retry 1" not in printed.err  # shown once, by the CLI, not again on the provider's stderr


def test_the_program_redacts_the_stacks_secrets_from_its_config(monkeypatch: pytest.MonkeyPatch) -> None:
    canary = "AIza" + "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(35))
    monkeypatch.setattr("pulumi.runtime.config.get_config",
                        lambda key: canary if key == "hf-rag-space:geminiApiKey" else None)
    redact = log_bridge.program_redactor("hf-rag-space")
    assert redact(f"retrying with {canary}") == "retrying with [redacted GEMINI_API_KEY]"


def test_with_the_engine_gone_a_record_falls_back_to_the_redacting_stderr_handler(
        cli: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def gone(*_args: object, **_kwargs: object) -> None:
        raise ConnectionError("the engine is gone")

    monkeypatch.setattr(pulumi.log, "info", gone)
    redactor = lambda text: text.replace("s3cr3t-value", "[redacted]")  # noqa: E731
    provider_base.install_log_redaction(redactor)
    log_bridge.install(redactor)
    logging.getLogger("components.provider_base").info("exiting with s3cr3t-value")
    err = capsys.readouterr().err
    assert "exiting with [redacted]" in err and "s3cr3t-value" not in err and "Logging error" not in err


def test_an_ownership_refusal_is_an_ownership_error_not_a_hub_error() -> None:
    from types import SimpleNamespace

    from components.rules.ownership import MARKER_VARIABLE

    class Api:
        def get_space_variables(self, _space_id: str) -> dict[str, Any]:
            return {MARKER_VARIABLE: SimpleNamespace(value="someone-else/prod#0123456789ab")}

    with pytest.raises(errors.OwnershipError) as refused:
        provider_base.check_still_owner(Api(), SPACE, {"managed_by": "hf-rag-space/dev#ba9876543210"})  # type: ignore[arg-type]
    assert not isinstance(refused.value, errors.HubError) and "someone-else/prod" in str(refused.value)
