"""A stack deployed by a released version keeps working with the current code (tests/fixtures/state_compat/).

The fixture is the real state of a deployed stack: its `__provider` outputs are dill pickles of the
provider classes BY REFERENCE (module path + class name). Moving or renaming one of those modules or
classes breaks every user's refresh, preview and destroy; this test imports that state into a fresh
backend, serves the same Space again from the captured localhub data, and runs all three with the
current program and providers.
"""

from __future__ import annotations

import base64
import json
import pickletools
import re
import shutil
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dill
import pytest
from huggingface_hub import HfApi

from localhub import serve
from tests.e2e.conftest import OWNER, copy_project, tree_bytes
from tests.e2e.pulumi_cli import REPO, Stack
from tests.fixtures.state_compat.capture import CLIENT_FILE, ESBUILD, PASSPHRASE, REDACTED, SPACE, STACK
from tests.provider_paths import PICKLED_PROVIDERS

pytestmark = pytest.mark.e2e
PROJECT = "hf-rag-space"
FIXTURE = REPO / "tests" / "fixtures" / "state_compat"
COUNTS = {"Space": 1, "SpaceSecret": 5, "SpaceVariable": 4, "SpaceFiles": 1, "SpaceHealth": 1,
          "FrontendClientPatch": 1}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def fill(text: str, values: dict[str, str]) -> str:
    """The fixture's placeholders (README.md "Placeholders") replaced by this run's values."""
    for token, value in values.items():
        text = text.replace(token, value)
    assert "@@" not in text.replace(REDACTED, ""), f"a placeholder is left: {re.findall(r'@@[A-Z_]+@@', text)}"
    return text


def hf_type(resource: dict[str, Any]) -> str:
    return str(resource["type"]).rsplit(":", 1)[-1]


def provider_reference(blob: Any) -> str:
    """`module.Class` a `__provider` output (decrypted: {"plaintext": json string of base64}) pickles."""
    text = json.loads(blob["plaintext"]) if isinstance(blob, dict) else blob
    raw = base64.b64decode(text)
    # By reference: the pickle holds the module path and the class name as strings, not the class's code.
    strings = [op[1] for op in pickletools.genops(raw) if isinstance(op[1], str)]
    try:
        provider = dill.loads(raw)
    except (ModuleNotFoundError, AttributeError) as error:
        raise AssertionError(f"a pickled provider in users' state references {strings}, which the current code "
                             f"cannot load ({error}): provider modules and classes must never move") from None
    cls = type(provider)
    assert cls.__module__ in strings and cls.__qualname__ in strings, (strings, cls)  # by reference, not by value
    return f"{cls.__module__}.{cls.__qualname__}"


@dataclass
class Restored:
    stack: Stack
    hub: Any
    api: HfApi
    values: dict[str, str]


@pytest.fixture
def restored(tmp_path: Path) -> Iterator[Restored]:
    """The fixture's stack imported into a fresh backend, with the current program, and its Space served by
    a localhub restored from the fixture's data dir."""
    hub_port, space_port = free_port(), free_port()
    while space_port == hub_port:
        space_port = free_port()
    values = {"@@HUB@@": f"http://127.0.0.1:{hub_port}", "@@SPACE_HOST@@": f"http://127.0.0.1:{space_port}",
              '"@@SPACE_PORT@@"': str(space_port), "@@PROJECT@@": str(tmp_path / "project")}
    workdir = copy_project(tmp_path / "project", backend=FIXTURE / "project" / "backend")
    shutil.copytree(FIXTURE / "project" / "frontend", workdir / "frontend")
    client = workdir / "frontend" / CLIENT_FILE
    client.write_text(fill(client.read_text(), values))
    (workdir / f"Pulumi.{STACK}.yaml").write_text(fill((FIXTURE / f"Pulumi.{STACK}.yaml").read_text(), values))
    hub_dir = tmp_path / "hub"
    shutil.copytree(FIXTURE / "hub", hub_dir)
    for meta in hub_dir.glob("repos/*/*/*/repo.json"):
        meta.write_text(fill(meta.read_text(), values))
    stack = Stack.create(workdir, tmp_path / "state", STACK, PULUMI_CONFIG_PASSPHRASE=PASSPHRASE,
                         HF_RAG_SPACE_ESBUILD=str(ESBUILD))
    (tmp_path / "export.json").write_text(fill((FIXTURE / "stack-export.json").read_text(), values))
    stack.run("stack", "import", "--file", str(tmp_path / "export.json"))
    token = stack.run("config", "get", "hfToken", record=False).stdout.strip()
    assert token.startswith("hf_")
    with serve(hub_dir, tokens={token: OWNER}, port=hub_port, build_mode="fast") as hub:
        assert hub.endpoint == values["@@HUB@@"]
        yield Restored(stack, hub, HfApi(endpoint=hub.endpoint, token=token), values)


def test_fixture_holds_every_secret_only_as_ciphertext(tmp_path: Path) -> None:
    """The canaries (decrypted here with the test passphrase) appear nowhere in plain text in the fixture."""
    workdir = tmp_path / "project"
    workdir.mkdir()
    shutil.copy2(REPO / "Pulumi.yaml", workdir / "Pulumi.yaml")
    stack_file = (FIXTURE / f"Pulumi.{STACK}.yaml").read_text()
    (workdir / f"Pulumi.{STACK}.yaml").write_text(fill(stack_file, {"@@HUB@@": "http://127.0.0.1:1"}))
    stack = Stack.create(workdir, tmp_path / "state", STACK, PULUMI_CONFIG_PASSPHRASE=PASSPHRASE)
    config = json.loads(stack.run("config", "--show-secrets", "--json", record=False).stdout)
    found: dict[str, str] = {}  # config key (or key.NAME inside a map) -> decrypted value
    for full_key, entry in config.items():
        key = full_key.split(":", 1)[1]
        if isinstance(entry.get("objectValue"), dict):
            found.update({f"{key}.{name}": str(value) for name, value in entry["objectValue"].items()})
        elif entry.get("secret"):
            found[key] = str(entry["value"])
    assert {"hfToken", "geminiApiKey", "qdrantUrl", "qdrantApiKey", "databaseUrl",
            "extraSecrets.WEBHOOK_SECRET"} <= found.keys()
    secret = {k: v for k, v in found.items() if config[f"{PROJECT}:{k.split('.')[0]}"].get("secret")}
    assert len(secret) == 6 and all(len(v) >= 16 for v in secret.values()), sorted(secret)
    everything = tree_bytes(FIXTURE)
    assert not [k for k, v in secret.items() if v.encode() in everything], "plain text secrets in the fixture"
    # In the export, every secret value (and every pickled provider) is ciphertext.
    resources = json.loads((FIXTURE / "stack-export.json").read_text())["deployment"]["resources"]
    for resource in resources:
        outputs = resource.get("outputs") or {}
        if hf_type(resource) in PICKLED_PROVIDERS:
            assert "ciphertext" in outputs["__provider"], resource["urn"]
        if hf_type(resource) == "SpaceSecret":
            assert "ciphertext" in outputs["value"] and "ciphertext" in resource["inputs"]["value"], resource["urn"]


def test_released_state_refreshes_previews_clean_and_destroys_with_the_current_code(restored: Restored) -> None:
    stack, hub, api = restored.stack, restored.hub, restored.api
    client = stack.workdir / "frontend" / CLIENT_FILE
    patched = client.read_text()
    assert restored.values["@@SPACE_HOST@@"] in patched

    # The state is the released one: every resource type, each with its pickled provider, which the
    # current code loads (dill imports the referenced module and takes the class by name).
    resources = stack.export(show_secrets=True)["deployment"]["resources"]
    found: dict[str, list[str]] = {}
    for resource in resources:
        if hf_type(resource) in PICKLED_PROVIDERS:
            found.setdefault(hf_type(resource), []).append(provider_reference(resource["outputs"]["__provider"]))
    assert found == {kind: [ref] * COUNTS[kind] for kind, ref in PICKLED_PROVIDERS.items()}
    before = {r["urn"]: r.get("outputs") or {} for r in resources}

    # refresh: every provider's read runs (the engine unpickles each provider) and nothing changes.
    hub.reset_stats()
    result = stack.refresh()
    printed = result.stdout + result.stderr
    assert "error" not in printed.lower(), printed
    counted = [r for r in resources if not str(r["type"]).startswith("pulumi:providers:")]
    assert re.search(rf"\b{len(counted)} unchanged", printed), printed
    assert not re.search(r"\b\d+ (updated|deleted|created|replaced)\b", printed), printed
    requests = hub.stats()["requests"]
    # Each unpickled provider's read asked the Hub (SpaceHealth's read is local, the patch reads its file).
    assert requests.get("GET /api/spaces/{repo_id}/secrets", 0) >= COUNTS["SpaceSecret"], requests
    assert requests.get("GET /api/spaces/{repo_id}/variables", 0) >= COUNTS["SpaceVariable"], requests
    assert requests.get("GET /api/{repo_type}s/{repo_id}"), requests  # SpaceProvider.read
    assert requests.get("GET /api/{repo_type}s/{repo_id}/tree/{revision}"), requests  # SpaceFilesProvider.read
    # Same outputs, compared decrypted (ciphertext is re-encrypted with a new nonce on every write).
    after = {r["urn"]: r.get("outputs") or {} for r in stack.export(show_secrets=True)["deployment"]["resources"]}
    changed = {urn.rsplit("::", 1)[1]: sorted(k for k in {*before[urn], *after[urn]}
                                              if before[urn].get(k) != after[urn].get(k)) for urn in before}
    assert not {name: keys for name, keys in changed.items() if keys}, changed
    space = next(urn for urn in after if urn.endswith("::rag-space"))
    assert after[space]["host"] == before[space]["host"] == restored.values["@@SPACE_HOST@@"]

    # preview: the current program plans nothing against the released state, and asks the Hub nothing.
    hub.reset_stats()
    stack.preview("--expect-no-changes")
    assert hub.stats()["total_requests"] == 0
    assert client.read_text() == patched

    # destroy: the providers' deletes run (secrets and variables one by one, then the Space), and the
    # frontend file is what it was before the release patched it.
    hub.reset_stats()
    stack.destroy()
    writes = hub.stats()["writes"]
    assert writes.get("DELETE /api/spaces/{repo_id}/secrets") == COUNTS["SpaceSecret"], writes
    assert writes.get("DELETE /api/spaces/{repo_id}/variables") == COUNTS["SpaceVariable"], writes
    assert writes.get("DELETE /api/repos/delete") == 1, writes
    assert not api.repo_exists(SPACE, repo_type="space")
    assert client.read_bytes() == (FIXTURE / "api.ts.original").read_bytes()
    assert not stack.resources()
    assert "@@" not in stack.everything_printed()
