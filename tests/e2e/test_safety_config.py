"""Issue 11 with the real CLI: what the config may do, and who owns a Space.

- The token given through HF_TOKEN (not config) reaches no output, state, stack file or uploaded file.
- Two stacks naming the same Space: the second is refused at preview, cannot delete the first's Space,
  and takes it over only when told to (`adoptSpace`), after which it is the owner.
- Every new bad input fails `pulumi up` itself with a message naming the key, and writes nothing.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from components.rules.ownership import MARKER_VARIABLE, stack_instance, stack_marker
from tests.e2e.conftest import OWNER, Hub, another_stack, copy_project, tree_bytes
from tests.e2e.pulumi_cli import Stack

pytestmark = pytest.mark.e2e
SPACE = f"{OWNER}/rag-chatbot"


def printed(result: Any) -> str:
    return f"{result.stdout}\n{result.stderr}"


def uploaded(hub: Hub, space: str = SPACE) -> dict[str, bytes]:
    """Every file of the Space's main branch and its content."""
    api = hub.api()
    paths = [e.path for e in api.list_repo_tree(space, repo_type="space", recursive=True) if hasattr(e, "blob_id")]
    headers = {"Authorization": f"Bearer {hub.token}"}
    return {p: httpx.get(f"{hub.endpoint}/spaces/{space}/resolve/main/{p}", headers=headers,
                         follow_redirects=True).content for p in paths}


def marker(hub: Hub, space: str = SPACE) -> str | None:
    found = hub.api().get_space_variables(space)
    return found[MARKER_VARIABLE].value if MARKER_VARIABLE in found else None


def marker_of(stack: Stack) -> str:
    """The marker `stack` writes: `hf-rag-space/<stack>#<12 hex>`, hashed from its stack file's salt."""
    salt = re.search(r"^encryptionsalt: (\S+)$", (stack.workdir / f"Pulumi.{stack.name}.yaml").read_text(), re.M)
    assert salt is not None
    expected = stack_marker("hf-rag-space", stack.name,
                            stack_instance(stack.workdir, "hf-rag-space", stack.name, "organization"))
    assert re.fullmatch(rf"hf-rag-space/{stack.name}#[0-9a-f]{{12}}", expected) and salt[1] not in expected
    return expected


# -- the token through HF_TOKEN -------------------------------------------------------------------------


def test_hf_token_from_the_environment_never_leaks(project: Stack, hub: Hub, tmp_path: Path) -> None:
    token = hub.token  # random per test: the canary
    project.run("config", "rm", "hfToken")
    project.env["HF_TOKEN"] = token
    # A private Space with health checks: the token is used for every Hub call and sent to the Space itself.
    project.config_set("private", "true")
    project.config_set("healthCheck", "true")
    project.config_set("healthRequire", "reachable")
    project.config_set("healthTimeoutSeconds", "120")

    project.preview()
    project.up()
    assert hub.api().space_info(SPACE).private is True
    assert project.outputs()["health"]["status"] in ("healthy", "degraded")
    main_py = project.workdir / "backend" / "app" / "main.py"
    main_py.write_text(main_py.read_text() + "\n# edited\n")
    # One update with the engine's verbose log on: it carries every provider's stderr and the RPC traffic.
    verbose = project.run("up", "--yes", "--skip-preview", "--logtostderr", "-v=9")
    project.refresh()
    project.preview("--expect-no-changes")
    files = uploaded(hub)
    outputs = json.dumps(project.outputs(show_secrets=True))
    state = json.dumps(project.export(show_secrets=True))
    assert "RagSpaceDeployment" in state and MARKER_VARIABLE not in outputs  # what we grep is real
    places = {
        "CLI output": project.everything_printed().encode(),
        "verbose engine log": printed(verbose).encode(),
        "stack outputs": outputs.encode(),
        "state (secrets shown)": state.encode(),
        "state backend directory": tree_bytes(tmp_path / "state"),
        "stack file": (project.workdir / "Pulumi.test.yaml").read_bytes(),
        "staging directory": tree_bytes(project.workdir / ".hf-rag-space"),
        "uploaded files": b"".join(files.values()),
        "localhub data directory": tree_bytes(hub.handle.data_dir),
    }
    project.destroy()
    places["CLI output after destroy"] = project.everything_printed().encode()
    places["state backend after destroy"] = tree_bytes(tmp_path / "state")
    found = [where for where, data in places.items() if token.encode() in data]
    assert found == []
    assert len(files) > 5 and len(places["verbose engine log"]) > 100_000


# -- who owns a Space -----------------------------------------------------------------------------------


def test_two_stacks_one_space_name(project: Stack, hub: Hub) -> None:
    first_secret = f"gemini-canary-{secrets.token_hex(8)}"
    project.config_set("geminiApiKey", first_secret, secret=True)
    project.up()
    api = hub.api()
    assert marker(hub) == marker_of(project)
    assert api.get_space_variables(SPACE)[MARKER_VARIABLE].description.startswith("Ownership marker")
    first_files, first_commit = uploaded(hub), api.space_info(SPACE).sha

    # The second stack is refused at preview and at up, naming the owner and the opt-in; nothing is written.
    second = another_stack(project, hub, "second")
    hub.reset_stats()
    for result in (second.preview(check=False), second.up(check=False)):
        out = printed(result)
        assert result.returncode != 0
        assert f"{MARKER_VARIABLE}={marker_of(project)}" in out and f"the Pulumi stack {marker_of(project)}" in out
        assert f"pulumi config set adoptSpace {SPACE}" in out and "Traceback" not in out
    assert hub.stats()["write_requests"] == 0
    # Destroying it leaves the first stack's Space, files, secrets and variables untouched.
    second.destroy()
    assert hub.stats()["write_requests"] == 0
    assert api.space_info(SPACE).sha == first_commit and uploaded(hub) == first_files
    assert set(api.get_space_secrets(SPACE)) == {"GEMINI_API_KEY"}

    # The opt-in: the second stack takes the Space over and is then its owner.
    second.config_set("adoptSpace", SPACE)
    second.config_set("extraVariables.TOP_K", "4", path=True)
    second.up()
    assert marker(hub) == marker_of(second)
    assert api.get_space_variables(SPACE)["TOP_K"].value == "4"
    assert "POST /api/repos/create" not in hub.stats()["writes"]
    second.preview("--expect-no-changes")
    taken_over = api.space_info(SPACE).sha, uploaded(hub), api.get_space_variables(SPACE)

    # The first stack can no longer write to it: a secret rotation and a one-file edit each fail naming the
    # new owner, before any write (its secrets, variables and files stay the second stack's).
    old_secret = f"gemini-canary-{secrets.token_hex(8)}"
    project.config_set("geminiApiKey", old_secret, secret=True)
    main_py = project.workdir / "backend" / "app" / "main.py"
    original = main_py.read_text()
    for change in ("secret rotation", "one-file edit"):
        if change == "one-file edit":
            project.config_set("geminiApiKey", first_secret, secret=True)  # as in its state: the edit alone
            main_py.write_text(original + "\n# edited by the old stack\n")
        hub.reset_stats()
        result = project.up(check=False)
        out = printed(result)
        assert result.returncode != 0 and "it was taken over" in out, change
        assert marker_of(second) in out and "Traceback" not in out, change
        assert hub.stats()["write_requests"] == 0, (change, hub.stats()["writes"])
        assert (api.space_info(SPACE).sha, uploaded(hub), api.get_space_variables(SPACE)) == taken_over, change
        assert old_secret.encode() not in tree_bytes(hub.handle.data_dir), change
    main_py.write_text(original)

    # The first stack no longer owns it: a change of the Space's settings is refused, naming the new owner,
    # and its destroy leaves the Space and everything on it, and says why.
    project.config_set("private", "true")
    hub.reset_stats()
    result = project.up(check=False)
    assert result.returncode != 0 and "it was taken over" in printed(result)
    assert marker_of(second) in printed(result) and hub.stats()["write_requests"] == 0
    result = project.destroy()
    assert hub.stats()["write_requests"] == 0
    assert f"Left Space {SPACE} on the Hub" in printed(result) and marker_of(second) in printed(result)
    assert project.resources("") == []
    assert set(api.get_space_secrets(SPACE)) == {"GEMINI_API_KEY"} and marker(hub) == marker_of(second)
    # Its owner's destroy deletes it.
    second.destroy()
    assert not api.repo_exists(SPACE, repo_type="space")


def test_same_stack_name_in_two_state_backends(project: Stack, hub: Hub, tmp_path: Path) -> None:
    """Two people, each with a `test` stack of this project in their own state backend and the same
    spaceName: the second is another owner (its stack file has its own salt), not an "interrupted run"."""
    project.up()
    api = hub.api()
    first_marker, first_commit, first_files = marker(hub), api.space_info(SPACE).sha, uploaded(hub)
    assert first_marker == marker_of(project)
    theirs = Stack.create(copy_project(tmp_path / "their-project"), tmp_path / "their-state")
    for key, value in (("hfOwner", OWNER), ("spaceName", "rag-chatbot"), ("hubEndpoint", hub.endpoint),
                       ("backendDir", "backend"), ("frontendUrl", "https://my-app.example.com"),
                       ("healthCheck", "false")):
        theirs.config_set(key, value)
    theirs.config_set("hfToken", hub.token, secret=True)
    assert theirs.name == project.name and marker_of(theirs) != first_marker

    hub.reset_stats()
    for result in (theirs.preview(check=False), theirs.up(check=False)):
        out = printed(result)
        assert result.returncode != 0 and f"the Pulumi stack {first_marker}" in out
        assert f"pulumi config set adoptSpace {SPACE}" in out and "Traceback" not in out
    assert hub.stats()["write_requests"] == 0
    theirs.destroy()
    assert hub.stats()["write_requests"] == 0
    assert marker(hub) == first_marker and api.space_info(SPACE).sha == first_commit and uploaded(hub) == first_files
    project.preview("--expect-no-changes")
    project.destroy()
    assert not api.repo_exists(SPACE, repo_type="space")


def test_marker_of_the_earlier_format_is_recognised_and_replaced(project: Stack, hub: Hub, tmp_path: Path) -> None:
    """A Space and state written by the version whose marker was `<project>/<stack>`: the next `up` re-marks
    the Space (one variable write) and records the new marker in every resource's state, so removing a
    secret still deletes it and `destroy` still deletes the Space."""
    project.config_set("geminiApiKey", f"gemini-canary-{secrets.token_hex(8)}", secret=True)
    project.up()
    api = hub.api()
    legacy = "hf-rag-space/test"
    api.add_space_variable(SPACE, MARKER_VARIABLE, legacy)
    exported = project.export()
    for resource in exported["deployment"]["resources"]:
        for part in ("inputs", "outputs"):
            if "managed_by" in (resource.get(part) or {}):
                resource[part]["managed_by"] = legacy
    old_state = tmp_path / "old-state.json"
    old_state.write_text(json.dumps(exported))
    project.run("stack", "import", "--file", str(old_state))
    hub.reset_stats()
    project.up()
    assert marker(hub) == marker_of(project)
    assert hub.stats()["writes"] == {"POST /api/spaces/{repo_id}/variables": 1}
    project.preview("--expect-no-changes")
    project.run("config", "rm", "geminiApiKey")
    project.up()
    assert "GEMINI_API_KEY" not in api.get_space_secrets(SPACE)
    project.destroy()
    assert not api.repo_exists(SPACE, repo_type="space")


def test_space_made_by_hand_and_interrupted_runs(project: Stack, hub: Hub) -> None:
    api = hub.api()
    # Made by hand: no marker. Refused at preview, adopted with the opt-in (and then marked).
    api.create_repo(SPACE, repo_type="space", space_sdk="docker")
    hub.reset_stats()
    result = project.preview(check=False)
    assert result.returncode != 0 and "no ownership marker" in printed(result)
    assert f"pulumi config set adoptSpace {SPACE}" in printed(result)
    assert hub.stats()["write_requests"] == 0
    project.config_set("adoptSpace", SPACE)
    project.up()
    assert marker(hub) == marker_of(project)
    project.run("config", "rm", "adoptSpace")
    project.preview("--expect-no-changes")

    # An interrupted run of this stack: the Space carries this stack's marker but is not in its state.
    project.run("state", "delete", "--all", "--yes", "--force")  # forget everything, leave the Space
    hub.reset_stats()
    project.up()
    assert "POST /api/repos/create" not in hub.stats()["writes"] and marker(hub) == marker_of(project)

    # Its own Space is deleted by destroy; a Space whose marker was removed by hand is left.
    api.delete_space_variable(SPACE, MARKER_VARIABLE)
    result = project.destroy()
    assert "no ownership marker" in printed(result) and api.repo_exists(SPACE, repo_type="space")
    project.config_set("adoptSpace", SPACE)
    project.up()
    project.destroy()
    assert not api.repo_exists(SPACE, repo_type="space")


# -- bad inputs through `pulumi up` ---------------------------------------------------------------------


@dataclass
class Bad:
    """One bad input: how to set it, what the message must name, the canary that must not be printed."""

    case: str
    apply: Callable[[Stack, Hub], None]
    expected: tuple[str, ...]
    canary: str | None = None
    undo: list[tuple[str, ...]] = field(default_factory=list)


def _secret(key: str, value: str) -> Callable[[Stack, Hub], None]:
    return lambda stack, _hub: stack.config_set(key, value, secret=True)


def _plain(key: str, value: str, path: bool = False) -> Callable[[Stack, Hub], None]:
    return lambda stack, _hub: stack.config_set(key, value, path=path)


def _env_token(value: str) -> Callable[[Stack, Hub], None]:
    def apply(stack: Stack, _hub: Hub) -> None:
        stack.run("config", "rm", "hfToken")
        stack.env["HF_TOKEN"] = value
    return apply


def _frontend(client: str) -> Callable[[Stack, Hub], None]:
    def apply(stack: Stack, _hub: Hub) -> None:
        web = stack.workdir / "web"
        (web / "src").mkdir(parents=True, exist_ok=True)
        outside = stack.workdir / "outside.ts"
        outside.write_text("export const x = 1;\n")
        link = web / "src" / "linked.ts"
        if not link.is_symlink():
            link.symlink_to(outside)
        stack.config_set("frontendDir", "web")
        stack.config_set("frontendClientFile", client)
    return apply


def _space_of_another_stack(stack: Stack, hub: Hub) -> None:
    hub.api().create_repo(SPACE, repo_type="space", space_sdk="docker",
                          space_variables=[{"key": MARKER_VARIABLE, "value": "hf-rag-space/elsewhere"}])


def bad_inputs() -> list[Bad]:
    tag = secrets.token_hex(8)
    hf = f"hf_{tag}{'x' * 24}"
    return [
        Bad("unknown key spacename", _plain("spacename", "rag-chatbot"),
            ("hf-rag-space:spacename", "did you mean `spaceName`"), undo=[("config", "rm", "spacename")]),
        Bad("unknown secret key geminiKey", _secret("geminiKey", f"AIza-canary-{tag}"),
            ("hf-rag-space:geminiKey", "did you mean `geminiApiKey`"), f"AIza-canary-{tag}",
            [("config", "rm", "geminiKey")]),
        Bad("space inside hfToken", _secret("hfToken", f"hf_{tag} {tag}"), ("hf-rag-space:hfToken", "whitespace"),
            f"{tag} {tag}", [("config", "rm", "hfToken")]),
        Bad("newline inside HF_TOKEN", _env_token(f"hf_{tag}\n{tag}"),
            ("hf-rag-space:hfToken", "HF_TOKEN environment variable contains whitespace"), f"{tag}\n{tag}"),
        Bad("space inside geminiApiKey", _secret("geminiApiKey", f"gem-{tag} canary"),
            ("hf-rag-space:geminiApiKey", "whitespace"), f"gem-{tag}", [("config", "rm", "geminiApiKey")]),
        Bad("tab inside qdrantApiKey", _secret("qdrantApiKey", f"qd-{tag}\tcanary"),
            ("hf-rag-space:qdrantApiKey", "whitespace"), f"qd-{tag}", [("config", "rm", "qdrantApiKey")]),
        Bad("space inside qdrantUrl", _secret("qdrantUrl", f"https://q-{tag}.example.com :6333"),
            ("hf-rag-space:qdrantUrl", "whitespace"), f"q-{tag}", [("config", "rm", "qdrantUrl")]),
        Bad("newline inside databaseUrl",
            _secret("databaseUrl", f"postgresql://app:pw-{tag}@db.example.com/rag\n?sslmode=require"),
            ("hf-rag-space:databaseUrl", "whitespace"), f"pw-{tag}", [("config", "rm", "databaseUrl")]),
        Bad("variable named like a secret", _plain("extraVariables.OPENAI_API_KEY", f"sk-{tag}", path=True),
            ("hf-rag-space:extraVariables", "OPENAI_API_KEY", "extraSecrets.OPENAI_API_KEY"),
            undo=[("config", "rm", "extraVariables")]),
        Bad("variable holding a token", _plain("extraVariables.UPSTREAM", hf, path=True),
            ("hf-rag-space:extraVariables", "Hugging Face token", "extraSecrets.UPSTREAM"), hf,
            [("config", "rm", "extraVariables")]),
        Bad("hubEndpoint over plain http", _plain("hubEndpoint", "http://hub.example.com"),
            ("hf-rag-space:hubEndpoint", "https://")),
        Bad("frontendClientFile absolute", _frontend("/etc/hostname"),
            ("hf-rag-space:frontendClientFile", "inside frontendDir"), undo=[("config", "rm", "frontendDir")]),
        Bad("frontendClientFile with ..", _frontend("../outside.ts"),
            ("hf-rag-space:frontendClientFile", "inside frontendDir"), undo=[("config", "rm", "frontendDir")]),
        Bad("frontendClientFile linking out", _frontend("src/linked.ts"),
            ("hf-rag-space:frontendClientFile", "link out of frontendDir"), undo=[("config", "rm", "frontendDir")]),
        Bad("adoptSpace naming another Space", _plain("adoptSpace", f"{OWNER}/other"),
            ("hf-rag-space:adoptSpace", f"this stack's Space is {SPACE}"), undo=[("config", "rm", "adoptSpace")]),
        Bad("Space of another stack", _space_of_another_stack,
            ("the Pulumi stack hf-rag-space/elsewhere", f"pulumi config set adoptSpace {SPACE}")),
    ]


def test_bad_inputs_fail_up_and_write_nothing(project: Stack, hub: Hub) -> None:
    rows = []
    for bad in bad_inputs():
        good_env = dict(project.env)
        bad.apply(project, hub)
        hub.reset_stats()
        result = project.up(check=False)
        out = printed(result)
        writes = hub.stats()["write_requests"]
        canary = bad.canary or ""
        leaked = bool(canary) and (canary in out or canary.encode() in tree_bytes(hub.handle.data_dir))
        rows.append((bad.case, result.returncode, [e for e in bad.expected if e not in out], writes, leaked,
                     "Traceback" in out))
        message = next((line for line in out.splitlines() if bad.expected[0] in line), "")
        print(f"| {bad.case} | {'preview (check)' if 'property' in message else 'preview (program)'} | "
              f"{message.strip()[:400]} | {int(leaked)} | {writes} |")
        # Back to the good configuration for the next case.
        for undo in bad.undo:
            project.run(*undo)
        project.env = good_env
        project.config_set("hfToken", hub.token, secret=True)
        project.config_set("hubEndpoint", hub.endpoint)
        project.config_set("frontendClientFile", "src/services/api.ts")
        if hub.api().repo_exists(SPACE, repo_type="space"):
            hub.api().delete_repo(SPACE, repo_type="space")
    failing = [row for row in rows if row[1] == 0 or row[2] or row[3] or row[4] or row[5]]
    assert failing == [], failing
    # The good configuration deploys (each row failed because of its bad input alone).
    project.up()
    assert marker(hub) == marker_of(project)


def test_state_from_before_markers_is_marked_at_the_next_up(project: Stack, hub: Hub, tmp_path: Path) -> None:
    project.up()
    api = hub.api()
    # What a stack deployed before ownership markers has: no marker on the Space, no `managed_by` in state.
    api.delete_space_variable(SPACE, MARKER_VARIABLE)
    exported = project.export()
    for resource in exported["deployment"]["resources"]:
        for part in ("inputs", "outputs"):
            for key in ("managed_by", "adopt"):
                (resource.get(part) or {}).pop(key, None)
    old_state = tmp_path / "old-state.json"
    old_state.write_text(json.dumps(exported))
    project.run("stack", "import", "--file", str(old_state))
    assert project.plan() == {"rag-space": "update"}
    hub.reset_stats()
    project.up()
    assert marker(hub) == marker_of(project)
    assert hub.stats()["writes"] == {"POST /api/spaces/{repo_id}/variables": 1}
    project.preview("--expect-no-changes")
    project.destroy()
    assert not api.repo_exists(SPACE, repo_type="space")
