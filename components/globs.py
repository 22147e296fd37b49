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

from pathspec import GitIgnoreSpec

_GROUP = re.compile(r"\(\?P<\w+>")


class Globs:
    """``GitIgnoreSpec.from_lines(lines)``'s ``match_file``, one regex search when no line negates."""

    def __init__(self, lines: Iterable[str]) -> None:
        self.spec = GitIgnoreSpec.from_lines(list(lines))
        patterns = [p for p in self.spec.patterns if p.include is not None]
        self._regex: re.Pattern[str] | None = None
        self._negated = any(p.include is False for p in patterns)
        regexes = [getattr(p, "regex", None) for p in patterns]
        if not self._negated and all(r is not None for r in regexes):
            flags = {r.flags for r in regexes if r is not None}
            if len(flags) <= 1:  # else (never seen): pathspec's evaluation
                # pathspec names its directory-marker group in each pattern: unnamed here (only the verdict counts).
                joined = "|".join(f"(?:{_GROUP.sub('(?:', r.pattern)})" for r in regexes if r is not None)
                self._regex = re.compile(joined or r"(?!)", flags.pop() if flags else 0)

    def match_file(self, path: str) -> bool:
        """Whether ``path`` (posix, relative; a folder ends with ``/``) matches the list."""
        if self._regex is None:
            return bool(self.spec.match_file(path))
        if path.startswith("/"):
            path = path[1:]
        elif path.startswith("./"):
            path = path[2:]
        return self._regex.search(path) is not None
