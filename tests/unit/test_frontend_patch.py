"""The frontend API-client patch: pure text logic, file operations, provider lifecycle, component wiring."""

from __future__ import annotations

import hashlib
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pytest
from pulumi.dynamic import ResourceProvider
from pulumi.runtime.rpc import UNKNOWN

from components import frontend_patch as fp
from components.frontend_patch_provider import FrontendClientPatchProvider as _FrontendClientPatchProvider
from components.frontend_patch_provider import (
    PatchError,
    TypeScriptError,
    check_typescript,
    esbuild_path,
    patch_file,
    restore_file,
)

#: Driven as the engine drives it, plain dicts in and out (its methods' TypedDicts are the provider's own view).
FrontendClientPatchProvider: type[ResourceProvider] = _FrontendClientPatchProvider
DEV = "http://localhost:8000"
SPACE = "https://anusha-soh-rag-chatbot.hf.space"
OTHER_SPACE = "https://anusha-soh-rag-chatbot-v2.hf.space"

RUNBOOK_CLIENT = """\
import type { Message } from '../types';

export class ChatApiClient {
  private baseUrl: string;

  constructor() {
    this.baseUrl = 'http://localhost:8000';
  }

  async sendMessage(message: string): Promise<Message> {
    const res = await fetch(`${this.baseUrl}/api/chat`, {
      method: 'POST',
      body: JSON.stringify({ message }),
    });
    return res.json();
  }

  async health() {
    return fetch(`${this.baseUrl}/api/health`).then((r) => r.json());
  }
}
"""


@pytest.fixture
def esbuild() -> Path:
    """The pinned esbuild; missing it is a failure (setup installs it), not a skip."""
    path = esbuild_path()
    if not path.exists():
        pytest.fail(f"{path} not found: run scripts/install-node-tools.sh (part of `make setup`)")
    return path


needs_esbuild = pytest.mark.usefixtures("esbuild")


def lines_between_markers(text: str) -> list[str]:
    lines = text.splitlines()
    begin = next(i for i, line in enumerate(lines) if fp.BEGIN_MARKER in line)
    end = next(i for i, line in enumerate(lines) if fp.END_MARKER in line)
    return lines[begin : end + 1]


# --- plan_patch / apply / restore on client shapes -----------------------------------------------------


def test_runbook_client_is_patched_in_its_constructor() -> None:
    plan = fp.plan_patch(RUNBOOK_CLIENT, DEV, SPACE)
    assert plan.action == "insert"
    assert plan.line == 7
    assert plan.region == "    this.baseUrl = 'http://localhost:8000';"
    patched = fp.apply(plan)
    block = lines_between_markers(patched)
    assert block[0] == "    " + fp.BEGIN_MARKER
    assert block[-1] == "    " + fp.END_MARKER
    assert f"? '{DEV}'" in patched and f": '{SPACE}';" in patched
    assert "window.location.hostname" in patched
    assert "process.env" not in patched
    # Everything outside the replaced statement is untouched.
    before, after = RUNBOOK_CLIENT.split(plan.region)
    assert patched.startswith(before) and patched.endswith(after)


def test_patch_twice_gives_the_same_bytes() -> None:
    once = fp.patch(RUNBOOK_CLIENT, DEV, SPACE)
    plan = fp.plan_patch(once, DEV, SPACE)
    assert plan.action == "unchanged" and not plan.changed
    assert fp.apply(plan) == once
    assert fp.patch(once, DEV, SPACE) == once


def test_new_space_url_updates_the_block_in_place() -> None:
    once = fp.patch(RUNBOOK_CLIENT, DEV, SPACE)
    plan = fp.plan_patch(once, DEV, OTHER_SPACE)
    assert plan.action == "update"
    twice = fp.apply(plan)
    assert twice == fp.patch(RUNBOOK_CLIENT, DEV, OTHER_SPACE)
    assert fp.restore(twice, "    this.baseUrl = 'http://localhost:8000';") == RUNBOOK_CLIENT


def test_restore_gives_the_original_bytes() -> None:
    plan = fp.plan_patch(RUNBOOK_CLIENT, DEV, SPACE)
    assert fp.restore(fp.apply(plan), plan.region) == RUNBOOK_CLIENT


def test_restore_keeps_edits_made_outside_the_managed_block() -> None:
    plan = fp.plan_patch(RUNBOOK_CLIENT, DEV, SPACE)
    edited = "// added later\n" + fp.apply(plan).replace("async health()", "async healthz()")
    restored = fp.restore(edited, plan.region)
    assert restored == "// added later\n" + RUNBOOK_CLIENT.replace("async health()", "async healthz()")


def test_restore_without_markers_changes_nothing() -> None:
    assert fp.restore(RUNBOOK_CLIENT, "whatever") == RUNBOOK_CLIENT


def test_crlf_line_endings_are_kept() -> None:
    source = RUNBOOK_CLIENT.replace("\n", "\r\n")
    plan = fp.plan_patch(source, DEV, SPACE)
    patched = fp.apply(plan)
    assert "\n" not in patched.replace("\r\n", "")
    assert fp.plan_patch(patched, DEV, SPACE).action == "unchanged"
    assert fp.restore(patched, plan.region) == source
    assert fp.restore(fp.patch(patched, DEV, OTHER_SPACE), plan.region) == source


def test_restore_follows_a_line_ending_change_made_after_patching() -> None:
    multi = RUNBOOK_CLIENT.replace(
        "this.baseUrl = 'http://localhost:8000';", "this.baseUrl =\n      'http://localhost:8000';"
    )
    plan = fp.plan_patch(multi, DEV, SPACE)
    assert plan.region == "    this.baseUrl =\n      'http://localhost:8000';"
    converted = fp.apply(plan).replace("\n", "\r\n")
    assert fp.restore(converted, plan.region) == multi.replace("\n", "\r\n")


def test_tabs_are_kept() -> None:
    source = RUNBOOK_CLIENT.replace("    ", "\t\t").replace("  ", "\t")
    plan = fp.plan_patch(source, DEV, SPACE)
    block = lines_between_markers(fp.apply(plan))
    assert all(line.startswith("\t\t") for line in block)
    assert not any(" " * 2 in line[: len(line) - len(line.lstrip())] for line in block)
    assert any(line.startswith("\t\t\t\t?") for line in block)  # continuation = one more tab per level
    patched = fp.apply(plan)
    assert fp.plan_patch(patched, DEV, SPACE).action == "unchanged"
    assert fp.restore(patched, plan.region) == source


def test_four_space_indentation_is_followed() -> None:
    source = RUNBOOK_CLIENT.replace("  ", "    ")
    patched = fp.patch(source, DEV, SPACE)
    block = lines_between_markers(patched)
    assert block[0].startswith(" " * 8 + "//")
    assert block[3].startswith(" " * 12 + "typeof")
    assert fp.plan_patch(patched, DEV, SPACE).action == "unchanged"


def test_multiline_statement_and_trailing_comment_are_one_region() -> None:
    source = textwrap.dedent("""\
        class Client {
          constructor(private readonly token?: string) {
            this.token = token;
            this.baseUrl =
              import.meta.env?.VITE_API_URL ??
              'http://localhost:8000'; // see docs
            console.log('ready');
          }
        }
        """)
    plan = fp.plan_patch(source, DEV, SPACE)
    assert plan.region.splitlines() == [
        "    this.baseUrl =",
        "      import.meta.env?.VITE_API_URL ??",
        "      'http://localhost:8000'; // see docs",
    ]
    assert fp.restore(fp.apply(plan), plan.region) == source


def test_statement_without_semicolon() -> None:
    source = "class C {\n  constructor() {\n    this.baseUrl = 'http://localhost:8000'\n    this.x = 1\n  }\n}\n"
    plan = fp.plan_patch(source, DEV, SPACE)
    assert plan.region == "    this.baseUrl = 'http://localhost:8000'"


def test_look_alikes_in_strings_comments_and_templates_are_ignored() -> None:
    source = RUNBOOK_CLIENT.replace(
        "  private baseUrl: string;",
        "  private baseUrl: string;\n"
        "  // this.baseUrl = 'commented out';\n"
        "  /* constructor() { this.baseUrl = 'x'; } */\n"
        "  private doc = 'this.baseUrl = \"in a string\"';\n"
        "  private re = /this.baseUrl = /g;\n"
        "  private t = `constructor() { ${'this.baseUrl = 1'} }`;",
    )
    plan = fp.plan_patch(source, DEV, SPACE)
    assert plan.region == "    this.baseUrl = 'http://localhost:8000';"


def test_file_without_final_newline() -> None:
    source = RUNBOOK_CLIENT.rstrip("\n")
    patched = fp.patch(source, DEV, SPACE)
    assert not patched.endswith("\n")
    assert fp.restore(patched, fp.plan_patch(source, DEV, SPACE).region) == source


# --- markers ---------------------------------------------------------------------------------------------


def test_block_edited_by_hand_is_re_rendered_and_said_so() -> None:
    patched = fp.patch(RUNBOOK_CLIENT, DEV, SPACE)
    edited = patched.replace(f": '{SPACE}';", ": 'https://hand-edited.example';")
    # Knowing the last run's URLs, a hand-changed URL is a hand edit...
    plan = fp.plan_patch(edited, DEV, SPACE, last_urls=(DEV, SPACE))
    assert plan.action == "rerender"
    assert "edited by hand" in plan.note
    assert fp.apply(plan) == patched
    # ...without that knowledge it looks like an earlier rendering for other URLs; same result.
    assert fp.plan_patch(edited, DEV, SPACE).action == "update"
    assert fp.patch(edited, DEV, SPACE) == patched
    # The last run's own block is an update, not a hand edit.
    assert fp.plan_patch(patched, DEV, OTHER_SPACE, last_urls=(DEV, SPACE)).action == "update"


def test_block_with_extra_hand_written_lines_is_re_rendered() -> None:
    patched = fp.patch(RUNBOOK_CLIENT, DEV, SPACE)
    edited = patched.replace(fp.END_MARKER, "console.log('debug');\n    " + fp.END_MARKER)
    plan = fp.plan_patch(edited, DEV, SPACE)
    assert plan.action == "rerender"
    assert fp.apply(plan) == patched


def test_markers_added_by_the_user_mark_the_spot_and_restore_to_them() -> None:
    # Two assignments: no unique spot, so the user marked the one to manage.
    source = textwrap.dedent(f"""\
        export class ChatApiClient {{
          constructor() {{
            {fp.BEGIN_MARKER}
            this.baseUrl = 'http://localhost:8000';
            {fp.END_MARKER}
          }}
          setBaseUrl(url: string) {{
            this.baseUrl = url;
          }}
        }}
        """)
    plan = fp.plan_patch(source, DEV, SPACE)
    assert plan.action == "rerender"
    patched = fp.apply(plan)
    assert "setBaseUrl(url: string) {\n    this.baseUrl = url;" in patched
    assert fp.plan_patch(patched, DEV, SPACE).action == "unchanged"
    assert fp.restore(patched, plan.region) == source


@pytest.mark.parametrize(
    ("markers", "found"),
    [
        ([fp.BEGIN_MARKER], "1 begin marker(s) (lines 7) and 0 end"),
        ([fp.END_MARKER], "0 begin marker(s) (lines none) and 1 end"),
        ([fp.END_MARKER, fp.BEGIN_MARKER], "1 begin marker(s) (lines 8) and 1 end marker(s) (lines 7)"),
        ([fp.BEGIN_MARKER, fp.BEGIN_MARKER, fp.END_MARKER], "2 begin marker(s)"),
    ],
)
def test_malformed_markers_fail_without_guessing(markers: list[str], found: str) -> None:
    lines = RUNBOOK_CLIENT.splitlines(keepends=True)
    source = "".join(lines[:6] + [f"    {m}\n" for m in markers] + lines[6:])
    with pytest.raises(fp.PatchError, match=re.escape(found)):
        fp.plan_patch(source, DEV, SPACE)
    with pytest.raises(fp.PatchError, match="fix or remove them by hand"):
        fp.restore(source, "x")


# --- no unique spot: fail, saying which markers to add and where ----------------------------------------

NO_CONSTRUCTOR = """\
export class ChatApiClient {
  private baseUrl = 'http://localhost:8000';
}
"""

TWO_CONSTRUCTORS = """\
export class ChatApiClient {
  constructor() {
    this.baseUrl = 'http://localhost:8000';
  }
}
export class AdminApiClient {
  constructor() {
    this.baseUrl = 'http://localhost:8001';
  }
}
"""

TWO_ASSIGNMENTS = RUNBOOK_CLIENT.replace(
    "    this.baseUrl = 'http://localhost:8000';\n",
    "    this.baseUrl = 'http://localhost:8000';\n    if (import.meta.env.PROD) {\n"
    "      this.baseUrl = 'https://example.org';\n    }\n",
)

CONSTRUCTOR_WITHOUT_ASSIGNMENT = RUNBOOK_CLIENT.replace(
    "    this.baseUrl = 'http://localhost:8000';\n", "    this.ready = true;\n"
)

ASSIGNMENT_OUTSIDE_CONSTRUCTOR = CONSTRUCTOR_WITHOUT_ASSIGNMENT.replace(
    "  async health() {", "  setUrl(url: string) {\n    this.baseUrl = url;\n  }\n\n  async health() {"
)

ONE_LINER = RUNBOOK_CLIENT.replace(
    "  constructor() {\n    this.baseUrl = 'http://localhost:8000';\n  }",
    "  constructor() { this.baseUrl = 'http://localhost:8000'; }",
)


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        (NO_CONSTRUCTOR, "found no class constructor"),
        (TWO_CONSTRUCTORS, "found 2 `this.baseUrl = ...` assignments (lines 3, 8)"),
        (TWO_ASSIGNMENTS, "found 2 `this.baseUrl = ...` assignments (lines 7, 9)"),
        (CONSTRUCTOR_WITHOUT_ASSIGNMENT, "found no `this.baseUrl = ...` inside a constructor"),
        (ASSIGNMENT_OUTSIDE_CONSTRUCTOR, "found one outside a constructor, line 19"),
        (ONE_LINER, "shares its line with other code"),
        ("", "found no class constructor"),
    ],
    ids=[
        "no-constructor",
        "two-constructors",
        "two-assignments",
        "no-assignment",
        "outside",
        "one-liner",
        "empty",
    ],
)
def test_no_unique_spot_fails_and_says_which_markers_to_add(source: str, reason: str) -> None:
    with pytest.raises(fp.PatchError) as raised:
        fp.plan_patch(source, DEV, SPACE)
    message = str(raised.value)
    assert reason in message
    assert fp.BEGIN_MARKER in message and fp.END_MARKER in message
    assert "inside the client's constructor" in message


@pytest.mark.parametrize("url", ["ftp://x", "localhost:8000", "http://", "https://a b", "https://x/'", ""])
def test_urls_that_are_not_plain_http_are_rejected(url: str) -> None:
    with pytest.raises(fp.PatchError, match="spaceUrl must be an http"):
        fp.plan_patch(RUNBOOK_CLIENT, DEV, url)


def test_mask_code_keeps_length_and_lines() -> None:
    masked = fp.mask_code(RUNBOOK_CLIENT)
    assert len(masked) == len(RUNBOOK_CLIENT)
    assert masked.count("\n") == RUNBOOK_CLIENT.count("\n")
    assert "api/chat" not in masked and "'../types'" not in masked


# --- TypeScript parse check (esbuild) and file operations --------------------------------------------------


@needs_esbuild
def test_patched_runbook_client_parses_as_typescript() -> None:
    check_typescript(fp.patch(RUNBOOK_CLIENT, DEV, SPACE), "api.ts")
    check_typescript(fp.patch(RUNBOOK_CLIENT.replace("\n", "\r\n"), DEV, SPACE), "api.ts")


@needs_esbuild
def test_parse_failure_leaves_the_file_untouched_and_quotes_esbuild(tmp_path: Path) -> None:
    broken = RUNBOOK_CLIENT.replace("return res.json();", "return res.json(;")
    client = tmp_path / "api.ts"
    client.write_bytes(broken.encode())
    before = client.stat().st_mtime_ns
    with pytest.raises(TypeScriptError) as raised:
        patch_file(client, DEV, SPACE)
    message = str(raised.value)
    assert "left untouched" in message
    assert "[ERROR]" in message and "api.ts:" in message  # esbuild's diagnostic with file:line:column
    assert re.search(r"api\.ts:\d+:\d+", message)
    assert client.read_bytes() == broken.encode()
    assert client.stat().st_mtime_ns == before
    assert list(tmp_path.iterdir()) == [client]  # no temp file left behind


@needs_esbuild
def test_patch_file_and_restore_file_round_trip(tmp_path: Path) -> None:
    client = tmp_path / "api.ts"
    client.write_bytes(RUNBOOK_CLIENT.encode())
    client.chmod(0o640)
    result = patch_file(client, DEV, SPACE)
    assert result.plan.action == "insert"
    assert client.read_text() == result.text
    assert client.stat().st_mode & 0o777 == 0o640
    again = patch_file(client, DEV, SPACE)
    assert again.plan.action == "unchanged" and again.text == result.text
    assert restore_file(client, result.plan.region)
    assert client.read_bytes() == RUNBOOK_CLIENT.encode()
    assert not restore_file(client, result.plan.region)  # no block left
    assert not restore_file(tmp_path / "gone.ts", "x")


def test_missing_esbuild_is_explained(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_RAG_SPACE_ESBUILD", str(tmp_path / "no-esbuild"))
    with pytest.raises(PatchError, match=r"install-node-tools\.sh"):
        check_typescript("const x = 1;")


def test_non_utf8_file_is_refused(tmp_path: Path) -> None:
    client = tmp_path / "api.ts"
    client.write_bytes(b"\xff\xfe" + RUNBOOK_CLIENT.encode("utf-16-le"))
    with pytest.raises(PatchError, match="not UTF-8"):
        patch_file(client, DEV, SPACE)


# --- provider lifecycle on a real file ---------------------------------------------------------------------


@pytest.fixture
def frontend(tmp_path: Path) -> Path:
    (tmp_path / "src" / "services").mkdir(parents=True)
    (tmp_path / "src" / "services" / "api.ts").write_bytes(RUNBOOK_CLIENT.encode())
    return tmp_path


def inputs(frontend: Path, **overrides: str) -> dict[str, Any]:
    return {
        "dir": str(frontend),
        "client_file": "src/services/api.ts",
        "dev_url": DEV,
        "space_url": SPACE,
        "__provider": "serialized-provider",
        **overrides,
    }


def test_check_accepts_good_inputs_and_trims_trailing_slashes(frontend: Path) -> None:
    result = FrontendClientPatchProvider().check({}, inputs(frontend, space_url=SPACE + "/"))
    assert result.failures == []
    assert result.inputs["space_url"] == SPACE
    assert result.inputs["__provider"] == "serialized-provider"


@pytest.mark.parametrize(
    ("overrides", "prop", "reason"),
    [
        ({"dir": "/nonexistent/frontend"}, "dir", "does not exist"),
        ({"client_file": "src/missing.ts"}, "client_file", "not found in"),
        ({"space_url": "ftp://space"}, "space_url", "must be an http(s) URL"),
        ({"dev_url": "localhost:8000"}, "dev_url", "must be an http(s) URL"),
        ({"dir": ""}, "dir", "non-empty string"),
    ],
)
def test_check_rejects_bad_inputs(frontend: Path, overrides: dict[str, str], prop: str, reason: str) -> None:
    result = FrontendClientPatchProvider().check({}, inputs(frontend, **overrides))
    assert [f.property for f in result.failures] == [prop]
    assert reason in result.failures[0].reason


def test_check_fails_at_preview_when_there_is_no_unique_spot(frontend: Path) -> None:
    (frontend / "src/services/api.ts").write_text(TWO_CONSTRUCTORS)
    result = FrontendClientPatchProvider().check({}, inputs(frontend, space_url=UNKNOWN))
    assert [f.property for f in result.failures] == ["client_file"]
    assert fp.BEGIN_MARKER in result.failures[0].reason


@needs_esbuild
def test_check_tells_preview_what_up_will_do(frontend: Path) -> None:
    provider = FrontendClientPatchProvider()
    first = provider.check({}, inputs(frontend)).inputs
    assert first["planned"] == "line 7: replace `this.baseUrl = ...` with the managed block"
    provider.create(first)
    again = provider.check(first, inputs(frontend)).inputs
    assert again["planned"] == "line 7: managed block is up to date"
    moved = provider.check(first, inputs(frontend, space_url=OTHER_SPACE)).inputs
    assert moved["planned"] == "line 7: managed block will point at the new URLs"
    assert provider.check(first, inputs(frontend, space_url=UNKNOWN)).inputs["planned"] == UNKNOWN
    client = frontend / "src/services/api.ts"
    client.write_text(client.read_text().replace(f": '{SPACE}';", ": 'https://by-hand.example';"))
    edited = provider.check(first, inputs(frontend)).inputs
    assert edited["planned"] == "line 7: managed block was edited by hand; it will be re-rendered"


def test_check_skips_unknown_values(frontend: Path) -> None:
    result = FrontendClientPatchProvider().check({}, inputs(frontend, space_url=UNKNOWN, dir=UNKNOWN))
    assert result.failures == []
    assert result.inputs["space_url"] == UNKNOWN


@needs_esbuild
def test_provider_lifecycle(frontend: Path, capsys: pytest.CaptureFixture[str]) -> None:
    provider = FrontendClientPatchProvider()
    client = frontend / "src/services/api.ts"
    news = provider.check({}, inputs(frontend)).inputs

    created = provider.create(news)
    assert created.id == str(client)
    outs = created.outs
    assert outs is not None
    assert outs["original"] == "    this.baseUrl = 'http://localhost:8000';"
    assert outs["content_sha256"] == hashlib.sha256(client.read_bytes()).hexdigest()
    assert outs["line"] == 7
    assert outs["managed"] in client.read_text()
    state = {**outs, "__provider": "serialized-provider"}

    # Same inputs: no change (olds carry __provider and computed keys; only named fields count).
    assert provider.diff(created.id, state, news).changes is False
    # Preview with an unknown Space URL: a change.
    assert provider.diff(created.id, state, {**news, "space_url": UNKNOWN}).changes is True
    # A new file: replacement, restoring the old file first.
    moved = provider.diff(created.id, state, {**news, "client_file": "src/other.ts"})
    assert moved.replaces == ["client_file"] and moved.delete_before_replace

    # Hand edit inside the block: refresh reports drift, diff wants an update, update re-renders.
    client.write_text(client.read_text().replace(f": '{SPACE}';", ": 'https://elsewhere.example';"))
    read = provider.read(created.id, state)
    assert read.id == created.id
    assert read.outs is not None and read.outs["managed"] != outs["managed"]
    assert read.inputs == {k: news[k] for k in ("dir", "client_file", "dev_url", "space_url")}
    assert provider.diff(created.id, state, news).changes is True
    assert "edited by hand" in capsys.readouterr().err
    updated = provider.update(created.id, state, news).outs
    assert updated is not None
    assert client.read_text() == created_text(outs, frontend)
    assert updated["original"] == outs["original"]

    # A new Space URL: update re-points the block, keeps the original, changes the hash.
    news2 = {**news, "space_url": OTHER_SPACE}
    assert provider.diff(created.id, state, news2).changes is True
    updated2 = provider.update(created.id, state, news2).outs
    assert updated2 is not None
    assert f": '{OTHER_SPACE}';" in client.read_text()
    assert updated2["original"] == outs["original"]
    assert updated2["content_sha256"] != outs["content_sha256"]
    inputs_ = {"dir", "client_file", "dev_url", "space_url"}
    assert set(updated2) == {*inputs_, "optional", "path", "original", "managed", "line", "content_sha256"}

    # Delete restores the original bytes; a second delete (file already restored) succeeds.
    provider.delete(created.id, {**updated2, "__provider": "x"})
    assert client.read_bytes() == RUNBOOK_CLIENT.encode()
    provider.delete(created.id, updated2)
    assert provider.read(created.id, updated2).id is None  # block gone: refresh drops the resource


def created_text(outs: dict[str, Any], frontend: Path) -> str:
    return RUNBOOK_CLIENT.replace(outs["original"], outs["managed"])


@needs_esbuild
def test_update_after_the_block_was_removed_by_hand_takes_the_new_original(frontend: Path) -> None:
    provider = FrontendClientPatchProvider()
    client = frontend / "src/services/api.ts"
    news = inputs(frontend)
    outs = provider.create(news).outs
    assert outs is not None
    reverted = RUNBOOK_CLIENT.replace("'http://localhost:8000';", "'http://localhost:9000';")
    client.write_text(reverted)
    news2 = {**news, "space_url": OTHER_SPACE}
    updated = provider.update(str(client), outs, news2).outs
    assert updated is not None and updated["original"] == "    this.baseUrl = 'http://localhost:9000';"
    provider.delete(str(client), updated)
    assert client.read_text() == reverted


def test_delete_when_the_file_is_gone_succeeds(frontend: Path) -> None:
    props = {**inputs(frontend), "path": str(frontend / "src/services/api.ts"), "original": "x"}
    (frontend / "src/services/api.ts").unlink()
    FrontendClientPatchProvider().delete("id", props)
    assert FrontendClientPatchProvider().read("id", props).id is None


def test_read_keeps_state_when_markers_are_broken(frontend: Path) -> None:
    client = frontend / "src/services/api.ts"
    client.write_text(f"// {fp.BEGIN_MARKER[3:]}\n" + RUNBOOK_CLIENT)
    props = {**inputs(frontend), "path": str(client), "original": "x", "managed": "y"}
    read = FrontendClientPatchProvider().read(str(client), props)
    assert read.id == str(client) and read.outs == props
    with pytest.raises(PatchError, match="cannot restore"):
        FrontendClientPatchProvider().delete(str(client), props)


# --- the component, under mocks --------------------------------------------------------------------------


class RecordingMocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.resources: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        self.resources.append(args)
        outputs = dict(args.inputs)
        if args.typ.endswith(":FrontendClientPatch"):
            # As the provider does: ``dir/client_file``, with ``dir`` as configured.
            outputs.update(path=str(Path(args.inputs["dir"]) / args.inputs["client_file"]), content_sha256="abc123")
        return f"{args.name}-id", outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


@dataclass(frozen=True)
class FakeSettings:
    frontend_dir: str | None
    frontend_client_file: str = "src/services/api.ts"
    frontend_dev_url: str = DEV
    frontend_git_push: bool = False
    frontend_optional: bool = False


@pytest.fixture
def mocks() -> Any:
    # configure() copies into the one SETTINGS object, so restore its values (and the root stack) by key.
    runtime = pulumi.runtime.settings
    keys = ("monitor", "engine", "project", "stack", "dry_run", "organization", "monitor_features")
    saved = {key: getattr(runtime.SETTINGS, key) for key in keys}
    root = runtime.ROOT.set(None)
    recording = RecordingMocks()
    pulumi.runtime.set_mocks(recording, project="hf-rag-space", stack="test", preview=False)
    try:
        yield recording
    finally:
        for key, value in saved.items():
            setattr(runtime.SETTINGS, key, value)
        runtime.ROOT.reset(root)


def test_maybe_frontend_is_absent_without_frontend_dir(mocks: RecordingMocks) -> None:
    from components.frontend import maybe_frontend

    assert maybe_frontend(FakeSettings(frontend_dir=None), SPACE) is None
    assert maybe_frontend(FakeSettings(frontend_dir=""), SPACE) is None
    assert mocks.resources == []


@pytest.mark.timeout(20)
@pytest.mark.parametrize("git_push", [False, True])
@pulumi.runtime.test
def test_component_children_and_git_push_command(mocks: RecordingMocks, git_push: bool) -> Any:
    from components.frontend import COMMIT_MESSAGE, FrontendApiUrl, maybe_frontend

    component = maybe_frontend(FakeSettings(frontend_dir="../web", frontend_git_push=git_push), SPACE, "web")
    assert isinstance(component, FrontendApiUrl)

    def verify(_: Any) -> None:
        types = {r.name: r.typ for r in mocks.resources}
        assert types["web-client"] == "pulumi-python:dynamic/hf:FrontendClientPatch"
        patch_inputs = next(r.inputs for r in mocks.resources if r.name == "web-client")
        assert patch_inputs["dir"] == "../web"
        assert patch_inputs["space_url"] == SPACE
        if not git_push:
            assert "web-git-push" not in types
            return
        assert types["web-git-push"] == "command:local:Command"
        command = next(r for r in mocks.resources if r.name == "web-git-push")
        assert "git -C" in command.inputs["create"] and "push" in command.inputs["create"]
        assert command.inputs["environment"]["HF_RAG_COMMIT_MESSAGE"] == COMMIT_MESSAGE.format(space_url=SPACE)
        assert command.inputs["triggers"] == ["abc123"]

    waits = [component.path, component.content_sha256]
    if component.git_push is not None:
        waits.append(component.git_push.urn)
    return pulumi.Output.all(*waits).apply(verify)


@pulumi.runtime.test
def test_component_path_output_is_the_same_in_every_checkout(mocks: RecordingMocks, monkeypatch: pytest.MonkeyPatch,
                                                            tmp_path: Path) -> Any:
    """`frontendClientFile` is the configured path, relative to the project: no checkout's absolute path, so
    another person's `up` shows no output change."""
    from components.frontend import maybe_frontend

    monkeypatch.chdir(tmp_path)  # the program's working directory: the project
    component = maybe_frontend(FakeSettings(frontend_dir="../web"), SPACE, "web")
    assert component is not None

    def verify(path: str) -> None:
        assert path == "../web/src/services/api.ts" and str(tmp_path) not in path

    return component.path.apply(verify)


def test_check_client_file_refuses_an_ambiguous_client_before_any_resource(tmp_path: Path) -> None:
    """`pulumi up` registers the patch only after the Space exists: the program checks the file first."""
    from types import SimpleNamespace

    from components.errors import ConfigError
    from components.frontend import check_client_file

    client = tmp_path / "src" / "api.ts"
    client.parent.mkdir(parents=True)
    settings = SimpleNamespace(frontend_dir=str(tmp_path), frontend_client_file="src/api.ts",
                               frontend_dev_url="http://localhost:8000", frontend_git_push=False)
    client.write_text(RUNBOOK_CLIENT)
    check_client_file(settings)  # one unique spot: fine
    client.write_text("class Api {\n  constructor(p = false) {\n    this.baseUrl = 'http://localhost:8000';\n"
                      "    if (p) {\n      this.baseUrl = '/proxy';\n    }\n  }\n}\n")
    with pytest.raises(ConfigError) as info:
        check_client_file(settings)
    assert "hf-rag-space:frontendClientFile" in str(info.value) and str(client) in str(info.value)
    check_client_file(SimpleNamespace(frontend_dir=None))  # no frontend: nothing


@needs_esbuild
def test_optional_frontend_not_on_this_machine_is_skipped_and_its_state_kept(
        frontend: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`frontendOptional`: a machine without the frontend checks, diffs, refreshes and updates nothing and
    keeps the state the machine with the file wrote; its destroy says which file stays patched, and the
    block itself keeps the original line for `components.frontend_restore`."""
    from components.frontend_restore import main as restore_main

    said: list[str] = []  # what the CLI would print (pulumi.log's route depends on the runtime's state)
    monkeypatch.setattr(pulumi.log, "warn", lambda message, *_, **__: said.append(message))
    monkeypatch.setattr(pulumi.log, "info", lambda message, *_, **__: said.append(message))
    provider = FrontendClientPatchProvider()
    client = frontend / "src/services/api.ts"
    here = provider.check({}, {**inputs(frontend), "optional": True})
    assert not here.failures
    state = {**provider.create(here.inputs).outs, "__provider": "x"}  # type: ignore[dict-item]
    patched = client.read_text()
    elsewhere = {**inputs(tmp_path / "not-here"), "optional": True}
    state_elsewhere = {**state, "dir": elsewhere["dir"], "path": str(tmp_path / "not-here" / "src/services/api.ts")}
    checked = provider.check(state_elsewhere, elsewhere)
    assert not checked.failures and checked.inputs["planned"] == "not here: skipped"
    assert provider.diff("id", state_elsewhere, {**checked.inputs, "space_url": OTHER_SPACE}).changes is False
    assert provider.read("id", state_elsewhere).outs == state_elsewhere  # refresh keeps it (and the original)
    assert provider.update("id", state_elsewhere, checked.inputs).outs == state_elsewhere
    assert said and all("not here: skipped" in message for message in said)
    provider.delete("id", state_elsewhere)
    assert f"{state_elsewhere['path']} is not on this machine, so it stays patched" in said[-1]
    assert "python -m components.frontend_restore" in said[-1]
    # Without `frontendOptional` a missing frontend is an error, as before.
    assert provider.check({}, inputs(tmp_path / "not-here")).failures
    # The machine with the file gets its original line back from the block alone.
    assert client.read_text() == patched and restore_main([str(client)]) == 0
    assert client.read_text() == RUNBOOK_CLIENT
