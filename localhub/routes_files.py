"""File routes: preupload, NDJSON commit, tree, paths-info, commit history and resolve (download)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any
from urllib.parse import parse_qs, urlencode

import pathspec
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from localhub.errors import HubError, bad_request, entry_not_found
from localhub.hub import Repo, endpoint, flag, hub_of, web_prefix
from localhub.storage import AddFile, Commit, DeleteFile, DeleteFolder, Operation

router = APIRouter()

MAX_FILE_SIZE = 10 * 1024 * 1024
TREE_PAGE_SIZE = 1000
TOO_LARGE = (
    "File {path!r} is {size} bytes, over localhub's 10 MB limit for regular (non-LFS) files. "
    "localhub does not emulate LFS or Xet storage; keep Space files under 10 MB."
)


def _check_size(path: str, size: int) -> None:
    if size > MAX_FILE_SIZE:
        raise HubError(413, TOO_LARGE.format(path=path, size=size))


def _ignore_spec(text: str | None) -> pathspec.PathSpec | None:
    if not text:
        return None
    return pathspec.PathSpec.from_lines("gitwildmatch", text.splitlines())


@router.post("/api/{repo_type}s/{namespace}/{name}/preupload/{revision}")
def preupload(request: Request, repo_type: str, namespace: str, name: str, revision: str) -> dict[str, Any]:
    hub = hub_of(request)
    repo = hub.repo(request, repo_type, namespace, name, write=True)
    body = json.loads(request.scope.get("localhub.body") or b"{}")
    sha = hub.store.resolve(repo.key, revision)
    tree = hub.store.read_commit(sha).tree
    gitignore = body.get("gitIgnore")
    if gitignore is None and ".gitignore" in tree:
        gitignore = hub.store.read_blob(tree[".gitignore"].oid).decode("utf-8", "replace")
    spec = _ignore_spec(gitignore)
    files = []
    for item in body.get("files", []):
        path = str(item.get("path", ""))
        _check_size(path, int(item.get("size", 0)))
        entry: dict[str, Any] = {
            "path": path,
            "uploadMode": "regular",
            "shouldIgnore": bool(spec and spec.match_file(path)),
        }
        if path in tree:
            entry["oid"] = tree[path].oid
        files.append(entry)
    return {"files": files, "commitOid": sha}


def _parse_commit(raw: bytes) -> tuple[dict[str, Any], list[Operation]]:
    header: dict[str, Any] | None = None
    operations: list[Operation] = []
    for number, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            key, value = item["key"], item["value"]
        except (json.JSONDecodeError, KeyError, TypeError) as e:
            raise bad_request(f"Invalid NDJSON commit payload at line {number}: {e}") from e
        if key == "header":
            header = value
        elif key == "file":
            path = str(value["path"])
            try:
                content = (
                    base64.b64decode(value["content"])
                    if value.get("encoding") == "base64"
                    else (str(value["content"]).encode())
                )
            except (binascii.Error, ValueError) as e:
                raise bad_request(f"Invalid base64 content for {path!r}") from e
            _check_size(path, len(content))
            operations.append(AddFile(path, content))
        elif key == "deletedFile":
            operations.append(DeleteFile(str(value["path"])))
        elif key == "deletedFolder":
            operations.append(DeleteFolder(str(value["path"])))
        elif key == "lfsFile":
            raise HubError(413, TOO_LARGE.format(path=value.get("path"), size=value.get("size", "?")))
        else:
            raise bad_request(f"Unknown commit line key {key!r}")
    if header is None:
        raise bad_request("The commit payload must start with a header line")
    return header, operations


@router.post("/api/{repo_type}s/{namespace}/{name}/commit/{revision}")
def commit(request: Request, repo_type: str, namespace: str, name: str, revision: str) -> dict[str, Any]:
    hub = hub_of(request)
    repo = hub.repo(request, repo_type, namespace, name, write=True)
    if flag(request.query_params.get("create_pr")):
        raise bad_request("localhub does not support pull requests (create_pr)")
    header, operations = _parse_commit(request.scope.get("localhub.body", b""))
    summary = str(header.get("summary") or "").strip()
    if not summary:
        raise bad_request("The commit summary (commit message) must not be empty")
    if hub.store.head(repo.key, revision) is None:
        hub.store.resolve(repo.key, revision)  # RevisionNotFound for unknown branches
        raise bad_request(f"Cannot commit to {revision!r}: commits must target a branch")
    hub.limiter.check(repo.key.repo_id)
    assert repo.principal is not None
    sha, created = hub.store.commit(
        repo.key,
        operations,
        summary,
        str(header.get("description") or ""),
        repo.principal.user,
        branch=revision,
        parent=header.get("parentCommit"),
    )
    if created:
        hub.limiter.record(repo.key.repo_id)
        hub.stats.record_commit(repo.key.repo_id, sum(isinstance(op, AddFile) for op in operations))
        if repo.key.type == "space":
            hub.runtime.trigger(repo.key, f"commit {sha[:7]}")
    url = f"{endpoint(request)}/{web_prefix(repo.key.type)}{repo.key.repo_id}/commit/{sha}"
    return {"success": True, "commitOid": sha, "commitUrl": url, "hookOutput": ""}


def _tree_oid(paths: list[tuple[str, str]]) -> str:
    return hashlib.sha1("".join(f"{p}\0{o}\n" for p, o in paths).encode()).hexdigest()


def _entries(commit: Commit, base: str, recursive: bool) -> list[dict[str, Any]]:
    """Tree entries under ``base`` (files and directories), sorted by path."""
    prefix = base.strip("/") + "/" if base.strip("/") else ""
    dirs: dict[str, list[tuple[str, str]]] = {}
    files: list[dict[str, Any]] = []
    for path, entry in commit.tree.items():
        if not path.startswith(prefix):
            continue
        rest = path[len(prefix) :]
        parts = rest.split("/")
        for depth in range(1, len(parts)):
            if depth > 1 and not recursive:
                break
            dirs.setdefault(prefix + "/".join(parts[:depth]), []).append((path, entry.oid))
        if recursive or len(parts) == 1:
            files.append({"type": "file", "oid": entry.oid, "size": entry.size, "path": path})
    folders = [{"type": "directory", "oid": _tree_oid(sorted(c)), "size": 0, "path": d} for d, c in dirs.items()]
    return sorted(folders + files, key=lambda e: str(e["path"]))


def _resolve_commit(repo: Repo, request: Request, revision: str) -> tuple[str, Commit]:
    hub = hub_of(request)
    sha = hub.store.resolve(repo.key, revision)
    return sha, hub.store.read_commit(sha)


@router.get("/api/{repo_type}s/{namespace}/{name}/tree/{revision}")
@router.get("/api/{repo_type}s/{namespace}/{name}/tree/{revision}/{path:path}")
def tree(request: Request, repo_type: str, namespace: str, name: str, revision: str, path: str = "") -> Response:
    repo = hub_of(request).repo(request, repo_type, namespace, name)
    _, commit = _resolve_commit(repo, request, revision)
    path = path.strip("/")
    if path and path not in commit.tree and not any(p.startswith(path + "/") for p in commit.tree):
        raise entry_not_found(path)
    if path in commit.tree:
        raise bad_request(f"{path!r} is a file, not a folder")
    entries = _entries(commit, path, flag(request.query_params.get("recursive")))
    try:
        cursor = max(0, int(request.query_params.get("cursor", "0")))
    except ValueError as e:
        raise bad_request("Invalid cursor") from e
    page = entries[cursor : cursor + TREE_PAGE_SIZE]
    headers = {}
    if cursor + TREE_PAGE_SIZE < len(entries):
        params = {k: v for k, v in request.query_params.items() if k != "cursor"}
        params["cursor"] = str(cursor + TREE_PAGE_SIZE)
        headers["Link"] = f'<{request.url.replace(query=urlencode(params))}>; rel="next"'
    return JSONResponse(page, headers=headers)


@router.post("/api/{repo_type}s/{namespace}/{name}/paths-info/{revision}")
def paths_info(request: Request, repo_type: str, namespace: str, name: str, revision: str) -> list[dict[str, Any]]:
    repo = hub_of(request).repo(request, repo_type, namespace, name)
    _, commit = _resolve_commit(repo, request, revision)
    raw: bytes = request.scope.get("localhub.body", b"")
    if request.headers.get("content-type", "").startswith("application/json"):
        paths = [str(p) for p in json.loads(raw or b"{}").get("paths", [])]
    else:
        paths = parse_qs(raw.decode(), keep_blank_values=True).get("paths", [])
    out: list[dict[str, Any]] = []
    for path in dict.fromkeys(p.strip("/") for p in paths):
        if path in commit.tree:
            entry = commit.tree[path]
            out.append({"type": "file", "oid": entry.oid, "size": entry.size, "path": path})
        else:
            children = sorted((p, e.oid) for p, e in commit.tree.items() if p.startswith(path + "/"))
            if children:
                out.append({"type": "directory", "oid": _tree_oid(children), "size": 0, "path": path})
    return out


@router.get("/api/{repo_type}s/{namespace}/{name}/commits/{revision}")
def commits(request: Request, repo_type: str, namespace: str, name: str, revision: str) -> list[dict[str, Any]]:
    hub = hub_of(request)
    repo = hub.repo(request, repo_type, namespace, name)
    sha = hub.store.resolve(repo.key, revision)
    return [
        {
            "id": c.id,
            "authors": [{"user": a} for a in c.authors],
            "date": c.date,
            "title": c.title,
            "message": c.message,
            "formatted": {"title": c.title, "message": c.message},
        }
        for c in hub.store.history(sha)
    ]


def _resolve_file(request: Request, repo_type: str, namespace: str, name: str, revision: str, path: str) -> Response:
    hub = hub_of(request)
    repo = hub.repo(request, repo_type, namespace, name)
    sha = hub.store.resolve(repo.key, revision)
    tree_ = hub.store.read_commit(sha).tree
    if path not in tree_:
        raise entry_not_found(path, headers={"X-Repo-Commit": sha})
    entry = tree_[path]
    headers = {
        "ETag": f'"{entry.oid}"',
        "X-Repo-Commit": sha,
        "Accept-Ranges": "bytes",
        "Content-Disposition": f'inline; filename="{path.rsplit("/", 1)[-1]}"',
    }
    if request.method == "HEAD":
        headers["Content-Length"] = str(entry.size)
        return Response(status_code=200, headers=headers, media_type="application/octet-stream")
    data = hub.store.read_blob(entry.oid)
    status = 200
    range_header = request.headers.get("range", "")
    if range_header.startswith("bytes=") and "," not in range_header:
        start_s, _, end_s = range_header[6:].partition("-")
        start = int(start_s or 0)
        end = min(int(end_s) if end_s else len(data) - 1, len(data) - 1)
        if start >= len(data) and len(data) > 0:
            return Response(status_code=416, headers={"Content-Range": f"bytes */{len(data)}"})
        headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
        data, status = data[start : end + 1], 206
    return Response(data, status_code=status, headers=headers, media_type="application/octet-stream")


@router.api_route("/{repo_type}s/{namespace}/{name}/resolve/{revision}/{path:path}", methods=["GET", "HEAD"])
def resolve(request: Request, repo_type: str, namespace: str, name: str, revision: str, path: str) -> Response:
    if repo_type not in ("space", "dataset"):
        raise HubError(404, "Not Found")
    return _resolve_file(request, repo_type, namespace, name, revision, path)


@router.api_route("/{namespace}/{name}/resolve/{revision}/{path:path}", methods=["GET", "HEAD"])
def resolve_model(request: Request, namespace: str, name: str, revision: str, path: str) -> Response:
    return _resolve_file(request, "model", namespace, name, revision, path)
