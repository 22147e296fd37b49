"""What the providers really return, against localhub: `create` (and `read`) of Space, SpaceSecret,
SpaceVariable, SpaceFiles and SpaceHealth give exactly their Outputs TypedDict's keys, from inputs that
have exactly their Inputs TypedDict's keys (tests/unit/test_provider_props.py checks that the Resource
classes send those). The providers are driven as the engine drives them: plain dicts, `__provider` in."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from pulumi.dynamic import ResourceProvider

from components import health, space, space_config, space_files
from components.space_files import stage_blobs
from localhub import LocalHub
from tests.hub.conftest import app_files
from tests.typed_props import keys, mismatch

pytestmark = pytest.mark.timeout(120)
PROVIDER = {"__provider": "serialized-provider"}  # what the engine adds to every props dict
MARKER = "hf-rag-space/test#0123456789ab"
CORS_APP = b"""from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

app = FastAPI()
app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["*"], allow_headers=["*"])


@app.get("/api/health")
def health():
    return {"status": "ok"}
"""


def created(provider: ResourceProvider, inputs: dict[str, Any], typed_inputs: type[Any],
            typed_outputs: type[Any]) -> dict[str, Any]:
    """`check` then `create` (then `read`) as the engine calls them, from `inputs` with every key of
    `typed_inputs` (as the SDK sends them: no None values); the outputs, checked against `typed_outputs`."""
    assert set(inputs) == keys(typed_inputs) and None not in inputs.values()
    check = provider.check({}, {**inputs, **PROVIDER})
    assert check.failures == [] and mismatch(typed_inputs, check.inputs) == ""
    result = provider.create(check.inputs)
    assert result.outs is not None and mismatch(typed_outputs, result.outs) == ""
    assert set(result.outs) - set(PROVIDER) <= keys(typed_outputs)
    read = provider.read(result.id, {**result.outs, **PROVIDER})
    assert read.outs is not None and mismatch(typed_outputs, read.outs) == ""
    return {k: v for k, v in result.outs.items() if k not in PROVIDER}


def test_create_and_read_return_the_outputs_typed_dicts(hub: LocalHub, monkeypatch: pytest.MonkeyPatch,
                                                        tmp_path: Path) -> None:
    monkeypatch.setenv("HF_TOKEN", "alice-token")
    name = f"props-{hashlib.sha256(str(tmp_path).encode()).hexdigest()[:10]}"
    the_space = created(space.SpaceProvider(), {
        "hub_endpoint": hub.endpoint, "owner": "alice", "name": name, "private": False, "hardware": "cpu-basic",
        "sleep_time": 0, "managed_by": MARKER, "adopt": False, "space_id": f"alice/{name}",
    }, space.SpaceInputs, space.SpaceOutputs)
    space_id = the_space["space_id"]
    setting = {"hub_endpoint": hub.endpoint, "space_id": space_id, "description": "d", "managed_by": MARKER}
    providers: list[ResourceProvider] = [space_config.SpaceSecretProvider(), space_config.SpaceVariableProvider()]
    for provider, key in zip(providers, ("API_KEY", "MODE"), strict=True):
        created(provider, {**setting, "key": key, "value": "v"}, space_config.SpaceSettingProps,
                space_config.SpaceSettingProps)

    files = app_files(app_main=CORS_APP)
    manifest = {path: hashlib.sha256(data).hexdigest() for path, data in files.items()}
    blob_dir = stage_blobs(files, manifest, tmp_path / ".hf-rag-space" / "test" / "blobs")
    the_files = created(space_files.SpaceFilesProvider(), {
        "hub_endpoint": hub.endpoint, "space_id": space_id, "manifest": space_files.encode_paths(manifest),
        "blob_dir": str(blob_dir),
        "managed_by": MARKER, "source": {"revision": "abc"}, "watch": {}, "config_digest": "digest",
    }, space_files.SpaceFilesInputs, space_files.SpaceFilesOutputs)

    checked = created(health.SpaceHealthProvider(), {
        "hub_endpoint": hub.endpoint, "space_id": space_id, "space_url": the_space["host"],
        "health_path": "/api/health", "revision": the_files["revision"], "config_digest": "digest",
        "frontend_origin": "http://localhost:5173", "require": "reachable", "timeout_seconds": 60,
        "private": False, "cors_path": "/api/health", "cors_hint": "", "cors_variable": "ALLOWED_ORIGINS",
        "settled_revision": "0" * 40,
    }, health.SpaceHealthInputs, health.SpaceHealthOutputs)
    assert checked["healthy_revision"] == the_files["revision"]
    assert checked["health"]["cors"] == "allows http://localhost:5173"
    the_space_provider: ResourceProvider = space.SpaceProvider()
    the_space_provider.delete(space_id, {**the_space, **PROVIDER})  # the Space's log streams end with it
