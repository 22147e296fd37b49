"""Drive the real `pulumi` CLI non-interactively on a local file backend, keeping every transcript."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


def toolchain_env() -> dict[str, str]:
    """The environment scripts/pulumi-env.sh sets up, read back from a shell."""
    out = subprocess.run(
        ["bash", "-c", f". {REPO}/scripts/pulumi-env.sh && env -0"], capture_output=True, check=True
    ).stdout
    env = dict(item.split("=", 1) for item in out.decode().split("\0") if "=" in item)
    if not shutil.which("pulumi", path=env["PATH"]):
        raise RuntimeError("pulumi is not installed: run `make setup` (scripts/install-pulumi.sh) first")
    return env


@dataclass
class Stack:
    """One stack of a project directory, with its own state directory and passphrase."""

    workdir: Path
    name: str = "test"
    env: dict[str, str] = field(default_factory=dict)
    transcript: list[str] = field(default_factory=list)

    @classmethod
    def create(cls, workdir: Path, state_dir: Path, name: str = "test", **extra_env: str) -> Stack:
        env = toolchain_env()
        env.update(
            PULUMI_BACKEND_URL=f"file://{state_dir}",
            PULUMI_CONFIG_PASSPHRASE="test-passphrase",
            PULUMI_SKIP_UPDATE_CHECK="true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION="true",
            HF_HOME=str(state_dir.parent / "hf-home"),  # hf_xet's cache (local shard cache) per test, not ~/.cache
        )
        env.update(extra_env)
        env.pop("HF_TOKEN", None)
        state_dir.mkdir(parents=True, exist_ok=True)
        stack = cls(workdir, name, env)
        stack.run("stack", "init")
        return stack

    def run(self, *args: str, check: bool = True, timeout: float = 600,
            stdin: str | None = None, record: bool = True) -> subprocess.CompletedProcess[str]:
        """Run `pulumi ARGS --non-interactive`; output is kept in the transcript unless the test itself
        asked to see secrets (`record=False`)."""
        proc = subprocess.run(
            ["pulumi", *args, "--non-interactive", "--stack", self.name],
            cwd=self.workdir, env=self.env, capture_output=True, text=True, timeout=timeout, input=stdin,
        )
        if record:
            self.transcript.append(f"$ pulumi {' '.join(args)}\n{proc.stdout}\n{proc.stderr}")
        if check and proc.returncode != 0:
            raise AssertionError(f"pulumi {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
        return proc

    def config_set(self, key: str, value: str, secret: bool = False, path: bool = False) -> None:
        """Set a config value; a secret goes through stdin, as a careful user would do it."""
        flags = [*(["--secret"] if secret else ["--plaintext"]), *(["--path"] if path else [])]
        if secret:
            self.run("config", "set", *flags, key, stdin=value)
        else:
            self.run("config", "set", *flags, key, value)

    def up(self, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run("up", "--yes", "--skip-preview", "--diff", check=check)

    def preview(self, *extra: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run("preview", "--diff", *extra, check=check)

    def plan(self) -> dict[str, str]:
        """`pulumi preview --json`: logical name -> operation, for every step that changes something."""
        steps = json.loads(self.run("preview", "--json").stdout).get("steps") or []
        return {step["urn"].rsplit("::", 1)[1]: step["op"] for step in steps if step["op"] != "same"}

    def refresh(self, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run("refresh", "--yes", "--skip-preview", check=check)

    def destroy(self, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run("destroy", "--yes", "--skip-preview", check=check)

    def export(self, show_secrets: bool = False) -> dict[str, Any]:
        args = ["stack", "export", *(["--show-secrets"] if show_secrets else [])]
        result: dict[str, Any] = json.loads(self.run(*args, record=not show_secrets).stdout)
        return result

    def outputs(self, show_secrets: bool = False) -> dict[str, Any]:
        args = ["stack", "output", "--json", *(["--show-secrets"] if show_secrets else [])]
        result: dict[str, Any] = json.loads(self.run(*args, record=not show_secrets).stdout)
        return result

    def resources(self, type_suffix: str = "") -> list[dict[str, Any]]:
        deployment = self.export()["deployment"]
        return [r for r in deployment.get("resources") or [] if r["type"].endswith(type_suffix)]

    def everything_printed(self) -> str:
        return "\n".join(self.transcript)
