"""``/_localhub/`` routes: health, stats, faults and runtime config (admin token required but for health)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Request

from localhub.errors import bad_request
from localhub.hub import hub_of, json_body
from localhub.runtime import RuntimeConfig

router = APIRouter(prefix="/_localhub")


@router.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/stats")
def get_stats(request: Request) -> dict[str, Any]:
    return hub_of(request).stats.snapshot()


@router.delete("/stats")
def reset_stats(request: Request) -> dict[str, Any]:
    hub = hub_of(request)
    hub.stats.reset()
    return hub.stats.snapshot()


@router.get("/faults")
def get_faults(request: Request) -> dict[str, Any]:
    spec = hub_of(request).faults.spec
    return spec.to_json() if spec else {}


@router.put("/faults")
def set_faults(request: Request) -> dict[str, Any]:
    try:
        return hub_of(request).faults.set(json_body(request)).to_json()
    except (ValueError, TypeError) as e:
        raise bad_request(f"Invalid fault spec: {e}") from e


@router.delete("/faults")
def clear_faults(request: Request) -> dict[str, Any]:
    hub_of(request).faults.clear()
    return {}


@router.get("/config")
def get_config(request: Request) -> dict[str, Any]:
    hub = hub_of(request)
    return {**asdict(hub.runtime.config), "commit_limit": hub.limiter.limit}


@router.put("/config")
def set_config(request: Request) -> dict[str, Any]:
    """Set ``build_delay_seconds``, ``startup_timeout_seconds`` or ``commit_limit``."""
    hub = hub_of(request)
    body = json_body(request)
    unknown = set(body) - {*RuntimeConfig.KEYS, "commit_limit", "reset_commit_counts"}
    if unknown:
        raise bad_request(f"Unknown config keys: {sorted(unknown)}")
    for key in RuntimeConfig.KEYS:
        if key in body:
            setattr(hub.runtime.config, key, float(body[key]))
    if "commit_limit" in body:
        hub.limiter.limit = int(body["commit_limit"])
    if body.get("reset_commit_counts"):
        hub.limiter.reset()
    return get_config(request)
