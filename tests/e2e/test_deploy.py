"""The main job end to end: the real pulumi CLI deploys the example backend to localhub."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import pytest
from huggingface_hub.errors import RepositoryNotFoundError

from components.config import managed
from components.space_files import paths_map
from tests.blobs import git_blob_id
from tests.e2e.conftest import OWNER, Hub
from tests.e2e.pulumi_cli import Stack
from tests.typed_props import dynamic_types, state_mismatches

pytestmark = pytest.mark.e2e
SPACE = f"{OWNER}/rag-chatbot"


def canaries() -> dict[str, str]:
    """Config key -> a random canary value of the right form, for every managed secret (config/managed.py)."""
    return managed.example_values("secret", f"canary-{secrets.token_hex(10)}")


def configure_secrets(stack: Stack, values: dict[str, str]) -> None:
    for key, value in values.items():
        stack.config_set(key, value, secret=True)


def remote_tree(hub: Hub, revision: str | None = None) -> dict[str, str]:
    entries = hub.api().list_repo_tree(SPACE, repo_type="space", recursive=True, revision=revision)
    return {e.path: e.blob_id for e in entries if hasattr(e, "blob_id") and e.path != ".gitattributes"}


def remote_bytes(hub: Hub, path: str) -> bytes:
    import httpx

    url = f"{hub.endpoint}/spaces/{SPACE}/resolve/main/{path}"
    return httpx.get(url, headers={"Authorization": f"Bearer {hub.token}"}, follow_redirects=True).content


def commits(hub: Hub) -> list[Any]:
    return list(hub.api().list_repo_commits(SPACE, repo_type="space"))


def changed_by_last_commit(hub: Hub) -> set[str]:
    """Paths the Space's newest commit added, changed or deleted, compared with its parent commit."""
    newest, parent = commits(hub)[:2]
    new, old = remote_tree(hub, newest.commit_id), remote_tree(hub, parent.commit_id)
    return {p for p in set(new) | set(old) if new.get(p) != old.get(p)}


def test_deploy_update_rotate_refresh_destroy(project: Stack, hub: Hub) -> None:
    values = canaries()
    configure_secrets(project, values)
    backend = project.workdir / "backend"

    # 1. A fresh `up`: the Space, its secrets and variables, one commit holding exactly the bundle.
    project.up()
    api = hub.api()
    info = api.space_info(SPACE)
    assert info.sdk == "docker" and not info.private
    tree = remote_tree(hub)
    assert "Dockerfile" in tree and "README.md" in tree and "requirements.txt" in tree
    assert tree["app/main.py"] == git_blob_id((backend / "app" / "main.py").read_bytes())
    assert "app/services/__init__.py" in tree  # added by the bundle: the backend lacks it
    assert not any(p.startswith("tests/") or "/.env" in p or p.startswith(".env") for p in tree)
    assert b"pytest" not in remote_bytes(hub, "requirements.txt")
    assert b"--chown=user" in remote_bytes(hub, "Dockerfile")
    # Each resource's state holds exactly its TypedDicts' keys (components/*: SpaceInputs, SpaceOutputs, ...).
    state = project.resources()
    assert dynamic_types(state) == {"hf:Space", "hf:SpaceSecret", "hf:SpaceVariable", "hf:SpaceFiles"}
    assert state_mismatches(state) == [], "\n".join(state_mismatches(state))
    state_files = project.resources(":SpaceFiles")[0]["outputs"]
    # The path maps are one JSON string each for the engine to pass, not one value per file.
    assert isinstance(state_files["manifest"], str) and isinstance(state_files["blob_ids"], str)
    assert set(paths_map(state_files["manifest"])) == set(tree) == set(paths_map(state_files["blob_ids"]))
    assert hub.stats()["commits"] == {SPACE: 1}
    assert set(api.get_space_secrets(SPACE)) == {"GEMINI_API_KEY", "QDRANT_URL", "QDRANT_API_KEY", "DATABASE_URL"}
    variables = {k: v.value for k, v in api.get_space_variables(SPACE).items()}
    assert variables["ALLOWED_ORIGINS"] == "https://my-app.example.com"
    assert variables["LOG_LEVEL"] == "INFO" and variables["QDRANT_COLLECTION"] == "documents"
    outputs = project.outputs()
    assert outputs["spaceId"] == SPACE
    assert outputs["spaceUrl"] == info.host.rstrip("/")
    assert outputs["healthUrl"] == f"{outputs['spaceUrl']}/api/health"
    assert outputs["docsUrl"] == f"{outputs['spaceUrl']}/docs"
    assert outputs["repoUrl"] == f"{hub.endpoint}/spaces/{SPACE}"
    assert outputs["filesRevision"] == api.space_info(SPACE).sha

    # 2. No change: preview says so and the Hub sees no request at all.
    hub.reset_stats()
    project.preview("--expect-no-changes")
    project.up()
    assert hub.stats()["total_requests"] == 0

    # 3. One file edited: only SpaceFiles changes, one commit with only that file.
    main_py = backend / "app" / "main.py"
    main_py.write_text(main_py.read_text() + "\n# tuned\n")
    assert project.plan() == {"rag-files": "update"}
    # The manifest is one JSON string in state; the CLI shows its change as an object diff, path by path.
    changed_lines = [line.split(":")[0].strip() for line in project.preview().stdout.splitlines()
                     if line.lstrip().startswith("~ ") and "=>" in line]
    assert changed_lines == ["~ app/main.py"], changed_lines
    before = remote_tree(hub)
    hub.reset_stats()
    project.up()
    after = remote_tree(hub)
    assert {p for p in after if after[p] != before.get(p)} == {"app/main.py"} and set(after) == set(before)
    # What localhub received: one commit carrying one file, and that commit changes only app/main.py.
    assert hub.stats()["commits"] == {SPACE: 1} and hub.stats()["files_committed"] == {SPACE: 1}
    assert changed_by_last_commit(hub) == {"app/main.py"}
    # A file deleted locally is deleted on the Hub, in one commit that carries no file.
    (backend / "app" / "models" / "schemas.py").unlink()
    hub.reset_stats()
    project.up()
    assert "app/models/schemas.py" not in remote_tree(hub)
    assert hub.stats()["commits"] == {SPACE: 1} and hub.stats()["files_committed"] == {SPACE: 0}
    assert changed_by_last_commit(hub) == {"app/models/schemas.py"}

    # 4. One secret rotated: only that SpaceSecret updates. A secret removed from config is deleted.
    values["geminiApiKey"] = f"gemini-canary-rotated-{secrets.token_hex(8)}"
    project.config_set("geminiApiKey", values["geminiApiKey"], secret=True)
    assert project.plan() == {"rag-secret-gemini-api-key": "update"}
    hub.reset_stats()
    project.up()
    assert hub.stats()["writes"] == {"POST /api/spaces/{repo_id}/secrets": 1}
    project.run("config", "rm", "qdrantApiKey")
    project.up()
    assert "QDRANT_API_KEY" not in api.get_space_secrets(SPACE)

    # 5. The Space deleted behind our back: refresh notices, up restores everything.
    api.delete_repo(SPACE, repo_type="space")
    project.refresh()
    assert project.resources(":Space") == [] and project.resources(":SpaceFiles") == []
    project.up()
    assert set(remote_tree(hub)) == set(after) - {"app/models/schemas.py"}
    assert set(api.get_space_secrets(SPACE)) == {"GEMINI_API_KEY", "QDRANT_URL", "DATABASE_URL"}
    assert "ALLOWED_ORIGINS" in api.get_space_variables(SPACE)

    # 7. No canary in plaintext anywhere: state, stack file, CLI output, uploaded files, outputs.
    uploaded = b"".join(remote_bytes(hub, p) for p in remote_tree(hub))
    leaks = [project.everything_printed(), str(project.export()), str(project.outputs()),
             (project.workdir / "Pulumi.test.yaml").read_text(), uploaded.decode(errors="replace")]
    for value in [*values.values(), hub.token]:
        for where in leaks:
            assert value not in where

    # 6. destroy leaves nothing; destroy after the Space was deleted by hand still succeeds.
    project.destroy()
    with pytest.raises(RepositoryNotFoundError):
        api.space_info(SPACE)
    assert project.resources("") == []
    project.up()
    api.delete_repo(SPACE, repo_type="space")
    project.destroy()
    assert project.resources("") == []


def test_drift_file_edited_on_the_hub_is_restored(project: Stack, hub: Hub) -> None:
    project.up()
    api = hub.api()
    from huggingface_hub import CommitOperationAdd

    api.create_commit(SPACE, [CommitOperationAdd("app/main.py", b"print('hacked')\n"),
                              CommitOperationAdd("stray.txt", b"added by hand\n")],
                      commit_message="hand edit", repo_type="space")
    project.refresh()
    assert project.plan() == {"rag-files": "update"}
    project.up()
    tree = remote_tree(hub)
    assert "stray.txt" not in tree
    assert tree["app/main.py"] == git_blob_id((project.workdir / "backend" / "app" / "main.py").read_bytes())
    api.update_repo_settings(SPACE, private=True, repo_type="space")
    project.refresh()
    project.up()
    assert api.space_info(SPACE).private is False


BAD_INPUTS: list[tuple[str, str, str, bool]] = [
    # (key, value, what the message must say, secret?)
    ("spaceName", "bad--name", "hf-rag-space:spaceName", False),
    ("hfOwner", "bob", "hf-rag-space:hfOwner", False),
    ("backendDir", "no-such-dir", "hf-rag-space:backendDir", False),
    ("geminiApiKey", " padded-key-123 ", "hf-rag-space:geminiApiKey", True),
    ("databaseUrl", "postgresql://u:p@db.example.com/rag", "sslmode=require", True),
    ("qdrantUrl", "https://qdrant.example.com/", "hf-rag-space:qdrantUrl", True),
    ("qdrantUrl", "http://qdrant.example.com", "hf-rag-space:qdrantUrl", True),
    ("frontendUrl", "my-app.example.com", "hf-rag-space:frontendUrl", False),
    ("logLevel", "LOUD", "hf-rag-space:logLevel", False),
    ("extraVariables", '{"1BAD": "x"}', "hf-rag-space:extraVariables", False),
    ("extraSecrets", '{"BAD-NAME": "value-123456"}', "hf-rag-space:extraSecrets", True),
    ("geminiApiKey", "stored-in-plaintext-123", "--secret geminiApiKey", False),
]


def test_bad_inputs_fail_in_preview_and_up_and_write_nothing(project: Stack, hub: Hub) -> None:
    hub.reset_stats()
    for key, value, expected, secret in BAD_INPUTS:
        if key.startswith("extra"):
            project.run("config", "set", *(["--secret"] if secret else []), key, value, "--path=false")
        else:
            project.config_set(key, value, secret=secret)
        for result in (project.preview(check=False), project.up(check=False)):  # up too: it could write
            printed = result.stdout + result.stderr
            assert result.returncode != 0, (key, value)
            assert expected in printed, (key, printed[-2000:])
            assert "Traceback" not in printed, (key, printed[-3000:])
            assert "non-zero exit code" not in printed, (key, printed[-3000:])  # the message only
            if secret:
                assert value.strip() not in printed
        project.run("config", "rm", key)
        if key in ("hfOwner",):
            project.config_set("hfOwner", OWNER)
        if key in ("spaceName",):
            project.config_set("spaceName", "rag-chatbot")
        if key in ("backendDir",):
            project.config_set("backendDir", "backend")
        if key in ("frontendUrl",):
            project.config_set("frontendUrl", "https://my-app.example.com")
    # Missing token (neither config nor HF_TOKEN), and a credential file forced into the bundle.
    project.run("config", "rm", "hfToken")
    for result in (project.preview(check=False), project.up(check=False)):
        assert result.returncode != 0 and "hf-rag-space:hfToken" in result.stdout + result.stderr
    project.config_set("hfToken", hub.token, secret=True)
    backend = project.workdir / "backend"
    (backend / "app" / ".netrc").write_text("machine example.com password oops\n")
    (backend / ".gitignore").write_text((backend / ".gitignore").read_text() + "\n.netrc\n!app/.netrc\n")
    for result in (project.preview(check=False), project.up(check=False)):
        assert result.returncode != 0 and "app/.netrc is a credential file" in result.stdout + result.stderr
    stats = hub.stats()
    assert stats["write_requests"] == 0 and stats["mutating_requests"] == 0, stats["writes"]
    assert project.resources(":Space") == []  # and nothing was recorded as created


def test_owner_may_be_an_org_of_the_token_user(project: Stack, hub: Hub, tmp_path: Path) -> None:
    project.config_set("hfOwner", "acme")
    project.up()
    assert hub.api().space_info("acme/rag-chatbot").sdk == "docker"
    project.destroy()
