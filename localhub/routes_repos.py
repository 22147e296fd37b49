"""Account and repo routes: whoami, create / delete / settings, info, and README validation."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse

from localhub import frontmatter
from localhub.errors import HubError, bad_request, repo_not_found
from localhub.hub import REPO_TYPES, Hub, endpoint, flag, hub_of, json_body, validate_name, web_prefix
from localhub.runtime import DEFAULT_SLEEP_TIME, subdomain
from localhub.spaces_common import HARDWARE, check_env_key
from localhub.storage import RepoKey
from localhub.timeutil import now_iso

router = APIRouter()


@router.get("/api/whoami-v2")
def whoami(request: Request) -> dict[str, Any]:
    hub = hub_of(request)
    return hub.auth.whoami(hub.auth.require(request))


#: The shape of the Hub's ``GET /api/agent-harnesses``: huggingface_hub 2.4 crashes on anything but an object
#: with these keys (localhub/README.md "2026 behaviours"; HFH-2.4 ``utils/_detect_agent.py``).
AGENT_HARNESSES: dict[str, Any] = {"standardEnvVars": ["AGENT"], "harnesses": {}}
#: 402 text for a Docker/Gradio Space on free cpu-basic by a free namespace (HFH-2.4 ``create_repo``; PR #4539).
PRO_REQUIRED = (
    "Static Spaces are free for everyone, but hosting Gradio and Docker Spaces on free cpu-basic requires a PRO "
    "subscription."
)
#: 403 text for paid hardware without a payment method (gradio-app/gradio#3804).
PAYMENT_REQUIRED = "You must add a payment method to your account to upgrade your space's hardware"


def check_plan(hub: Hub, namespace: str, sdk: str | None, hardware: str) -> None:
    """The plan gates of a Space in ``namespace``: 402 for Docker/Gradio on free cpu-basic without a paid plan,
    403 for paid hardware without a payment method (localhub/README.md "2026 behaviours")."""
    if hardware == "cpu-basic":
        if sdk in ("docker", "gradio") and not hub.auth.is_paid(namespace):
            raise HubError(402, PRO_REQUIRED)
    elif not hub.auth.can_pay(namespace):
        raise HubError(403, PAYMENT_REQUIRED)


@router.get("/api/agent-harnesses")
def agent_harnesses() -> dict[str, Any]:
    return AGENT_HARNESSES


@router.post("/api/validate-yaml")
def validate_yaml(request: Request) -> JSONResponse:
    body = json_body(request)
    try:
        frontmatter.parse(str(body.get("content", "")))
    except frontmatter.FrontMatterError as e:
        return JSONResponse({"errors": [{"message": str(e)}], "warnings": []}, status_code=400)
    return JSONResponse({"errors": [], "warnings": []})


def _visibility(body: dict[str, Any]) -> bool | None:
    if body.get("visibility") is not None:
        if body["visibility"] not in ("public", "private", "protected"):
            raise bad_request(f"Invalid visibility {body['visibility']!r}")
        return bool(body["visibility"] != "public")
    if body.get("private") is not None:
        return bool(body["private"])
    return None


def _settings_list(items: Any, what: str) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for item in items or []:
        if not isinstance(item, dict) or "key" not in item or "value" not in item:
            raise bad_request(f"Each of {what} must be an object with 'key' and 'value'")
        entry = {"value": str(item["value"]), "updatedAt": now_iso()}
        if item.get("description"):
            entry["description"] = str(item["description"])
        out[check_env_key(str(item["key"]))] = entry
    return out


def _named_repo(body: dict[str, Any], user: str) -> tuple[str, str, str]:
    """(type, namespace, name) of a create/delete body: ``name`` may be ``namespace/name``; the namespace
    defaults to ``organization``, then the caller (as huggingface_hub's ``create_repo``/``delete_repo`` send it)."""
    name = str(body.get("name") or "")
    namespace = str(body.get("organization") or user)
    if "/" in name:
        namespace, name = name.split("/", 1)
    return str(body.get("type") or "model"), namespace, name


@router.post("/api/repos/create")
def create_repo(request: Request) -> JSONResponse:
    hub = hub_of(request)
    principal = hub.auth.require(request)
    body = json_body(request)
    repo_type, namespace, name = _named_repo(body, principal.user)
    if repo_type not in REPO_TYPES:
        raise bad_request(f"Invalid repo type {repo_type!r}")
    validate_name(namespace)
    validate_name(name)
    key = RepoKey(repo_type, namespace, name)
    url = f"{endpoint(request)}/{web_prefix(repo_type)}{key.repo_id}"
    if not hub.auth.is_member(principal.user, namespace):
        raise HubError(403, f"You don't have the rights to create a repo under the namespace {namespace!r}.")
    if principal.role != "write":
        raise HubError(403, "You don't have the rights to create a repo: your token is read-only.")
    meta: dict[str, Any] = {"private": bool(_visibility(body)), "createdAt": now_iso()}
    if repo_type == "space":
        sdk = body.get("sdk")
        if sdk not in ("gradio", "streamlit", "docker", "static"):
            raise bad_request("Invalid or missing 'sdk': must be one of gradio, streamlit, docker, static")
        hardware = body.get("hardware") or "cpu-basic"
        if hardware not in HARDWARE:
            raise bad_request(f"Invalid hardware flavor {hardware!r}")
        # Answered before the 409 for an existing repo (localhub/README.md; huggingface_hub issue #4535).
        check_plan(hub, namespace, sdk, hardware)
        sleep = int(body.get("sleepTimeSeconds") or DEFAULT_SLEEP_TIME)
        meta.update(
            sdk=sdk,
            hardware=hardware,
            # cpu-basic sleeps after 48 h, not configurable (HFH-2.4 set_space_sleep_time warning)
            sleepTime=DEFAULT_SLEEP_TIME if hardware == "cpu-basic" else sleep,
            secrets=_settings_list(body.get("secrets"), "secrets"),
            variables=_settings_list(body.get("variables"), "variables"),
            paused=False,
        )
    if not hub.store.create_repo(key, meta, principal.user):
        what = {"space": "space", "model": "model", "dataset": "dataset"}[repo_type]
        return JSONResponse(
            {"error": f"You already created this {what} repo", "url": url},
            status_code=409,
            headers={"X-Error-Message": f"You already created this {what} repo"},
        )
    if repo_type == "space":
        hub.runtime.port(key)
    return JSONResponse({"url": url, "name": key.repo_id, "id": f"localhub-{key.type}-{key.repo_id}"})


@router.delete("/api/repos/delete")
def delete_repo(request: Request) -> PlainTextResponse:
    hub = hub_of(request)
    principal = hub.auth.require(request)
    repo_type, namespace, name = _named_repo(json_body(request), principal.user)
    repo = hub.repo(request, repo_type, namespace, name, write=True)
    if repo.key.type == "space":
        hub.runtime.forget(repo.key)
    if not hub.store.delete_repo(repo.key):
        raise repo_not_found(repo.key.repo_id)
    return PlainTextResponse("OK")


@router.put("/api/{repo_type}s/{namespace}/{name}/settings")
def update_settings(request: Request, repo_type: str, namespace: str, name: str) -> dict[str, Any]:
    hub = hub_of(request)
    repo = hub.repo(request, repo_type, namespace, name, write=True)
    body = json_body(request)
    private = _visibility(body)
    gated = body.get("gated")
    if gated not in (None, False, "auto", "manual"):
        raise bad_request(f"Invalid gated value {gated!r}")

    def change(meta: dict[str, Any]) -> None:
        if private is not None:
            meta["private"] = private
        if gated is not None:
            meta["gated"] = gated

    meta = hub.store.update_meta(repo.key, change)
    return {"private": bool(meta.get("private")), "gated": meta.get("gated", False)}


def repo_info(request: Request, repo_type: str, namespace: str, name: str, revision: str) -> dict[str, Any]:
    hub = hub_of(request)
    repo = hub.repo(request, repo_type, namespace, name)
    key, meta = repo.key, repo.meta
    sha = hub.store.resolve(key, revision)
    commit = hub.store.read_commit(sha)
    blobs = flag(request.query_params.get("blobs"))
    siblings = []
    for path, entry in sorted(commit.tree.items()):
        sibling: dict[str, Any] = {"rfilename": path}
        if blobs:
            sibling.update(size=entry.size, blobId=entry.oid)
            if entry.lfs:
                sibling["lfs"] = {"sha256": entry.lfs, "size": entry.size, "pointerSize": entry.pointer_size}
        siblings.append(sibling)
    info: dict[str, Any] = {
        "_id": f"localhub-{key.type}-{key.repo_id}",
        "id": key.repo_id,
        "author": key.namespace,
        "sha": sha,
        "lastModified": commit.date,
        "createdAt": meta.get("createdAt"),
        "private": bool(meta.get("private")),
        "gated": meta.get("gated", False),
        "disabled": False,
        "likes": 0,
        "tags": [],
        "siblings": siblings,
        "usedStorage": sum(e.size for e in commit.tree.values()),
    }
    if "README.md" in commit.tree:
        card = frontmatter.parse_lenient(hub.store.read_file(commit.tree["README.md"]).decode("utf-8", "replace"))
        if card is not None:
            info["cardData"] = card
    if key.type == "space":
        info.update(
            sdk=meta.get("sdk"),
            runtime=hub.runtime.runtime_json(key, meta),
            host=hub.runtime.host(key),
            subdomain=subdomain(key.repo_id),
        )
        info["tags"] = [meta.get("sdk"), "region:us"]
    elif key.type == "model":
        info["modelId"] = key.repo_id
    return info


@router.get("/api/{repo_type}s/{namespace}/{name}")
def info_main(request: Request, repo_type: str, namespace: str, name: str) -> dict[str, Any]:
    return repo_info(request, repo_type, namespace, name, "main")


@router.get("/api/{repo_type}s/{namespace}/{name}/revision/{revision}")
def info_revision(request: Request, repo_type: str, namespace: str, name: str, revision: str) -> dict[str, Any]:
    return repo_info(request, repo_type, namespace, name, revision)


@router.get("/api/{repo_type}s")
def list_repos(request: Request, repo_type: str) -> list[dict[str, Any]]:
    """``list_spaces`` / ``list_models`` / ``list_datasets``: visible repos, filtered by author and search."""
    hub = hub_of(request)
    if repo_type not in REPO_TYPES:
        raise HubError(404, f"Unknown repo type {repo_type!r}")
    principal = hub.auth.principal(request)
    author = request.query_params.get("author")
    search = (request.query_params.get("search") or "").lower()
    limit = int(request.query_params.get("limit") or 0) or None
    out = []
    for key in hub.store.list_repos():
        meta = hub.store.get_meta(key)
        if key.type != repo_type or meta is None or (author and key.namespace != author):
            continue
        if search and search not in key.repo_id.lower():
            continue
        if meta.get("private") and (principal is None or not hub.auth.is_member(principal.user, key.namespace)):
            continue
        item: dict[str, Any] = {"id": key.repo_id, "author": key.namespace, "private": bool(meta.get("private"))}
        sha = hub.store.head(key)
        if sha:
            item.update(sha=sha, lastModified=hub.store.read_commit(sha).date, createdAt=meta.get("createdAt"))
        if key.type == "space":
            item.update(sdk=meta.get("sdk"), subdomain=subdomain(key.repo_id))
        out.append(item)
    return out[:limit]
