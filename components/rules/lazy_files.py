"""The bundle's files without their bytes: a mapping whose values are read from disk when asked for, and the
chunked readers that hash, scan and copy a file without holding it.

`Files` maps a repo path to content. Generated files and the ones the app readers need (``*.py``, the
Dockerfile, README.md) hold their bytes; every other file holds only its path on disk and is read when
its value is asked for (staging a blob that is not staged yet, a secret scan of changed content). So a
no-change run reads no file that no reader needs, and a 512 MiB model is never held in memory.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from typing import BinaryIO

#: Chunk size of every streamed read (hashing, secret checks, copies).
CHUNK = 1 << 20
#: Files at least this large are checked chunk by chunk; smaller ones are read whole once.
STREAM_BYTES = 8 * 1024 * 1024


class Files(MutableMapping[str, bytes]):
    """Repo path -> content: bytes in memory, or a file on disk read at each access (`source`)."""

    def __init__(self, contents: Mapping[str, bytes] | None = None) -> None:
        self._items: dict[str, bytes | str] = dict(contents or {})

    def __getitem__(self, rel: str) -> bytes:
        value = self._items[rel]
        if isinstance(value, bytes):
            return value
        with open(value, "rb") as handle:
            return handle.read()

    def __setitem__(self, rel: str, data: bytes) -> None:
        self._items[rel] = data

    def __delitem__(self, rel: str) -> None:
        del self._items[rel]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, rel: object) -> bool:
        return rel in self._items

    def __repr__(self) -> str:
        return f"Files({sorted(self._items)})"

    def put_source(self, rel: str, path: str) -> None:
        """``rel``'s content is the file at ``path`` (read when asked for, never kept)."""
        self._items[rel] = path

    def source(self, rel: str) -> str | None:
        """The disk path ``rel`` is read from, None when its bytes are in memory."""
        value = self._items[rel]
        return None if isinstance(value, bytes) else value

    def in_memory(self, rel: str) -> bytes | None:
        """``rel``'s bytes when held in memory (never reads the disk), else None."""
        value = self._items.get(rel)
        return value if isinstance(value, bytes) else None

    def kept(self) -> dict[str, bytes]:
        """The files whose bytes are in memory (what the app readers read: Python files, Dockerfile, README,
        generated files), without reading the disk: pass this, not the whole mapping, to code that iterates
        over contents."""
        return {rel: value for rel, value in self._items.items() if isinstance(value, bytes)}

    def subset(self, rels: Iterable[str]) -> Files:
        """The entries of ``rels`` only (nothing read)."""
        out = Files()
        out._items = {rel: self._items[rel] for rel in rels}
        return out

    def sorted(self) -> Files:
        """A copy sorted by path (nothing read)."""
        out = Files()
        out._items = dict(sorted(self._items.items()))
        return out

    def copy(self) -> Files:
        """A shallow copy (nothing read)."""
        out = Files()
        out._items = dict(self._items)
        return out


def chunks(handle: BinaryIO, size: int = CHUNK) -> Iterator[bytes]:
    """The rest of ``handle`` in chunks of ``size`` bytes."""
    while chunk := handle.read(size):
        yield chunk


def windows(pieces: Iterable[bytes], overlap: int) -> Iterator[bytes]:
    """Each piece with the last ``overlap`` bytes of what came before it in front: anything of at most
    ``overlap + 1`` bytes lies wholly inside one window."""
    tail = b""
    for piece in pieces:
        window = tail + piece
        yield window
        tail = window[-overlap:] if overlap else b""


_PRINTABLE = bytes(range(0x20, 0x7F))


def printable_runs(pieces: Iterable[bytes], pattern: re.Pattern[bytes]) -> Iterator[tuple[int, bytes]]:
    """(byte offset, run) of the matches of ``pattern`` (a printable-run regex such as ``[\\x20-\\x7e]{8,}``)
    over the concatenated ``pieces``, found chunk by chunk: a run cut by a chunk's end is carried into the
    next chunk, so the runs are those of the whole content."""
    offset, carry = 0, b""
    for piece in pieces:
        buffer = carry + piece
        base = offset - len(carry)
        offset += len(piece)
        cut = len(buffer.rstrip(_PRINTABLE))  # the printable run at the end may go on in the next piece
        for match in pattern.finditer(buffer, 0, cut):
            yield base + match.start(), match.group()
        carry = buffer[cut:]
    if carry:
        for match in pattern.finditer(carry):
            yield offset - len(carry) + match.start(), match.group()


def sha256_of(path: str) -> str:
    """The file's sha256, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in chunks(handle):
            digest.update(chunk)
    return digest.hexdigest()


def kept(files: Mapping[str, bytes]) -> dict[str, bytes]:
    """`Files.kept` of ``files``; a plain mapping is all in memory."""
    return files.kept() if isinstance(files, Files) else dict(files)
