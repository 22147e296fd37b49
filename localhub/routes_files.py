"""File routes: preupload, NDJSON commit, tree, paths-info, commit history and resolve (download)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode

import pathspec
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from starlette.responses import StreamingResponse

from localhub import lfs
from localhub.errors import HubError, bad_request, entry_not_found
from localhub.gating import check_file_access
from localhub.hub import Repo, endpoint, flag, hub_of, web_prefix
from localhub.last_commit import last_commit_json, last_commits
from localhub.storage import AddFile, AddLfsFile, Commit, DeleteFile, DeleteFolder, FileEntry, Operation, Store

router = APIRouter()

TREE_PAGE_SIZE = 1000
STREAM_CHUNK = 1 << 20


def _lfs_spec(store: Store, tree: dict[str, FileEntry]) -> pathspec.PathSpec | None:
    if ".gitattributes" not in tree:
        return None
    return lfs.lfs_spec(store.read_file(tree[".gitattributes"]).decode("utf-8", "replace"))


def file_json(path: str, entry: FileEntry) -> dict[str, Any]:
    """A tree / paths-info file entry; an LFS file has its pointer's blob id as ``oid`` and ``lfs`` with the
    content's sha256, size and the pointer size (HFH-2.4 ``hf_api.py`` RepoFile / BlobLfsInfo; localhub/README.md)."""
    out: dict[str, Any] = {"type": "file", "oid": entry.oid, "size": entry.size, "path": path}
    if entry.lfs:
        out["lfs"] = {"oid": entry.lfs, "size": entry.size, "pointerSize": entry.pointer_size}
    if entry.xet:  # a file stored through Xet (HFH-2.4 hf_api.py RepoFile ``xetHash``)
        out["xetHash"] = entry.xet
    return out


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
        gitignore = hub.store.read_file(tree[".gitignore"]).decode("utf-8", "replace")
    spec = _ignore_spec(gitignore)
    attributes = _lfs_spec(hub.store, tree)
    files = []
    for item in body.get("files", []):
        path = str(item.get("path", ""))
        try:
            sample = base64.b64decode(item.get("sample") or "")
        except (binascii.Error, ValueError) as e:
            raise bad_request(f"Invalid base64 sample for {path!r}") from e
        mode = "lfs" if lfs.lfs_reason(path, int(item.get("size", 0)), sample, attributes) else "regular"
        entry: dict[str, Any] = {
            "path": path,
            "uploadMode": mode,
            "shouldIgnore": bool(spec and spec.match_file(path)),
        }
        if path in tree:  # an LFS file's oid here is its sha256: what the client compares (HFH-2.4 _local_oid)
            entry["oid"] = tree[path].lfs or tree[path].oid
        files.append(entry)
    return {"files": files, "commitOid": sha}


def _parse_commit(raw: bytes) -> tuple[dict[str, Any], list[Operation]]:
    """The NDJSON lines; ``file`` (inline base64), ``lfsFile`` (``path``, ``algo``, ``oid``, ``size``), deletions."""
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
            operations.append(AddFile(path, content))
        elif key == "deletedFile":
            operations.append(DeleteFile(str(value["path"])))
        elif key == "deletedFolder":
            operations.append(DeleteFolder(str(value["path"])))
        elif key == "lfsFile":
            if value.get("algo", "sha256") != "sha256":
                raise bad_request(f"Unsupported LFS algo {value.get('algo')!r}")
            size = value.get("size")
            size_int = int(size) if size is not None else None
            operations.append(AddLfsFile(str(value["path"]), str(value["oid"]), size_int))
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
    _refuse_inline_lfs(hub.store, hub.store.resolve(repo.key, revision), operations)
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
            hub.runtime.trigger(repo.key, f"commit {sha[:7]}", keep_running=True)
    url = f"{endpoint(request)}/{web_prefix(repo.key.type)}{repo.key.repo_id}/commit/{sha}"
    return {"success": True, "commitOid": sha, "commitUrl": url, "hookOutput": ""}


def _refuse_inline_lfs(store: Store, head: str, operations: list[Operation]) -> None:
    """400 for an inline upload of what preupload would have sent to LFS (localhub/README.md; HFH #1404, #2666).

    The ``.gitattributes`` that counts is the one this commit leaves (it may add or change it)."""
    tree = store.read_commit(head).tree
    text = store.read_file(tree[".gitattributes"]).decode("utf-8", "replace") if ".gitattributes" in tree else None
    for op in operations:
        if isinstance(op, AddFile) and op.path == ".gitattributes":
            text = op.content.decode("utf-8", "replace")
    spec = lfs.lfs_spec(text)
    for op in operations:
        if isinstance(op, AddFile):
            reason = lfs.lfs_reason(op.path, len(op.content), op.content[:512], spec)
            if reason:
                raise lfs.refusal(op.path, reason)


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
            files.append(file_json(path, entry))
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
    if flag(request.query_params.get("expand")):
        add_last_commits(hub_of(request).store, commit.id, page)
    headers = {}
    if cursor + TREE_PAGE_SIZE < len(entries):
        params = {k: v for k, v in request.query_params.items() if k != "cursor"}
        params["cursor"] = str(cursor + TREE_PAGE_SIZE)
        headers["Link"] = f'<{request.url.replace(query=urlencode(params))}>; rel="next"'
    return JSONResponse(page, headers=headers)


@router.post("/api/{repo_type}s/{namespace}/{name}/paths-info/{revision}")
def paths_info(request: Request, repo_type: str, namespace: str, name: str, revision: str) -> list[dict[str, Any]]:
    repo = hub_of(request).repo(request, repo_type, namespace, name)
    check_file_access(request, repo)
    _, commit = _resolve_commit(repo, request, revision)
    raw: bytes = request.scope.get("localhub.body", b"")
    if request.headers.get("content-type", "").startswith("application/json"):
        body = json.loads(raw or b"{}")
        paths, expand = [str(p) for p in body.get("paths", [])], body.get("expand")
    else:
        form = parse_qs(raw.decode(), keep_blank_values=True)
        paths, expand = form.get("paths", []), form.get("expand", [""])[0]
    out: list[dict[str, Any]] = []
    for path in dict.fromkeys(p.strip("/") for p in paths):
        if path in commit.tree:
            out.append(file_json(path, commit.tree[path]))
        else:
            children = sorted((p, e.oid) for p, e in commit.tree.items() if p.startswith(path + "/"))
            if children:
                out.append({"type": "directory", "oid": _tree_oid(children), "size": 0, "path": path})
    if flag(str(expand)):
        add_last_commits(hub_of(request).store, commit.id, out)
    return out


def add_last_commits(store: Store, head: str, entries: list[dict[str, Any]]) -> None:
    """``expand=True``: each entry gets its ``lastCommit`` (localhub/last_commit.py)."""
    found = last_commits(store, head, [str(e["path"]) for e in entries])
    for entry in entries:
        if entry["path"] in found:
            entry["lastCommit"] = last_commit_json(found[entry["path"]])


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
    check_file_access(request, repo)
    sha = hub.store.resolve(repo.key, revision)
    tree_ = hub.store.read_commit(sha).tree
    if path not in tree_:
        raise entry_not_found(path, headers={"X-Repo-Commit": sha})
    entry = tree_[path]
    etag = entry.lfs or entry.oid
    headers = {
        "ETag": f'"{etag}"',
        "X-Repo-Commit": sha,
        "Accept-Ranges": "bytes",
        "Content-Disposition": f'inline; filename="{path.rsplit("/", 1)[-1]}"',
    }
    if entry.lfs:  # what the Hub's LFS answers carry (HFH-2.4 file_download.py get_hf_file_metadata)
        headers.update({"X-Linked-Etag": f'"{entry.lfs}"', "X-Linked-Size": str(entry.size)})
    if entry.xet:  # a Xet client downloads from the CAS instead (hub-docs docs/xet/file-id.md; HFH-2.4 utils/_xet.py)
        refresh = f"{endpoint(request)}/api/{repo_type}s/{repo.key.repo_id}/xet-read-token/{sha}"
        headers.update({"X-Xet-Hash": entry.xet, "Link": f'<{refresh}>; rel="xet-auth"'})
    if request.method == "HEAD":
        headers["Content-Length"] = str(entry.size)
        return Response(status_code=200, headers=headers, media_type="application/octet-stream")
    size = entry.size
    start, end, status = 0, size - 1, 200
    range_header = request.headers.get("range", "")
    if range_header.startswith("bytes=") and "," not in range_header:
        start_s, _, end_s = range_header[6:].partition("-")
        start = int(start_s or 0)
        end = min(int(end_s) if end_s else size - 1, size - 1)
        if start >= size and size > 0:
            return Response(status_code=416, headers={"Content-Range": f"bytes */{size}"})
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
        status = 206
    headers["Content-Length"] = str(max(0, end - start + 1))
    body = _stream(hub.store, entry, start, end)
    return StreamingResponse(body, status_code=status, headers=headers, media_type="application/octet-stream")


def _stream(store: Store, entry: FileEntry, start: int, end: int) -> Iterator[bytes]:
    """The bytes ``start..end`` of a file, read in 1 MiB chunks (files up to GiBs never sit in memory)."""
    with store.file_path(entry).open("rb") as handle:
        handle.seek(start)
        left = end - start + 1
        while left > 0:
            chunk = handle.read(min(STREAM_CHUNK, left))
            if not chunk:
                return
            left -= len(chunk)
            yield chunk


@router.api_route("/{repo_type}s/{namespace}/{name}/resolve/{revision}/{path:path}", methods=["GET", "HEAD"])
def resolve(request: Request, repo_type: str, namespace: str, name: str, revision: str, path: str) -> Response:
    if repo_type not in ("space", "dataset"):
        raise HubError(404, "Not Found")
    return _resolve_file(request, repo_type, namespace, name, revision, path)


@router.api_route("/{namespace}/{name}/resolve/{revision}/{path:path}", methods=["GET", "HEAD"])
def resolve_model(request: Request, namespace: str, name: str, revision: str, path: str) -> Response:
    return _resolve_file(request, "model", namespace, name, revision, path)
