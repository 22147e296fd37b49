"""The SpaceHealth dynamic resource: `pulumi up` ends only when the backend really serves.

Created after the files commit and run again whenever the files revision, the secrets or variables
(through a digest of their values), the URLs or the expectations change. Create and update:
1. wait for the Space to build and start the new revision (hub.wait_for_new_build), logging progress and
   streaming its build and run logs (components/hub/live_logs.py); on BUILD_ERROR / RUNTIME_ERROR /
   CONFIG_ERROR fail with the stage and the last 40 log lines;
2. GET spaceUrl + healthPath, retrying while the Space wakes up (502/503/504, connection errors);
   the token goes along for a private Space and is never logged;
3. judge the answer (`healthRequire`: healthy, or merely reachable) with a hint per failing service;
4. a CORS preflight from the frontend origin to `cors_path` (corsCheckPath, default the app's first POST
   route) must be allowed; the message tells "no CORS middleware answered" from "ALLOWED_ORIGINS lacks".
Delete is a no-op (nothing exists on the Hub); read returns the state. `healthy_revision` records the commit
the passing check verified. `verify` is the whole check, shared with SpaceFiles, which runs it itself when
`rollback` is on (components/rollback.py).

What the app wrote comes back redacted (provider_base: the messages, logs and the log tail through the
stack's `Redactor`), and the `health` output holds only short status words (`summarize`), never the body.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NotRequired, TypedDict

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ReadResult, Resource, UpdateResult

from components import retry
from components.errors import HealthError, RevisionFailed
from components.hub import client as hub
from components.hub.live_logs import LiveLogs
from components.provider_base import HubProvider, changed, is_unknown
from components.rules.urls import may_carry_token, redact_url

if TYPE_CHECKING:  # httpx is imported where a check runs (0.15 s in the program and the provider otherwise)
    import httpx

INPUTS = ("hub_endpoint", "space_id", "space_url", "health_path", "revision", "config_digest",
          "frontend_origin", "require", "timeout_seconds", "private", "cors_path")
#: A change of these means the Space rebuilds, so the wait must see a new build.
REBUILD_INPUTS = ("space_id", "revision", "config_digest")
CHAT_PATH = "/api/chat"
#: What the Space's URL answers while it wakes up or restarts (its proxy's gateway errors): retried.
RETRY_STATUSES = retry.GATEWAY_STATUSES
LOG_TAIL = 40
#: Run log lines added to a failing health check's message.
HEALTH_LOG_TAIL = 20
REQUEST_TIMEOUT_SECONDS = 30.0

HINTS = {
    "qdrant": "Qdrant: free-tier clusters suspend after inactivity; resume it in the Qdrant Cloud console, "
              "and check `qdrantUrl` (https, no trailing slash), `qdrantApiKey` and `qdrantCollection`.",
    "postgres": "Postgres: check `databaseUrl`: it needs `sslmode=require` and the right password.",
    "gemini": "Gemini: check `geminiApiKey` (the key must be valid for the Generative Language API).",
}


def config_digest(space_id: str, values: Mapping[str, str]) -> str:
    """sha256 over the sorted `KEY=value` lines of the Space's secrets and variables (salted with the
    Space id), so a change of any value re-runs the check while the values never appear."""
    text = "\n".join(f"{key}={values[key]}" for key in sorted(values))
    return hashlib.sha256(f"{space_id}\n{text}".encode()).hexdigest()


# --- pure parts ----------------------------------------------------------------------------------

#: Statuses that count as healthy, for the overall status and for each service (compared lower-cased).
#: ``not_configured``/``disabled``/``skipped``: a service the stack did not configure is not required.
HEALTHY_STATUSES = frozenset({"healthy", "ok", "up", "pass", "passed", "passing", "connected", "running",
                              "available", "ready", "green", "online", "alive", "serving", "operational",
                              "success", "succeeded", "reachable", "active", "enabled", "configured", "true",
                              "not_configured", "disabled", "skipped"})
#: Words that, as a top-level string value of the body (``"qdrant": "unhealthy"``), name a failing service.
FAILING_STATUSES = frozenset({"unhealthy", "down", "error", "failed", "failing", "fail", "disconnected",
                              "unavailable", "degraded", "critical", "timeout", "unreachable", "offline", "false"})
#: Keys under which health bodies list their services (name -> status or object, or a list of objects).
SERVICE_CONTAINERS = ("services", "checks", "dependencies", "components", "details")
_STATUS_KEYS = ("status", "state", "health", "healthy", "ok")


def service_status(value: Any) -> str:
    """A service's status from the health JSON: a string, a boolean, or an object with ``status`` (or
    ``state``/``health``, or a boolean ``healthy``/``ok``)."""
    if isinstance(value, Mapping):
        for key in _STATUS_KEYS:
            if key in value:
                return service_status(value[key])
        return "unknown"
    if isinstance(value, bool):
        return "healthy" if value else "unhealthy"
    return str(value) if value is not None else "unknown"


#: A status or service name kept in the `health` output: one short word-like text, as apps report them
#: (`healthy`, `not_configured`, `vector-store`); anything else the app wrote is not copied there.
STATUS_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _.:-]{0,39}")
NOT_A_WORD = "(not shown: not a short status word)"
MAX_SERVICES = 32


def status_word(value: Any) -> str:
    """`value` when it is a short status word (STATUS_WORD), else a fixed text: what the app wrote beyond
    that (an error text, a URL, a whole object) never reaches the `health` output."""
    text = str(value)
    return text if STATUS_WORD.fullmatch(text) else NOT_A_WORD


def _service_entries(body: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """(name, value) of every service the body reports: in the containers (nested groups followed:
    ``services.vector.qdrant``), as a list of ``{"name": ..., "status": ...}``, and top-level entries that
    are a failing word (``"qdrant": "unhealthy"``) or an object with a status."""
    entries: list[tuple[str, Any]] = []

    def walk(name: str, value: Any, depth: int) -> None:
        if isinstance(value, Mapping) and not any(k in value for k in _STATUS_KEYS) and depth < 4 and value:
            for child, item in value.items():
                walk(f"{name}.{child}", item, depth + 1)
        else:
            entries.append((name, value))

    for key in SERVICE_CONTAINERS:
        container = body.get(key)
        if isinstance(container, Mapping):
            for name, value in container.items():
                walk(str(name), value, 0)
        elif isinstance(container, list):
            for item in container:
                if isinstance(item, Mapping) and isinstance(item.get("name"), str):
                    entries.append((item["name"], item))
    for key, value in body.items():
        if key in SERVICE_CONTAINERS or key in _STATUS_KEYS:
            continue
        failing_word = isinstance(value, str) and value.lower() in FAILING_STATUSES
        if failing_word or (isinstance(value, Mapping) and any(k in value for k in _STATUS_KEYS)):
            entries.append((str(key), value))
    return entries


def summarize(body: Mapping[str, Any]) -> dict[str, Any]:
    """The `health` output: overall status and each service's status, as short words (no error texts)."""
    items = _service_entries(body)[:MAX_SERVICES]
    statuses = {status_word(name): status_word(service_status(v)) for name, v in items}
    return {"status": status_word(body.get("status", "unknown")), "services": statuses}


def unhealthy_services(body: Mapping[str, Any]) -> list[str]:
    """One line per failing service (every shape `_service_entries` reads): its status, its own error text,
    and a hint."""
    problems = []
    for name, value in _service_entries(body):
        status = service_status(value)
        if status.lower() in HEALTHY_STATUSES:
            continue
        error = value.get("error") if isinstance(value, Mapping) else None
        hint = HINTS.get(name.rsplit(".", 1)[-1].lower(), "")
        problems.append(f"- {name}: {status}" + (f" ({error})" if error else "") + (f". {hint}" if hint else ""))
    return problems


def judge(body: Any, require: str, url: str) -> dict[str, Any]:
    """Check one health answer against `require`; return the summary or raise HealthError.

    ``healthy`` holds when the overall ``status`` is a healthy word (HEALTHY_STATUSES) **and** every service
    the body reports is (a ``"status": "healthy"`` over ``"qdrant": "unhealthy"`` is not healthy);
    ``reachable`` takes any JSON object."""
    if not isinstance(body, Mapping):
        raise HealthError(f"{url} answered 200 but not with a JSON object; is `healthPath` the backend's "
                          "health endpoint?")
    summary = summarize(body)
    if require == "reachable":
        return summary
    failing = unhealthy_services(body)
    overall = str(summary["status"])
    if overall.lower() in HEALTHY_STATUSES and not failing:
        return summary
    head = (f"{url} reports status {overall!r}, but not every service is healthy:" if overall.lower()
            in HEALTHY_STATUSES else f"{url} reports status {overall!r}, not 'healthy':")
    raise HealthError(head + "\n" + "\n".join(failing or ["- (no service reported as failing)"])
                      + "\nFix the service(s) above and run `pulumi up` again (or set `healthRequire` to "
                      "`reachable` to accept a degraded backend).")


def log_tail(lines: list[str], limit: int = LOG_TAIL) -> str:
    """The last `limit` non-empty lines, indented, for an error message."""
    kept = [line for line in lines if line.strip()][-limit:]
    return "\n".join(f"    {line}" for line in kept) if kept else "    (the logs are empty)"


def failure_message(space_id: str, runtime: hub.Runtime, lines: list[str], build: bool) -> str:
    """What to print when the Space ended in an error stage."""
    which = "build" if build else "run"
    why = f": {runtime.error_message}" if runtime.error_message else ""
    return (f"Space {space_id} ended in {runtime.stage}{why}\nLast {LOG_TAIL} lines of its {which} logs:\n"
            f"{log_tail(lines)}")


def paused_message(space_id: str) -> str:
    """A PAUSED Space stays paused until its owner resumes it; `pulumi up` does not un-pause it."""
    return (f"Space {space_id} is PAUSED (paused on the Hub by its owner): resume it with the Restart button "
            f"in the Space's Settings on the Hub, or `HfApi().restart_space(\"{space_id}\")`, then run "
            "`pulumi up` again. pulumi does not resume a Space someone paused.")


def cors_problem(response: httpx.Response, origin: str, path: str = CHAT_PATH,
                 variable: str = "ALLOWED_ORIGINS") -> str | None:
    """Why a preflight answer does not allow `origin`, or None when it does. Tells apart an app where no
    CORS middleware answered (no Access-Control-* headers, no "Disallowed CORS" body) from a middleware
    whose ALLOWED_ORIGINS lacks the origin."""
    allowed = response.headers.get("access-control-allow-origin")
    if 200 <= response.status_code < 300 and allowed in (origin, "*"):
        return None
    answered = (allowed is not None or "access-control-allow-methods" in response.headers
                or response.text.startswith("Disallowed CORS"))
    if not answered:
        missing_route = (f" {path} is not a route of the app either: set `hf-rag-space:corsCheckPath` to one "
                         "the frontend calls." if response.status_code == 404 else "")
        return (f"no CORS middleware answered the preflight (OPTIONS {path}, Origin: {origin}: HTTP "
                f"{response.status_code} without Access-Control-* headers). Add CORSMiddleware to the app with "
                f"allow_origins read from the {variable} variable (comma-separated), e.g. "
                f"`app.add_middleware(CORSMiddleware, allow_origins=os.environ['{variable}'].split(','), "
                f"allow_methods=['*'], allow_headers=['*'])`.{missing_route}")
    return (f"{variable} lacks {origin}: the CORS preflight (OPTIONS {path}, Origin: {origin}) was refused "
            f"(HTTP {response.status_code}, Access-Control-Allow-Origin: {allowed or 'absent'}). Set "
            f"`hf-rag-space:frontendUrl` to the frontend's URL or add the origin to `hf-rag-space:allowedOrigins` "
            f"(and do not override {variable} in `extraVariables`).")


# --- HTTP ----------------------------------------------------------------------------------------

def token_for_space(token: str | None, space_url: str) -> str | None:
    """`token`, when the Space URL may receive it: https, or a loopback host (like `hubEndpoint`).
    The URL is what the Hub reports as the Space's host, so it is checked before the token goes there."""
    if token is None:
        return None
    if may_carry_token(space_url):
        return token
    raise HealthError(f"The Hub reports the private Space's URL as {redact_url(space_url)!r}: not https (nor a "
                      "loopback host), so the health check does not send it the token. Check `hubEndpoint`, or "
                      "set `pulumi config set healthCheck false`.")


def http_client(token: str | None, transport: httpx.BaseTransport | None = None) -> httpx.Client:
    """The client for the Space's own URL; it carries the token only for a private Space."""
    import httpx

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(headers=headers, timeout=REQUEST_TIMEOUT_SECONDS, follow_redirects=True,
                        transport=transport)


class _NotServing(HealthError):
    """One failed try of the health GET: a gateway status or a connection error (`why`); never escapes
    `get_with_retry`, which turns the last one into the HealthError the user sees."""


#: The health GET's retries: every failed try, until the deadline; no jitter (one client, one Space).
HEALTH_RETRY = retry.Policy(retry_on=lambda e: isinstance(e, _NotServing), attempts=None, cap=10.0, jitter=0.0)


def get_with_retry(client: httpx.Client, url: str, deadline: float, *,
                   clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
                   on_retry: Callable[[str], None] = lambda _m: None) -> httpx.Response:
    """GET `url`, retrying with capped backoff while the Space answers 502/503/504 or cannot be reached
    (it may be waking up), until `deadline` (components/retry.py; each retry logged)."""
    import httpx

    def attempt() -> httpx.Response:
        try:
            response = client.get(url)
        except httpx.TransportError as exc:
            raise _NotServing(type(exc).__name__) from exc
        if response.status_code in RETRY_STATUSES:
            raise _NotServing(f"HTTP {response.status_code}")
        return response

    try:
        return retry.run(url, attempt, HEALTH_RETRY, deadline=deadline, clock=clock, sleep=sleep,
                         on_retry=on_retry)
    except _NotServing as why:
        raise HealthError(f"{url} did not answer ({why}) before `healthTimeoutSeconds` ran out; the Space "
                          "may still be waking up: run `pulumi up` again, or look at its run logs.") from None


def check_http(client: httpx.Client, props: Mapping[str, Any], deadline: float,
               on_retry: Callable[[str], None] = lambda _m: None) -> dict[str, Any]:
    """The health GET and the CORS preflight; returns the `health` output or raises HealthError."""
    base = str(props["space_url"]).rstrip("/")
    url = f"{base}{props['health_path']}"
    response = get_with_retry(client, url, deadline, on_retry=on_retry)
    if response.status_code in (401, 403):
        raise HealthError(f"{url} answered {response.status_code}: the Space is private and refused the token; "
                          "check that `hfToken` / HF_TOKEN can read it.")
    if response.status_code != 200:
        raise HealthError(f"{url} answered HTTP {response.status_code}; check `healthPath` "
                          f"(now {props['health_path']!r}) and the Space's run logs.")
    try:
        body = response.json()
    except ValueError:
        body = None
    summary = judge(body, str(props["require"]), url)
    origin = props.get("frontend_origin")
    summary["cors"] = "skipped (no frontendUrl)"
    if origin:
        cors_path = str(props.get("cors_path") or CHAT_PATH)
        preflight = client.options(f"{base}{cors_path}", headers={
            "Origin": origin, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type"})
        problem = cors_problem(preflight, str(origin), cors_path, str(props.get("cors_variable") or "ALLOWED_ORIGINS"))
        if problem:
            hint = props.get("cors_hint")
            raise HealthError(f"{base}: {problem}" + (f"\nThe app's code: {hint}" if hint else ""))
        summary["cors"] = f"allows {origin}"
    return summary


# --- the provider --------------------------------------------------------------------------------

def expect_rebuild(olds: Mapping[str, Any], news: Mapping[str, Any]) -> bool:
    """Whether the wait must see a new build: the Space, its files or its configuration changed, except a
    files revision whose build SpaceFiles already waited for to the end (`settled_revision`, with rollback
    on; the configuration is written before the files, so that build already had it)."""
    rebuilds = changed(olds, news, REBUILD_INPUTS)
    if "revision" in rebuilds and news.get("revision") and news.get("settled_revision") == news.get("revision"):
        return False
    return bool(rebuilds)


class SpaceHealthProvider(HubProvider["SpaceHealthInputs", "SpaceHealthOutputs"]):
    """Waits for the Space and checks its health endpoint and CORS."""

    explained_errors = (*HubProvider.explained_errors, HealthError)

    def check(self, _olds: SpaceHealthInputs, news: SpaceHealthInputs) -> CheckResult:
        failures = []
        require = news.get("require")
        if not is_unknown(require) and require not in ("healthy", "reachable"):
            failures.append(CheckFailure("require", "healthRequire must be `healthy` or `reachable`"))
        path = news.get("health_path")
        if not is_unknown(path) and not str(path).startswith("/"):
            failures.append(CheckFailure("health_path", "healthPath must start with `/`, e.g. /api/health"))
        return CheckResult(dict(news), failures)

    def diff(self, _id: str, olds: SpaceHealthOutputs, news: SpaceHealthInputs) -> DiffResult:
        return DiffResult(changes=bool(changed(olds, news, INPUTS)), replaces=[])

    def create(self, props: SpaceHealthInputs) -> CreateResult:
        return CreateResult(f"{props['space_id']}/health", self._run(props, expect_rebuild=expect_rebuild({}, props)))

    def update(self, _id: str, olds: SpaceHealthOutputs, news: SpaceHealthInputs) -> UpdateResult:
        return UpdateResult(self._run(news, expect_rebuild=expect_rebuild(olds, news)))

    def read(self, id_: str, props: SpaceHealthOutputs) -> ReadResult:
        return ReadResult(id_, dict(props))

    def delete(self, _id: str, _props: SpaceHealthOutputs) -> None:
        """Nothing exists on the Hub for a health check."""

    def _run(self, props: SpaceHealthInputs, *, expect_rebuild: bool) -> dict[str, Any]:
        summary, verified = verify(self, props, expect_rebuild=expect_rebuild)
        return {**props, "health": summary, "healthy_revision": verified}


def verify(provider: HubProvider, props: Mapping[str, Any], *, expect_rebuild: bool) -> tuple[dict[str, Any], str]:
    """Wait until the Space runs `props["revision"]` (its build and run logs streamed live), then check its
    health and CORS. Returns the `health` summary and the commit verified (the one the runtime reports,
    else the revision waited for). Raises `RevisionFailed` when the revision itself failed (error stage,
    timeout, failing check), a plain HealthError when the Space is paused or stopped by someone."""
    space_id = str(props["space_id"])
    timeout = float(props["timeout_seconds"])
    deadline = time.monotonic() + timeout
    api = provider.api(props)
    revision = props.get("revision")
    provider.log(f"{space_id}: waiting for the Space to build and start (up to {timeout:.0f} s)")
    with LiveLogs.of(api, space_id, provider.log) as live:
        try:
            runtime = hub.wait_for_new_build(api, space_id, revision=revision, timeout=timeout,
                                             expect_rebuild=expect_rebuild, on_progress=provider.log,
                                             on_stage=live.on_stage)
        except hub.SpaceTimeout as error:
            raise RevisionFailed(f"Timed out waiting for Space {space_id}: stuck in {error.stage}. {error}",
                                 "TIMEOUT") from error
        live.on_stage(runtime)
        token = token_for_space(provider.token() if props.get("private") else None, str(props["space_url"]))
        if runtime.stage == "SLEEPING":
            runtime = _wake(provider, api, props, token, deadline)
        if runtime.stage in hub.ERROR_STAGES:
            build = runtime.stage != "RUNTIME_ERROR"
            lines = hub.space_logs(api, space_id, build=build, tail=LOG_TAIL * 4, on_error=provider.warn)
            raise RevisionFailed(failure_message(space_id, runtime, lines, build), runtime.stage)
        if runtime.stage == "PAUSED":
            raise HealthError(paused_message(space_id))
        if runtime.stage in ("STOPPED", "NO_APP_FILE", "DELETING", "SLEEPING"):
            raise HealthError(f"Space {space_id} is {runtime.stage}, not running.")
        provider.log(f"{space_id}: {runtime.stage}; checking {props['space_url']}{props['health_path']}")
        with http_client(token) as client:
            try:
                summary = provider.redactor().value(check_http(client, props, deadline))
            except HealthError as error:
                tail = live.tail(build=False, limit=HEALTH_LOG_TAIL)
                logs = f"\nLast {len(tail)} lines of its run logs:\n{log_tail(tail)}" if tail else ""
                raise RevisionFailed(f"{error}{logs}", "HEALTH_CHECK") from error
    provider.log(f"{space_id}: {summary['status']}, services {summary['services']}, CORS {summary['cors']}")
    return summary, str(runtime.sha or revision or "")


def _wake(provider: HubProvider, api: Any, props: Mapping[str, Any], token: str | None,
          deadline: float) -> hub.Runtime:
    """A SLEEPING Space (idle past its sleep time) wakes on a request to its URL: send one (with the
    token of a private Space) and wait until it runs (localhub/README.md "2026 behaviours")."""
    space_id = str(props["space_id"])
    url = f"{str(props['space_url']).rstrip('/')}{props['health_path']}"
    provider.log(f"{space_id}: SLEEPING; waking it with a request to {url}")
    with http_client(token) as client:
        return hub.wake_and_wait(api, space_id, poke=lambda: client.get(url),
                                 timeout=max(1.0, deadline - time.monotonic()), on_progress=provider.log)


@dataclass(frozen=True, kw_only=True)
class SpaceHealthArgs:
    """Inputs of SpaceHealth: where to look and what to expect."""

    hub_endpoint: pulumi.Input[str]
    """The Hub's base URL (`hubEndpoint`)."""
    space_id: pulumi.Input[str]
    """The Space's `owner/name` (the Space's `space_id` output)."""
    space_url: pulumi.Input[str]
    """Where the Space's app answers (the Space's `host` output)."""
    health_path: str
    """Path of the app's health endpoint (`healthPath`), starting with `/`."""
    revision: pulumi.Input[str]
    """The files commit to wait for (SpaceFiles' `revision`): a new one means a new build."""
    config_digest: pulumi.Input[str]
    """config_digest of the secrets and variables (made secret): a new one means a restart."""
    frontend_origin: str | None
    """The frontend's origin (`frontendUrl`) the CORS preflight is sent from; None skips the CORS check."""
    require: str
    """`healthRequire`: `healthy` (every reported service healthy) or `reachable` (any JSON object)."""
    timeout_seconds: int
    """`healthTimeoutSeconds`: how long the build, the start and the health check may take together."""
    private: bool
    """Whether the Space is private: the health requests then carry the Hub token."""
    cors_path: str = CHAT_PATH
    """Path of the CORS preflight (config corsCheckPath; default the app's first POST route)."""
    cors_hint: str = ""
    """What preview found in the app's CORS code (components/bundle/preflight.py), added to a CORS failure."""
    cors_variable: str = "ALLOWED_ORIGINS"
    """The variable the stack writes the origins to (config corsOriginsVariable)."""
    settled_revision: pulumi.Input[str | None] | None = None
    """SpaceFiles' `settled_revision` (rollback on): the files revision whose build already ended."""


class SpaceHealthInputs(TypedDict):
    """What the `SpaceHealth` resource sends its provider: the `SpaceHealthArgs` fields (a None one is
    absent: the SDK drops None-valued props, so are the outputs it seeds with None)."""

    hub_endpoint: str
    """`SpaceHealthArgs.hub_endpoint`."""
    space_id: str
    """`SpaceHealthArgs.space_id`."""
    space_url: str
    """`SpaceHealthArgs.space_url`."""
    health_path: str
    """`SpaceHealthArgs.health_path`."""
    revision: str
    """`SpaceHealthArgs.revision`."""
    config_digest: str
    """`SpaceHealthArgs.config_digest` (secret)."""
    frontend_origin: NotRequired[str]
    """`SpaceHealthArgs.frontend_origin`."""
    require: str
    """`SpaceHealthArgs.require`."""
    timeout_seconds: int
    """`SpaceHealthArgs.timeout_seconds`."""
    private: bool
    """`SpaceHealthArgs.private`."""
    cors_path: str
    """`SpaceHealthArgs.cors_path`."""
    cors_hint: str
    """`SpaceHealthArgs.cors_hint`."""
    cors_variable: str
    """`SpaceHealthArgs.cors_variable`."""
    settled_revision: NotRequired[str]
    """`SpaceHealthArgs.settled_revision`."""


class SpaceHealthOutputs(SpaceHealthInputs):
    """What `create` and `update` return (and `read`, unchanged): the inputs and what the check found."""

    health: dict[str, Any]
    """`summarize`'s short words: `status`, `services` (name -> status) and `cors`."""
    healthy_revision: str
    """The Space commit the passing check verified."""


class SpaceHealth(Resource, module="hf", name="SpaceHealth"):
    """The backend's health after the last change. `health` holds the overall and per-service status."""

    hub_endpoint: pulumi.Output[str]
    """The Hub's base URL."""
    space_id: pulumi.Output[str]
    """The Space's `owner/name`."""
    space_url: pulumi.Output[str]
    """Where the Space's app answers."""
    health_path: pulumi.Output[str]
    """Path of the app's health endpoint."""
    revision: pulumi.Output[str]
    """The files commit the check waited for."""
    config_digest: pulumi.Output[str]
    """Digest of the secrets and variables (secret)."""
    frontend_origin: pulumi.Output[str | None]
    """The origin of the CORS preflight (None: no CORS check)."""
    require: pulumi.Output[str]
    """`healthy` or `reachable`."""
    timeout_seconds: pulumi.Output[int]
    """How long the wait and the check may take."""
    private: pulumi.Output[bool]
    """Whether the health requests carry the Hub token."""
    cors_path: pulumi.Output[str]
    """Path of the CORS preflight."""
    cors_hint: pulumi.Output[str]
    """What preview found in the app's CORS code."""
    cors_variable: pulumi.Output[str]
    """The variable holding the allowed origins."""
    settled_revision: pulumi.Output[str | None]
    """SpaceFiles' `settled_revision`: a revision whose build already ended."""
    health: pulumi.Output[dict[str, Any]]
    """The overall status, each service's status and the CORS result, as short words (the `health` stack
    output)."""
    healthy_revision: pulumi.Output[str]
    """The Space commit the last passing check verified."""

    def __init__(self, name: str, args: SpaceHealthArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        props = {**args.__dict__, "config_digest": pulumi.Output.secret(args.config_digest), "health": None,
                 "healthy_revision": None}
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=["config_digest"]))
        super().__init__(SpaceHealthProvider(), name, props, opts)
