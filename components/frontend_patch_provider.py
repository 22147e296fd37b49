"""Dynamic provider that owns the API base-URL edit of one frontend client file.

The text logic lives in :mod:`components.frontend_patch`; this module reads and writes the file,
checks that the result parses as TypeScript (esbuild from ``tools/``, see
``scripts/install-node-tools.sh``) and keeps the original statement in state so ``delete`` can put it
back. Do not move or rename :class:`FrontendClientPatchProvider`: stack state refers to it by path.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, NotRequired, TypedDict, cast

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    UpdateResult,
)
from pulumi.runtime.rpc import UNKNOWN

from components.errors import TypeScriptError
from components.frontend_patch import (
    PatchError,
    PatchPlan,
    apply,
    embedded_original,
    find_managed,
    plan_patch,
    restore,
    valid_url,
)
from components.provider_base import TypedProvider, with_unknowns_as_sentinel

ESBUILD_ENV = "HF_RAG_SPACE_ESBUILD"
"""Environment variable overriding the esbuild binary (default ``tools/node_modules/.bin/esbuild``)."""

INPUTS: Final = ("dir", "client_file", "dev_url", "space_url")
"""Input property keys, in the order they are validated. ``check`` adds ``planned``: what up will do."""

_LOADERS = {".ts": "ts", ".mts": "ts", ".cts": "ts", ".tsx": "tsx", ".jsx": "jsx", ".js": "js", ".mjs": "js"}
_PLACEHOLDER_URL = "https://placeholder.invalid"


# --- file operations (also used directly by tests) --------------------------------------------------


def esbuild_path() -> Path:
    """The esbuild binary: ``$HF_RAG_SPACE_ESBUILD`` or ``tools/node_modules/.bin/esbuild``."""
    override = os.environ.get(ESBUILD_ENV)
    if override:
        return Path(override)
    return Path(__file__).resolve().parent.parent / "tools" / "node_modules" / ".bin" / "esbuild"


def check_typescript(text: str, filename: str = "client.ts") -> None:
    """Raise TypeScriptError (with esbuild's message and line) unless ``text`` parses."""
    esbuild = esbuild_path()
    if not esbuild.exists():
        raise PatchError(
            f"cannot check the patched file: esbuild not found at {esbuild}; "
            "run scripts/install-node-tools.sh (part of `make setup`)"
        )
    loader = _LOADERS.get(Path(filename).suffix, "ts")
    result = subprocess.run(
        [
            str(esbuild),
            f"--loader={loader}",
            "--log-level=error",
            "--color=false",
            f"--sourcefile={filename}",
        ],
        input=text.encode(),
        capture_output=True,
        timeout=60,
        check=False,
    )
    if result.returncode != 0:
        message = result.stderr.decode(errors="replace").strip()
        raise TypeScriptError(f"the patched file would not parse as TypeScript, so it was left untouched:\n{message}")


def read_text(path: Path) -> str:
    """The file's text, line endings untouched."""
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as e:
        raise PatchError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start})") from e


def write_text(path: Path, text: str) -> None:
    """Replace the file atomically, keeping its permission bits."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(text.encode("utf-8"))
        os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def sha256(text: str) -> str:
    """Hex SHA-256 of ``text`` encoded as UTF-8."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class PatchResult:
    """What :func:`patch_file` found and did."""

    plan: PatchPlan
    """The plan applied (``plan.changed`` says whether the file was written)."""
    text: str
    """The file's text afterwards."""


def patch_file(path: Path, dev_url: str, space_url: str, last_urls: tuple[str, str] | None = None,
               original: str | None = None) -> PatchResult:
    """Patch ``path`` in place if needed; nothing is written unless the result parses as TypeScript."""
    source = read_text(path)
    try:
        plan = plan_patch(source, dev_url, space_url, last_urls, original)
    except PatchError as e:
        raise PatchError(f"{path}: {e}") from e
    if not plan.changed:
        return PatchResult(plan, source)
    text = apply(plan)
    try:
        check_typescript(text, path.name)
    except TypeScriptError as e:
        raise TypeScriptError(f"{path}: {e}") from e
    write_text(path, text)
    return PatchResult(plan, text)


def restore_file(path: Path, original: str) -> bool:
    """Put ``original`` back in place of the managed block; False if file or block is gone."""
    if not path.is_file():
        return False
    source = read_text(path)
    try:
        if find_managed(source) is None:
            return False
    except PatchError as e:
        raise PatchError(f"{path}: cannot restore the original API base URL: {e}") from e
    text = restore(source, original)
    if text != source:
        write_text(path, text)
    return True


# --- the props ----------------------------------------------------------------------------------------


class FrontendClientPatchInputs(TypedDict):
    """What the `FrontendClientPatch` resource sends its provider (components.frontend.FrontendClientPatchArgs;
    the outputs it seeds with None are not sent: the SDK drops None-valued props), and once checked, `planned`."""

    dir: str
    """`FrontendClientPatchArgs.dir`, as configured; a change replaces the patch."""
    client_file: str
    """`FrontendClientPatchArgs.client_file`; a change replaces the patch."""
    dev_url: str
    """`FrontendClientPatchArgs.dev_url` (trailing `/` removed by `check`)."""
    space_url: str
    """`FrontendClientPatchArgs.space_url` (trailing `/` removed by `check`)."""
    optional: bool
    """`FrontendClientPatchArgs.optional`."""
    planned: NotRequired[str]
    """Added by `check`: what `up` will do to the file (or `NOT_HERE`), so `pulumi preview --diff` shows it."""


class FrontendClientPatchOutputs(TypedDict):
    """What `create`, `update` and `read` return. On a machine without an optional frontend (`NOT_HERE`) the
    file's outputs are absent until a machine that has it applies the patch."""

    dir: str
    """The frontend directory, as configured."""
    client_file: str
    """The client file inside `dir`."""
    dev_url: str
    """The URL used on localhost / loopback."""
    space_url: str
    """The URL used on any other host."""
    optional: bool
    """Whether the frontend may be missing on a machine."""
    path: str
    """`dir/client_file`, also the resource id."""
    original: NotRequired[str]
    """The text the managed block replaced (restored on delete)."""
    managed: NotRequired[str]
    """The managed block as written (or as found by refresh)."""
    line: NotRequired[int]
    """Line of the managed block's first marker."""
    content_sha256: NotRequired[str]
    """SHA-256 of the whole file as last written by the patch."""


# --- the provider -------------------------------------------------------------------------------------


def _path(props: Mapping[str, Any]) -> Path:
    return Path(props["dir"]) / props["client_file"]


def _differs(olds: Mapping[str, Any], news: Mapping[str, Any], key: str) -> bool:
    """A named input changed, or is unknown (preview)."""
    return bool(news.get(key) == UNKNOWN or news.get(key) != olds.get(key))


def _last_urls(olds: Mapping[str, Any]) -> tuple[str, str] | None:
    """The URLs the previous run rendered (from old inputs or outputs), if any."""
    dev_url, space_url = olds.get("dev_url"), olds.get("space_url")
    if isinstance(dev_url, str) and isinstance(space_url, str) and valid_url(dev_url) and valid_url(space_url):
        return dev_url, space_url
    return None


def _note(message: str) -> None:
    """Tell the user something through Pulumi's log (a warning in the CLI's output); never secrets."""
    pulumi.log.warn(f"hf-rag-space: {message}")


NOT_HERE = "not here: skipped"
"""What the patch reports on a machine without the frontend when ``frontendOptional`` allows it."""


def _not_here(props: Mapping[str, Any]) -> bool:
    """The frontend is optional (``frontendOptional``) and its client file is not on this machine."""
    return bool(props.get("optional")) and not _path(props).is_file()


def _skipped(props: Mapping[str, Any]) -> None:
    pulumi.log.info(f"hf-rag-space: {_path(props)}: {NOT_HERE} (frontendOptional: the frontend is not on this "
                    "machine; a machine that has it applies the patch)")


def _outs(props: FrontendClientPatchInputs, result: PatchResult, original: str | None) -> dict[str, Any]:
    managed = result.plan.managed
    return {
        **{key: props[key] for key in INPUTS},
        "optional": bool(props.get("optional")),
        "path": str(_path(props)),
        "original": original,
        "managed": managed,
        "line": result.plan.line,
        "content_sha256": sha256(result.text),
    }


class FrontendClientPatchProvider(TypedProvider["FrontendClientPatchInputs", "FrontendClientPatchOutputs"]):
    """Patches, re-patches and restores the API base URL of one client file (stateless)."""

    def check(self, olds: FrontendClientPatchInputs, news: FrontendClientPatchInputs) -> CheckResult:
        """Validate known inputs: directory and file exist, URLs are http(s), a unique spot exists."""
        failures: list[CheckFailure] = []
        news = with_unknowns_as_sentinel(news)
        inputs = {key: news.get(key) for key in INPUTS}
        for key in INPUTS:
            value = inputs[key]
            if value == UNKNOWN:
                continue
            if not isinstance(value, str) or not value:
                failures.append(CheckFailure(key, f"{key} must be a non-empty string, got {value!r}"))
            elif key.endswith("_url"):
                inputs[key] = value = value.rstrip("/")
                if not valid_url(value):
                    reason = f"{key} must be an http(s) URL without spaces or quotes, got {value!r}"
                    failures.append(CheckFailure(key, reason))
        directory, client_file = inputs["dir"], inputs["client_file"]
        inputs["optional"] = bool(news.get("optional"))
        if not failures and UNKNOWN not in (directory, client_file) and _not_here({**news, **inputs}):
            inputs["planned"] = NOT_HERE
            _skipped({**news, **inputs})
        elif not failures and UNKNOWN not in (directory, client_file):
            path = Path(str(directory)) / str(client_file)
            if not Path(str(directory)).is_dir():
                failures.append(CheckFailure("dir", f"frontend directory {directory!r} does not exist"))
            elif not path.is_file():
                failures.append(CheckFailure("client_file", f"client file {client_file!r} not found in {directory!r}"))
            else:
                try:
                    # `original` is an output: check's olds are the old inputs, which do not hold it (None).
                    original = cast("str | None", olds.get("original"))
                    inputs["planned"] = self._plan_note(path, inputs, _last_urls(olds), original)
                except PatchError as e:  # no unique spot: fail at preview, before anything runs
                    failures.append(CheckFailure("client_file", f"{path}: {e}"))
        return CheckResult({**news, **inputs}, failures)

    @staticmethod
    def _plan_note(path: Path, inputs: dict[str, Any], last_urls: tuple[str, str] | None,
                   original: str | None = None) -> str:
        """What ``up`` will do to the file, as an input so ``pulumi preview --diff`` shows it."""
        known = [u for u in (inputs["dev_url"], inputs["space_url"]) if u != UNKNOWN]
        dev_url, space_url = (
            u if isinstance(u, str) and u != UNKNOWN else _PLACEHOLDER_URL
            for u in (inputs["dev_url"], inputs["space_url"])
        )
        plan = plan_patch(read_text(path), dev_url, space_url, last_urls, original)
        return plan.note if len(known) == 2 or plan.action == "insert" else UNKNOWN

    def diff(self, _id: str, olds: FrontendClientPatchOutputs, news: FrontendClientPatchInputs) -> DiffResult:
        """Replace on a new file; update on new URLs or when the file's managed block differs."""
        news = with_unknowns_as_sentinel(news)
        replaces = [k for k in ("dir", "client_file") if _differs(olds, news, k)]
        changed = [k for k in ("dev_url", "space_url") if _differs(olds, news, k)]
        if not replaces and _not_here(news):
            # Nothing to do on this machine; the state keeps the URLs last written and the original line,
            # so the next run where the frontend is brings the file up to date.
            return DiffResult(changes=False, replaces=[], delete_before_replace=True)
        if not replaces and not changed:
            path = _path(news)
            try:
                plan = plan_patch(read_text(path), news["dev_url"], news["space_url"], _last_urls(olds),
                                  olds.get("original"))
            except (OSError, PatchError) as e:
                _note(f"{path}: {e}")
                changed.append("managed")
            else:
                if plan.changed:
                    _note(f"{path}: {plan.note}")
                    changed.append("managed")
        return DiffResult(
            changes=bool(replaces or changed),
            replaces=replaces,
            delete_before_replace=True,
        )

    def create(self, props: FrontendClientPatchInputs) -> CreateResult:
        """Patch the file; remember the text the managed block replaced (a block already in the file, left by
        an earlier stack, keeps its own copy of it). On a machine without an optional frontend: nothing."""
        path = _path(props)
        if _not_here(props):
            _skipped(props)
            return CreateResult(str(path), {**{key: props[key] for key in INPUTS}, "optional": True,
                                            "path": str(path), "original": None, "managed": None, "line": None,
                                            "content_sha256": None})
        result = patch_file(path, props["dev_url"], props["space_url"])
        kept = embedded_original(result.plan.region) if result.plan.action != "insert" else None
        return CreateResult(str(path), _outs(props, result, kept if kept is not None else result.plan.region))

    def read(self, id_: str, props: FrontendClientPatchOutputs) -> ReadResult:
        """Refresh: gone if the file or its block is gone; report a hand-edited block as drift."""
        path = _path(props)
        inputs = {key: props[key] for key in INPUTS}
        if _not_here(props):  # another machine's file: keep the state (and its original line) as it is
            _skipped(props)
            return ReadResult(id_, dict(props), {**inputs, "optional": True})
        try:
            source = read_text(path)
        except OSError as e:
            _note(f"{path}: cannot read the client file ({e.strerror}); the patch counts as deleted")
            return ReadResult(None, {})
        try:
            block = find_managed(source)
        except PatchError as e:  # keep the state (it holds the original text) until fixed by hand
            _note(f"{path}: {e}")
            return ReadResult(id_, dict(props), inputs)
        if block is None:
            _note(f"{path}: the managed block is gone; the patch counts as deleted")
            return ReadResult(None, {})
        current = source[block[0] : block[1]]
        outs = dict(props)
        if current != props.get("managed"):
            _note(f"{path}: the managed block was edited by hand; `pulumi up` will re-render it")
            outs["managed"] = current
        return ReadResult(id_, outs, inputs)

    def update(self, _id: str, olds: FrontendClientPatchOutputs, news: FrontendClientPatchInputs) -> UpdateResult:
        """Re-render the managed block for the new URLs; keep the original text from state."""
        path = _path(news)
        if _not_here(news):
            _skipped(news)
            return UpdateResult(dict(olds))
        result = patch_file(path, news["dev_url"], news["space_url"], _last_urls(olds), olds.get("original"))
        if result.plan.action == "rerender":
            _note(f"{path}: {result.plan.note}")
        # No markers means the block was removed by hand (e.g. a git checkout): what we replaced now
        # is the new original. Otherwise the original is the one recorded at create.
        original = result.plan.region if result.plan.action == "insert" else olds.get("original", "")
        outs = _outs(news, result, original)
        if not result.plan.changed and olds.get("content_sha256"):
            outs["content_sha256"] = olds["content_sha256"]
        return UpdateResult(outs)

    def delete(self, _id: str, props: FrontendClientPatchOutputs) -> None:
        """Restore the original text (from state, else the block's own copy). A file that is not on this
        machine stays patched: say which, and where its original line is kept."""
        path = Path(props.get("path") or _path(props))
        if not path.is_file():
            _note(f"{path} is not on this machine, so it stays patched (pointing at {props.get('space_url')}, "
                  "which this destroy removes). Its original line is kept inside its managed block: where the "
                  f"file is, restore it with `python -m components.frontend_restore {path}` (from the project "
                  "directory), or `git checkout` it if the patch was never committed.")
            return
        source = read_text(path)
        original = props.get("original")
        if not original:
            original = embedded_original(source)
        if original is None or not restore_file(path, original):
            _note(f"{path}: managed block not found, or its original line is unknown; nothing to restore")
