"""Repo ids without a namespace (``gpt2``, ``repo-that-does-not-exist``): the Hub's legacy "canonical" ids.

localhub creates every repo under a namespace, so such an id never names a repo here: each route the client
builds from one answers 404 ``X-Error-Code: RepoNotFound``, as the Hub answers a missing repo, so
``repo_exists`` / ``revision_exists`` / ``file_exists`` return False instead of raising (HFH ``tests/test_hf_api.py``
``TestHfApiRepoFileExists``; HFH-2.4 ``hf_api.py`` ``repo_exists``, ``file_exists``, ``utils/_http.py``
``hf_raise_for_status``). This router is included last: a two-part id always wins.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from localhub.errors import HubError, repo_not_found
from localhub.hub import REPO_TYPES, hub_of

router = APIRouter()


def _missing(request: Request, repo_type: str, name: str) -> HubError:
    principal = hub_of(request).auth.principal(request)  # a bad token is still 401 "Invalid credentials"
    if repo_type not in REPO_TYPES:
        return HubError(404, f"Unknown repo type {repo_type!r}")
    return repo_not_found(name, anonymous=principal is None)


@router.get("/api/{repo_type}s/{name}")
@router.get("/api/{repo_type}s/{name}/revision/{revision}")
@router.get("/api/{repo_type}s/{name}/tree/{revision}")
@router.get("/api/{repo_type}s/{name}/tree/{revision}/{path:path}")
@router.get("/api/{repo_type}s/{name}/commits/{revision}")
@router.post("/api/{repo_type}s/{name}/preupload/{revision}")
@router.post("/api/{repo_type}s/{name}/commit/{revision}")
@router.post("/api/{repo_type}s/{name}/paths-info/{revision}")
def api_route(request: Request, repo_type: str, name: str) -> None:
    raise _missing(request, repo_type, name)


@router.api_route("/{repo_type}s/{name}/resolve/{revision}/{path:path}", methods=["GET", "HEAD"])
def resolve(request: Request, repo_type: str, name: str) -> None:
    raise _missing(request, repo_type, name)


@router.api_route("/{name}/resolve/{revision}/{path:path}", methods=["GET", "HEAD"])
def resolve_model(request: Request, name: str) -> None:
    raise _missing(request, "model", name)
