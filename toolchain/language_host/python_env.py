"""Find the interpreter a Pulumi Python program runs with, and ask it about its packages."""

from __future__ import annotations

import json
import os
import subprocess
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
        """Installed distributions and the resource plugins they need."""
        out = subprocess.run(
            [self.python, "-c", _INSPECT], check=True, capture_output=True, text=True,
            env=self.environ(os.environ), timeout=120,
        )
        result: dict[str, Any] = json.loads(out.stdout)
        return result


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
