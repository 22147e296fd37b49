"""FrontendApiUrl: point a frontend's API client at the Space, visibly in preview, undone on destroy.

Children (each named ``{name}-<role>``):

- ``FrontendClientPatch`` (dynamic, ``pulumi-python:dynamic/hf:FrontendClientPatch``): owns the edit
  of ``frontendDir/frontendClientFile`` (see :mod:`components.frontend_patch_provider`);
- with ``frontendGitPush``, a ``command:local:Command`` that commits that one file and pushes it,
  re-run whenever the patched content changes.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from pulumi import ComponentResource, Input, Output, ResourceOptions
from pulumi.dynamic import Resource

from components.errors import ConfigError
from components.frontend_patch import PatchError, plan_patch
from components.frontend_patch_provider import FrontendClientPatchProvider

if TYPE_CHECKING:
    from pulumi_command import local

COMMIT_MESSAGE = "Point API client at {space_url} (hf-rag-space)"
"""Message of the commit made with ``frontendGitPush``."""

# Values reach the shell as environment variables, so no quoting is needed in the script.
GIT_PUSH_SCRIPT = (
    'git -C "$HF_RAG_FRONTEND_DIR" add -- "$HF_RAG_CLIENT_FILE"'
    ' && { git -C "$HF_RAG_FRONTEND_DIR" diff --cached --quiet -- "$HF_RAG_CLIENT_FILE"'
    ' || git -C "$HF_RAG_FRONTEND_DIR" commit -m "$HF_RAG_COMMIT_MESSAGE" -- "$HF_RAG_CLIENT_FILE"; }'
    ' && git -C "$HF_RAG_FRONTEND_DIR" push'
)
"""Commit only the client file (``git commit -- file``) if it changed, then push."""
GIT_PUSH_IF_HERE_SCRIPT = (
    'if [ ! -f "$HF_RAG_FRONTEND_DIR/$HF_RAG_CLIENT_FILE" ]; then'
    ' echo "hf-rag-space: $HF_RAG_FRONTEND_DIR/$HF_RAG_CLIENT_FILE: not here: skipped";'
    " else " + GIT_PUSH_SCRIPT + "; fi"
)
"""With ``frontendOptional``: the same, skipped on a machine without the frontend."""


@dataclass(frozen=True, kw_only=True)
class FrontendClientPatchArgs:
    """Inputs of one client-file patch."""

    dir: Input[str]
    """Frontend checkout (``frontendDir``), absolute or relative to the Pulumi project."""
    client_file: Input[str]
    """API client file inside ``dir`` (``frontendClientFile``)."""
    dev_url: Input[str]
    """Backend URL used when the page runs on localhost or a loopback address (``frontendDevUrl``)."""
    space_url: Input[str]
    """Backend URL used everywhere else: the Space's URL."""
    optional: bool = False
    """``frontendOptional``: a machine without the file skips the patch (state kept as it is)."""


class FrontendClientPatch(Resource, module="hf", name="FrontendClientPatch"):
    """The managed base-URL block in one client file; delete restores the original statement."""

    dir: Output[str]
    """Frontend directory as given."""
    client_file: Output[str]
    """Client file inside ``dir``."""
    dev_url: Output[str]
    """URL used on localhost / loopback."""
    space_url: Output[str]
    """URL used on any other host."""
    optional: Output[bool]
    """``frontendOptional``: on a machine without the file the patch was skipped (the outputs below None)."""
    path: Output[str]
    """``dir/client_file``, also the resource id."""
    original: Output[str | None]
    """The text the managed block replaced (restored on delete)."""
    managed: Output[str | None]
    """The managed block as written (or as found by refresh)."""
    line: Output[int | None]
    """Line of the managed block's first marker."""
    content_sha256: Output[str | None]
    """SHA-256 of the whole file as last written by the patch."""

    def __init__(self, name: str, args: FrontendClientPatchArgs, opts: ResourceOptions | None = None) -> None:
        props: dict[str, Any] = {f.name: getattr(args, f.name) for f in fields(args)}
        props.update(path=None, original=None, managed=None, line=None, content_sha256=None)
        super().__init__(FrontendClientPatchProvider(), name, props, opts)


@dataclass(frozen=True, kw_only=True)
class FrontendApiUrlArgs:
    """Inputs of :class:`FrontendApiUrl`."""

    dir: Input[str]
    """Frontend checkout (``frontendDir``)."""
    client_file: Input[str]
    """API client file inside ``dir`` (``frontendClientFile``, e.g. ``src/services/api.ts``)."""
    dev_url: Input[str]
    """Backend URL for localhost / loopback pages (``frontendDevUrl``)."""
    space_url: Input[str]
    """The Space's URL (the deployment's ``spaceUrl`` output)."""
    git_push: bool = False
    """Commit the patched file in ``dir`` and push it (``frontendGitPush``)."""
    optional: bool = False
    """``frontendOptional``: the frontend may be missing on this machine."""


class FrontendApiUrl(ComponentResource):
    """Points a frontend's API client at the Space by hostname; ``pulumi destroy`` undoes it."""

    path: Output[str]
    """The patched client file as configured, ``frontendDir/frontendClientFile`` (the ``frontendClientFile``
    stack output; relative to the project when ``frontendDir`` is, so it is the same on every machine)."""
    content_sha256: Output[str | None]
    """SHA-256 of the patched file (the git-push trigger); None where an optional frontend is not here."""

    def __init__(self, name: str, args: FrontendApiUrlArgs, opts: ResourceOptions | None = None) -> None:
        super().__init__("hf-rag-space:index:FrontendApiUrl", name, None, opts)
        patch = FrontendClientPatch(
            f"{name}-client",
            FrontendClientPatchArgs(
                dir=args.dir, client_file=args.client_file, dev_url=args.dev_url, space_url=args.space_url,
                optional=args.optional,
            ),
            ResourceOptions(parent=self),
        )
        # The patch keeps ``dir`` as configured: a path relative to the project survives moving the project
        # and is the same in every checkout (no machine path in state or outputs).
        self.path = patch.path
        self.content_sha256 = patch.content_sha256
        self.git_push: local.Command | None = None
        if args.git_push:
            from pulumi_command import local  # only with frontendGitPush: ~20 ms of every other run's start

            self.git_push = local.Command(
                f"{name}-git-push",
                create=GIT_PUSH_IF_HERE_SCRIPT if args.optional else GIT_PUSH_SCRIPT,
                environment={
                    "HF_RAG_FRONTEND_DIR": args.dir,  # as configured; commands run in the project directory
                    "HF_RAG_CLIENT_FILE": args.client_file,
                    "HF_RAG_COMMIT_MESSAGE": Output.from_input(args.space_url).apply(
                        lambda url: COMMIT_MESSAGE.format(space_url=url)
                    ),
                },
                triggers=[patch.content_sha256],
                opts=ResourceOptions(parent=self, depends_on=[patch]),
            )
        self.register_outputs({"path": self.path, "content_sha256": self.content_sha256})


class FrontendSettings(Protocol):
    """The settings :func:`maybe_frontend` reads (``components.config.Settings`` has them)."""

    @property
    def frontend_dir(self) -> str | None: ...
    @property
    def frontend_client_file(self) -> str: ...
    @property
    def frontend_dev_url(self) -> str: ...
    @property
    def frontend_git_push(self) -> bool: ...
    @property
    def frontend_optional(self) -> bool: ...


def check_client_file(settings: FrontendSettings) -> None:
    """Refuse a client file without one unique spot to patch before any resource is registered: the
    patch resource's own check only runs once the Space URL is known, which in `pulumi up` is after the
    Space was created. Missing directories and files are refused by the settings already."""
    if not settings.frontend_dir:
        return
    path = Path(settings.frontend_dir) / settings.frontend_client_file
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return  # the patch resource's check names the problem
    try:
        plan_patch(source, settings.frontend_dev_url, "https://placeholder.invalid")
    except PatchError as e:
        raise ConfigError("frontendClientFile", f"{path}: {e}") from e


def maybe_frontend(
    settings: FrontendSettings,
    space_url: Input[str],
    name: str = "frontend",
    opts: ResourceOptions | None = None,
) -> FrontendApiUrl | None:
    """A FrontendApiUrl for the stack's ``frontendDir``, or None when it is not set."""
    if not settings.frontend_dir:
        return None
    return FrontendApiUrl(
        name,
        FrontendApiUrlArgs(
            dir=settings.frontend_dir,
            client_file=settings.frontend_client_file,
            dev_url=settings.frontend_dev_url,
            space_url=space_url,
            git_push=settings.frontend_git_push,
            optional=settings.frontend_optional,
        ),
        opts,
    )


__all__ = [
    "COMMIT_MESSAGE",
    "FrontendApiUrl",
    "FrontendApiUrlArgs",
    "FrontendClientPatch",
    "FrontendClientPatchArgs",
    "check_client_file",
    "maybe_frontend",
]
