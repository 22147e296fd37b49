"""The SpaceFiles dynamic resource: every file of a Space, kept equal to the bundle's manifest.

State holds only the manifest (path -> sha256) and the Hub's blob ids, never file contents: the
program stages the contents in a content-addressed directory (`stage_blobs`), and the provider reads
them from there when it has something to send. Each map travels as ONE value, a JSON object in a string
(`encode_paths`): a map is marshalled by the SDK value by value (at 5,000 files that was most of a no-change
run), a string at once; state written before holds maps, read as well (`paths_map`). `pulumi preview --diff`
still shows exactly which paths change: the CLI shows a JSON string's change as the object diff
(`printEncodedValueDiff`, pkg/backend/display/object_diff.go).

An update sends ONE commit with the added, changed and deleted files, planned against the Space's
current tree (so hand edits on the Hub are undone and an interrupted run is finished, never repeated).
No change means no Hub request at all: the diff compares manifests locally.
With `watch` (healthCheck and rollback on), the update also waits for its commit and checks it; a failing
revision is rolled back to the last healthy one and the update fails (components/rollback.py).
Binary and large files are stored by the Hub as LFS/Xet, whose tree `oid` is the blob id of the pointer:
they are compared by sha256 (the manifest's digest) in `_sync` and `read`, so they never look drifted and
are never re-sent unchanged. They travel through Xet when hf_xet is installed (chunk dedup: a small edit of a
big file sends little), else git-LFS; every file is sent from its staged copy (by path; files of 8 MiB and
more through counted readers for git-LFS), all in the same single commit, with "uploaded X of Y MiB" logged
every 10 s;
preview lists the files stored as LFS/Xet.
Hub endpoints: GET /api/spaces/{id}, GET /api/spaces/{id}/tree/{rev}, POST /api/spaces/{id}/preupload,
POST /api/spaces/{id}/commit/main.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final, NotRequired, TypedDict

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource, UpdateResult

from components import health, retry, rollback
from components.hub import client as hub
from components.hub import provenance
from components.provider_base import HubProvider, changed, check_still_owner
from components.rules.globs import Globs
from components.rules.lazy_files import CHUNK, Files

IDENTITY: Final = ("hub_endpoint", "space_id")
#: The Hub's default `.gitattributes` LFS patterns of a new repo (localhub/README.md "2026 behaviours").
DEFAULT_GITATTRIBUTES = "".join(f"{p} filter=lfs diff=lfs merge=lfs -text\n" for p in (
    "*.7z", "*.arrow", "*.bin", "*.bz2", "*.ckpt", "*.ftz", "*.gz", "*.h5", "*.joblib", "*.lfs.*", "*.mlmodel",
    "*.model", "*.msgpack", "*.npy", "*.npz", "*.onnx", "*.ot", "*.parquet", "*.pb", "*.pickle", "*.pkl", "*.pt",
    "*.pth", "*.rar", "*.safetensors", "saved_model/**/*", "*.tar.*", "*.tar", "*.tflite", "*.tgz", "*.wasm",
    "*.xz", "*.zip", "*.zst", "*tfevents*")).encode()
BINARY_BYTES = 1024 * 1024
LARGE_BYTES = 10 * 1024 * 1024
#: Commit attempts per update. Each one re-reads the head and the tree first, so a commit is never sent
#: twice: one whose outcome is unknown (5xx, lost connection) shows up in the tree if it landed.
MAX_REPLANS = 6
DRIFT_PREFIX = "remote:"


def encode_paths(paths: Mapping[str, str]) -> str:
    """A path map (the manifest, the blob ids) as the state holds it: a JSON object, sorted by path."""
    return json.dumps(dict(sorted(paths.items())), separators=(",", ":"))


def paths_map(value: str | Mapping[str, str] | None) -> dict[str, str]:
    """A path map from the state: `encode_paths`' JSON, or a map (state written before it; empty: None)."""
    if isinstance(value, str):
        decoded = json.loads(value) if value else {}
        if not isinstance(decoded, dict):
            raise ValueError("a path map in the state is not a JSON object")
        return {str(path): str(digest) for path, digest in decoded.items()}
    return dict(value or {})


def _same_form(given: str | Mapping[str, str] | None, paths: Mapping[str, str]) -> str | dict[str, str]:
    """`paths` in the form `given` had, so a refresh of state written before never shows a change of form."""
    return dict(paths) if isinstance(given, Mapping) else encode_paths(paths)


def stage_blobs(files: Mapping[str, bytes], manifest: Mapping[str, str], blob_dir: Path) -> Path:
    """Write each file's content as `blob_dir/<sha256>` (once, named by the manifest's digest), drop blobs
    no file uses; return the dir. A file already staged is not read; one whose content is on disk
    (lazy_files.Files.source) is copied in chunks, never held. The copies are the owner's only: folders 0700
    (up to and including the `.hf-rag-space` folder holding them), blobs 0600."""
    blob_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    for folder in _staging_folders(blob_dir):
        if folder.stat().st_mode & 0o777 != 0o700:
            folder.chmod(0o700)
    wanted = set(manifest.values())
    staged = os.fspath(blob_dir)
    present = set(os.listdir(staged))  # one listing, not a stat per file
    # Blobs staged before the marker existed may be 0644 (the 0600 rule came first, so a marked folder's are not).
    modes_checked = STAGED_BY in present
    for path in files:
        digest = manifest[path]
        target = os.path.join(staged, digest)
        if digest in present:
            if not modes_checked and os.stat(target).st_mode & 0o077:
                os.chmod(target, 0o600)  # staged by an older version
            continue
        partial = blob_dir / f".{digest}.{os.getpid()}.tmp"
        source = files.source(path) if isinstance(files, Files) else None
        with open(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as handle:
            if source is None:
                handle.write(files[path])
            else:
                with open(source, "rb") as original:
                    shutil.copyfileobj(original, handle, CHUNK)
        partial.replace(target)
        present.add(digest)
    for name in present - wanted:
        if not name.startswith("."):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(os.path.join(staged, name))
    with open(os.open(blob_dir / STAGED_BY, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as handle:
        handle.write(f"{os.getpid()}\n")
    return blob_dir


#: Names the program process that staged the blobs: while it runs (a `pulumi up` that replaces the Space
#: deletes the old SpaceFiles before creating the new one), the staging is in use and must stay.
STAGED_BY = ".staged-by-pid"


def _staging_in_use(blob_dir: Path) -> bool:
    try:
        pid = int((blob_dir / STAGED_BY).read_text().strip())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return False
    return True


def _staging_folders(blob_dir: Path) -> list[Path]:
    """blob_dir and its parents up to the `.hf-rag-space` folder (just blob_dir if there is none)."""
    for depth, parent in enumerate(blob_dir.parents):
        if parent.name == ".hf-rag-space":
            return [blob_dir, *list(blob_dir.parents)[: depth + 1]]
    return [blob_dir]


def remove_staging(blob_dir: Path) -> None:
    """Remove a stack's staged copies: blob_dir and, inside `.hf-rag-space`, the stack's folder
    (blob_dir's parent, holding the scanner cache), then `.hf-rag-space` itself once empty. Nothing is
    removed while the program that staged them still runs (a replacement inside `pulumi up`, which
    needs them next; `pulumi destroy` does not run the program)."""
    if _staging_in_use(blob_dir):
        return
    folders = _staging_folders(blob_dir)
    shutil.rmtree(folders[1] if len(folders) == 3 else blob_dir, ignore_errors=True)
    for folder in folders[1:]:
        try:
            folder.rmdir()
        except FileNotFoundError:
            continue
        except OSError:
            break  # not empty: another stack's copies


STAGING_ROOT = ".hf-rag-space"


def local_staging(stored: str) -> Path | None:
    """This checkout's staging folder for the `blob_dir` a state recorded: a relative one (the form written
    now, relative to the project directory, which is the provider's working directory) as it is; an absolute
    one from older state (some checkout's own path) mapped to the same `.hf-rag-space/<stack>/...` folder of
    this checkout, so no other checkout's files are ever touched; None for anything else."""
    path = Path(stored)
    if not path.is_absolute():
        return path if path.parts[:1] == (STAGING_ROOT,) else None
    parts = path.parts
    if STAGING_ROOT not in parts:
        return None
    return Path(*parts[len(parts) - 1 - parts[::-1].index(STAGING_ROOT):])


def _changed_while_deploying(path: str) -> hub.HubError:
    return hub.HubError(f"The staged content of {path} changed while deploying: run `pulumi up` again.")


def _upload(blob_dir: str, digest: str) -> hub.StagedFile:
    """What to send for a changed file: its staged copy, by path (hub.commit checks its sha256 and reads it
    only to send it), so the provider never holds the files' bytes (huggingface_hub still builds the commit
    body of the regular files in memory)."""
    blob = Path(blob_dir) / digest
    return hub.StagedFile(str(blob), digest, blob.stat().st_size)


def lfs_paths(blob_dir: Path, manifest: Mapping[str, str], gitattributes: bytes | None = None,
              sizes: Mapping[str, int] | None = None) -> list[str]:
    """The files the Hub will store as LFS/Xet, by its rules (localhub/README.md, mirrored by localhub/lfs.py):
    a path matching the default `.gitattributes` LFS patterns, binary content over 1 MiB, any file over
    10 MiB. Reads 512 bytes of a staged file only when its path and size leave the verdict open; ``sizes``
    (the bundle's, path -> bytes) spares a `stat` of each staged file."""
    spec = Globs(
        line.split()[0] for line in (gitattributes or DEFAULT_GITATTRIBUTES).decode().splitlines()
        if "filter=lfs" in line.split()[1:]
    )
    out = []
    folder = os.fspath(blob_dir)
    for path, digest in sorted(manifest.items()):
        size = sizes.get(path) if sizes is not None else None
        if size is None:
            try:
                size = os.stat(os.path.join(folder, digest)).st_size
            except FileNotFoundError:
                continue
        if size == 0:
            continue
        if spec.match_file(path) or spec.match_file(path.rsplit("/", 1)[-1]) or size > LARGE_BYTES or (
                size > BINARY_BYTES and _binary(blob_dir / digest)):  # opened only when path and size leave it open
            out.append(path)
    return out


def _binary(blob: Path) -> bool:
    with blob.open("rb") as handle:
        sample = handle.read(512)
    return b"\0" in sample or not _utf8(sample)


def _utf8(sample: bytes) -> bool:
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as e:
        return e.start >= len(sample) - 3  # a character cut by the sample's end
    return True


def _staged_blob_id(blob_dir: str, path: str, digest: str) -> str:
    """The git blob id of a staged file, checking its sha256, streamed: memory does not grow with the bundle."""
    blob = Path(blob_dir) / digest
    git = hub.git_blob_hasher(blob.stat().st_size)
    sha256 = hashlib.sha256()
    with blob.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            git.update(chunk)
            sha256.update(chunk)
    if sha256.hexdigest() != digest:
        raise _changed_while_deploying(path)
    return str(git.hexdigest())


class SpaceFilesProvider(HubProvider["SpaceFilesInputs", "SpaceFilesOutputs"]):
    """Keeps a Space's tree equal to the manifest."""

    def diff(self, _id: str, olds: SpaceFilesOutputs, news: SpaceFilesInputs) -> DiffResult:
        replaces = changed(olds, news, IDENTITY)
        updates = [] if paths_map(olds.get("manifest")) == paths_map(news.get("manifest")) else ["manifest"]
        if updates and not replaces:  # `source` alone never makes a change: no files differ
            warning = provenance.revert_warning(olds.get("source"), news.get("source"), str(news.get("space_id")))
            if warning:
                pulumi.log.warn(warning)
        return DiffResult(changes=bool(replaces or updates), replaces=replaces)

    def create(self, props: SpaceFilesInputs) -> CreateResult:
        outs, committed = self._sync(props)
        return CreateResult(props["space_id"], self._watch({}, outs, committed))

    def update(self, _id: str, olds: SpaceFilesOutputs, news: SpaceFilesInputs) -> UpdateResult:
        outs, committed = self._sync(news, previous=olds.get("managed_by"))
        return UpdateResult(self._watch(olds, outs, committed))

    def _watch(self, olds: Mapping[str, Any], outs: dict[str, Any], committed: bool) -> dict[str, Any]:
        """With `watch` (healthCheck and rollback on): wait for the revision and check it (health.verify),
        recording it as `healthy_revision` when it passes; when it fails and the state knows an earlier
        healthy commit, roll back (components/rollback.py) and fail the update, so the state keeps the
        healthy manifest. With no earlier healthy commit (the first deploy) there is nothing to return to:
        the update succeeds and SpaceHealth reports the failure, as without rollback."""
        watch = outs.get("watch")
        if not watch:
            return {**outs, "healthy_revision": None, "settled_revision": None}
        revision = str(outs["revision"])
        props = {**watch, "hub_endpoint": outs["hub_endpoint"], "space_id": outs["space_id"]}
        try:
            health.verify(self, {**props, "revision": revision}, expect_rebuild=committed)
        except health.RevisionFailed as failure:
            healthy = olds.get("healthy_revision")
            if not healthy or healthy == revision:
                self.warn(f"{outs['space_id']}: revision {revision[:12]} failed ({failure.stage}) and no earlier "
                          "healthy revision is known: nothing to roll back to")
                return {**outs, "healthy_revision": None, "settled_revision": revision}
            changed_config = olds.get("config_digest") != outs.get("config_digest")
            raise rollback.roll_back(self, props, failed=revision, healthy=str(healthy), failure=failure,
                                     config_changed=changed_config) from None
        return {**outs, "healthy_revision": revision, "settled_revision": revision}

    def read(self, id_: str, props: SpaceFilesOutputs) -> ReadResult:
        try:
            remote, head = hub.remote_files(self.api(props), id_)
        except hub.SpaceGone:
            return ReadResult(None, {})
        known = paths_map(props.get("blob_ids"))
        manifest = paths_map(props.get("manifest"))
        for path in list(manifest):
            # An LFS/Xet file is compared by its sha256 (the manifest's digest), never by its pointer's oid.
            if not hub.same_content(remote.get(path), known.get(path), manifest[path]):
                # Edited or deleted by hand: record what is there, so the next `up` puts it right.
                manifest[path] = f"{DRIFT_PREFIX}{remote.get(path, 'missing')}"
        for path, oid in remote.items():
            if path not in manifest and path not in hub.HUB_OWNED_FILES:
                manifest[path] = f"{DRIFT_PREFIX}{oid}"
        staging = local_staging(str(props.get("blob_dir") or ""))
        outs = {**props, "manifest": _same_form(props.get("manifest"), manifest), "revision": head,
                **({"blob_dir": staging.as_posix()} if staging else {})}
        return ReadResult(id_, outs, {k: outs[k] for k in ("hub_endpoint", "space_id", "manifest", "blob_dir")})

    def delete(self, _id: str, props: SpaceFilesOutputs) -> None:
        """No Hub call: the files live and die with their Space, which is deleted right after this
        (a commit deleting every file first would only trigger a useless rebuild). The local staged
        copies of this checkout are removed (every program run stages again what it needs), never another
        checkout's (`local_staging`)."""
        staging = local_staging(str(props.get("blob_dir") or ""))
        if staging is not None:
            remove_staging(staging)

    def _sync(self, props: SpaceFilesInputs, sleep: Callable[[float], None] = time.sleep,
              previous: str | None = None) -> tuple[dict[str, Any], bool]:
        """Commit what differs from the Space's tree; before the first commit, check the Space is still
        this stack's (its marker; read only when there is something to send). Returns the outputs and
        whether a commit was sent."""
        api = self.api(props)
        owner_checked = False
        space_id = props["space_id"]
        manifest = paths_map(props["manifest"])
        blob_dir = props["blob_dir"]
        blob_ids = {path: _staged_blob_id(blob_dir, path, digest) for path, digest in manifest.items()}
        encoded_ids = encode_paths(blob_ids)

        def attempt() -> tuple[dict[str, Any], bool]:
            # Each attempt re-reads the head and plans again: after a 412 (somebody committed meanwhile), a
            # 5xx or a lost connection (the commit may have landed), or a short 429 (it did not), nothing is
            # resent blindly. A long 429 (the commit quota) fails with the wait time (hub.REPLANNED).
            nonlocal owner_checked
            remote, head = hub.remote_files(api, space_id)
            uploads = {p: _upload(blob_dir, manifest[p]) for p in sorted(manifest)
                       if not hub.same_content(remote.get(p), blob_ids[p], manifest[p])}
            deletions = sorted(p for p in remote if p not in manifest and p not in hub.HUB_OWNED_FILES)
            if not uploads and not deletions:
                return {**props, "revision": head, "blob_ids": encoded_ids}, False
            if not owner_checked:
                check_still_owner(api, space_id, props, previous)
                owner_checked = True
            message = provenance.commit_message(len(uploads), len(deletions), props.get("source"))
            revision = hub.commit(api, space_id, uploads=uploads, deletions=deletions, message=message,
                                  parent=head, on_progress=self.log)
            return {**props, "revision": revision, "blob_ids": encoded_ids}, True

        return retry.run(f"Committing to {space_id} (re-reading the Space and re-planning)", attempt,
                         replace(hub.REPLANNED, attempts=MAX_REPLANS), sleep=sleep)


@dataclass(frozen=True, kw_only=True)
class SpaceFilesArgs:
    """Inputs of SpaceFiles: the manifest and where its contents are staged."""

    hub_endpoint: pulumi.Input[str]
    """The Hub's base URL (`hubEndpoint`); a change replaces the resource."""
    space_id: pulumi.Input[str]
    """The Space's `owner/name` (the Space's `space_id` output); a change replaces the resource."""
    manifest: dict[str, str]
    """Every file the Space must hold: path -> sha256 of its content (components/bundle/build.py); the diff."""
    blob_dir: str
    """Where the contents are staged, relative to the project directory (`.hf-rag-space/<stack>/blobs`)."""
    managed_by: pulumi.Input[str] | None = None
    """This stack's ownership marker: no commit is sent to a Space whose marker names another stack."""
    source: dict[str, str] | None = None
    """What is deployed (provenance.Provenance.as_input): named in the commit message, compared in preview."""
    watch: dict[str, Any] | None = None
    """With `rollback` on: the health check's inputs (health.SpaceHealthArgs' but the revision), so the update
    verifies its own commit and rolls it back when it fails. Never part of the diff."""
    config_digest: pulumi.Input[str] | None = None
    """health.config_digest of the secrets and variables, to tell whether they changed in a rolled-back run."""


class SpaceFilesInputs(TypedDict):
    """What the `SpaceFiles` resource sends its provider: the `SpaceFilesArgs` fields (a None one is absent:
    the SDK drops None-valued props, so are the outputs it seeds with None)."""

    hub_endpoint: str
    """`SpaceFilesArgs.hub_endpoint`."""
    space_id: str
    """`SpaceFilesArgs.space_id`: also the resource id."""
    manifest: str
    """`SpaceFilesArgs.manifest` as `encode_paths` JSON (a map in state written before: `paths_map` reads
    both); after `read`, a drifted file's digest is `remote:<oid>` or `remote:missing`."""
    blob_dir: str
    """`SpaceFilesArgs.blob_dir`."""
    managed_by: NotRequired[str]
    """`SpaceFilesArgs.managed_by`."""
    source: NotRequired[dict[str, str]]
    """`SpaceFilesArgs.source`."""
    watch: NotRequired[dict[str, Any]]
    """`SpaceFilesArgs.watch` (absent with `rollback` or `healthCheck` off)."""
    config_digest: NotRequired[str]
    """`SpaceFilesArgs.config_digest` (secret)."""


class SpaceFilesOutputs(SpaceFilesInputs):
    """What `create`, `update` and `read` return: the inputs and the commit that holds the files."""

    revision: str
    """The Space's head commit, which holds exactly the manifest's files."""
    blob_ids: str
    """path -> git blob id of each staged file (what the Hub's tree lists for a regular file), as
    `encode_paths` JSON (a map in state written before)."""
    healthy_revision: NotRequired[str]
    """With `watch`: the commit verified healthy, the one a failed update rolls back to."""
    settled_revision: NotRequired[str]
    """With `watch`: the commit whose build this resource waited for to the end."""


class SpaceFiles(Resource, module="hf", name="SpaceFiles"):
    """All files of one Space. `revision` is the commit that holds them."""

    hub_endpoint: pulumi.Output[str]
    """The Hub's base URL."""
    space_id: pulumi.Output[str]
    """The Space's `owner/name`."""
    manifest: pulumi.Output[Any]
    """path -> sha256 of every file the Space holds, as JSON (a map in state written before: `paths_map` reads
    both; typed Any since the SDK checks outputs against the annotation and reads a union as its first type);
    refresh marks hand-edited ones `remote:<oid>`."""
    blob_dir: pulumi.Output[str]
    """Where the contents are staged, relative to the project directory."""
    managed_by: pulumi.Output[str | None]
    """The ownership marker the files were committed under."""
    source: pulumi.Output[dict[str, str] | None]
    """What was deployed (backend revision, stack, actor), as named in the commit message."""
    watch: pulumi.Output[dict[str, Any] | None]
    """The health check's inputs when `rollback` is on."""
    config_digest: pulumi.Output[str | None]
    """Digest of the secrets and variables (secret)."""
    revision: pulumi.Output[str]
    """The commit that holds the files (the `filesRevision` stack output)."""
    blob_ids: pulumi.Output[Any]
    """path -> git blob id of each file, as the Hub's tree lists it, as JSON (a map in state written before)."""
    healthy_revision: pulumi.Output[str | None]
    """The commit this resource verified healthy (with `watch`), the one a failed update rolls back to."""
    settled_revision: pulumi.Output[str | None]
    """The commit whose build this resource waited for to the end (with `watch`): SpaceHealth need not."""

    def __init__(self, name: str, args: SpaceFilesArgs, opts: pulumi.ResourceOptions | None = None,
                 sizes: Mapping[str, int] | None = None) -> None:
        """``sizes``: the bundle's file sizes (path -> bytes), so the LFS listing need not stat each staged file."""
        props = {**args.__dict__, "manifest": encode_paths(args.manifest), "revision": None, "blob_ids": None,
                 "healthy_revision": None, "settled_revision": None}
        if args.config_digest is not None:
            props["config_digest"] = pulumi.Output.secret(args.config_digest)
            opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(
                additional_secret_outputs=["config_digest"]))
        stored_as_lfs = lfs_paths(Path(pulumi.get_root_directory() or ".") / args.blob_dir, args.manifest,
                                  sizes=sizes)
        if stored_as_lfs:  # shown by `pulumi preview` and `up`
            pulumi.log.info(f"{len(stored_as_lfs)} file(s) will be stored as LFS/Xet on the Hub (binary or large): "
                            + ", ".join(stored_as_lfs))
        super().__init__(SpaceFilesProvider(), name, props, opts)
