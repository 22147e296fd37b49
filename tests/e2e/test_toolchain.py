"""The Pulumi toolchain itself, end to end: CLI, language host, dynamic provider, secrets, command plugin."""

from __future__ import annotations

import base64
import re
import secrets
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.e2e.pulumi_cli import REPO, Stack, toolchain_env

pytestmark = pytest.mark.e2e
PROGRAM = Path(__file__).parent / "programs" / "toolchain"


def pinned(package: str) -> str:
    match = re.search(rf"^{package}==([\d.]+)", (REPO / "requirements.txt").read_text(), re.M)
    assert match, package
    return match.group(1)


def test_pulumi_version_is_the_pinned_sdk_version() -> None:
    out = subprocess.run(["pulumi", "version"], env=toolchain_env(), capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"v{pinned('pulumi')}"


def test_command_plugin_installed_at_the_version_pulumi_command_asks_for() -> None:
    out = subprocess.run(["pulumi", "plugin", "ls"], env=toolchain_env(), capture_output=True, text=True, check=True)
    assert re.search(rf"^command\s+resource\s+{re.escape(pinned('pulumi-command'))}\s", out.stdout, re.M), out.stdout


@pytest.fixture
def probe(tmp_path: Path) -> tuple[Stack, Path, Path]:
    workdir = tmp_path / "program"
    shutil.copytree(PROGRAM, workdir)
    text = (workdir / "Pulumi.yaml").read_text().replace("../../../../.venv", str(REPO / ".venv"))
    (workdir / "Pulumi.yaml").write_text(text)
    marker, command_out = tmp_path / "marker.txt", tmp_path / "command.txt"
    stack = Stack.create(workdir, tmp_path / "state", PROBE_MARKER_PATH=str(marker),
                         PROBE_COMMAND_OUT=str(command_out))
    return stack, marker, command_out


def test_full_lifecycle_with_secret_config_and_command(probe: tuple[Stack, Path, Path]) -> None:
    stack, marker, command_out = probe
    canary = f"canary-{secrets.token_hex(12)}"
    stack.config_set("canary", canary, secret=True)

    preview = stack.preview()
    assert "+ 3 to create" in preview.stdout and not marker.exists()

    stack.up()
    assert marker.read_text() == "made by the toolchain probe"
    assert command_out.read_text().strip() == "command-ran"
    markers = stack.resources(":Marker")
    assert [r["type"] for r in markers] == ["pulumi-python:dynamic/probe:Marker"]
    assert len(stack.resources("command:local:Command")) == 1
    outputs = stack.outputs(show_secrets=True)
    assert outputs["canary_length"] == len(canary)  # the program really read the secret
    assert outputs["command_stdout"] == "hello-from-command"

    # The provider is pickled by reference to components.marker: small, and no bytecode in state.
    provider = stack.export(show_secrets=True)["deployment"]["resources"]
    pickled = next(r for r in provider if r["type"].endswith(":Marker"))["inputs"]["__provider"]
    pickled = pickled.get("plaintext", pickled) if isinstance(pickled, dict) else pickled
    raw = base64.b64decode(pickled.strip('"'))
    assert b"components.marker" in raw and len(raw) < 300

    # Refresh notices the file is gone; up recreates it; destroy removes everything.
    marker.unlink()
    stack.refresh()
    assert stack.resources(":Marker") == []
    stack.up()
    assert marker.exists()
    stack.destroy()
    assert not marker.exists()
    assert stack.resources(":Marker") == [] and stack.resources("command:local:Command") == []

    # The canary is nowhere in plaintext: stack file, state export, any output printed.
    assert canary not in (stack.workdir / "Pulumi.test.yaml").read_text()
    assert canary not in str(stack.export())
    assert canary not in stack.everything_printed()
    # The engine never tried to fetch a plugin.
    assert not re.search(r"download|installing plugin|plugin install", stack.everything_printed(), re.I)
