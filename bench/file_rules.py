"""File selection cost: git's own ignore rules (one `git ls-files` per run) vs reading the .gitignore
files with pathspec, and the secret scan's first run vs a run with its clean-contents cache.

A synthetic backend of N files (``--sizes``, default 1,000 and 5,000: small .py modules, a committed
venv/ and node_modules/ tree of 2,000 files each that git ignores or the noise rules skip, a
``.gitignore`` at the repository root), bundled with the product's `build_bundle`:
  git             the backend inside a `git init` work tree (git_ignore.py answers);
  pathspec        the same files outside any work tree (the backend's own .gitignore copied in);
  git ls-files    the one git subprocess alone;
  scan, first     `build_bundle` with an empty scan cache (detect-secrets imported and run);
  scan, cached    again with the cache the first run wrote.
Interleaved rounds (A B A B ...), one warm-up round. No target: the figures show what the rules cost.

Usage: python -m bench.file_rules [--sizes 1000,5000] [--rounds N]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.common import Series, interleave, machine_summary, shared_note, table
from components.bundle.build import build_bundle
from components.bundle.git_ignore import git_ignored


def make_backend(root: Path, files: int) -> None:
    (root / "app").mkdir(parents=True)
    (root / "app" / "main.py").write_text("from fastapi import FastAPI\napp = FastAPI()\n")
    (root / "requirements.txt").write_text("fastapi\n")
    for i in range(files):
        path = root / "app" / f"pkg{i % 50}" / f"mod{i}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f'"""Module {i}."""\n\nVALUE_{i} = {i}\n' + "# filler line\n" * (i % 40))
    for tree in ("node_modules/lib", "venv/lib/python3.11/site-packages/pkg"):
        for i in range(2000):
            path = root / tree / f"d{i % 20}" / f"f{i}.js"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("x\n")
    (root / "venv" / "pyvenv.cfg").write_text("home = /usr\n")


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bundle(root: Path, scan_cache: Path | None = None) -> None:
    build_bundle(root, dockerfile="FROM python:3.11-slim\n", readme="---\nsdk: docker\n---\n", scan_cache=scan_cache)


def measure(size: int, rounds: int) -> list[tuple[int, str, str]]:
    """Rows (size, case, time) for one backend size."""
    with tempfile.TemporaryDirectory(prefix="bench-file-rules-") as tmp:
        repo = Path(tmp) / "repo"
        make_backend(repo / "backend", size)
        (repo / ".gitignore").write_text("node_modules/\n*.log\n")
        subprocess.run(["git", "init", "-q", str(repo)], check=True)
        plain = Path(tmp) / "plain"
        shutil.copytree(repo / "backend", plain)
        (plain / ".gitignore").write_text("node_modules/\n*.log\n")
        cache = Path(tmp) / "scanned-clean"

        def first_scan() -> None:
            cache.unlink(missing_ok=True)
            bundle(repo / "backend", cache)

        series = {name: Series() for name in ("git", "pathspec", "git ls-files", "scan, first", "scan, cached")}
        contenders: list[tuple[str, Callable[[], object]]] = [
            ("git", lambda: timed(lambda: bundle(repo / "backend", cache))),
            ("pathspec", lambda: timed(lambda: bundle(plain, cache))),
            ("git ls-files", lambda: timed(lambda: git_ignored(repo / "backend"))),
            ("scan, first", lambda: timed(first_scan)),
            ("scan, cached", lambda: timed(lambda: bundle(repo / "backend", cache))),
        ]
        interleave(rounds, contenders, on_result=lambda name, _, value: series[name].add(value))
        return [(size, name, s.describe("s", 3)) for name, s in series.items()]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,5000")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print("\n".join(machine_summary()))
    rows = [row for size in args.sizes.split(",") for row in measure(int(size), args.rounds)]
    print(table(["backend files", "case", "time per run"], rows))
    note = shared_note()
    if note:
        print(note)


if __name__ == "__main__":
    main()
