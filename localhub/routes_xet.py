"""Xet: the Hub's token routes and the CAS service (on localhub's own port, under ``/cas``).

Sources (huggingface/hub-docs ``docs/xet/``, https://huggingface.co/docs/xet): ``auth.md`` (``GET
/api/{type}s/{ns}/{name}/xet-{read|write}-token/{rev}`` answers ``{accessToken, exp, casUrl}``; 401 without
valid Hub credentials, 403 without the rights the token type needs, 404 for a missing repo or revision; a
Xet token is scoped to that repo and ref, ``read`` or ``write``, and expires), HFH-2.4 ``utils/_xet.py``
(the client reads the ``X-Xet-Cas-Url`` / ``X-Xet-Access-Token`` / ``X-Xet-Token-Expiration`` headers),
``api.md`` (the CAS routes, their scopes and error codes), ``download-protocol.md`` (reconstruction answers:
v1 ``fetch_info``, v2 ``xorbs`` multi-range fetches with signed URLs that authorise exactly their ranges),
``file-id.md`` (resolve answers carry ``X-Xet-Hash``). Store rules: `localhub.cas`.

The CAS answers with the same fault injection, stats and rate-limit headers as every localhub route
(``/_localhub/faults`` globs such as ``POST /cas/v1/xorbs/*``). ``Settings.cas_url`` changes the casUrl
handed out (e.g. an unreachable one, to test a client's error).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse

from localhub.cas import CasStore, StoredFile
from localhub.errors import HubError, bad_request
from localhub.hub import Hub, endpoint, hub_of
from localhub.storage import RepoKey
from localhub.xet_format import FormatError, dedup_shard, hash_from_hex

router = APIRouter()
CAS_PREFIX = "/cas"
#: Lifetime of a Xet access token, seconds (the client refreshes it before ``exp``; auth.md).
TOKEN_SECONDS = 3600
#: Lifetime of a signed xorb download URL and of a dedup shard's key (download-protocol.md: short-lived).
URL_SECONDS = 3600
DEDUP_EXPIRY_SECONDS = 7 * 24 * 3600
_RANGE = re.compile(r"^bytes=(\d+)-(\d*)$")


@dataclass(frozen=True)
class XetToken:
    """What a Xet access token grants: one repo, one revision, ``read`` or ``write``, until ``exp``."""

    key: RepoKey
    revision: str
    scope: str
    exp: int


def _sign(hub: Hub, payload: bytes) -> str:
    return hmac.new(hub.lfs_secret, b"xet-token\0" + payload, hashlib.sha256).hexdigest()[:32]


def mint(hub: Hub, token: XetToken) -> str:
    body = json.dumps([token.key.type, token.key.namespace, token.key.name, token.revision, token.scope,
                       token.exp, secrets.token_hex(4)]).encode()
    payload = base64.urlsafe_b64encode(body).rstrip(b"=")
    return f"xet_{payload.decode()}.{_sign(hub, payload)}"


def verify(hub: Hub, request: Request, scope: str) -> XetToken:
    """The request's Xet token; 401 when missing, forged or expired, 403 when a write needs a read token."""
    header = request.headers.get("authorization", "")
    raw = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
    payload, _, sig = raw.removeprefix("xet_").partition(".")
    if not raw.startswith("xet_") or not hmac.compare_digest(_sign(hub, payload.encode()), sig):
        raise HubError(401, "Invalid or missing Xet access token: request one from the Hub's xet-*-token route")
    rtype, namespace, name, revision, granted, exp, _nonce = json.loads(base64.urlsafe_b64decode(payload + "=="))
    if exp <= time.time():
        raise HubError(401, "Xet access token expired: refresh it from the Hub's xet-*-token route")
    if scope == "write" and granted != "write":
        raise HubError(403, "This Xet access token is read-only: uploads need a token from xet-write-token")
    return XetToken(RepoKey(rtype, namespace, name), revision, granted, exp)


def cas_of(request: Request) -> CasStore:
    return hub_of(request).cas


def cas_url(request: Request) -> str:
    return hub_of(request).settings.cas_url or f"{endpoint(request)}{CAS_PREFIX}"


# --- the Hub's token routes ----------------------------------------------------------------------

def _token(request: Request, repo_type: str, namespace: str, name: str, revision: str, scope: str) -> JSONResponse:
    hub = hub_of(request)
    repo = hub.repo(request, repo_type, namespace, name, write=scope == "write")
    hub.store.resolve(repo.key, revision)  # 404 RevisionNotFound for a ref the repo does not have
    exp = int(time.time()) + TOKEN_SECONDS
    access = mint(hub, XetToken(repo.key, revision, scope, exp))
    url = cas_url(request)
    headers = {"X-Xet-Cas-Url": url, "X-Xet-Access-Token": access, "X-Xet-Token-Expiration": str(exp)}
    return JSONResponse({"accessToken": access, "exp": exp, "casUrl": url}, headers=headers)


@router.get("/api/{repo_type}s/{namespace}/{name}/xet-write-token/{revision}")
def xet_write_token(request: Request, repo_type: str, namespace: str, name: str, revision: str) -> JSONResponse:
    """A write token needs write access to the repo: a read-only Hub token gets 403 (auth.md "Token Scope")."""
    return _token(request, repo_type, namespace, name, revision, "write")


@router.get("/api/{repo_type}s/{namespace}/{name}/xet-read-token/{revision}")
def xet_read_token(request: Request, repo_type: str, namespace: str, name: str, revision: str) -> JSONResponse:
    return _token(request, repo_type, namespace, name, revision, "read")


# --- CAS: upload ---------------------------------------------------------------------------------

def _hash_param(value: str) -> str:
    try:
        hash_from_hex(value)
    except FormatError as e:
        raise bad_request(str(e)) from e
    return value.lower()


@router.post(CAS_PREFIX + "/v1/xorbs/{prefix}/{xorb}")
def upload_xorb(request: Request, prefix: str, xorb: str) -> dict[str, bool]:
    verify(hub_of(request), request, "write")
    if prefix != "default":
        raise bad_request(f"Invalid xorb prefix {prefix!r}: 'default' expected")
    body: bytes = request.scope.get("localhub.body", b"")
    return {"was_inserted": cas_of(request).put_xorb(_hash_param(xorb), body)}


@router.head(CAS_PREFIX + "/v1/xorbs/{prefix}/{xorb}")
def head_xorb(request: Request, prefix: str, xorb: str) -> Response:
    verify(hub_of(request), request, "read")
    cas = cas_of(request)
    name = _hash_param(xorb)
    if prefix != "default" or not cas.has_xorb(name):
        return Response(status_code=404)
    return Response(status_code=200, headers={"Content-Length": str(cas.xorb_size(name))})


@router.post(CAS_PREFIX + "/v1/shards")
def upload_shard(request: Request) -> dict[str, int]:
    token = verify(hub_of(request), request, "write")
    body: bytes = request.scope.get("localhub.body", b"")
    return {"result": cas_of(request).put_shard(body, token.key)}


@router.post(CAS_PREFIX + "/v2/shards")
def upload_shard_streamed(request: Request) -> StreamingResponse:
    """The same as v1, answered as NDJSON events ending in ``result`` or ``error`` (api.md "Streaming Shard Upload")."""
    token = verify(hub_of(request), request, "write")
    body: bytes = request.scope.get("localhub.body", b"")
    cas = cas_of(request)

    def events() -> Iterator[bytes]:
        yield b'{"type":"validating","verified":0,"total":1}\n'
        try:
            result = cas.put_shard(body, token.key)
        except HubError as e:
            yield json.dumps({"type": "error", "message": e.message}).encode() + b"\n"
            return
        yield b'{"type":"validating","verified":1,"total":1}\n{"type":"committing","stage":"uploading"}\n'
        yield b'{"type":"committing","stage":"syncing"}\n' + json.dumps({"type": "result", "result": result}).encode()
        yield b"\n"

    return StreamingResponse(events(), media_type="application/x-ndjson", headers={"Cache-Control": "no-cache"})


@router.get(CAS_PREFIX + "/v1/chunks/{prefix}/{chunk}")
def query_chunk(request: Request, prefix: str, chunk: str) -> Response:
    """Global dedup: a shard describing the xorb that holds this chunk, its chunk hashes HMAC-protected.

    api.md names the prefix ``default-merkledb``; hf_xet 1.8.0 sends ``default`` (observed), so both are served."""
    verify(hub_of(request), request, "read")
    if prefix not in ("default", "default-merkledb"):
        raise bad_request(f"Invalid dedup prefix {prefix!r}: 'default-merkledb' expected")
    cas = cas_of(request)
    xorb = cas.dedup_xorb(_hash_param(chunk))
    if xorb is None:
        raise HubError(404, "Chunk not tracked by global deduplication")
    now = int(time.time())
    body = dedup_shard([cas.cas_info(xorb)], secrets.token_bytes(32), now, now + DEDUP_EXPIRY_SECONDS)
    return Response(body, media_type="application/octet-stream")


# --- CAS: download -------------------------------------------------------------------------------

def _readable_file(request: Request, token: XetToken, file_id: str) -> StoredFile:
    """A registered file the token's repo may read: registered through it, or listed in its tree at the
    token's revision. Anything else is 404, like a file that does not exist (api.md)."""
    hub, cas = hub_of(request), cas_of(request)
    stored = cas.get_file(file_id)
    if stored is None:
        raise HubError(404, f"File {file_id} not found")
    if token.key not in cas.file_repos(file_id):
        try:
            tree = hub.store.read_commit(hub.store.resolve(token.key, token.revision)).tree
        except HubError:
            tree = {}
        if not any(entry.xet == file_id for entry in tree.values()):
            raise HubError(404, f"File {file_id} not found")
    return stored


def _byte_range(request: Request, size: int) -> tuple[int, int]:
    """The requested [start, end] (inclusive) of the file; 416 when it starts at or past its end."""
    header = request.headers.get("range")
    if not header:
        return 0, size - 1
    match = _RANGE.match(header.strip())
    if not match:
        raise bad_request(f"Invalid Range header {header!r}")
    start = int(match.group(1))
    end = min(int(match.group(2)) if match.group(2) else size - 1, size - 1)
    if start >= size or end < start:
        raise HubError(416, f"Range {header} is outside the file ({size} bytes)")
    return start, end


def _signed_url(request: Request, xorb: str, ranges: list[tuple[int, int]]) -> str:
    hub = hub_of(request)
    spec = "bytes=" + ",".join(f"{a}-{b}" for a, b in ranges)
    expires = int(time.time()) + URL_SECONDS
    sig = hmac.new(hub.lfs_secret, f"xorb\0{xorb}\0{spec}\0{expires}".encode(), hashlib.sha256).hexdigest()
    query = f"X-Xet-Signed-Range={quote(spec)}&Expires={expires}&Signature={sig}"
    return f"{cas_url(request)}/transfer/xorb/default/{xorb}?{query}"


def _parse_ranges(spec: str) -> list[tuple[int, int]]:
    """``bytes=a-b,c-d`` as inclusive pairs; [] when malformed."""
    out = []
    for part in spec.replace(" ", "").removeprefix("bytes=").split(","):
        start, sep, end = part.partition("-")
        if not (sep and start.isdigit() and end.isdigit()) or int(end) < int(start):
            return []
        out.append((int(start), int(end)))
    return out


def _reconstruction(request: Request, file_id: str, version: int) -> dict[str, Any]:
    token = verify(hub_of(request), request, "read")
    cas = cas_of(request)
    stored = _readable_file(request, token, _hash_param(file_id))
    if stored.size == 0:
        return {"offset_into_first_range": 0, "terms": [], "fetch_info" if version == 1 else "xorbs": {}}
    start, end = _byte_range(request, stored.size)
    terms: list[dict[str, Any]] = []
    wanted: dict[str, list[tuple[int, int]]] = {}
    offset, position = 0, 0
    for xorb, first, last, size in stored.terms:
        if position + size <= start or position > end:
            position += size
            continue
        chunks = cas.xorb_chunks(xorb)[first:last]
        lo, hi, cursor = first, last, position
        for index, chunk in enumerate(chunks, start=first):  # drop whole chunks outside [start, end]
            if cursor + chunk.size <= start:
                lo = index + 1
            if cursor > end:
                hi = index
                break
            cursor += chunk.size
        if not terms:
            offset = start - (position + sum(c.size for c in chunks[: lo - first]))
        kept = chunks[lo - first : hi - first]
        terms.append({"hash": xorb, "unpacked_length": sum(c.size for c in kept), "range": {"start": lo, "end": hi}})
        wanted.setdefault(xorb, []).append((lo, hi))
        position += size
    fetch: dict[str, list[dict[str, Any]]] = {}
    for xorb, ranges in wanted.items():
        table = cas.xorb_chunks(xorb)
        merged: list[list[int]] = []
        for lo, hi in sorted(ranges):
            if merged and lo <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], hi)
            else:
                merged.append([lo, hi])
        spans = [(lo, hi, table[lo].start, table[hi - 1].end - 1) for lo, hi in merged]
        if version == 1:
            fetch[xorb] = [{"range": {"start": lo, "end": hi}, "url": _signed_url(request, xorb, [(a, b)]),
                            "url_range": {"start": a, "end": b}} for lo, hi, a, b in spans]
        else:
            fetch[xorb] = [{"url": _signed_url(request, xorb, [(a, b) for _, _, a, b in spans]),
                            "ranges": [{"chunks": {"start": lo, "end": hi}, "bytes": {"start": a, "end": b}}
                                       for lo, hi, a, b in spans]}]
    return {"offset_into_first_range": offset, "terms": terms, "fetch_info" if version == 1 else "xorbs": fetch}


@router.get(CAS_PREFIX + "/v1/reconstructions/{file_id}")
def reconstruction_v1(request: Request, file_id: str) -> dict[str, Any]:
    return _reconstruction(request, file_id, 1)


@router.get(CAS_PREFIX + "/v2/reconstructions/{file_id}")
def reconstruction_v2(request: Request, file_id: str) -> dict[str, Any]:
    return _reconstruction(request, file_id, 2)


@router.head(CAS_PREFIX + "/v1/files/{file_id}")
def head_file(request: Request, file_id: str) -> Response:
    token = verify(hub_of(request), request, "read")
    stored = _readable_file(request, token, _hash_param(file_id))
    return Response(status_code=200, headers={"Content-Length": str(stored.size)})


@router.get(CAS_PREFIX + "/transfer/xorb/{prefix}/{xorb}")
def transfer(request: Request, prefix: str, xorb: str) -> Response:
    """A signed xorb download URL: no Authorization; each range asked must lie in the signed ranges."""
    hub, cas = hub_of(request), cas_of(request)
    spec = request.query_params.get("X-Xet-Signed-Range", "")
    expires = request.query_params.get("Expires", "0")
    good = hmac.new(hub.lfs_secret, f"xorb\0{xorb}\0{spec}\0{expires}".encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(good, request.query_params.get("Signature", "")) or int(expires) < time.time():
        raise HubError(403, "Request has expired or the signature does not match")
    signed = _parse_ranges(spec)
    ranges = _parse_ranges(request.headers.get("range", spec))
    if not signed or not ranges or not all(any(a <= c and d <= b for a, b in signed) for c, d in ranges):
        raise HubError(403, f"Range {request.headers.get('range')!r} is outside the signed range {spec!r}")
    if prefix != "default" or not cas.has_xorb(xorb):
        raise HubError(404, "Not Found")
    size = cas.xorb_size(xorb)
    if len(ranges) == 1:
        a, b = ranges[0]
        return Response(cas.read_xorb_range(xorb, a, b), status_code=206, media_type="application/octet-stream",
                        headers={"Content-Range": f"bytes {a}-{b}/{size}"})
    boundary = secrets.token_hex(12)
    parts = []
    for a, b in ranges:
        head = (f"--{boundary}\r\nContent-Type: application/octet-stream\r\n"
                f"Content-Range: bytes {a}-{b}/{size}\r\n\r\n").encode()
        parts.append(head + cas.read_xorb_range(xorb, a, b) + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return Response(body, status_code=206, media_type=f"multipart/byteranges; boundary={boundary}")
