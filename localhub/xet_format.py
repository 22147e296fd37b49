"""Xet's hashes and binary formats, as the Xet protocol specification defines them (pure functions).

Sources (the public specification, huggingface/hub-docs ``docs/xet/``, served at
https://huggingface.co/docs/xet): ``hashing.md`` (chunk hashes: blake3 keyed with DATA_KEY; xorb hashes:
an aggregated Merkle tree whose internal nodes hash ``"{hash} : {size}\\n"`` lines with INTERNAL_NODE_KEY;
file hashes: that root hashed again with an all-zero key; term verification hashes with VERIFICATION_KEY),
``api.md`` "Converting Hashes to Strings" (each 8-byte word as a little-endian u64 in hex), ``xorb.md``
(8-byte chunk headers, compression 0 none / 1 LZ4 / 2 byte-grouping-4 + LZ4), ``shard.md`` (48-byte header,
file info and CAS info sections with bookends, 200-byte footer), ``deduplication.md`` (global dedup
eligibility: first chunk of a file, or a hash whose last word % 1024 == 0). The tree's grouping rule
(groups of 2 to 9 nodes, cut after a node whose last word % 4 == 0) is the one xet-core documents in
``xet_core_structures/src/merklehash/aggregated_hashes.rs`` (``next_merge_cut``); LZ4 is the frame format
(``xorb_object/compression_scheme.rs``). Tests check these against hf_xet's own ``hash_files``.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

import blake3
import lz4.frame

HASH_BYTES = 32
DATA_KEY = bytes([
    102, 151, 245, 119, 91, 149, 80, 222, 49, 53, 203, 172, 165, 151, 24, 28,
    157, 228, 33, 16, 155, 235, 43, 88, 180, 208, 176, 75, 147, 173, 242, 41,
])  # fmt: skip
INTERNAL_NODE_KEY = bytes([
    1, 126, 197, 199, 165, 71, 41, 150, 253, 148, 102, 102, 180, 138, 2, 230,
    93, 221, 83, 111, 55, 199, 109, 210, 248, 99, 82, 230, 74, 83, 113, 63,
])  # fmt: skip
VERIFICATION_KEY = bytes([
    127, 24, 87, 214, 206, 86, 237, 102, 18, 127, 249, 19, 231, 165, 195, 243,
    164, 205, 38, 213, 181, 219, 73, 230, 65, 36, 152, 127, 40, 251, 148, 195,
])  # fmt: skip
ZERO_KEY = bytes(HASH_BYTES)
#: The shard header's magic tag (shard.md ``MDB_SHARD_HEADER_TAG``; its bytes as xet-core's shard_format.rs has them).
SHARD_HEADER_TAG = b"HFRepoMetaData\x00" + bytes(
    [85, 105, 103, 69, 106, 123, 129, 87, 131, 165, 189, 217, 92, 205, 209, 74, 169])
SHARD_HEADER_VERSION = 2
SHARD_FOOTER_VERSION = 1
SHARD_FOOTER_SIZE = 200
ENTRY_SIZE = 48
BOOKEND = b"\xff" * HASH_BYTES + bytes(16)
FLAG_WITH_VERIFICATION = 1 << 31
FLAG_WITH_METADATA_EXT = 1 << 30
#: A xorb holds at most 64 MiB of chunk data in at most 8,192 chunks of at most 128 KiB (deduplication.md,
#: upload-protocol.md). xorb.md says 64 MiB "as serialized", but hf_xet 1.8 sends 64 MiB of chunk data plus
#: chunk headers and its metadata section (observed: 67,116,920 bytes), and xet-core's MAX_XORB_BYTES counts
#: chunk data (xorb_object/constants.rs): the limit applies to the raw bytes, the body may be a little longer.
MAX_XORB_BYTES = 64 * 1024 * 1024
MAX_XORB_CHUNKS = 8 * 1024
MAX_CHUNK_BYTES = 128 * 1024
MAX_XORB_BODY = MAX_XORB_BYTES + 8 * MAX_XORB_CHUNKS + 1024 * 1024
#: A chunk whose hash's last word is a multiple of this is indexed for global dedup (deduplication.md).
GLOBAL_DEDUP_MODULUS = 1024
#: The serialized xorb's optional trailing metadata section starts with this ident (xet-core xorb_object_format.rs).
XORB_INFO_IDENT = b"XETBLOB"


class FormatError(ValueError):
    """Malformed Xet data (the CAS answers 400)."""


def hash_hex(raw: bytes) -> str:
    """The string form of a hash: each 8-byte word as a little-endian u64, 16 hex digits each (api.md)."""
    if len(raw) != HASH_BYTES:
        raise FormatError(f"a hash has 32 bytes, got {len(raw)}")
    return "".join(f"{w:016x}" for w in struct.unpack("<4Q", raw))


def hash_from_hex(text: str) -> bytes:
    """The raw bytes of a hash string (the inverse of `hash_hex`); FormatError for anything but 64 hex digits."""
    if len(text) != 64 or any(c not in "0123456789abcdefABCDEF" for c in text):
        raise FormatError(f"invalid hash {text!r}: 64 hexadecimal characters expected")
    return struct.pack("<4Q", *(int(text[i : i + 16], 16) for i in range(0, 64, 16)))


def last_word(raw: bytes) -> int:
    """The hash's last 8 bytes as a little-endian u64 (the value `%` applies to in xet-core)."""
    return int(struct.unpack_from("<Q", raw, 24)[0])


def chunk_hash(data: bytes) -> bytes:
    return blake3.blake3(data, key=DATA_KEY).digest()


def _merge(nodes: list[tuple[bytes, int]]) -> tuple[bytes, int]:
    text = "".join(f"{hash_hex(h)} : {size}\n" for h, size in nodes)
    return blake3.blake3(text.encode(), key=INTERNAL_NODE_KEY).digest(), sum(size for _, size in nodes)


def _next_cut(nodes: list[tuple[bytes, int]], start: int) -> int:
    """End (exclusive) of the group starting at `start`: 2 to 9 nodes, cut after a node whose hash % 4 == 0."""
    left = len(nodes) - start
    if left <= 2:
        return len(nodes)
    end = min(9, left)
    for i in range(2, end):
        if last_word(nodes[start + i][0]) % 4 == 0:
            return start + i + 1
    return start + end


def merkle_root(chunks: list[tuple[bytes, int]]) -> bytes:
    """The aggregated hash of (chunk hash, size) pairs: the xorb hash (hashing.md "Xorb Hashes")."""
    if not chunks:
        return ZERO_KEY
    nodes = list(chunks)
    while len(nodes) > 1:
        merged, start = [], 0
        while start < len(nodes):
            end = _next_cut(nodes, start)
            merged.append(_merge(nodes[start:end]))
            start = end
        nodes = merged
    return nodes[0][0]


def file_hash(chunks: list[tuple[bytes, int]]) -> bytes:
    """The file hash: the Merkle root keyed-hashed with 32 zero bytes; zeros for an empty file (hashing.md)."""
    if not chunks:
        return ZERO_KEY
    return blake3.blake3(merkle_root(chunks), key=ZERO_KEY).digest()


def verification_hash(chunk_hashes: list[bytes]) -> bytes:
    """A term's verification hash: the raw chunk hashes concatenated, keyed with VERIFICATION_KEY (hashing.md)."""
    return blake3.blake3(b"".join(chunk_hashes), key=VERIFICATION_KEY).digest()


def hmac_hash(raw: bytes, key: bytes) -> bytes:
    """A chunk hash protected with a dedup shard's HMAC key (blake3 keyed hash; shard.md "HMAC Key Protection")."""
    return blake3.blake3(raw, key=key).digest()


# --- xorbs -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class XorbChunk:
    """One chunk of a serialized xorb: its hash, raw size, and where its header starts and its data ends."""

    hash: bytes
    size: int
    start: int
    end: int


def _ungroup4(data: bytes) -> bytes:
    """Undo byte grouping: group k holds bytes k, k+4, k+8, ... (the first `len % 4` groups one more)."""
    n = len(data)
    split, rem = divmod(n, 4)
    sizes = [split + (1 if k < rem else 0) for k in range(4)]
    out = bytearray(n)
    offset = 0
    for k, size in enumerate(sizes):
        out[k::4] = data[offset : offset + size]
        offset += size
    return bytes(out)


def decompress_chunk(scheme: int, payload: bytes, size: int) -> bytes:
    """A chunk's raw bytes from its compressed payload (xorb.md "Chunk Compression Schemes")."""
    try:
        if scheme == 0:
            data = payload
        elif scheme == 1:
            data = lz4.frame.decompress(payload)
        elif scheme == 2:
            data = _ungroup4(lz4.frame.decompress(payload))
        else:
            raise FormatError(f"unknown chunk compression scheme {scheme}")
    except RuntimeError as e:  # lz4's error for a corrupt frame
        raise FormatError(f"chunk does not decompress: {e}") from e
    if len(data) != size:
        raise FormatError(f"chunk decompresses to {len(data)} bytes, its header says {size}")
    return data


def read_chunk(body: bytes, offset: int) -> tuple[bytes, int]:
    """The raw bytes of the chunk whose header is at `offset`, and where the next one starts."""
    if offset + 8 > len(body):
        raise FormatError(f"truncated chunk header at byte {offset}")
    version = body[offset]
    compressed = int.from_bytes(body[offset + 1 : offset + 4], "little")
    scheme = body[offset + 4]
    size = int.from_bytes(body[offset + 5 : offset + 8], "little")
    if version != 0:
        raise FormatError(f"chunk header version {version} at byte {offset} (0 expected)")
    if size > MAX_CHUNK_BYTES or compressed > MAX_CHUNK_BYTES + 1024:
        raise FormatError(f"chunk at byte {offset} is over 128 KiB")
    end = offset + 8 + compressed
    if end > len(body):
        raise FormatError(f"chunk at byte {offset} runs past the end of the xorb")
    return decompress_chunk(scheme, body[offset + 8 : end], size), end


def parse_xorb(body: bytes) -> list[XorbChunk]:
    """Every chunk of a serialized xorb, hashed from its decompressed bytes. A trailing metadata section
    (``XETBLOB`` ...) that xet-core appends is allowed; anything else that is not a chunk is refused."""
    if len(body) > MAX_XORB_BODY:
        raise FormatError(f"xorb of {len(body)} bytes is over the 64 MiB limit")
    chunks: list[XorbChunk] = []
    offset = raw = 0
    while offset < len(body) and not body.startswith(XORB_INFO_IDENT, offset):
        data, end = read_chunk(body, offset)
        chunks.append(XorbChunk(chunk_hash(data), len(data), offset, end))
        offset, raw = end, raw + len(data)
    if not chunks:
        raise FormatError("a xorb holds at least one chunk")
    if raw > MAX_XORB_BYTES or len(chunks) > MAX_XORB_CHUNKS:
        raise FormatError(f"xorb of {len(chunks)} chunks, {raw} bytes is over the limit (8,192 chunks, 64 MiB)")
    return chunks


# --- shards ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Term:
    """One term of a file reconstruction: chunks [start, end) of a xorb, `size` raw bytes."""

    xorb: bytes
    size: int
    start: int
    end: int


@dataclass
class FileInfo:
    """A file info block: its hash, terms, verification hashes (one per term) and sha256 (metadata ext)."""

    hash: bytes
    terms: list[Term]
    verification: list[bytes] = field(default_factory=list)
    sha256: bytes | None = None

    @property
    def size(self) -> int:
        return sum(t.size for t in self.terms)


@dataclass
class CasInfo:
    """A CAS info block: a xorb, its chunks (hash, byte start, raw size) and its sizes."""

    hash: bytes
    chunks: list[tuple[bytes, int, int]]
    raw_bytes: int
    disk_bytes: int


@dataclass
class Shard:
    files: list[FileInfo]
    xorbs: list[CasInfo]


class _Reader:
    def __init__(self, body: bytes) -> None:
        self.body = body
        self.pos = 0

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.body):
            raise FormatError(f"shard truncated at byte {self.pos} (needs {n} more bytes)")
        out = self.body[self.pos : self.pos + n]
        self.pos += n
        return out


def parse_shard(body: bytes) -> Shard:
    """A shard as uploaded (shard.md: header, file info section, CAS info section, footer usually omitted)."""
    reader = _Reader(body)
    tag, version, footer_size = struct.unpack("<32sQQ", reader.take(48))
    if tag != SHARD_HEADER_TAG:
        raise FormatError("not a shard: wrong header tag")
    if version != SHARD_HEADER_VERSION:
        raise FormatError(f"shard header version {version} (2 expected)")
    files: list[FileInfo] = []
    while True:
        entry = reader.take(ENTRY_SIZE)
        if entry == BOOKEND:
            break
        fhash, flags, count = struct.unpack_from("<32sII", entry)
        terms = []
        for _ in range(count):
            xorb, _flags, size, start, end = struct.unpack("<32sIIII", reader.take(ENTRY_SIZE))
            if end <= start:
                raise FormatError(f"file {hash_hex(fhash)}: empty chunk range [{start}, {end})")
            terms.append(Term(xorb, size, start, end))
        info = FileInfo(fhash, terms)
        if flags & FLAG_WITH_VERIFICATION:
            info.verification = [reader.take(ENTRY_SIZE)[:32] for _ in range(count)]
        if flags & FLAG_WITH_METADATA_EXT:
            info.sha256 = reader.take(ENTRY_SIZE)[:32]
        files.append(info)
    xorbs: list[CasInfo] = []
    while True:
        entry = reader.take(ENTRY_SIZE)
        if entry == BOOKEND:
            break
        xhash, _flags, count, raw_bytes, disk_bytes = struct.unpack("<32sIIII", entry)
        chunks = []
        for _ in range(count):
            chash, byte_start, size = struct.unpack_from("<32sII", reader.take(ENTRY_SIZE))
            chunks.append((chash, byte_start, size))
        xorbs.append(CasInfo(xhash, chunks, raw_bytes, disk_bytes))
    rest = len(body) - reader.pos
    if rest not in (0, footer_size) or (rest and footer_size != SHARD_FOOTER_SIZE):
        raise FormatError(f"{rest} unexpected bytes after the shard's CAS info section")
    if any(f.verification for f in files) and not all(f.verification for f in files):
        raise FormatError("only some files of the shard have verification entries")
    return Shard(files, xorbs)


def _first_word(raw: bytes) -> int:
    return int(struct.unpack_from("<Q", raw)[0])


def dedup_shard(xorbs: list[CasInfo], hmac_key: bytes, created: int, expiry: int) -> bytes:
    """A global dedup answer (shard.md "Global Deduplication"): no files, the xorbs' CAS info with chunk
    hashes HMAC-protected by `hmac_key`, then the lookup tables and the 200-byte footer that carries the key
    and the expiry. The footer's words that shard.md lists as reserved are, as xet-core reads them
    (``metadata_shard/shard_format.rs`` MDBShardFileFooter), the offsets and sizes of three sorted lookup
    tables (file, xorb, chunk: the hash's first word, then the entry index), which clients need to read it."""
    out = bytearray(struct.pack("<32sQQ", SHARD_HEADER_TAG, SHARD_HEADER_VERSION, SHARD_FOOTER_SIZE))
    file_info_offset = len(out)
    out += BOOKEND
    cas_info_offset = len(out)
    xorb_lookup: list[tuple[int, int]] = []
    chunk_lookup: list[tuple[int, int, int]] = []
    index = 0
    for xorb in sorted(xorbs, key=lambda x: x.hash):
        xorb_lookup.append((_first_word(xorb.hash), index))
        out += struct.pack("<32sIIII", xorb.hash, 0, len(xorb.chunks), xorb.raw_bytes, xorb.disk_bytes)
        for number, (chash, byte_start, size) in enumerate(xorb.chunks):
            protected = hmac_hash(chash, hmac_key)
            chunk_lookup.append((_first_word(protected), index, number))
            out += struct.pack("<32sII8x", protected, byte_start, size)
        index += 1 + len(xorb.chunks)
    out += BOOKEND
    file_lookup_offset = len(out)  # no files
    xorb_lookup_offset = len(out)
    for key, position in sorted(xorb_lookup):
        out += struct.pack("<QI", key, position)
    chunk_lookup_offset = len(out)
    for key, position, number in sorted(chunk_lookup):
        out += struct.pack("<QII", key, position, number)
    footer_offset = len(out)
    raw_bytes = sum(x.raw_bytes for x in xorbs)
    out += struct.pack("<9Q32sQQ48xQQQQ", SHARD_FOOTER_VERSION, file_info_offset, cas_info_offset,
                       file_lookup_offset, 0, xorb_lookup_offset, len(xorb_lookup), chunk_lookup_offset,
                       len(chunk_lookup), hmac_key, created, expiry, sum(x.disk_bytes for x in xorbs), raw_bytes,
                       raw_bytes, footer_offset)
    return bytes(out)
