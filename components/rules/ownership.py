"""Who owns a Space: the ownership marker and the rules that read it (pure, no Hub calls).

Every Space this project creates carries the Space variable ``MANAGED_BY_PULUMI_STACK`` whose value is
``<project>/<stack>#<instance>``, written in the same request that creates the Space (so an interrupted
first run leaves a marked Space). ``<instance>`` tells apart stacks of the same name in different state
backends (two people each with their own ``dev``): 12 hex digits of a sha256 over project, stack and
what `pulumi stack init` wrote into that one stack's file, ``Pulumi.<stack>.yaml`` (``encryptionsalt``
for a passphrase, ``encryptedkey`` for a cloud KMS). A stack without either (Pulumi Cloud's own
secrets) hashes its organization instead, which with project and stack is unique in Pulumi Cloud. The
hash is one-way and short: the marker reveals nothing of the salt or key.
The marker is derived only once, when the stack first creates (or adopts) its Space; from then on the
stack's state is the source of truth: `kept_marker` keeps the `<project>/<stack>#<instance>` recorded in
the Space's state (the shared backend's copy), so a checkout or CI runner whose stack file lacks the salt
(Pulumi keeps it in the backend and writes no salt into a stack file that `pulumi config set` creates),
or whose secrets provider changed, is the same owner and changes nothing. Checkouts that commit the stack
file (Pulumi's convention) also derive the same marker, which covers a first run interrupted after the
create and finished from another checkout.
The earlier marker ``<project>/<stack>`` is still recognised where this stack's state holds it (its
previous `managed_by`), and replaced at the next `up`.
A variable, not a README field or a file: it exists from the create request on, survives every files
commit, is shown on the Space's settings page next to its description, and is not a secret (it names
the stack and a one-way hash, nothing more; variables are public).

Rules:
- create: a Space that already exists is adopted only if it carries this stack's marker (an interrupted
  run) or `adoptSpace` names it; adopting rewrites the marker, so this stack is then the owner.
- update: a Space whose marker names another stack is refused (it was taken over); no marker is re-marked.
- delete: only a Space carrying this stack's marker is deleted; any other is left, with the reason.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

#: The Space variable that marks a Space as managed by one stack; its value is `<project>/<stack>#<instance>`.
#: Not a secret (it names the stack, nothing more) and visible on the Space's settings page.
MARKER_VARIABLE = "MANAGED_BY_PULUMI_STACK"

MARKER_DESCRIPTION = ("Ownership marker written by hf-rag-space: the Pulumi project/stack that manages this "
                      "Space. pulumi destroy of any other stack leaves the Space alone.")


_STACK_FILE_KEY = re.compile(r"^(encryptionsalt|encryptedkey):[ \t]*(\S+)[ \t]*$", re.MULTILINE)
_CONFIG_DIR = re.compile(r"^stackConfigDir:[ \t]*['\"]?([^'\"\n#]+?)['\"]?[ \t]*$", re.MULTILINE)


def stack_file(project_dir: Path, stack: str) -> Path:
    """``Pulumi.<stack>.yaml`` of the project (in its `stackConfigDir` when Pulumi.yaml sets one)."""
    try:
        found = _CONFIG_DIR.search((project_dir / "Pulumi.yaml").read_text())
    except OSError:
        found = None
    folder = project_dir / found.group(1).strip() if found else project_dir
    return folder / f"Pulumi.{stack}.yaml"


def stack_instance(project_dir: Path, project: str, stack: str, organization: str | None) -> str:
    """12 hex digits naming this one stack: hashed from its stack file's `encryptionsalt`/`encryptedkey`
    (written once per `pulumi stack init`), else from its organization (Pulumi Cloud)."""
    try:
        found = _STACK_FILE_KEY.search(stack_file(project_dir, stack).read_text())
    except OSError:
        found = None
    unique = f"{found.group(1)}:{found.group(2)}" if found else f"organization:{organization or ''}"
    return hashlib.sha256(f"{project}/{stack}\n{unique}".encode()).hexdigest()[:12]


def stack_marker(project: str, stack: str, instance: str | None = None) -> str:
    """The marker value naming one stack: ``<project>/<stack>#<instance>`` (without an instance: the marker
    of versions before instances, ``<project>/<stack>``)."""
    return f"{project}/{stack}#{instance}" if instance else f"{project}/{stack}"


_INSTANCE_MARKER = re.compile(r"^(?P<stack>[^#\s]+/[^#\s]+)#[0-9a-f]{12}$")


def kept_marker(recorded: object, derived: str) -> str:
    """The marker this stack uses: the one its state recorded when that names the same `<project>/<stack>`
    with an instance (whichever checkout derived it), else `derived` (a new stack, a renamed one, or a
    pre-instance `<project>/<stack>` marker, which is then replaced)."""
    old = _INSTANCE_MARKER.match(recorded) if isinstance(recorded, str) else None
    new = _INSTANCE_MARKER.match(derived)
    if old and new and old.group("stack") == new.group("stack"):
        return str(recorded)
    return derived


def describe_owner(marker: str | None) -> str:
    """`the Pulumi stack X` for a marker, or what an unmarked Space is."""
    if marker is None:
        return ("no ownership marker (it was made by hand, by another tool, or by a version of hf-rag-space "
                f"before markers; a marked Space has the variable {MARKER_VARIABLE})")
    return f"the marker {MARKER_VARIABLE}={marker}, so the Pulumi stack {marker} manages it"


def adoption_refusal(space_id: str, marker: str | None, this_stack: str, adopt: bool) -> str | None:
    """Why this stack may not take over the existing Space `space_id`, or None when it may."""
    if marker == this_stack or adopt:
        return None
    return (f"Space {space_id} already exists and carries {describe_owner(marker)}. This stack ({this_stack}) "
            f"does not take over a Space it does not own: pick another `spaceName` "
            f"(`pulumi config set spaceName <name>`), or take this one over deliberately with "
            f"`pulumi config set adoptSpace {space_id}` (its files, secrets and settings are then replaced by "
            f"this stack's, and the marker names this stack).")


def update_refusal(space_id: str, marker: str | None, this_stack: str, previous: str | None,
                   adopt: bool) -> str | None:
    """Why this stack may not change the Space it has in its state, or None when it may.

    `previous` is the marker this stack wrote (None in state written before markers existed). A missing
    marker is written again; a marker naming another stack means the Space was taken over.
    """
    if marker is None or marker in (this_stack, previous) or adopt:
        return None
    return (f"Space {space_id} now carries {describe_owner(marker)}: it was taken over. This stack "
            f"({this_stack}) no longer changes it. Run `pulumi refresh`, then either pick another "
            f"`spaceName`, or take it back deliberately with `pulumi config set adoptSpace {space_id}`.")


def deletion_refusal(space_id: str, marker: str | None, this_stack: str | None) -> str | None:
    """Why `pulumi destroy` of this stack leaves the Space `space_id` on the Hub, or None to delete it."""
    if this_stack is not None and marker == this_stack:
        return None
    who = f"this stack ({this_stack})" if this_stack else "this stack (its state predates ownership markers)"
    return (f"Left Space {space_id} on the Hub: it carries {describe_owner(marker)}, and {who} deletes only "
            f"a Space marked as its own. Delete it on the Hub's settings page if it is really no longer needed.")
