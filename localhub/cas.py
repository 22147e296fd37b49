"""localhub's Xet content-addressed store (CAS): xorbs, file reconstructions, the global dedup index.

What the Hub's CAS service keeps and checks (huggingface/hub-docs ``docs/xet/api.md``, ``upload-protocol.md``,
``shard.md``, ``deduplication.md``; formats and hashes in `localhub.xet_format`):

- A xorb is stored under its hash only if that hash is the Merkle root of its chunks, each chunk hashed from
  its decompressed bytes (400 otherwise); re-sending one is not an error (``was_inserted: false``).
- A shard registers files. Every xorb it references must already be stored; each term's chunk range must
  exist in its xorb and its size must be the chunks' raw size; each term's verification hash must match the
  chunks; the file hash must be the hash of the file's chunks; a file of a Git repo (model, dataset, Space)
  must carry its sha256 (metadata extension). Any failure is a 400 and nothing of the shard is kept.
- Chunks eligible for global dedup (the first chunk of every file, and every chunk whose hash's last word is
  a multiple of 1024) are indexed so that ``GET /v1/chunks/default-merkledb/{hash}`` finds their xorb.

On top of that, like the Hub's LFS bridge that serves Xet files to clients without Xet, each registered
file's bytes are rebuilt once from its xorbs into the LFS object store (`Store.lfs_path`, by sha256, which
must match): `resolve`, the Spaces runtime and git-LFS clients read them from there.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from localhub.errors import HubError
from localhub.storage import RepoKey, Store
from localhub.xet_format import (
    GLOBAL_DEDUP_MODULUS,
    CasInfo,
    FileInfo,
    FormatError,
    XorbChunk,
    file_hash,
    hash_from_hex,
    hash_hex,
    last_word,
    merkle_root,
    parse_shard,
    parse_xorb,
    read_chunk,
    verification_hash,
)

GIT_REPO_TYPES = frozenset({"model", "dataset", "space"})


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class StoredFile:
    """A registered Xet file: its hash (hex), size, sha256 and terms ``(xorb hex, start, end, size)``."""

    hash: str
    size: int
    sha256: str | None
    terms: list[tuple[str, int, int, int]]


class CasStore:
    """Xorbs, files and the dedup index under ``DATA_DIR/xet`` (survives restarts, like the rest of localhub)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.root = Path(store.root) / "xet"
        for sub in ("xorbs", "files", "dedup", "sha256", "shards"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    # ---- xorbs
    def _xorb_path(self, xorb: str) -> Path:
        return self.root / "xorbs" / xorb

    def has_xorb(self, xorb: str) -> bool:
        return self._xorb_path(xorb).is_file()

    def xorb_size(self, xorb: str) -> int:
        return self._xorb_path(xorb).stat().st_size

    def xorb_chunks(self, xorb: str) -> list[XorbChunk]:
        """The chunk table of a stored xorb (hash, raw size, byte start and end)."""
        raw = json.loads((self.root / "xorbs" / f"{xorb}.json").read_bytes())
        return [XorbChunk(bytes.fromhex(h), size, start, end) for h, size, start, end in raw["chunks"]]

    def put_xorb(self, xorb: str, body: bytes) -> bool:
        """Verify and store a xorb; False when it was already stored. HubError 400 for a malformed one."""
        try:
            chunks = parse_xorb(body)
        except FormatError as e:
            raise HubError(400, f"Invalid xorb {xorb}: {e}") from e
        actual = hash_hex(merkle_root([(c.hash, c.size) for c in chunks]))
        if actual != xorb:
            raise HubError(400, f"Xorb hash mismatch: the body's chunks hash to {actual}, the path says {xorb}")
        if self.has_xorb(xorb):
            return False
        table = {"chunks": [[c.hash.hex(), c.size, c.start, c.end] for c in chunks]}
        _write_atomic(self.root / "xorbs" / f"{xorb}.json", json.dumps(table).encode())
        _write_atomic(self._xorb_path(xorb), body)  # published last: has_xorb() means complete
        for index, chunk in enumerate(chunks):
            if last_word(chunk.hash) % GLOBAL_DEDUP_MODULUS == 0:
                self._index_chunk(chunk.hash, xorb, index)
        return True

    def read_xorb_range(self, xorb: str, start: int, end: int) -> bytes:
        """Bytes ``start..end`` (inclusive) of a stored xorb."""
        with self._xorb_path(xorb).open("rb") as handle:
            handle.seek(start)
            return handle.read(end - start + 1)

    # ---- global dedup index
    def _index_chunk(self, chunk: bytes, xorb: str, index: int) -> None:
        path = self.root / "dedup" / hash_hex(chunk)
        if not path.exists():
            _write_atomic(path, f"{xorb} {index}".encode())

    def dedup_xorb(self, chunk: str) -> str | None:
        """The xorb holding an indexed chunk (by its hash string), or None."""
        try:
            return (self.root / "dedup" / chunk).read_text().split()[0]
        except FileNotFoundError:
            return None

    def cas_info(self, xorb: str) -> CasInfo:
        chunks = self.xorb_chunks(xorb)
        return CasInfo(hash_from_hex(xorb), [(c.hash, c.start, c.size) for c in chunks],
                       sum(c.size for c in chunks), self.xorb_size(xorb))

    # ---- files
    def _file_path(self, fhash: str) -> Path:
        return self.root / "files" / f"{fhash}.json"

    def get_file(self, fhash: str) -> StoredFile | None:
        try:
            raw = json.loads(self._file_path(fhash).read_bytes())
        except FileNotFoundError:
            return None
        terms = [(str(x), int(a), int(b), int(n)) for x, a, b, n in raw["terms"]]
        return StoredFile(fhash, raw["size"], raw.get("sha256"), terms)

    def file_for_sha256(self, sha256: str) -> str | None:
        """The Xet file hash registered with this sha256 (what a commit's ``lfsFile`` line names), or None."""
        try:
            return (self.root / "sha256" / sha256.lower()).read_text().strip()
        except (FileNotFoundError, NotADirectoryError):
            return None

    def file_repos(self, fhash: str) -> set[RepoKey]:
        """The repos whose Xet tokens registered this file."""
        path = self.root / "files" / f"{fhash}.repos"
        lines = path.read_text().splitlines() if path.exists() else []
        return {RepoKey(*line.split("/")) for line in lines if line.count("/") == 2}

    def put_shard(self, body: bytes, repo: RepoKey) -> int:
        """Verify a shard and register its files for `repo`; 1 when something new was registered, else 0.

        Checked as upload-protocol.md and shard.md require; nothing is registered unless all of it is valid.
        """
        repo_type = repo.type
        try:
            shard = parse_shard(body)
        except FormatError as e:
            raise HubError(400, f"Invalid shard: {e}") from e
        for xorb in shard.xorbs:
            name = hash_hex(xorb.hash)
            if not self.has_xorb(name):
                raise HubError(400, f"Shard lists xorb {name}, which was not uploaded")
            stored = self.xorb_chunks(name)
            if [(c.hash, c.size) for c in stored] != [(h, s) for h, _, s in xorb.chunks]:
                raise HubError(400, f"Shard's CAS info for xorb {name} does not match the uploaded xorb")
        checked = [self._check_file(info, repo_type) for info in shard.files]
        for candidate in checked:
            known = self.get_file(candidate.hash)
            if known is not None and known.sha256 and candidate.sha256 and known.sha256 != candidate.sha256:
                raise HubError(400, f"Shard file {candidate.hash}: sha256 {candidate.sha256} is not its content's "
                                    f"({known.sha256})")
        _write_atomic(self.root / "shards" / hashlib.sha256(body).hexdigest(), body)  # kept as received
        new = 0
        for stored_file in checked:
            if self.get_file(stored_file.hash) is None:
                new = 1
                self._materialize(stored_file)
                record = {"size": stored_file.size, "sha256": stored_file.sha256,
                          "terms": [list(t) for t in stored_file.terms]}
                _write_atomic(self._file_path(stored_file.hash), json.dumps(record).encode())
            with self._lock:
                repos = self.file_repos(stored_file.hash) | {repo}
                lines = sorted(f"{r.type}/{r.namespace}/{r.name}" for r in repos)
                _write_atomic(self.root / "files" / f"{stored_file.hash}.repos", "\n".join(lines).encode())
            if stored_file.sha256:
                _write_atomic(self.root / "sha256" / stored_file.sha256, stored_file.hash.encode())
            first = stored_file.terms[0] if stored_file.terms else None
            if first is not None:
                chunk = self.xorb_chunks(first[0])[first[1]]
                self._index_chunk(chunk.hash, first[0], first[1])
        return new

    def _check_file(self, info: FileInfo, repo_type: str) -> StoredFile:
        name = hash_hex(info.hash)
        if not info.verification:
            raise HubError(400, f"Shard file {name} has no verification entries (they are required on upload)")
        if repo_type in GIT_REPO_TYPES and info.sha256 is None:
            raise HubError(400, f"Shard file {name} has no sha256 (metadata extension), required for a {repo_type}")
        all_chunks: list[tuple[bytes, int]] = []
        terms = []
        for number, (term, verification) in enumerate(zip(info.terms, info.verification, strict=True)):
            xorb = hash_hex(term.xorb)
            if not self.has_xorb(xorb):
                raise HubError(400, f"Shard file {name} references xorb {xorb}, which was not uploaded")
            chunks = self.xorb_chunks(xorb)
            if term.end > len(chunks):
                raise HubError(400, f"Shard file {name} term {number}: chunks [{term.start}, {term.end}) are not "
                                    f"all in xorb {xorb} ({len(chunks)} chunks)")
            used = chunks[term.start : term.end]
            if sum(c.size for c in used) != term.size:
                raise HubError(400, f"Shard file {name} term {number}: {term.size} bytes announced, the chunks "
                                    f"hold {sum(c.size for c in used)}")
            if verification_hash([c.hash for c in used]) != verification:
                raise HubError(400, f"Shard file {name} term {number}: verification hash does not match the chunks")
            all_chunks += [(c.hash, c.size) for c in used]
            terms.append((xorb, term.start, term.end, term.size))
        actual = hash_hex(file_hash(all_chunks))
        if actual != name:
            raise HubError(400, f"Shard file hash mismatch: its chunks hash to {actual}, the shard says {name}")
        sha256 = hash_hex(info.sha256) if info.sha256 is not None else None  # a Hash: words are little-endian
        return StoredFile(name, info.size, sha256, terms)

    def iter_file_bytes(self, stored: StoredFile) -> Any:
        """The file's raw bytes, chunk by chunk, read back from its xorbs."""
        for xorb, start, end, _size in stored.terms:
            chunks = self.xorb_chunks(xorb)[start:end]
            body = self.read_xorb_range(xorb, chunks[0].start, chunks[-1].end - 1)
            offset = 0
            for _chunk in chunks:
                data, offset = read_chunk(body, offset)
                yield data

    def _materialize(self, stored: StoredFile) -> None:
        """Rebuild the file into the LFS object store under its sha256 (checked) unless it is there already."""
        if stored.sha256 is None or self.store.has_lfs(stored.sha256):
            return
        writer = self.store.lfs_writer()
        try:
            for data in self.iter_file_bytes(stored):
                writer.write(data)
            writer.finish(stored.sha256, stored.size)
        except HubError as e:
            raise HubError(400, f"Shard file {stored.hash}: its content does not match its sha256 ({e.message})") from e
        except BaseException:
            writer.abort()
            raise
