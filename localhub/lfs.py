"""LFS storage rules: which files the Hub stores as LFS, and the signed, streamed upload of their content.

Sources: localhub/README.md "2026 behaviours"; HFH-2.4 ``lfs.py`` (batch payload, basic transfer: a PUT
of the raw content to the returned ``href`` without Hub headers, then a POST to ``verify``).
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import PurePosixPath
from urllib.parse import parse_qs

import pathspec
from starlette.types import Receive, Scope, Send

from localhub.errors import HubError
from localhub.storage import RepoKey, Store

#: Binary content over this size goes to LFS (localhub/README.md "2026 behaviours"; HFH #687).
BINARY_LFS_BYTES = 1024 * 1024
#: Any content over this size goes to LFS (localhub/README.md "2026 behaviours"; HFH #2666 "files larger than 10 MiB").
LARGE_LFS_BYTES = 10 * 1024 * 1024
UPLOAD_PREFIX = "/_lfs/upload/"
BINARY_REFUSED = (
    "Your push was rejected because it contains binary files: {path!r}. "
    "Please use https://huggingface.co/docs/hub/xet to store binary files."
)
LARGE_REFUSED = (
    "Your push was rejected because it contains files larger than 10 MiB: {path!r}. "
    "Please use https://huggingface.co/docs/hub/xet to store large files."
)
PATTERN_REFUSED = (
    "Your push was rejected: {path!r} matches an LFS pattern of .gitattributes and must be uploaded as LFS."
)


def lfs_spec(gitattributes: str | None) -> pathspec.PathSpec | None:
    """The ``filter=lfs`` patterns of a ``.gitattributes`` (a pattern without ``/`` matches at any depth)."""
    patterns = [
        line.split()[0]
        for line in (gitattributes or "").splitlines()
        if line.strip() and not line.lstrip().startswith("#") and "filter=lfs" in line.split()[1:]
    ]
    return pathspec.PathSpec.from_lines("gitignore", patterns) if patterns else None


def is_binary(sample: bytes) -> bool:
    """The Hub's test on the 512-byte sample the client sends: a NUL byte or invalid UTF-8 means binary."""
    if b"\0" in sample:
        return True
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as e:
        return e.start < len(sample) - 3  # a multi-byte character cut by the sample's end is fine
    return False


def lfs_reason(path: str, size: int, sample: bytes, spec: pathspec.PathSpec | None) -> str | None:
    """Why the Hub wants ``path`` as LFS (``"pattern"``, ``"binary"``, ``"large"``), or None for regular.

    Preupload answers ``uploadMode: "lfs"`` for a ``.gitattributes`` LFS pattern match (whatever the content),
    binary content over 1 MiB, and any file over 10 MiB (localhub/README.md "2026 behaviours"; HFH tests
    ``test_create_commit_lfs_file_implicit_token``, ``test_upload_empty_lfs_file``). Empty files stay regular
    (the client sends them inline).
    """
    if size == 0:
        return None
    if spec is not None and (spec.match_file(path) or spec.match_file(PurePosixPath(path).name)):
        return "pattern"
    if size > LARGE_LFS_BYTES:
        return "large"
    if size > BINARY_LFS_BYTES and is_binary(sample[:512]):
        return "binary"
    return None


def refusal(path: str, reason: str) -> HubError:
    """The 400 for a regular (inline) upload of a file the Hub stores as LFS (HFH #1404, #2666)."""
    text = {"pattern": PATTERN_REFUSED, "binary": BINARY_REFUSED, "large": LARGE_REFUSED}[reason]
    return HubError(400, text.format(path=path))


def sign(secret: bytes, key: RepoKey, sha256: str, size: int) -> str:
    message = f"{key.type}/{key.repo_id}/{sha256}/{size}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


async def handle_upload(store: Store, secret: bytes, max_bytes: int, scope: Scope, receive: Receive, send: Send) -> int:
    """``PUT /_lfs/upload/{type}/{ns}/{name}/{sha256}?size=N&sig=...``: the basic-transfer upload.

    Like the Hub's pre-signed storage URL, it needs no Authorization header (the client sends none,
    HFH-2.4 ``lfs.py`` ``_upload_single_part``): the signature from the batch answer authorises it. The body
    is streamed to disk while hashed, so memory stays flat whatever the size. Returns the status sent.
    """
    parts = scope["path"][len(UPLOAD_PREFIX) :].split("/")
    query = parse_qs(scope.get("query_string", b"").decode())
    status, message = 200, ""
    writer = None
    try:
        if len(parts) != 4 or scope["method"] != "PUT":
            raise HubError(404, "Not Found")
        key = RepoKey(parts[0], parts[1], parts[2])
        sha256 = parts[3]
        size = int(query.get("size", ["-1"])[0])
        good = sign(secret, key, sha256, size)
        if not hmac.compare_digest(good, query.get("sig", [""])[0]):
            raise HubError(403, "Request has expired or the signature does not match")
        if size > max_bytes:
            raise HubError(413, f"LFS object of {size} bytes is over localhub's limit of {max_bytes} bytes")
        writer = store.lfs_writer()
        while True:
            message_in = await receive()
            if message_in["type"] != "http.request":
                raise HubError(400, "upload interrupted")
            chunk = message_in.get("body", b"")
            if writer.size + len(chunk) > size:
                raise HubError(400, f"LFS upload is longer than the announced {size} bytes")
            writer.write(chunk)
            if not message_in.get("more_body"):
                break
        writer.finish(sha256, size)
        writer = None
    except HubError as e:
        status, message = e.status, e.message
    except ValueError as e:
        status, message = 400, f"Invalid upload URL: {e}"
    finally:
        if writer is not None:
            writer.abort()
    response = HubError(status, message).response() if status != 200 else None
    if response is None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"0")]})
        await send({"type": "http.response.body", "body": b""})
    else:
        await response(scope, receive, send)
    return status
