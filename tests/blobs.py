"""Git blob ids computed here, independently of the product (components/hub/client.py hashes by streaming)."""

from __future__ import annotations

import hashlib


def git_blob_id(data: bytes) -> str:
    """The git blob SHA-1 the Hub reports as a file's `oid` (`git hash-object`)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()
