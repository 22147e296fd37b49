"""The dynamic provider starts while the program still builds the bundle (components/provider_start.py),
seen in the engine's own log, and the early start shows nowhere in what the user reads."""

from __future__ import annotations

import json

import pytest

from components.provider_start import WARM_UP_TOKEN
from tests.e2e.pulumi_cli import Stack

pytestmark = pytest.mark.e2e

LAUNCH = "Launching plugin 'pulumi-python (resource)'"
#: The engine reading a dynamic resource's registration (its "received" line comes after the provider loads).
FIRST_RESOURCE = "Unmarshaling property for RPC[ResourceMonitor.RegisterResource(pulumi-python:dynamic/"


def engine_log(stack: Stack, *args: str) -> list[str]:
    """The messages of the engine's verbose log for `pulumi ARGS` (kept out of the transcript: it prints
    config values in plaintext)."""
    proc = stack.run(*args, "--logtostderr", "-v=9", record=False)
    return [json.loads(line).get("msg", "") for line in proc.stderr.splitlines() if line.startswith("{")]


def test_the_dynamic_provider_is_launched_before_the_program_registers_its_first_resource(project: Stack) -> None:
    log = engine_log(project, "preview")
    launches = [i for i, msg in enumerate(log) if LAUNCH in msg]
    first_resource = next(i for i, msg in enumerate(log) if FIRST_RESOURCE in msg)
    assert len(launches) == 1, "one provider process serves the early start and every resource"
    assert launches[0] < first_resource, "without the early start the first registration launches the provider"
    assert any(f"Invoke received: tok={WARM_UP_TOKEN}" in msg for msg in log)


def test_the_early_start_shows_nowhere_in_preview_or_up(project: Stack) -> None:
    for proc in (project.preview(), project.up(), project.preview("--expect-no-changes")):
        printed = proc.stdout + proc.stderr
        assert WARM_UP_TOKEN not in printed and "not implemented" not in printed.lower(), printed
