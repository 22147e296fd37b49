"""git-lfs batch API (basic transfer) and its verify step (Xet: routes_xet.py).

Sources: HFH-2.4 ``lfs.py`` ``post_lfs_batch_info`` / ``lfs_upload`` (wire format), git-lfs
``docs/api/batch.md``; hub-api-contract.md §1 (``POST {endpoint}/spaces/{id}.git/info/lfs/objects/batch``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from localhub.errors import HubError, bad_request
from localhub.hub import Repo, endpoint, hub_of, json_body, web_prefix
from localhub.lfs import UPLOAD_PREFIX, sign

router = APIRouter()
LFS_JSON = "application/vnd.git-lfs+json"


def _batch(request: Request, repo: Repo) -> JSONResponse:
    hub = hub_of(request)
    body = json_body(request)
    if body.get("operation") != "upload":
        raise bad_request("localhub's LFS batch API only serves operation 'upload' (downloads use resolve)")
    transfers = body.get("transfers") or ["basic"]
    if "basic" not in transfers:
        raise HubError(422, f"Unsupported transfers {transfers}: localhub offers 'basic' only")
    base = endpoint(request)
    verify = f"{base}/{web_prefix(repo.key.type)}{repo.key.repo_id}.git/info/lfs/objects/verify"
    objects: list[dict[str, Any]] = []
    for item in body.get("objects") or []:
        oid, size = str(item.get("oid", "")).lower(), item.get("size")
        if len(oid) != 64 or not isinstance(size, int) or size < 0:
            objects.append({"oid": oid, "size": size if isinstance(size, int) else 0,
                            "error": {"code": 422, "message": "Invalid object (sha256 oid and size required)"}})
            continue
        if size > hub.settings.max_lfs_bytes:
            objects.append({"oid": oid, "size": size, "error": {
                "code": 422, "message": f"File of {size} bytes exceeds the limit of {hub.settings.max_lfs_bytes}"}})
            continue
        entry: dict[str, Any] = {"oid": oid, "size": size, "authenticated": True}
        if not hub.store.has_lfs(oid):  # already stored: no actions, the client skips the upload
            sig = sign(hub.lfs_secret, repo.key, oid, size)
            where = f"{repo.key.type}/{repo.key.namespace}/{repo.key.name}/{oid}"
            href = f"{base}{UPLOAD_PREFIX}{where}?size={size}&sig={sig}"
            entry["actions"] = {"upload": {"href": href, "header": {}}, "verify": {"href": verify, "header": {}}}
        objects.append(entry)
    return JSONResponse({"transfer": "basic", "objects": objects, "hash_algo": "sha256"}, media_type=LFS_JSON)


def _verify(request: Request, repo: Repo) -> JSONResponse:
    body = json_body(request)
    oid, size = str(body.get("oid", "")), body.get("size")
    store = hub_of(request).store
    if not store.has_lfs(oid) or store.lfs_path(oid).stat().st_size != size:
        raise HubError(404, f"LFS object {oid} ({size} bytes) was not uploaded", "EntryNotFound")
    return JSONResponse({"oid": oid, "size": size}, media_type=LFS_JSON)


@router.post("/{repo_type}s/{namespace}/{name}.git/info/lfs/objects/batch")
def batch(request: Request, repo_type: str, namespace: str, name: str) -> JSONResponse:
    return _batch(request, hub_of(request).repo(request, repo_type, namespace, name, write=True))


@router.post("/{namespace}/{name}.git/info/lfs/objects/batch")
def batch_model(request: Request, namespace: str, name: str) -> JSONResponse:
    return _batch(request, hub_of(request).repo(request, "model", namespace, name, write=True))


@router.post("/{repo_type}s/{namespace}/{name}.git/info/lfs/objects/verify")
def verify(request: Request, repo_type: str, namespace: str, name: str) -> JSONResponse:
    return _verify(request, hub_of(request).repo(request, repo_type, namespace, name, write=True))


@router.post("/{namespace}/{name}.git/info/lfs/objects/verify")
def verify_model(request: Request, namespace: str, name: str) -> JSONResponse:
    return _verify(request, hub_of(request).repo(request, "model", namespace, name, write=True))
