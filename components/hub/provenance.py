"""What a deploy deploys and who ran it: the backend's git revision, the stack and the actor.

The program reads them (`Provenance.of`) and hands them to `SpaceFiles` as its `source` input; the
files commit's message names them (`commit_message`), and the provider's diff warns when the Space's
files come from a newer revision than this checkout's (`revert_warning`), using git's own ancestry
(`git merge-base --is-ancestor`). Nothing here is a secret: a revision is a hash, the stack a name, the
actor the CI's login (``GITHUB_ACTOR``, ``GITLAB_USER_LOGIN``) or ``git config user.name``; an actor
that looks like a token or equals one of the stack's secret values is withheld.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

DIRTY = "-dirty"
UNKNOWN_REVISION = "unversioned"
#: CI systems' variables naming who triggered the run, in the order they are looked at.
CI_ACTOR_VARIABLES = ("GITHUB_ACTOR", "GITLAB_USER_LOGIN", "BUILD_REQUESTEDFOR", "BUILDKITE_BUILD_CREATOR")
_PRINTABLE = re.compile(r"[^\w .@+-]")
_HEX = re.compile(r"^[0-9a-f]{7,64}$")


def _git(folder: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True, timeout=30,
                              check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def source_revision(backend: Path) -> str:
    """`<commit>` of the git checkout holding `backend`, `<commit>-dirty` when files under `backend` differ
    from it (changed, staged or untracked and not ignored), `unversioned` outside git."""
    head = _git(backend, "rev-parse", "HEAD")
    if not head:
        return UNKNOWN_REVISION
    status = _git(backend, "status", "--porcelain", "--", ".")
    return f"{head}{DIRTY}" if status else head


def _clean(value: str, limit: int = 64) -> str:
    return _PRINTABLE.sub("", value.splitlines()[0] if value else "").strip()[:limit]


def actor(env: Mapping[str, str], backend: Path, secret_values: Iterable[str] = ()) -> str:
    """Who runs this deploy: the CI's actor variable, else `git config user.name`, else the OS user."""
    from components.rules.tokens import token_kind

    found = next((env[k] for k in CI_ACTOR_VARIABLES if env.get(k)), None) or _git(backend, "config", "user.name") \
        or env.get("USER") or env.get("LOGNAME") or "unknown"
    name = _clean(found)
    if not name or token_kind(name) or any(s and s in found for s in secret_values):
        return "(withheld)"
    return name


@dataclass(frozen=True)
class Provenance:
    """The `source` input of SpaceFiles: what is deployed, from which stack, by whom."""

    revision: str
    stack: str
    actor: str

    @classmethod
    def of(cls, backend: Path, stack: str, secret_values: Iterable[str] = (),
           env: Mapping[str, str] | None = None) -> Provenance:
        return cls(source_revision(backend), stack, actor(os.environ if env is None else env, backend, secret_values))

    def as_input(self, backend_dir: str) -> dict[str, str]:
        """What SpaceFiles records: `dir` is `backendDir` as configured (relative to the project)."""
        return {"revision": self.revision, "stack": self.stack, "actor": self.actor, "dir": backend_dir}


def commit_message(uploads: int, deletions: int, source: Mapping[str, str] | None) -> str:
    """The files commit's title: counts, then the revision, stack and actor when known."""
    counts = f"Deploy {uploads} changed and {deletions} deleted file(s)"
    if not source:
        return f"{counts} (hf-rag-space)"
    return (f"{counts} from {source.get('revision', UNKNOWN_REVISION)} of stack {source.get('stack', '?')}, "
            f"by {source.get('actor', 'unknown')} (hf-rag-space)")


def _commit(revision: str) -> str | None:
    commit = revision.removesuffix(DIRTY)
    return commit if _HEX.match(commit) else None


def revert_warning(deployed: Mapping[str, str] | None, local: Mapping[str, str] | None, space_id: str) -> str | None:
    """A warning when this deploy would replace files from a revision this checkout is behind (or does not
    have), or None. Runs git in the backend's checkout (`dir`, relative to the project directory, which is
    the provider's working directory)."""
    if not deployed or not local:
        return None
    old, new = _commit(str(deployed.get("revision", ""))), _commit(str(local.get("revision", "")))
    if not old or not new or old == new:
        return None
    folder = Path(str(local.get("dir") or "."))
    who = f"deployed by {deployed.get('actor', 'unknown')} from stack {deployed.get('stack', '?')}"
    if _git(folder, "cat-file", "-e", f"{old}^{{commit}}") is None:
        return (f"{space_id}: the Space's files come from revision {old} ({who}), which this checkout does not "
                f"have: it may be newer than yours ({new}). `git fetch` and check before `pulumi up`: you may be "
                "about to revert it.")
    if _git(folder, "merge-base", "--is-ancestor", new, old) is not None:
        return (f"{space_id}: you are about to revert the Space's files from revision {old} ({who}) to your older "
                f"revision {new}: `git pull` first, unless reverting is what you want.")
    return None
