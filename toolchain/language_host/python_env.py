"""Find the interpreter a Pulumi Python program runs with, and ask it about its packages."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Runs inside the program's interpreter: prints installed distributions and the Pulumi plugins
# they declare through `pulumi-plugin.json` (the same file the official host reads).
_INSPECT = r"""
import json, importlib.metadata as md
dists, plugins = [], []
for d in md.distributions():
    name = d.metadata["Name"]
    dists.append({"name": name, "version": d.version})
    for f in d.files or []:
        if f.name == "pulumi-plugin.json":
            try:
                data = json.loads(f.read_text())
            except Exception:
                continue
            if data.get("resource"):
                plugins.append({"name": data.get("name") or name, "version": data.get("version") or d.version,
                                "server": data.get("server") or ""})
print(json.dumps({"dists": dists, "plugins": plugins}))
"""


@dataclass(frozen=True)
class PythonEnv:
    """The interpreter of one program, and the virtualenv it lives in (if any)."""

    python: str
    virtualenv: str | None

    def environ(self, base: Mapping[str, str]) -> dict[str, str]:
        """The environment to run this interpreter with: the virtualenv's bin first on PATH."""
        env = dict(base)
        if self.virtualenv:
            env["VIRTUAL_ENV"] = self.virtualenv
            env["PATH"] = os.pathsep.join([str(Path(self.virtualenv) / "bin"), env.get("PATH", "")])
            env.pop("PYTHONHOME", None)
        return env

    def inspect(self) -> dict[str, Any]:
        """Installed distributions and the resource plugins they need.

        Asking the interpreter costs a process start and a scan of every distribution (~0.15 s), and
        the engine asks on every `preview` / `up`. For a virtualenv the answer is cached on disk,
        keyed by everything an install, upgrade or removal changes: the interpreter, the working
        directory (on the child's sys.path), and the modification times of each site-packages
        directory and of the `.pth` files in it (pip adds or removes a `*.dist-info` directory, so
        the directory's mtime changes). Without a virtualenv the interpreter is always asked.
        """
        key = self._cache_key()
        cache = _cache_file(f"{os.path.realpath(self.python)}\0{os.getcwd()}") if key else None
        if cache is not None:
            try:
                cached: dict[str, Any] = json.loads(cache.read_text())
                if cached.get("key") == key:
                    return dict(cached["result"])
            except (OSError, ValueError, KeyError, TypeError):
                pass
        out = subprocess.run(
            [self.python, "-c", _INSPECT], check=True, capture_output=True, text=True,
            env=self.environ(os.environ), timeout=120,
        )
        result: dict[str, Any] = json.loads(out.stdout)
        if cache is not None and key == self._cache_key():  # nothing changed while we asked
            _write_atomically(cache, json.dumps({"key": key, "result": result}))
        return result

    def _cache_key(self) -> str | None:
        if not self.virtualenv:
            return None
        venv = Path(self.virtualenv)
        parts = [os.path.realpath(self.python), os.getcwd()]
        try:
            parts.append(str(os.stat(os.path.realpath(self.python)).st_mtime_ns))
            parts.append(str((venv / "pyvenv.cfg").stat().st_mtime_ns))
            sites = sorted([*venv.glob("lib/python*/site-packages"), *venv.glob("lib64/python*/site-packages")])
            if not sites:
                return None
            for site in sites:
                parts.append(f"{site}:{site.stat().st_mtime_ns}")
                parts += sorted(f"{p.name}:{p.stat().st_mtime_ns}" for p in site.glob("*.pth"))
        except OSError:
            return None
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _cache_file(identity: str) -> Path | None:
    """One cache file per interpreter and working directory, overwritten when the key changes."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    directory = Path(base) / "hf-rag-space" / "language-host"
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return directory / f"packages-{hashlib.sha256(identity.encode()).hexdigest()[:32]}.json"


def _write_atomically(path: Path, text: str) -> None:
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.replace(tmp, path)
        # One file per (interpreter, project directory): keep the most recent few dozen.
        for old in sorted(path.parent.glob("packages-*.json"), key=lambda p: p.stat().st_mtime)[:-64]:
            old.unlink(missing_ok=True)
    except OSError:
        pass


def resolve(root_directory: str, options: Mapping[str, Any]) -> PythonEnv:
    """Pick the interpreter as the official host does: `virtualenv` option, else PULUMI_PYTHON_CMD/python3."""
    venv = options.get("virtualenv")
    if venv:
        path = Path(venv) if os.path.isabs(venv) else Path(root_directory or ".") / venv
        python = path / "bin" / "python"
        if not python.exists():
            raise FileNotFoundError(
                f"The virtual environment {path} does not exist: create it with "
                f"`python3 -m venv {path} && {path}/bin/pip install -r requirements.txt` (or run `make setup`)."
            )
        return PythonEnv(str(python), str(path.resolve()))
    return PythonEnv(os.environ.get("PULUMI_PYTHON_CMD", "python3"), None)
