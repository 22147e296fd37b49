"""What the last run learnt about each unchanged backend file: its sha256 and content verdicts, keyed like
git's index by what ``stat`` says about the file.

A file whose size, mtime, ctime, inode and device all equal what the last run recorded is taken to hold
the same bytes, so its digest and verdicts are reused instead of recomputed. Why this is safe:

- ctime (``st_ctime_ns``) is in the key: the kernel sets it on every write and every metadata change, and
  no call sets it back (``touch -d``/``os.utime`` change mtime, and so ctime again). A content change that
  keeps size and mtime is therefore still seen.
- git's "racy clean" rule (Documentation/technical/racy-git.txt): a file written in the same timestamp tick
  as the cache, after the cache sampled it, would look unchanged. An entry is trusted only when its mtime
  and ctime are strictly older than the cache file's own mtime (the write time as the filesystem sees it,
  at the filesystem's own granularity); else the file is read and hashed again, as git re-compares content.
- a cache file that is unreadable, corrupt, of another version, or written under other content rules
  (``rules``, e.g. a changed credentials.py) is ignored as a whole, and rewritten.

Kept in ``.hf-rag-space/<stack>/file-cache`` beside the staging folder (0600, folder 0700), so it is
removed with the stack's staged copies. It holds paths and digests only, never contents or secrets (the
secret-values verdict is tied to a slow salted hash of the values, not to the values).
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

VERSION = "hf-rag-space file cache 3"


@dataclass(frozen=True)
class Entry:
    """What is known about one file's content."""

    sha256: str
    credential: str | None
    """credentials.credential_kind_by_content's verdict for it."""
    clean_of: str | None = None
    """The mark (bundle.py's `_secrets_mark`: a slow salted hash of the stack's secret values, never the values)
    under which the content was found free of those values and of Hugging Face token shapes; None: not checked."""
    for_readers: bool | None = None
    """Whether the content holds a word an app reader parses for (build.py's `READER_WORDS`): a Python file
    holding none is left unread on the next runs while it is unchanged; None: not known (not a reader's file)."""


def stat_key(st: os.stat_result) -> tuple[int, int, int, int, int]:
    """(size, mtime_ns, ctime_ns, inode, device): the key, as git's index keeps it (with ctime)."""
    return st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev


class FileCache:
    """path -> stat key -> `Entry`, read from and written back to ``path`` (None: remembers nothing)."""

    def __init__(self, path: Path | None, rules: str) -> None:
        self.path = path
        self.rules = rules
        self._old: dict[str, list[object]] = {}
        self._new: dict[str, list[object]] = {}
        self._written_ns = 0
        self._racy = False
        if path is not None:
            self._load(path)

    def _load(self, path: Path) -> None:
        try:
            with open(path, "rb") as handle:
                written_ns = os.fstat(handle.fileno()).st_mtime_ns
                data = json.loads(handle.read())
            if not (isinstance(data, dict) and data.get("version") == VERSION and data.get("rules") == self.rules
                    and isinstance(data.get("files"), dict)):
                log.info("file cache %s is of another version or rules: ignored", path)
                return
        except (OSError, ValueError, UnicodeDecodeError) as error:
            if not isinstance(error, FileNotFoundError):
                log.info("file cache %s unreadable (%s): ignored", path, type(error).__name__)
            return
        self._old = data["files"]
        self._written_ns = written_ns

    def get(self, rel: str, st: os.stat_result) -> Entry | None:
        """The entry of ``rel`` if its stat key is unchanged and not racily clean, else None."""
        row = self._old.get(rel)
        if not (isinstance(row, list) and len(row) == 9):
            return None
        size, mtime_ns, ctime_ns, ino, dev, sha256, credential, clean_of, for_readers = row
        if [size, mtime_ns, ctime_ns, ino, dev] != list(stat_key(st)):
            return None
        if not (isinstance(mtime_ns, int) and isinstance(ctime_ns, int) and mtime_ns < self._written_ns
                and ctime_ns < self._written_ns):
            self._racy = True  # rewrite the cache, so that the entry is older than it next time (as git does)
            return None  # racily clean: it may have changed in the tick the cache was written
        if not (isinstance(sha256, str) and len(sha256) == 64 and (credential is None or isinstance(credential, str))
                and (clean_of is None or isinstance(clean_of, str))
                and (for_readers is None or isinstance(for_readers, bool))):
            return None
        entry = Entry(sha256, credential, clean_of, for_readers)
        self._new[rel] = row
        return entry

    def put(self, rel: str, st: os.stat_result, entry: Entry) -> None:
        """Remember ``entry`` for ``rel`` as ``st`` describes it (written by `save`)."""
        self._new[rel] = [*stat_key(st), entry.sha256, entry.credential, entry.clean_of, entry.for_readers]

    def save(self) -> None:
        """Write the entries seen this run (files no longer there are dropped); no change and no racily
        clean entry, no write."""
        if self.path is None or (self._new == self._old and not self._racy):
            return
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        partial = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            with open(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as handle:
                json.dump({"version": VERSION, "rules": self.rules, "files": self._new}, handle,
                          separators=(",", ":"))
            partial.replace(self.path)
        except OSError as error:  # a cache that cannot be written costs time, never correctness
            log.info("file cache %s not written: %s", self.path, error)
            partial.unlink(missing_ok=True)
