"""The pure parts of SpaceHealth: digest, health JSON, hints, log tails, CORS, HTTP retries, the wait."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from components.health import (
    HealthError,
    check_http,
    config_digest,
    cors_problem,
    failure_message,
    get_with_retry,
    http_client,
    judge,
    log_tail,
    summarize,
)
from components.hub import client as hub

HEALTHY = {"status": "healthy", "version": "1.0.0", "services": {
    "fastapi": "running", "qdrant": {"status": "connected"}, "postgres": {"status": "not_configured"},
    "gemini": {"status": "connected"}}}
DEGRADED = {"status": "degraded", "version": "1.0.0", "services": {
    "fastapi": "running",
    "qdrant": {"status": "disconnected", "error": "collection 'documents' does not exist"},
    "postgres": {"status": "disconnected", "error": "OperationalError: cannot reach Postgres"},
    "gemini": {"status": "disconnected", "error": "Gemini refused the API key (GEMINI_API_KEY)"}}}
PROPS = {"space_url": "http://space.test", "health_path": "/api/health", "require": "healthy",
         "frontend_origin": "https://app.example.com"}


class Clock:
    """A fake monotonic clock whose sleep advances time."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


# --- digest and JSON ---------------------------------------------------------------------------

def test_config_digest_is_stable_hides_values_and_follows_every_change() -> None:
    values = {"secret:GEMINI_API_KEY": "gemini-value-123", "variable:LOG_LEVEL": "INFO"}
    digest = config_digest("alice/rag", values)
    assert digest == config_digest("alice/rag", dict(reversed(values.items())))
    assert len(digest) == 64 and "gemini-value-123" not in digest
    assert digest != config_digest("alice/rag", {**values, "variable:LOG_LEVEL": "DEBUG"})
    assert digest != config_digest("alice/other", values)
    assert digest != config_digest("alice/rag", {**values, "variable:NEW": ""})


def test_summarize_keeps_statuses_only() -> None:
    assert summarize(DEGRADED) == {"status": "degraded", "services": {
        "fastapi": "running", "qdrant": "disconnected", "postgres": "disconnected", "gemini": "disconnected"}}
    assert summarize({"status": "ok"}) == {"status": "ok", "services": {}}


def test_judge_healthy_and_reachable() -> None:
    assert judge(HEALTHY, "healthy", "u")["services"]["qdrant"] == "connected"
    assert judge(DEGRADED, "reachable", "u")["status"] == "degraded"
    assert judge({"anything": 1}, "reachable", "u")["status"] == "unknown"


def test_judge_degraded_names_each_service_with_a_hint() -> None:
    with pytest.raises(HealthError) as caught:
        judge(DEGRADED, "healthy", "http://space.test/api/health")
    message = str(caught.value)
    assert "'degraded'" in message
    assert "- qdrant: disconnected (collection 'documents' does not exist)" in message
    assert "Qdrant Cloud console" in message and "resume" in message
    assert "- postgres: disconnected" in message and "sslmode=require" in message and "password" in message
    assert "- gemini: disconnected" in message and "geminiApiKey" in message
    assert "fastapi" not in message.split("not 'healthy':")[1].split("Fix")[0]
    assert "healthRequire" in message


def test_judge_refuses_a_non_json_answer() -> None:
    with pytest.raises(HealthError, match="healthPath"):
        judge(None, "reachable", "u")
    with pytest.raises(HealthError, match="healthPath"):
        judge(["healthy"], "healthy", "u")


# --- logs --------------------------------------------------------------------------------------

def test_log_tail_keeps_the_last_lines() -> None:
    lines = [f"line {i}" for i in range(100)] + ["", "   "]
    tail = log_tail(lines).splitlines()
    assert len(tail) == 40 and tail[0] == "    line 60" and tail[-1] == "    line 99"
    assert log_tail([]) == "    (the logs are empty)"


def test_failure_message_names_stage_reason_and_logs() -> None:
    runtime = hub.Runtime(stage="BUILD_ERROR", error_message="[rule dockerfile-user-1000] runs as root", sha=None)
    message = failure_message("alice/rag", runtime, ["ERROR: [rule dockerfile-user-1000] runs as root"], build=True)
    assert message.startswith("Space alice/rag ended in BUILD_ERROR: [rule dockerfile-user-1000]")
    assert "build logs" in message and "    ERROR: [rule dockerfile-user-1000]" in message
    crash = hub.Runtime(stage="RUNTIME_ERROR", error_message=None, sha=None)
    assert "run logs" in failure_message("alice/rag", crash, ["Traceback"], build=False)


# --- HTTP --------------------------------------------------------------------------------------

def test_cors_problem() -> None:
    origin = "https://app.example.com"
    allowed = httpx.Response(200, headers={"access-control-allow-origin": origin})
    assert cors_problem(allowed, origin) is None
    assert cors_problem(httpx.Response(204, headers={"access-control-allow-origin": "*"}), origin) is None
    refused = cors_problem(httpx.Response(400, text="Disallowed CORS origin"), origin)
    assert refused is not None
    assert "ALLOWED_ORIGINS" in refused and "hf-rag-space:frontendUrl" in refused
    assert "hf-rag-space:allowedOrigins" in refused and origin in refused
    other = httpx.Response(200, headers={"access-control-allow-origin": "https://other.example.com"})
    assert cors_problem(other, origin) is not None


def mock_client(handler: Callable[[httpx.Request], httpx.Response], token: str | None = None) -> httpx.Client:
    return http_client(token, transport=httpx.MockTransport(handler))


def test_get_with_retry_waits_out_502_503_and_connection_errors() -> None:
    answers: list[Any] = [httpx.ConnectError("refused"), 503, 502, 200]

    def handler(request: httpx.Request) -> httpx.Response:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return httpx.Response(answer, json={"status": "healthy"})

    clock = Clock()
    retries: list[str] = []
    response = get_with_retry(mock_client(handler), "http://space.test/api/health", 100, clock=clock,
                              sleep=clock.sleep, on_retry=retries.append)
    assert response.status_code == 200 and not answers
    assert clock.sleeps == [0.5, 1.0, 2.0] and len(retries) == 3 and "HTTP 503" in retries[1]


def test_get_with_retry_gives_up_at_the_deadline() -> None:
    clock = Clock()
    with pytest.raises(HealthError, match="healthTimeoutSeconds"):
        get_with_retry(mock_client(lambda r: httpx.Response(503)), "http://space.test/x", 5, clock=clock,
                       sleep=clock.sleep)
    assert clock.now == 5


def test_check_http_health_then_cors_preflight() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.method == "GET":
            return httpx.Response(200, json=HEALTHY)
        origin = request.headers["origin"]
        return httpx.Response(200, headers={"access-control-allow-origin": origin})

    summary = check_http(mock_client(handler, token="hf_secret_token_value"), {**PROPS, "private": True}, 1e9)
    assert summary["status"] == "healthy" and summary["cors"] == "allows https://app.example.com"
    get, options = seen
    assert str(get.url) == "http://space.test/api/health"
    assert get.headers["authorization"] == "Bearer hf_secret_token_value"
    assert options.method == "OPTIONS" and str(options.url) == "http://space.test/api/chat"
    assert options.headers["access-control-request-method"] == "POST"


def test_check_http_without_frontend_skips_cors_and_public_sends_no_token() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=HEALTHY)

    summary = check_http(mock_client(handler), {**PROPS, "frontend_origin": None}, 1e9)
    assert summary["cors"].startswith("skipped") and len(seen) == 1
    assert "authorization" not in seen[0].headers


@pytest.mark.parametrize(("status", "expected"), [(404, "healthPath"), (401, "hfToken"), (403, "private")])
def test_check_http_explains_bad_statuses(status: int, expected: str) -> None:
    with pytest.raises(HealthError, match=expected):
        check_http(mock_client(lambda r: httpx.Response(status)), PROPS, 1e9)


def test_check_http_refused_cors_fails_naming_allowed_origins() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=HEALTHY) if request.method == "GET" else httpx.Response(400)

    with pytest.raises(HealthError, match="ALLOWED_ORIGINS"):
        check_http(mock_client(handler), PROPS, 1e9)


# --- waiting for the new build -----------------------------------------------------------------

@dataclass
class FakeRuntime:
    stage: str
    raw: dict[str, Any] = field(default_factory=dict)


class FakeApi:
    """get_space_runtime answers from a script of stages (the last repeats)."""

    def __init__(self, stages: list[str | tuple[str, str]]) -> None:
        self.stages = stages
        self.calls = 0

    def get_space_runtime(self, space_id: str) -> FakeRuntime:
        entry = self.stages[min(self.calls, len(self.stages) - 1)]
        self.calls += 1
        if isinstance(entry, tuple):
            return FakeRuntime(entry[0], {"stage": entry[0], "sha": entry[1]})
        return FakeRuntime(entry, {"stage": entry})


def wait(api: FakeApi, clock: Clock, **kwargs: Any) -> hub.Runtime:
    options: dict[str, Any] = {"revision": "rev2", "timeout": 100.0, **kwargs}
    return hub.wait_for_new_build(api, "alice/rag", clock=clock, sleep=clock.sleep, **options)  # type: ignore[arg-type]


def test_wait_skips_the_previous_running_until_a_build_is_seen() -> None:
    api, clock = FakeApi(["RUNNING", "RUNNING", "BUILDING", "APP_STARTING", "RUNNING"]), Clock()
    assert wait(api, clock).stage == "RUNNING"
    assert api.calls == 5


def test_wait_trusts_a_running_sha_equal_to_the_revision() -> None:
    api, clock = FakeApi([("RUNNING", "rev1"), ("RUNNING", "rev1"), ("RUNNING", "rev2")]), Clock()
    assert wait(api, clock).sha == "rev2"
    assert api.calls == 3


def test_wait_accepts_running_after_the_settle_time_when_no_sha_is_reported() -> None:
    api, clock = FakeApi(["RUNNING"]), Clock()
    assert wait(api, clock, settle_seconds=5.0).stage == "RUNNING"
    assert clock.now == 5.0
    api, clock = FakeApi(["RUNNING"]), Clock()
    assert wait(api, clock, expect_rebuild=False).stage == "RUNNING" and api.calls == 1


def test_wait_returns_an_error_stage_of_the_new_build() -> None:
    api, clock = FakeApi(["BUILDING", "BUILD_ERROR"]), Clock()
    assert wait(api, clock).stage == "BUILD_ERROR"


def test_wait_times_out_naming_the_stage_and_reports_progress() -> None:
    api, clock = FakeApi(["BUILDING"]), Clock()
    progress: list[str] = []
    with pytest.raises(hub.SpaceTimeout) as caught:
        wait(api, clock, timeout=25.0, on_progress=progress.append)
    assert caught.value.stage == "BUILDING" and "still BUILDING after 25 s" in str(caught.value)
    assert "healthTimeoutSeconds" in str(caught.value)
    assert progress == ["alice/rag: BUILDING, 10 s elapsed", "alice/rag: BUILDING, 20 s elapsed"]


def test_space_logs_tail_and_failure_tolerance() -> None:
    class Logs:
        def __init__(self, fail: bool) -> None:
            self.fail = fail

        def fetch_space_logs(self, space_id: str, build: bool) -> Any:
            yield "first\n"
            yield "second\nthird\n"
            if self.fail:
                raise OSError("stream closed")

    assert hub.space_logs(Logs(False), "a/b", build=True, tail=2) == ["second", "third"]  # type: ignore[arg-type]
    assert hub.space_logs(Logs(True), "a/b", build=False) == ["first", "second", "third"]  # type: ignore[arg-type]


def test_wait_never_blocks_on_a_foreign_sha() -> None:
    api, clock = FakeApi([("RUNNING", "something-else")]), Clock()
    progress: list[str] = []
    assert wait(api, clock, settle_seconds=5.0, on_progress=progress.append).stage == "RUNNING"
    assert clock.now == 5.0 and progress == ["alice/rag: RUNNING with no new build after 5 s; checking it"]


@pytest.mark.parametrize(("url", "sent"), [
    ("https://alice-rag.hf.space", True), ("http://127.0.0.1:8123", True), ("http://localhost:9", True),
    ("http://[::1]:80", True), ("http://alice-rag.hf.space", False), ("http://10.0.0.1:80", False),
    ("ftp://alice-rag.hf.space", False), ("alice-rag.hf.space", False),
])
def test_the_token_goes_only_to_an_https_or_loopback_space_url(url: str, sent: bool) -> None:
    from components.health import token_for_space

    token = "hf_canary_health_token"
    if sent:
        assert token_for_space(token, url) == token
    else:
        with pytest.raises(HealthError) as raised:
            token_for_space(token, url)
        assert "not https" in str(raised.value) and token not in str(raised.value)
    assert token_for_space(None, "http://alice-rag.hf.space") is None  # a public Space sends no token


@pytest.mark.parametrize(("url", "reached"), [("http://alice-rag.example.com", False),
                                              ("https://alice-rag.example.com", True)])
def test_private_space_health_check_sends_the_token_only_to_https(monkeypatch: pytest.MonkeyPatch, url: str,
                                                                  reached: bool) -> None:
    from components import health
    from components.provider_base import HubProvider

    clients: list[str | None] = []
    monkeypatch.setattr(HubProvider, "api", lambda self, props: object())
    monkeypatch.setattr(HubProvider, "token", lambda self: "hf_canary_private_token")
    monkeypatch.setattr(hub, "wait_for_new_build", lambda *a, **k: hub.Runtime("RUNNING", None, None))
    monkeypatch.setattr(health.pulumi.log, "info", lambda *a, **k: None)

    def client(token: str | None) -> httpx.Client:
        clients.append(token)
        return httpx.Client()

    monkeypatch.setattr(health, "http_client", client)
    monkeypatch.setattr(health, "check_http", lambda *a, **k: {"status": "healthy", "services": {}, "cors": "skipped"})
    props: Any = {"space_id": "alice/rag", "timeout_seconds": 5, "private": True, "space_url": url,
             "health_path": "/api/health", "hub_endpoint": "https://hub.example"}
    provider = health.SpaceHealthProvider()
    if reached:
        assert provider._run(props, expect_rebuild=False)["health"]["status"] == "healthy"
        assert clients == ["hf_canary_private_token"]
    else:
        with pytest.raises(HealthError, match="not https"):
            provider._run(props, expect_rebuild=False)
        assert clients == []


# --- every configured service must be healthy ------------------------------------------------------

@pytest.mark.parametrize(("body", "failing"), [
    ({"status": "healthy", "services": {"qdrant": {"status": "unhealthy"}}}, "- qdrant: unhealthy"),
    ({"status": "healthy", "services": {"qdrant": "down", "db": "ok"}}, "- qdrant: down"),
    ({"status": "ok", "checks": {"database": {"healthy": False}}}, "- database: unhealthy"),
    ({"status": "healthy", "dependencies": [{"name": "qdrant", "status": "error"}]}, "- qdrant: error"),
    ({"status": "healthy", "qdrant": "unhealthy", "version": "1.0"}, "- qdrant: unhealthy"),
    ({"status": "healthy", "services": {"vector": {"qdrant": "unhealthy", "cache": "ok"}}},
     "- vector.qdrant: unhealthy"),
    ({"status": "up", "database": {"status": "disconnected", "error": "timeout"}},
     "- database: disconnected (timeout)"),
])
def test_healthy_requires_every_service_in_every_common_shape(body: dict[str, Any], failing: str) -> None:
    with pytest.raises(HealthError) as caught:
        judge(body, "healthy", "http://space.test/api/health")
    message = str(caught.value)
    assert failing in message and "not every service is healthy" in message
    assert judge(body, "reachable", "u")["status"] == body["status"]


@pytest.mark.parametrize("body", [
    {"status": "ok"},
    {"status": "healthy", "version": "1.2.3", "debug": False, "services": {"qdrant": {"status": "connected"},
                                                                          "postgres": "not_configured"}},
    {"status": "UP", "checks": [{"name": "db", "status": "UP"}], "dependencies": {"llm": True}},
])
def test_healthy_bodies_pass(body: dict[str, Any]) -> None:
    assert judge(body, "healthy", "u")["status"] == body["status"]


def test_a_revision_spacefiles_already_waited_for_needs_no_new_build() -> None:
    from components.health import expect_rebuild

    olds = {"space_id": "a/b", "revision": "r1", "config_digest": "d1"}
    assert expect_rebuild(olds, {**olds, "revision": "r2"})
    assert not expect_rebuild(olds, {**olds, "revision": "r2", "settled_revision": "r2"})
    assert not expect_rebuild({}, {**olds, "settled_revision": "r1"})  # create, files waited for
    assert expect_rebuild(olds, {**olds, "config_digest": "d2", "settled_revision": "r1"})  # a secret alone
    assert expect_rebuild({}, olds)
