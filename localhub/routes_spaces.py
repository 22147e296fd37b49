"""Space routes: secrets, variables, runtime, hardware, sleep time, pause, restart and logs."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from localhub.errors import HubError, bad_request
from localhub.hub import flag, hub_of, json_body
from localhub.logs import follow
from localhub.routes_repos import check_plan
from localhub.runtime import DEFAULT_SLEEP_TIME, subdomain
from localhub.spaces_common import HARDWARE, check_env_key
from localhub.timeutil import now_iso

router = APIRouter()
SPACE = "/api/spaces/{namespace}/{name}"


@router.get("/api/spaces/hardware")
def list_hardware() -> list[dict[str, Any]]:
    return [{"name": flavor, "prettyName": flavor, "cpu": "2 vCPU", "ram": "16 GB"} for flavor in HARDWARE]


@router.get(SPACE + "/host")
def host(request: Request, namespace: str, name: str) -> dict[str, str]:
    hub = hub_of(request)
    repo = hub.space(request, namespace, name)
    return {"subdomain": subdomain(repo.key.repo_id), "host": hub.runtime.host(repo.key)}


def _key_value(request: Request, need_value: bool) -> tuple[str, str, str | None]:
    body = json_body(request)
    if "key" not in body or (need_value and "value" not in body):
        raise bad_request("The body must contain 'key'" + (" and 'value'" if need_value else ""))
    description = body.get("description")
    return (
        check_env_key(str(body["key"])),
        str(body.get("value", "")),
        str(description) if description else None,
    )


def _upsert(kind: str, request: Request, namespace: str, name: str) -> dict[str, Any]:
    hub = hub_of(request)
    repo = hub.space(request, namespace, name, write=True)
    key, value, description = _key_value(request, need_value=True)

    def change(meta: dict[str, Any]) -> None:
        entry = {"value": value, "updatedAt": now_iso()}
        if description is not None:
            entry["description"] = description
        elif key in meta.setdefault(kind, {}) and "description" in meta[kind][key]:
            entry["description"] = meta[kind][key]["description"]
        meta.setdefault(kind, {})[key] = entry

    meta = hub.store.update_meta(repo.key, change)
    hub.runtime.trigger(repo.key, f"{kind[:-1]} {key} updated")
    return dict(meta[kind])


def _delete(kind: str, request: Request, namespace: str, name: str) -> dict[str, Any]:
    hub = hub_of(request)
    repo = hub.space(request, namespace, name, write=True)
    key, _, _ = _key_value(request, need_value=False)
    existed = key in repo.meta.get(kind, {})
    meta = hub.store.update_meta(repo.key, lambda m: m.setdefault(kind, {}).pop(key, None))
    if existed:
        hub.runtime.trigger(repo.key, f"{kind[:-1]} {key} deleted")
    return dict(meta[kind])


@router.get(SPACE + "/secrets")
def get_secrets(request: Request, namespace: str, name: str) -> dict[str, Any]:
    repo = hub_of(request).space(request, namespace, name, write=True)
    return {k: {kk: vv for kk, vv in v.items() if kk != "value"} for k, v in repo.meta.get("secrets", {}).items()}


@router.post(SPACE + "/secrets")
def add_secret(request: Request, namespace: str, name: str) -> dict[str, Any]:
    _upsert("secrets", request, namespace, name)
    return {}


@router.delete(SPACE + "/secrets")
def delete_secret(request: Request, namespace: str, name: str) -> dict[str, Any]:
    _delete("secrets", request, namespace, name)
    return {}


@router.get(SPACE + "/variables")
def get_variables(request: Request, namespace: str, name: str) -> dict[str, Any]:
    repo = hub_of(request).space(request, namespace, name, write=True)
    return dict(repo.meta.get("variables", {}))


@router.post(SPACE + "/variables")
def add_variable(request: Request, namespace: str, name: str) -> dict[str, Any]:
    return _upsert("variables", request, namespace, name)


@router.delete(SPACE + "/variables")
def delete_variable(request: Request, namespace: str, name: str) -> dict[str, Any]:
    return _delete("variables", request, namespace, name)


@router.get(SPACE + "/runtime")
def runtime(request: Request, namespace: str, name: str) -> dict[str, Any]:
    hub = hub_of(request)
    repo = hub.space(request, namespace, name)
    return hub.runtime.runtime_json(repo.key, repo.meta)


@router.post(SPACE + "/hardware")
def hardware(request: Request, namespace: str, name: str) -> dict[str, Any]:
    hub = hub_of(request)
    repo = hub.space(request, namespace, name, write=True)
    body = json_body(request)
    flavor = body.get("flavor")
    if flavor not in HARDWARE:
        raise bad_request(f"Invalid hardware flavor {flavor!r}; expected one of {', '.join(HARDWARE)}")
    changed = repo.meta.get("hardware") != flavor
    check_plan(hub, repo.key.namespace, str(repo.meta.get("sdk")), str(flavor))

    def change(meta: dict[str, Any]) -> None:
        meta["hardware"] = flavor
        if flavor == "cpu-basic":
            meta["sleepTime"] = DEFAULT_SLEEP_TIME
        elif body.get("sleepTimeSeconds") is not None:
            meta["sleepTime"] = int(body["sleepTimeSeconds"])

    meta = hub.store.update_meta(repo.key, change)
    if changed:
        hub.runtime.trigger(repo.key, f"hardware {flavor} requested")
    return hub.runtime.runtime_json(repo.key, meta)


@router.post(SPACE + "/sleeptime")
def sleeptime(request: Request, namespace: str, name: str) -> dict[str, Any]:
    hub = hub_of(request)
    repo = hub.space(request, namespace, name, write=True)
    seconds = json_body(request).get("seconds")
    if not isinstance(seconds, int) or isinstance(seconds, bool) or (seconds < 0 and seconds != -1):
        raise bad_request(f"Invalid sleep time {seconds!r}: seconds >= 0, or -1 to never sleep")
    if repo.meta.get("hardware", "cpu-basic") == "cpu-basic":
        # Free hardware sleeps after 48 h, fixed: the request is ignored and gcTimeout stays 172800 (the client
        # warns; HFH-2.4 set_space_sleep_time, localhub/README.md "2026 behaviours").
        return hub.runtime.runtime_json(repo.key, repo.meta)
    meta = hub.store.update_meta(repo.key, lambda m: m.__setitem__("sleepTime", seconds))
    return hub.runtime.runtime_json(repo.key, meta)


def _not_static(meta: dict[str, Any], action: str) -> None:
    if meta.get("sdk") == "static":
        raise bad_request(f"Cannot {action} a static Space")


@router.post(SPACE + "/pause")
def pause(request: Request, namespace: str, name: str) -> dict[str, Any]:
    hub = hub_of(request)
    repo = hub.space(request, namespace, name, write=True)
    _not_static(repo.meta, "pause")
    meta = hub.store.update_meta(repo.key, lambda m: m.__setitem__("paused", True))
    hub.runtime.pause(repo.key)
    return hub.runtime.runtime_json(repo.key, meta)


@router.post(SPACE + "/restart")
def restart(request: Request, namespace: str, name: str) -> dict[str, Any]:
    hub = hub_of(request)
    repo = hub.space(request, namespace, name, write=True)
    _not_static(repo.meta, "restart")
    meta = hub.store.update_meta(repo.key, lambda m: m.__setitem__("paused", False))
    hub.runtime.trigger(repo.key, "factory reboot" if flag(request.query_params.get("factory")) else "restart")
    return hub.runtime.runtime_json(repo.key, meta)


@router.post(SPACE + "/dev-mode")
def dev_mode(request: Request, namespace: str, name: str) -> dict[str, Any]:
    hub_of(request).space(request, namespace, name, write=True)
    raise HubError(400, "localhub does not emulate Spaces dev mode")


@router.get(SPACE + "/logs/{kind}")
def logs(request: Request, namespace: str, name: str, kind: str) -> StreamingResponse:
    hub = hub_of(request)
    repo = hub.space(request, namespace, name)
    if kind not in ("build", "run"):
        raise HubError(404, f"Unknown log kind {kind!r}: use build or run")
    state = hub.runtime.state(repo.key)
    buffer = state.build_log if kind == "build" else state.run_log
    return StreamingResponse(
        follow(buffer),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache"},  # uvicorn adds the Date header the client relies on
    )
