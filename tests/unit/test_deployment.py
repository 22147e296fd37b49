"""`__main__.py` under `pulumi.runtime.set_mocks` (Pulumi's testing-unit-py style): the whole program runs
with no engine and no Hub, and the test checks the resource graph it registers and the stack outputs.

Config is what the engine would hand the program: Pulumi.yaml's defaults plus the stack's settings; the
backend and frontend are copies of examples/ in tmp_path. Every piece of Pulumi runtime state the run
sets (settings, config, root resource) lives in a copied `contextvars` context, so nothing leaks into
other tests.
"""

from __future__ import annotations

import base64
import contextvars
import json
import runpy
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dill
import pulumi
import pytest
import yaml
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.config import _SECRET_KEYS, CONFIG
from pulumi.runtime.rpc import _special_secret_sig, _special_sig_key

from components.config import managed
from tests.provider_paths import PICKLED_PROVIDERS

REPO = Path(__file__).resolve().parents[2]
PROJECT = "hf-rag-space"
STACK = "unit"
OWNER, NAME = "alice", "rag-chatbot"
ENDPOINT = "http://127.0.0.1:9"  # nothing listens: a Hub request would fail the run
HOST = f"https://{OWNER}-{NAME}.hf.space"
REVISION = "a" * 40
HEALTH = {"status": "healthy", "services": {"fastapi": "running"}}
PREFIX = "pulumi-python:dynamic/hf:"


@dataclass
class Registered:
    type: str
    urn: str
    parent: str
    dependencies: list[str]
    inputs: dict[str, Any]


class Mocks(pulumi.runtime.Mocks):
    """Each resource's outputs: its inputs plus what its provider would compute. Keeps each one's inputs
    (as registered: a secret is {sig: secret-sig, value: ...})."""

    def __init__(self) -> None:
        self.inputs: dict[str, dict[str, Any]] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        self.inputs[args.name] = dict(args.inputs)
        outputs = dict(args.inputs)
        kind = args.typ.removeprefix(PREFIX)
        if kind == "Space":
            outputs.update(space_id=f"{args.inputs['owner']}/{args.inputs['name']}", host=HOST,
                           subdomain=f"{OWNER}-{NAME}")
        elif kind == "SpaceFiles":
            outputs.update(revision=REVISION, blob_ids="{}", healthy_revision=REVISION, settled_revision=REVISION)
        elif kind == "SpaceHealth":
            outputs.update(health=HEALTH, healthy_revision=REVISION)
        elif kind == "FrontendClientPatch":
            outputs.update(path=f"{args.inputs['dir']}/{args.inputs['client_file']}", content_sha256="0" * 64)
        return f"{args.name}-id", outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """The mock monitor, also keeping each registration's parent and dependencies (MockResourceArgs has neither)."""

    def __init__(self, mocks: Mocks) -> None:
        super().__init__(mocks)
        self.recorded = mocks.inputs
        self.registered: dict[str, Registered] = {}

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        self.registered[request.name] = Registered(request.type, response.urn, request.parent,
                                                   list(request.dependencies), self.recorded.get(request.name, {}))
        return response


@dataclass
class Run:
    registered: dict[str, Registered]
    outputs: dict[str, Any] = field(default_factory=dict)

    def named(self, kind: str) -> dict[str, Registered]:
        return {name: r for name, r in self.registered.items() if r.type in (kind, f"{PREFIX}{kind}")}


def defaults() -> dict[str, str]:
    """Pulumi.yaml's config defaults as the engine passes them (strings; JSON for lists and maps)."""
    schema = yaml.safe_load((REPO / "Pulumi.yaml").read_text())["config"]
    values = {}
    for key, spec in schema.items():
        if "default" in spec:
            value = spec["default"]
            text = json.dumps(value) if isinstance(value, list | dict) else str(value).lower() \
                if isinstance(value, bool) else str(value)
            values[f"{PROJECT}:{key}"] = text
    return values


def run_program(project: Path, config: dict[str, str], secret_keys: list[str]) -> Run:
    """`__main__.py` of `project` under mocks, in a context of its own; the graph and the stack outputs."""
    mocks = Mocks()
    monitor = RecordingMonitor(mocks)
    run = Run(monitor.registered)

    def body() -> None:
        pulumi_settings.ROOT.set(None)  # a fresh root stack even when an earlier test left one behind
        pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=STACK, preview=False, monitor=monitor)
        pulumi_settings.SETTINGS.root_directory = str(project)
        pulumi.runtime.set_all_config(config, secret_keys)

        @pulumi.runtime.test
        def program() -> Any:
            runpy.run_path(str(project / "__main__.py"), run_name="__main__")
            exported = dict(pulumi_settings.get_root_resource().outputs)  # type: ignore[union-attr]
            return pulumi.Output.all(**exported).apply(run.outputs.update)

        program()

    contextvars.copy_context().run(body)
    return run


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The program (Pulumi.yaml, __main__.py) with copies of the example backend and frontend."""
    root = tmp_path / "project"
    root.mkdir()
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy2(REPO / name, root / name)
    shutil.copytree(REPO / "examples" / "rag-backend", root / "backend", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "examples" / "frontend", root / "frontend", ignore=shutil.ignore_patterns("dist"))
    monkeypatch.chdir(root)  # the program's working directory is its project, as under the engine
    monkeypatch.delenv("HF_TOKEN", raising=False)
    return root


def stack_config(**overrides: str) -> tuple[dict[str, str], list[str], dict[str, str]]:
    """(config, secret keys, canaries by Space secret name): defaults + the stack's settings + `overrides`."""
    canaries = managed.example_values("secret", "canary-unit-program")
    secrets = {"hfToken": "hf_" + "u" * 34, **canaries}
    config = {**defaults(), **{f"{PROJECT}:{k}": v for k, v in {
        "hfOwner": OWNER, "spaceName": NAME, "hubEndpoint": ENDPOINT, "backendDir": "backend",
        "frontendUrl": "https://my-app.example.com", "frontendDir": "frontend", "logLevel": "DEBUG",
        "extraVariables": json.dumps({"FEATURE_FLAG": "on"}), **secrets, **overrides}.items()}}
    by_space_name = {row.name: canaries[row.key] for row in managed.rows("secret")}
    return config, [f"{PROJECT}:{k}" for k in secrets], by_space_name


def runtime_state() -> tuple[Any, ...]:
    """What set_mocks and set_all_config change in the calling context."""
    current = pulumi_settings.SETTINGS
    return (current.monitor, current.engine, current.project, current.stack, current.root_directory,
            current.dry_run, pulumi_settings.get_root_resource(), dict(CONFIG.get()), set(_SECRET_KEYS.get()))


def plain(value: Any) -> Any:
    """A value of the registered state, which marks a secret as {sig: secret-sig, value: ...}: (value, secret?)."""
    if isinstance(value, dict) and value.get(_special_sig_key) == _special_secret_sig:
        return value["value"], True
    return value, False


def provider_of(inputs: dict[str, Any]) -> str:
    blob, _ = plain(inputs["__provider"])
    cls = type(dill.loads(base64.b64decode(blob)))
    return f"{cls.__module__}.{cls.__qualname__}"


def test_program_registers_the_whole_graph_in_order_and_exports_its_outputs(project: Path) -> None:
    config, secret_keys, canaries = stack_config()
    before = runtime_state()
    run = run_program(project, config, secret_keys)
    assert runtime_state() == before  # no Pulumi runtime state leaks out of the run

    reg = run.registered
    by_type = {name: r.type.removeprefix(PREFIX) for name, r in reg.items()}
    secrets = sorted(run.named("SpaceSecret"))
    variables = sorted(run.named("SpaceVariable"))
    assert {k: v for k, v in by_type.items() if k not in secrets + variables} == {
        f"{PROJECT}-{STACK}": "pulumi:pulumi:Stack", "rag": "hf-rag-space:index:RagSpaceDeployment",
        "rag-space": "Space", "rag-files": "SpaceFiles", "rag-health": "SpaceHealth",
        "frontend": "hf-rag-space:index:FrontendApiUrl", "frontend-client": "FrontendClientPatch"}
    # Each Space secret's value is the canary, registered as a secret (ciphertext in state).
    assert {reg[n].inputs["key"]: plain(reg[n].inputs["value"]) for n in secrets} == {
        k: (v, True) for k, v in canaries.items()}
    assert secrets == sorted(f"rag-secret-{env.lower().replace('_', '-')}" for env in canaries)
    values = {reg[n].inputs["key"]: reg[n].inputs["value"] for n in variables}  # plain: variables are public
    assert values["LOG_LEVEL"] == "DEBUG" and values["FEATURE_FLAG"] == "on"
    assert values["QDRANT_COLLECTION"] == "documents"  # Pulumi.yaml's default
    assert values["ALLOWED_ORIGINS"] == "https://my-app.example.com"

    # Parents: the Hub resources under the deployment component, the patch under the frontend component.
    stack_urn = reg[f"{PROJECT}-{STACK}"].urn
    assert reg["rag"].parent == reg["frontend"].parent == stack_urn
    for name in ["rag-space", "rag-files", "rag-health", *secrets, *variables]:
        assert reg[name].parent == reg["rag"].urn, name
    assert reg["frontend-client"].parent == reg["frontend"].urn

    # Dependencies: Space, then every secret and variable, then the one files commit, then the health check.
    space, config_urns = reg["rag-space"].urn, {reg[n].urn for n in secrets + variables}
    for name in secrets + variables:
        assert space in reg[name].dependencies, name
    assert {space, *config_urns} <= set(reg["rag-files"].dependencies)
    assert {reg["rag-files"].urn, *config_urns} <= set(reg["rag-health"].dependencies)
    assert space in reg["frontend-client"].dependencies  # the patch takes the Space's host output

    # Inputs: the Hub endpoint and ids as configured, the bundle, no machine path; providers by reference.
    expected = {"owner": OWNER, "name": NAME, "hub_endpoint": ENDPOINT, "hardware": "cpu-basic", "private": False}
    assert {k: reg["rag-space"].inputs.get(k) for k in expected} == expected
    assert reg["rag-space"].inputs["managed_by"].startswith(f"{PROJECT}/{STACK}#")
    files = reg["rag-files"].inputs
    assert {"README.md", "Dockerfile", "requirements.txt", "app/main.py"} <= set(json.loads(files["manifest"]))
    assert files["watch"]["space_url"] == HOST  # rollback (default on) makes the files commit check itself
    assert files["blob_dir"] == f".hf-rag-space/{STACK}/blobs" and files["space_id"] == f"{OWNER}/{NAME}"
    assert reg["rag-health"].inputs["space_url"] == HOST and reg["rag-health"].inputs["require"] == "healthy"
    assert reg["frontend-client"].inputs["space_url"] == HOST and reg["frontend-client"].inputs["dir"] == "frontend"
    for name, r in reg.items():
        assert str(project) not in json.dumps(r.inputs, default=str), f"{name} has a machine path in its inputs"
        kind = r.type.removeprefix(PREFIX)
        if kind in PICKLED_PROVIDERS:
            assert provider_of(r.inputs) == PICKLED_PROVIDERS[kind], name

    assert run.outputs == {
        "spaceId": f"{OWNER}/{NAME}", "repoUrl": f"{ENDPOINT}/spaces/{OWNER}/{NAME}", "spaceUrl": HOST,
        "docsUrl": f"{HOST}/docs", "healthUrl": f"{HOST}/api/health", "filesRevision": REVISION,
        "health": HEALTH, "healthyRevision": REVISION, "frontendClientFile": "frontend/src/services/api.ts"}
    assert not any(v in json.dumps(run.outputs) for v in canaries.values())


def test_program_without_health_check_or_frontend_registers_neither(project: Path) -> None:
    config, secret_keys, _ = stack_config(healthCheck="false", frontendDir="")
    run = run_program(project, config, secret_keys)
    kinds = {r.type.removeprefix(PREFIX) for r in run.registered.values()}
    assert {"Space", "SpaceSecret", "SpaceVariable", "SpaceFiles"} <= kinds
    assert not kinds & {"SpaceHealth", "FrontendClientPatch", "hf-rag-space:index:FrontendApiUrl"}
    assert run.registered["rag-files"].inputs.get("watch") is None  # no health check: no rollback watch either
    assert set(run.outputs) == {"spaceId", "repoUrl", "spaceUrl", "docsUrl", "healthUrl", "filesRevision"}
