"""Unit tests of components/hub/client.py's error translation and retry policy (no network: fake errors)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx2
import pytest
from huggingface_hub.errors import HfHubHTTPError, RepositoryNotFoundError

from components.hub import client as hub


def http_error(status: int, headers: dict[str, str] | None = None, server: str = "") -> HfHubHTTPError:
    request = httpx2.Request("POST", "https://hub.example/api/spaces/a/b/secrets")
    response = httpx2.Response(status, headers=headers or {}, request=request)
    return HfHubHTTPError(f"{status} error", response=response, server_message=server or None)


@pytest.mark.parametrize(("status", "words"), [
    (401, ["rejected the token", "hfToken"]),
    (403, ["permission denied", "hfOwner"]),
    (409, ["already taken", "spaceName"]),
    (412, ["changed on the Hub", "pulumi up"]),
])
def test_http_errors_say_what_to_do(status: int, words: list[str]) -> None:
    error = hub.explain(http_error(status), "Doing X")
    assert str(error).startswith("Doing X: ") and error.status == status
    assert all(w in str(error) for w in words)


def test_missing_repo_is_space_gone() -> None:
    request = httpx2.Request("GET", "https://hub.example/api/spaces/a/b")
    exc = RepositoryNotFoundError("nope", response=httpx2.Response(404, request=request))
    assert isinstance(hub.explain(exc, "Reading"), hub.SpaceGone)


@pytest.mark.parametrize(("headers", "server", "seconds"), [
    ({"Retry-After": "7"}, "", 7.0),
    ({"RateLimit": '"api";r=0;t=42'}, "", 42.0),
    ({}, "You have exceeded our rate limit; retry this action in 37 minutes.", 37 * 60.0),
    ({}, "", None),
])
def test_429_wait_is_read_from_every_place_the_hub_puts_it(headers: dict[str, str], server: str,
                                                          seconds: float | None) -> None:
    error = hub.explain(http_error(429, headers, server), "Committing")
    assert error.status == 429 and error.retry_after == seconds
    assert "429" in str(error) and "pulumi up" in str(error)


def test_long_429_is_not_waited_out_and_names_the_wait() -> None:
    sleeps: list[float] = []

    def quota() -> None:
        raise http_error(429, {"Retry-After": "2400"})

    with pytest.raises(hub.HubError) as info:
        hub.call("Committing", quota, sleep=sleeps.append)
    assert sleeps == [] and "about 40 min" in str(info.value)


def test_transient_failures_are_retried_with_backoff_honouring_retry_after() -> None:
    answers: list[BaseException | str] = [http_error(503), http_error(429, {"Retry-After": "3"}),
                                          httpx2.ConnectError("reset"), "ok"]
    sleeps: list[float] = []

    def flaky() -> str:
        answer = answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    assert hub.call("Reading", flaky, sleep=sleeps.append) == "ok"
    assert len(sleeps) == 3
    assert 0.25 <= sleeps[0] <= 0.5 and sleeps[1] >= 3.0  # jittered backoff; Retry-After is a floor
    assert all(s <= hub.MAX_WAIT_SECONDS for s in sleeps)


def test_no_retry_when_not_idempotent_or_not_transient() -> None:
    calls = 0

    def fails() -> None:
        nonlocal calls
        calls += 1
        raise http_error(503)

    with pytest.raises(hub.HubError):
        hub.call("Committing", fails, retry=False, sleep=lambda _s: None)
    assert calls == 1

    def forbidden() -> None:
        nonlocal calls
        calls += 1
        raise http_error(403)

    calls = 0
    with pytest.raises(hub.HubError):
        hub.call("Setting", forbidden, sleep=lambda _s: None)
    assert calls == 1


def test_retries_stop_after_max_attempts() -> None:
    sleeps: list[float] = []

    def down() -> None:
        raise http_error(500)

    with pytest.raises(hub.HubError) as info:
        hub.call("Reading", down, sleep=sleeps.append)
    assert len(sleeps) == hub.MAX_ATTEMPTS - 1 and info.value.status == 500
    assert max(sleeps) <= hub.MAX_BACKOFF_SECONDS


def test_git_blob_hasher_matches_git() -> None:
    hasher = hub.git_blob_hasher(6)
    hasher.update(b"hello\n")
    assert hasher.hexdigest() == "ce013625030ba8dba906f756967f9e9ca394464a"  # `git hash-object` of b"hello\n"


def test_hub_error_keeps_its_cause_and_the_hub_request_id() -> None:
    original = http_error(500, {"X-Request-Id": "req-abc-123"})

    def broken() -> None:
        raise original

    with pytest.raises(hub.HubError) as info:
        hub.call("Setting secret X", broken, retry=False)
    assert info.value.__cause__ is original
    assert info.value.request_id == "req-abc-123" and "Hub request id: req-abc-123" in str(info.value)


def test_a_programming_error_keeps_its_traceback() -> None:
    def buggy() -> None:
        raise TypeError("wrong argument")

    with pytest.raises(hub.HubError) as info:
        hub.call("Reading Space a/b", buggy, retry=False)
    assert isinstance(info.value.__cause__, TypeError) and info.value.__cause__.__traceback__ is not None
    assert "TypeError: wrong argument" in str(info.value)


class _LogsFailMidway:
    def fetch_space_logs(self, _space_id: str, build: bool) -> Iterator[str]:
        yield "step 1\nstep 2"
        raise http_error(503)


def test_space_logs_failure_is_reported_not_swallowed() -> None:
    reported: list[str] = []
    lines = hub.space_logs(_LogsFailMidway(), "a/b", build=True, on_error=reported.append)  # type: ignore[arg-type]
    assert lines == ["step 1", "step 2"]
    assert len(reported) == 1 and "could not read the build logs" in reported[0] and "503" in reported[0]
