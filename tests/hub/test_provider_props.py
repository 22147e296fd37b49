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

pytestmark = pytest.mark.timeout(120)
PROVIDER = {"__provider": "serialized-provider"}  # what the engine adds to every props dict
MARKER = "hf-rag-space/test#0123456789ab"


def keys(typed_dict: type[Any]) -> set[str]:
    return set(typed_dict.__required_keys__ | typed_dict.__optional_keys__)


def created(provider: ResourceProvider, inputs: dict[str, Any], typed_inputs: type[Any],
            typed_outputs: type[Any]) -> dict[str, Any]:
    """`check` then `create` as the engine calls them; the outputs, checked against the TypedDicts."""
    assert set(inputs) == keys(typed_inputs)
    check = provider.check({}, {**inputs, **PROVIDER})
    assert check.failures == []
    result = provider.create(check.inputs)
    assert result.outs is not None
    assert set(result.outs) - set(PROVIDER) == keys(typed_outputs)
    read = provider.read(result.id, {**result.outs, **PROVIDER})
    assert read.outs is not None and set(read.outs) - set(PROVIDER) == keys(typed_outputs)
    return {k: v for k, v in result.outs.items() if k not in PROVIDER}


def test_create_and_read_return_the_outputs_typed_dicts(hub: LocalHub, monkeypatch: pytest.MonkeyPatch,
                                                        tmp_path: Path) -> None:
    monkeypatch.setenv("HF_TOKEN", "alice-token")
    name = f"props-{hashlib.sha256(str(tmp_path).encode()).hexdigest()[:10]}"
    the_space = created(space.SpaceProvider(), {
        "hub_endpoint": hub.endpoint, "owner": "alice", "name": name, "private": False, "hardware": "cpu-basic",
        "sleep_time": 0, "managed_by": MARKER, "adopt": False, "space_id": f"alice/{name}", "host": None,
        "subdomain": None,
    }, space.SpaceInputs, space.SpaceOutputs)
    space_id = the_space["space_id"]
    setting = {"hub_endpoint": hub.endpoint, "space_id": space_id, "description": "d", "managed_by": MARKER}
    providers: list[ResourceProvider] = [space_config.SpaceSecretProvider(), space_config.SpaceVariableProvider()]
    for provider, key in zip(providers, ("API_KEY", "MODE"), strict=True):
        created(provider, {**setting, "key": key, "value": "v"}, space_config.SpaceSettingProps,
                space_config.SpaceSettingProps)

    files = app_files()
    manifest = {path: hashlib.sha256(data).hexdigest() for path, data in files.items()}
    blob_dir = stage_blobs(files, manifest, tmp_path / ".hf-rag-space" / "test" / "blobs")
    the_files = created(space_files.SpaceFilesProvider(), {
        "hub_endpoint": hub.endpoint, "space_id": space_id, "manifest": manifest, "blob_dir": str(blob_dir),
        "managed_by": MARKER, "source": None, "watch": None, "config_digest": None, "revision": None,
        "blob_ids": None, "healthy_revision": None, "settled_revision": None,
    }, space_files.SpaceFilesInputs, space_files.SpaceFilesOutputs)

    checked = created(health.SpaceHealthProvider(), {
        "hub_endpoint": hub.endpoint, "space_id": space_id, "space_url": the_space["host"],
        "health_path": "/api/health", "revision": the_files["revision"], "config_digest": "digest",
        "frontend_origin": None, "require": "reachable", "timeout_seconds": 60, "private": False,
        "cors_path": health.CHAT_PATH, "cors_hint": "", "cors_variable": "ALLOWED_ORIGINS",
        "settled_revision": None, "health": None, "healthy_revision": None,
    }, health.SpaceHealthInputs, health.SpaceHealthOutputs)
    assert checked["healthy_revision"] == the_files["revision"]
