"""rules/lazy_files.py and the bundle built on it stream: a large file is hashed, checked, scanned and staged
in chunks (memory stays bounded), and a no-change rebuild with a warm file cache opens no unchanged file that
no reader reads (seen from outside, through Python's audit hook on ``open``); a secret rotation still
re-checks the cached files."""

from __future__ import annotations

import os
import random
import re
import sys
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from components.bundle.build import _secret_problem, build_bundle
from components.errors import BundleError
from components.rules.lazy_files import printable_runs, windows
from components.rules.secret_scan import _PRINTABLE_RUN, printable_strings
from components.space_files import lfs_paths, stage_blobs
from tests.unit.test_bundle import write

GENERATED = {"dockerfile": "FROM python:3.11-slim\n", "readme": "---\nsdk: docker\n---\n"}
MIB = 1024 * 1024

_opened: list[str] | None = None


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event == "open" and _opened is not None and isinstance(args[0], (str, bytes, os.PathLike)):
        _opened.append(os.fsdecode(args[0]))


sys.addaudithook(_audit)  # audit hooks cannot be removed: it records only inside `opened_files`


@contextmanager
def opened_files() -> Iterator[list[str]]:
    """Every path opened (``open``, ``os.open``) inside the block."""
    global _opened
    _opened = []
    try:
        yield _opened
    finally:
        _opened = None


def age(root: Path) -> None:
    """Put every file's mtime 10 s back: none is racily clean when the cache is written."""
    old = time.time_ns() - 10 * 10**9
    for path in root.rglob("*"):
        if path.is_file():
            os.utime(path, ns=(old, old))


def backend(tmp_path: Path) -> Path:
    root = tmp_path / "backend"
    write(root, {"app/main.py": "app = None\n", "requirements.txt": "fastapi\n",
                 "data/notes.txt": "some notes: supersecretvalue123\n"})
    (root / "data" / "table.bin").write_bytes(b"\0\1\2" * 1000)
    age(root)
    return root


def build(root: Path, cache_dir: Path, secrets: dict[str, str] | None = None) -> Any:
    bundle = build_bundle(root, **GENERATED, secrets=secrets, file_cache=cache_dir / "file-cache",  # type: ignore[arg-type]
                          scan_cache=cache_dir / "scanned-clean")
    stage_blobs(bundle.files, bundle.manifest, cache_dir / "blobs")
    return bundle


def test_no_change_rebuild_opens_no_unchanged_file_the_readers_do_not_read(tmp_path: Path) -> None:
    root, cache = backend(tmp_path), tmp_path / "stack"
    first = build(root, cache, {"X": "othervalue99999"})
    with opened_files() as opened:
        again = build(root, cache, {"X": "othervalue99999"})
    assert again.manifest == first.manifest
    data = [p for p in opened if f"{os.sep}data{os.sep}" in p]
    assert data == [], f"unchanged files opened: {data}"
    assert any(p.endswith(os.path.join("app", "main.py")) for p in opened)  # the readers' files are read
    (root / "data" / "notes.txt").write_text("changed notes\n")
    with opened_files() as opened:
        build(root, cache, {"X": "othervalue99999"})
    assert any(p.endswith(os.path.join("data", "notes.txt")) for p in opened)  # a changed one is


def test_an_unchanged_python_file_no_reader_parses_is_not_read_again(tmp_path: Path) -> None:
    root, cache = tmp_path / "backend", tmp_path / "stack"
    write(root, {"main.py": "from fastapi import FastAPI\nfrom lib import helper\napp = FastAPI()\n",
                 "requirements.txt": "fastapi\nuvicorn\n", "lib.py": "def helper():\n    return 42\n",
                 "views.py": "from fastapi import APIRouter\nrouter = APIRouter()\n",
                 "serve.py": "import uvicorn\nuvicorn.run('main:app', host='0.0.0.0', port=8123)\n",
                 "Dockerfile": "FROM python:3.11-slim\nCOPY . .\nCMD python serve.py\n"})
    age(root)
    first = build(root, cache)
    with opened_files() as opened:
        again = build(root, cache)
    names = {os.path.basename(p) for p in opened}
    assert again.manifest == first.manifest
    assert "lib.py" not in names  # none of the readers' words: taken from the cache, content left on disk
    assert {"main.py", "views.py"} <= names  # the entry point, and a file that may define routes
    # The Dockerfile check still reads the script its CMD runs (on demand), so the port stays the same.
    assert again.app_port == first.app_port == 8123 and "serve.py" in names
    (root / "lib.py").write_text("from fastapi import APIRouter\nrouter = APIRouter()\n\n\n"
                                 "@router.get('/api/extra')\ndef extra():\n    return 1\n")
    (root / "main.py").write_text("from fastapi import FastAPI\nfrom lib import router\napp = FastAPI()\n"
                                  "app.include_router(router)\n")
    changed = build(root, cache)
    assert "/api/extra" in [route.path for route in changed.routes]  # a changed file is read and parsed


def test_the_bundle_sizes_are_those_of_the_staged_files(tmp_path: Path) -> None:
    root, cache = backend(tmp_path), tmp_path / "stack"
    (root / "pkg").mkdir()
    (root / "pkg" / "model.bin").write_bytes(b"\0\1" * (600 * 1024))  # binary over 1 MiB: stored as LFS
    age(root)
    for _ in range(2):  # read, then taken from the file cache
        bundle = build(root, cache)
        staged = {path: (cache / "blobs" / digest).stat().st_size for path, digest in bundle.manifest.items()}
        assert dict(bundle.sizes) == staged  # generated (Dockerfile, README.md, requirements.txt) ones too
        assert lfs_paths(cache / "blobs", bundle.manifest, sizes=bundle.sizes) == \
            lfs_paths(cache / "blobs", bundle.manifest) == ["data/table.bin", "pkg/model.bin"]


def test_a_rotated_secret_value_is_found_in_a_cached_unchanged_file(tmp_path: Path) -> None:
    root, cache = backend(tmp_path), tmp_path / "stack"
    build(root, cache, {"X": "othervalue99999"})
    with pytest.raises(BundleError, match=r"data/notes\.txt contains the value of X"):
        build(root, cache, {"X": "supersecretvalue123"})
    text = (cache / "file-cache").read_text()
    assert "supersecretvalue123" not in text and "othervalue99999" not in text


def test_a_large_file_is_bundled_and_staged_in_bounded_memory(tmp_path: Path) -> None:
    root = tmp_path / "backend"
    write(root, {"app/main.py": "app = None\n", "requirements.txt": "fastapi\n"})
    size = 96 * MIB
    with open(root / "model.bin", "wb") as handle:  # sparse: costs no disk, reads as zeros with a tail
        handle.truncate(size - 64)
        handle.seek(size - 64)
        handle.write(b"\0weights-end-marker\0" + b"\1" * 44)
    cache = tmp_path / "stack"
    tracemalloc.start()
    try:
        bundle = build(root, cache)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (cache / "blobs" / bundle.manifest["model.bin"]).stat().st_size == size
    assert peak < 16 * MIB, f"peak {peak / MIB:.1f} MiB for a {size // MIB} MiB file"


def test_printable_runs_found_in_chunks_are_those_of_the_whole_content() -> None:
    rng = random.Random(3)
    data = bytes(rng.choice(b"\0\1abcdefghij XYZ") for _ in range(20_000))
    whole = [(offset, text.encode()) for offset, text in printable_strings(data)]
    for size in (1, 7, 100, 4096):
        pieces = [data[i:i + size] for i in range(0, len(data), size)]
        assert list(printable_runs(pieces, _PRINTABLE_RUN)) == whole


def test_secret_checks_see_values_cut_by_chunk_boundaries() -> None:
    data = b"\0" * 1000 + b"supersecretvalue123" + b"\0" * 1000 + b"hf_" + b"a" * 34 + b"\0"
    for size in (5, 1009, 1010, 2030):
        pieces = [data[i:i + size] for i in range(0, len(data), size)]
        assert str(_secret_problem("f", pieces, {"X": b"supersecretvalue123"}, True)) == \
            "f contains the value of X; remove it from the file"
        assert "Hugging Face token" in str(_secret_problem("f", pieces, {}, True))
    assert all(len(w) <= 10 + 3 for w in windows([b"abc"] * 5, 10))
    assert re.search(rb"cab", b"".join(windows([b"abc"] * 3, 2)))
