"""The file cache (components/bundle/file_cache.py) reuses a digest only for a file that did not change: a content
change that keeps size and mtime is still seen (ctime), a racily clean entry is re-read (git's rule), and a
corrupt or foreign cache is ignored; the bundle then hashes and scans the new content."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import time
from pathlib import Path

import pytest

from components.bundle import build as bundle_module
from components.bundle import file_cache
from components.bundle.build import Bundle, build_bundle
from components.bundle.file_cache import Entry, FileCache
from components.errors import BundleError
from tests.unit.test_bundle import write
from tests.unit.test_bundle_safety import github_token

GENERATED = {"dockerfile": "FROM python:3.11-slim\n", "readme": "---\nsdk: docker\n---\n"}
PLACEHOLDER = "TOKEN = 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'\n"


def bundle(root: Path, cache: Path) -> Bundle:
    return build_bundle(root, **GENERATED, file_cache=cache, scan_cache=cache.with_name("scanned-clean"))  # type: ignore[arg-type]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    backend = tmp_path / "backend"
    write(backend, {"app/main.py": "app = None\n", "requirements.txt": "fastapi\n", "app/data.py": PLACEHOLDER})
    old = time.time_ns() - 10 * 10**9  # well before the cache is written: not racily clean
    for path in backend.rglob("*.py"):
        os.utime(path, ns=(old, old))
    return backend


def rewrite_keeping_size_and_mtime(path: Path, data: bytes) -> None:
    """Write ``data`` (the same size) in place and put atime/mtime back: only ctime tells."""
    before = path.stat()
    assert len(data) == before.st_size
    with open(path, "r+b") as handle:
        handle.write(data)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (before.st_size, before.st_mtime_ns, before.st_ino)


def test_unchanged_files_are_not_hashed_again(root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "stack" / "file-cache"
    first = bundle(root, cache)
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    hashed: list[bytes] = []
    real = hashlib.sha256

    def sha256(data: bytes = b"") -> hashlib._Hash:
        hashed.append(bytes(data))
        return real(data)

    monkeypatch.setattr(hashlib, "sha256", sha256)
    again = bundle(root, cache)
    assert again.manifest == first.manifest
    # The backend's own files come from the cache (neither the bundle nor the scan hashes them again).
    assert PLACEHOLDER.encode() not in hashed and b"app = None\n" not in hashed
    assert again.digests["app/data.py"] == sha(PLACEHOLDER.encode())


def test_a_change_keeping_size_and_mtime_is_still_detected(root: Path, tmp_path: Path) -> None:
    cache = tmp_path / "stack" / "file-cache"
    bundle(root, cache)
    new = PLACEHOLDER.replace("x", "y").encode()
    rewrite_keeping_size_and_mtime(root / "app" / "data.py", new)
    assert bundle(root, cache).manifest["app/data.py"] == sha(new)


def test_a_route_written_with_the_same_size_and_mtime_into_an_unread_file_is_found(tmp_path: Path) -> None:
    """A Python file holding none of the readers' words is left unread while unchanged (its cached
    ``for_readers``); rewritten in place to define a route, same size and mtime, it is read and parsed."""
    root, cache = tmp_path / "backend", tmp_path / "stack" / "file-cache"
    routed = "from fastapi import APIRouter\nrouter = APIRouter()\n@router.get('/api/x')\ndef x():\n    return 1\n"
    plain = "x = 1\n" + "#" * (len(routed) - 7) + "\n"
    main = "from fastapi import FastAPI\nimport lib\napp = FastAPI()\napp.include_router(lib.router)\n"
    write(root, {"main.py": main, "lib.py": plain, "requirements.txt": "fastapi\n"})
    old = time.time_ns() - 10 * 10**9
    for path in root.rglob("*.py"):
        os.utime(path, ns=(old, old))
    assert bundle(root, cache).routes == bundle(root, cache).routes == ()  # the second from the cache
    rewrite_keeping_size_and_mtime(root / "lib.py", routed.encode())
    assert [route.path for route in bundle(root, cache).routes] == ["/api/x"]


def test_a_secret_written_with_the_same_size_and_mtime_is_still_found(root: Path, tmp_path: Path) -> None:
    cache = tmp_path / "stack" / "file-cache"
    bundle(root, cache)
    secret = f"TOKEN = '{github_token()}'\n".encode()
    secret = secret + b"#" * (len(PLACEHOLDER) - len(secret) - 1) + b"\n" if len(secret) < len(PLACEHOLDER) \
        else secret[:len(PLACEHOLDER)]
    rewrite_keeping_size_and_mtime(root / "app" / "data.py", secret)
    with pytest.raises(BundleError, match=r"app/data\.py line 1 holds a secret \(GitHub Token\)"):
        bundle(root, cache)


@pytest.mark.parametrize("content", [b"", b"\x00\xff garbage", b"[1, 2, 3]", b'{"version": "other", "files": {}}',
                                     b'{"version": "hf-rag-space file cache 1", "rules": "other rules", "files": {}}'])
def test_a_corrupt_or_foreign_cache_is_ignored(root: Path, tmp_path: Path, content: bytes) -> None:
    cache = tmp_path / "stack" / "file-cache"
    first = bundle(root, cache)
    entries = json.loads(cache.read_bytes())["files"]
    lie = {rel: [*row[:5], "0" * 64, None] for rel, row in entries.items()}  # every digest wrong
    text = content.replace(b'"files": {}', b'"files": ' + json.dumps(lie).encode())
    cache.write_bytes(text)
    os.utime(cache, ns=(time.time_ns() + 10**9, time.time_ns() + 10**9))
    assert bundle(root, cache).manifest == first.manifest
    assert json.loads(cache.read_bytes())["rules"] == bundle_module.CACHE_RULES  # rewritten


def test_a_racily_clean_entry_is_not_trusted(tmp_path: Path) -> None:
    """git's racy-git rule: an entry whose mtime or ctime is not strictly older than the cache's own write
    time may have changed within that tick without any stat field changing: its content is read again."""
    path = tmp_path / "f.txt"
    path.write_text("one\n")
    st = path.stat()
    cache_path = tmp_path / "file-cache"
    writer = FileCache(cache_path, "rules")
    writer.put("f.txt", st, Entry(sha(b"one\n"), None))
    writer.save()
    for written_ns, trusted in ((st.st_mtime_ns, False), (max(st.st_mtime_ns, st.st_ctime_ns) + 1, True)):
        os.utime(cache_path, ns=(written_ns, written_ns))
        reader = FileCache(cache_path, "rules")
        assert (reader.get("f.txt", st) is not None) is trusted, written_ns
    # A racily clean entry makes the next save rewrite the cache (newer than the file), so it is trusted then.
    os.utime(cache_path, ns=(st.st_mtime_ns, st.st_mtime_ns))
    racy = FileCache(cache_path, "rules")
    assert racy.get("f.txt", st) is None
    racy.put("f.txt", st, Entry(sha(b"one\n"), None))
    racy.save()
    assert cache_path.stat().st_mtime_ns > st.st_mtime_ns
    assert FileCache(cache_path, "rules").get("f.txt", st) == Entry(sha(b"one\n"), None)


def test_the_stat_key_holds_ctime_inode_and_device(tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    path.write_text("one\n")
    st = path.stat()
    assert file_cache.stat_key(st) == (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)
