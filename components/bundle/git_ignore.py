"""What git itself ignores under a backend folder that lies inside a git work tree.

Asked of git, not re-implemented: one ``git ls-files --others --ignored --exclude-standard --directory -z``
run from the backend folder per program run. ``--exclude-standard`` is git's full rule set: every
``.gitignore`` from the work tree's root down to each file, ``.git/info/exclude`` and ``core.excludesFile``
(git-ls-files(1), gitignore(5)). ``--others`` means untracked: a file the user committed on purpose
(``git add -f``) is not ignored, as git sees it. ``--directory`` lists a wholly ignored folder once
(``node_modules/``), so git does not descend into it and the output stays small. Paths come back relative
to the backend folder, NUL-separated (no quoting, any byte in a name survives).

Outside a work tree, or without a usable git (not installed, a repository git refuses such as
"dubious ownership"), `git_ignored` answers None and the bundle reads the backend's ``.gitignore`` files
with pathspec, as before (components/bundle/build.py).
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

#: The one git command run per program run (see the module docstring).
LS_IGNORED = ("ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--directory", "--", ".")


@dataclass(frozen=True)
class GitIgnored:
    """The untracked paths git ignores under a backend folder: files as ``a/b.log``, folders as ``a/b/``."""

    paths: frozenset[str]

    def ignored(self, rel: str, is_dir: bool) -> bool:
        """Whether git ignores ``rel`` (posix, relative to the backend) or a folder holding it."""
        if (f"{rel}/" if is_dir else rel) in self.paths:
            return True
        parts = rel.split("/")
        return any("/".join(parts[:depth]) + "/" in self.paths for depth in range(1, len(parts)))


def git_ignored(root: Path) -> GitIgnored | None:
    """What git ignores under ``root``, or None when ``root`` is not in a git work tree git can read."""
    git = shutil.which("git")
    if git is None:
        return None
    env = {k: v for k, v in os.environ.items() if k not in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE")}
    try:
        result = subprocess.run([git, *LS_IGNORED], cwd=root, capture_output=True, env=env, timeout=120,
                                check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        log.warning("git ls-files failed in %s (%s); reading .gitignore files without git", root, error)
        return None
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip()
        if "not a git repository" not in message:
            log.warning("git ls-files failed in %s (%s); reading .gitignore files without git", root, message)
        return None
    paths = frozenset(os.fsdecode(p) for p in result.stdout.split(b"\0") if p)
    return GitIgnored(paths)
