"""Fixed gitignore-style pattern lists matched with one regular expression.

``pathspec.GitIgnoreSpec.match_file`` tries each pattern's regex in turn, in Python: the bundle's deny
list, its default noise, the credential names and the Hub's LFS patterns cost some 23 regex searches per
path and per parent folder, 1.4 s for a 5,000-file backend (bench/README.md, "Where the time goes"). When a
list has no negation (``!pattern``), a path matches it exactly when one of its patterns matches, so the
patterns' own regexes (pathspec's translation, unchanged) joined into one alternation give the same answer
in one search. A list with a negation keeps pathspec's ordered evaluation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cached_property

from pathspec import GitIgnoreSpec
from pathspec.patterns.gitignore.spec import GitIgnoreSpecPattern

_GROUP = re.compile(r"\(\?P<\w+>")
_ANY_FOLDER = "(?:.+/)?"


class Globs:
    """``GitIgnoreSpec.from_lines(lines)``'s ``match_file``, one regex search when no line negates. Compiled at
    the first match (a program run compiles only the lists it uses: 23 lists cost 0.16 s compiled upfront)."""

    def __init__(self, lines: Iterable[str]) -> None:
        self.lines = tuple(lines)

    @cached_property
    def _regex(self) -> re.Pattern[str] | None:
        """The patterns' regexes (pathspec's translation, as GitIgnoreSpec compiles them) as one anchored
        alternation, the patterns that match in any folder (``^(?:.+/)?...``) sharing that prefix, so a path
        is tried once per folder depth instead of once per pattern and offset; None when a line negates (or
        pathspec's translation is not anchored, never seen)."""
        floating, anchored = [], []
        for line in self.lines:
            regex, include = GitIgnoreSpecPattern.pattern_to_regex(line)
            if include is False:
                return None
            if include is None or regex is None:
                continue
            if not regex.startswith("^"):
                return None
            # pathspec names its directory-marker group in each pattern: unnamed here (only the verdict counts).
            body = _GROUP.sub("(?:", regex[1:])
            if body.startswith(_ANY_FOLDER):
                floating.append(body[len(_ANY_FOLDER):])
            else:
                anchored.append(body)
        parts = [f"{_ANY_FOLDER}(?:{'|'.join(floating)})"] if floating else []
        parts += [f"(?:{'|'.join(anchored)})"] if anchored else []
        return re.compile("|".join(parts) or r"(?!)")

    @cached_property
    def spec(self) -> GitIgnoreSpec:
        """pathspec's own evaluation of the lines (ordered, with negations)."""
        return GitIgnoreSpec.from_lines(list(self.lines))

    def match_file(self, path: str) -> bool:
        """Whether ``path`` (posix, relative; a folder ends with ``/``) matches the list."""
        regex = self._regex
        if regex is None:
            return bool(self.spec.match_file(path))
        if path.startswith("/"):
            path = path[1:]
        elif path.startswith("./"):
            path = path[2:]
        return regex.match(path) is not None
