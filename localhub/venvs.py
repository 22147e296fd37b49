"""Real builds: the Space's ``requirements.txt`` pip-installed into a virtualenv, one per distinct set.

A Docker Space's build installs its requirements in the image; a bad pin or an unresolvable set is a
BUILD_ERROR with pip's output in the build logs (localhub/README.md "2026 behaviours"). localhub has no
Docker, so it does the part that fails in practice: ``python -m venv`` + ``pip install -r requirements.txt``,
cached under ``venv_cache/<sha256 of the requirements and the Python version>`` so a rebuild with the same
requirements takes no time. A finished environment carries a ``.localhub-ok`` marker; anything else found
there (an interrupted install) is rebuilt.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable, Mapping
from pathlib import Path

OK_MARKER = ".localhub-ok"
PIP_TAIL = 25
_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


class InstallError(Exception):
    """pip failed; ``tail`` holds its last lines."""

    def __init__(self, message: str, tail: list[str]) -> None:
        super().__init__(message)
        self.tail = tail


def env_id(requirements: bytes, env: Mapping[str, str] | None = None) -> str:
    """The cache key of a requirements set: its bytes, this interpreter's version and the build secrets pip
    sees (another private index may resolve other packages; only a digest of them is kept)."""
    secrets = "\0".join(f"{k}={v}" for k, v in sorted((env or {}).items())).encode()
    return hashlib.sha256(sys.version.encode() + b"\0" + requirements + b"\0" + secrets).hexdigest()[:24]


def python_of(venv: Path) -> Path:
    return venv / "bin" / "python"


def ensure(cache: Path, requirements: bytes, log: Callable[[str], None],
           env: Mapping[str, str] | None = None) -> Path:
    """The virtualenv for ``requirements`` (created and installed if not cached); its directory. ``env``:
    the build secrets the Dockerfile mounts for the install (``PIP_EXTRA_INDEX_URL`` of a private index).

    Raises InstallError with pip's last lines when the install fails (nothing is cached then).
    """
    ident = env_id(requirements, env)
    venv = cache / ident
    with _locks_guard:
        lock = _locks.setdefault(ident, threading.Lock())
    with lock:
        if (venv / OK_MARKER).exists():
            log(f"--> Using cached environment {ident} (same requirements.txt)\n")
            return venv
        shutil.rmtree(venv, ignore_errors=True)
        cache.mkdir(parents=True, exist_ok=True)
        log(f"--> RUN python -m venv && pip install -r requirements.txt (environment {ident})\n")
        _run([sys.executable, "-m", "venv", str(venv)], log)
        reqs = venv / "requirements.txt"
        reqs.write_bytes(requirements)
        _run([str(python_of(venv)), "-m", "pip", "install", "--no-input", "--progress-bar", "off",
              "--disable-pip-version-check", "-r", str(reqs)], log, env)  # fmt: skip
        (venv / OK_MARKER).write_text(ident)
        return venv


def _run(argv: list[str], log: Callable[[str], None], env: Mapping[str, str] | None = None) -> None:
    tail: deque[str] = deque(maxlen=PIP_TAIL)
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            env={**os.environ, **env} if env else None)
    assert proc.stdout is not None
    for raw in iter(proc.stdout.readline, b""):
        line = raw.decode("utf-8", "replace")
        tail.append(line.rstrip("\n"))
        log(line)
    proc.stdout.close()
    code = proc.wait()
    if code != 0:
        raise InstallError(f"`{' '.join(Path(a).name if i == 0 else a for i, a in enumerate(argv[:4]))}` "
                           f"exited with {code}", list(tail))
