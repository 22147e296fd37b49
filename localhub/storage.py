"""Git-like object store: content-addressed blobs and commits, repo metadata, atomically published refs.

Layout under the data dir::

    objects/ab/cdef...                  blobs (keyed by git blob SHA-1) and commits (JSON, keyed by SHA-1)
    lfs/ab/cd/<sha256>                  LFS objects (content keyed by sha256, written by streaming)
    repos/<type>/<ns>/<name>/repo.json  repo metadata (visibility, sdk, Space settings, secrets, variables)
    repos/<type>/<ns>/<name>/refs/main  head commit id of the branch

A commit writes every object first and publishes the ref last with ``os.replace``, so a crash mid-commit
leaves the previous head intact (at worst a few unreferenced objects).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from localhub.errors import HubError, entry_not_found, revision_not_found
from localhub.timeutil import now_iso

#: The Hub's default ``.gitattributes`` of a new repo: 35 binary patterns routed to LFS
#: (localhub/README.md "2026 behaviours"; HFH tests ``TestHfApiDuplicateSpace``; public copies of the default file).
LFS_PATTERNS = (
    "*.7z", "*.arrow", "*.bin", "*.bz2", "*.ckpt", "*.ftz", "*.gz", "*.h5", "*.joblib", "*.lfs.*", "*.mlmodel",
    "*.model", "*.msgpack", "*.npy", "*.npz", "*.onnx", "*.ot", "*.parquet", "*.pb", "*.pickle", "*.pkl", "*.pt",
    "*.pth", "*.rar", "*.safetensors", "saved_model/**/*", "*.tar.*", "*.tar", "*.tflite", "*.tgz", "*.wasm",
    "*.xz", "*.zip", "*.zst", "*tfevents*",
)  # fmt: skip
GITATTRIBUTES = "".join(f"{p} filter=lfs diff=lfs merge=lfs -text\n" for p in LFS_PATTERNS).encode()
LFS_POINTER = "version https://git-lfs.github.com/spec/v1\noid sha256:{sha256}\nsize {size}\n"


def space_readme(name: str, sdk: str) -> bytes:
    """The README.md the Hub generates for a new Space (front matter + a pointer to the config reference)."""
    return (
        f"---\ntitle: {name}\nemoji: 🚀\ncolorFrom: blue\ncolorTo: green\nsdk: {sdk}\npinned: false\n---\n\n"
        "Check out the configuration reference at https://huggingface.co/docs/hub/spaces-config-reference\n"
    ).encode()


def lfs_pointer(sha256: str, size: int) -> bytes:
    """The git-lfs pointer file of a content (localhub/README.md: ``version ...\\noid sha256:<hex>\\nsize <n>\\n``)."""
    return LFS_POINTER.format(sha256=sha256, size=size).encode()


def git_blob_sha1(content: bytes) -> str:
    """The git blob id of ``content``: ``sha1(b"blob <len>\\0" + content)``."""
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


@dataclass(frozen=True)
class RepoKey:
    """Identifies a repo: type (``space``, ``model``, ``dataset``), namespace and name."""

    type: str
    namespace: str
    name: str

    @property
    def repo_id(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True)
class FileEntry:
    """A file of a tree: git blob id and content size; for an LFS file ``oid`` is the blob id of its
    pointer and ``lfs`` the sha256 of the content (HFH-2.4 ``_commit_api.py``, ``hf_api.py`` RepoFile)."""

    oid: str
    size: int
    lfs: str | None = None
    #: The Xet file hash when the content was uploaded through Xet (listed as ``xetHash``; routes_xet.py).
    xet: str | None = None

    @property
    def pointer_size(self) -> int:
        return len(lfs_pointer(self.lfs or "", self.size))

    def to_json(self) -> list[Any]:
        if self.xet is not None:
            return [self.oid, self.size, self.lfs, self.xet]
        return [self.oid, self.size] if self.lfs is None else [self.oid, self.size, self.lfs]


@dataclass
class Commit:
    """A commit: the full flat tree (path -> blob), its parents and message."""

    id: str
    parents: list[str]
    tree: dict[str, FileEntry]
    title: str
    message: str
    authors: list[str]
    date: str


@dataclass
class AddFile:
    path: str
    content: bytes


@dataclass
class AddLfsFile:
    """An ``lfsFile`` commit line: the content must have been uploaded through the LFS batch API."""

    path: str
    sha256: str
    size: int | None


@dataclass
class DeleteFile:
    path: str


@dataclass
class DeleteFolder:
    path: str


Operation = AddFile | AddLfsFile | DeleteFile | DeleteFolder


def _atomic_write(path: Path, data: bytes, fsync: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            if fsync:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def validate_path(path: str) -> str:
    """Reject paths git or the Hub would refuse (422, like the real Hub).

    A path that starts with a ``..`` part before a backslash (``..\\ddd``) is refused too: the Hub forbids it
    (HFH ``tests/test_hf_api.py`` ``test_create_file_with_relative_path``, HackerOne report 1928845), yet it
    accepts ``folder/..\\..\\file``, which the Hub's own download tests upload and the client then refuses to
    write to disk (HFH ``tests/test_file_download.py`` ``TestHfHubDownloadRelativePaths``)."""
    parts = path.split("/")
    if not path or path.startswith("/") or any(p in ("", ".", "..") for p in parts) or parts[0] == ".git":
        raise HubError(422, f"Invalid path in repository: {path!r}")
    if parts[0].split("\\")[0] == "..":
        raise HubError(422, f"Invalid path in repository: {path!r} (it starts with '..')")
    return path


def delete_path(tree: dict[str, FileEntry], path: str, folder: bool) -> None:
    """Apply a ``deletedFile`` (``folder`` False) or ``deletedFolder`` line to ``tree``.

    A ``deletedFile`` naming a folder deletes that folder, as the Hub does since 2024 (HFH PR #2259:
    ``test_create_commit_implicit_delete_folder_is_ok`` replaced the test expecting an error). A path that is
    neither is 404 ``EntryNotFound``."""
    if not folder and tree.pop(path, None) is not None:
        return
    prefix = path.rstrip("/") + "/"
    doomed = [p for p in tree if p.startswith(prefix)]
    if not doomed:
        what = "folder" if folder else "file"
        raise entry_not_found(f"{path}: A {what} with this name doesn't exist")
    for p in doomed:
        del tree[p]


@dataclass
class Store:
    """The on-disk state of every repo."""

    root: Path
    _locks: dict[RepoKey, threading.Lock] = field(default_factory=dict)
    _meta_lock: threading.RLock = field(default_factory=threading.RLock)
    #: sha256 -> the Xet file hash registered with it (set by the Hub to its CAS index; cas.py).
    xet_index: Callable[[str], str | None] = lambda _sha256: None

    def __post_init__(self) -> None:
        self.root = Path(self.root)
        (self.root / "objects").mkdir(parents=True, exist_ok=True)
        (self.root / "repos").mkdir(parents=True, exist_ok=True)

    # ---- objects
    def _object_path(self, oid: str) -> Path:
        return self.root / "objects" / oid[:2] / oid[2:]

    def put_blob(self, content: bytes) -> str:
        oid = git_blob_sha1(content)
        path = self._object_path(oid)
        if not path.exists():
            _atomic_write(path, content)
        return oid

    def read_blob(self, oid: str) -> bytes:
        return self._object_path(oid).read_bytes()

    # ---- LFS objects (streamed: never held whole in memory)
    def lfs_path(self, sha256: str) -> Path:
        return self.root / "lfs" / sha256[:2] / sha256[2:4] / sha256

    def has_lfs(self, sha256: str) -> bool:
        return len(sha256) == 64 and self.lfs_path(sha256).is_file()

    def lfs_writer(self) -> LfsWriter:
        (self.root / "lfs").mkdir(exist_ok=True)
        return LfsWriter(self)

    def file_path(self, entry: FileEntry) -> Path:
        """Where a tree entry's content is: the LFS object or the git blob."""
        return self.lfs_path(entry.lfs) if entry.lfs else self._object_path(entry.oid)

    def read_file(self, entry: FileEntry) -> bytes:
        return self.file_path(entry).read_bytes()

    def blob_path(self, oid: str) -> Path:
        return self._object_path(oid)

    def _put_commit(self, body: dict[str, Any]) -> str:
        raw = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
        oid = hashlib.sha1(b"commit %d\0" % len(raw) + raw).hexdigest()
        _atomic_write(self._object_path(oid), raw, fsync=True)
        return oid

    def read_commit(self, oid: str) -> Commit:
        body = json.loads(self._object_path(oid).read_bytes())
        tree = {p: FileEntry(*e) for p, e in body["tree"].items()}
        return Commit(oid, body["parents"], tree, body["title"], body["message"], body["authors"], body["date"])

    def has_commit(self, oid: str) -> bool:
        return len(oid) == 40 and self._object_path(oid).is_file()

    # ---- repos
    def _repo_dir(self, key: RepoKey) -> Path:
        return self.root / "repos" / key.type / key.namespace / key.name

    def lock(self, key: RepoKey) -> threading.Lock:
        with self._meta_lock:
            return self._locks.setdefault(key, threading.Lock())

    def get_meta(self, key: RepoKey) -> dict[str, Any] | None:
        path = self._repo_dir(key) / "repo.json"
        try:
            return dict(json.loads(path.read_bytes()))
        except FileNotFoundError:
            return None

    def list_repos(self) -> Iterator[RepoKey]:
        for meta_path in sorted((self.root / "repos").glob("*/*/*/repo.json")):
            rtype, ns, name = meta_path.parts[-4:-1]
            yield RepoKey(rtype, ns, name)

    def find_repo(self, key: RepoKey) -> RepoKey | None:
        """The stored repo ``key`` names, ignoring case as the Hub's API does (``user/Repo`` is ``user/repo``:
        HFH ``tests/test_hf_api.py`` ``test_create_commit_repo_id_case_insensitive``, issue #1371); None if none."""
        if self.get_meta(key) is not None:
            return key
        wanted = key.repo_id.lower()
        return next((k for k in self.list_repos() if k.type == key.type and k.repo_id.lower() == wanted), None)

    def create_repo(self, key: RepoKey, meta: dict[str, Any], author: str) -> bool:
        """Create the repo with an initial commit (the default ``.gitattributes``, and for a Space the
        generated ``README.md``); False if it already exists, in any letter case (ids are case-insensitive)."""
        with self._meta_lock:
            if self.find_repo(key) is not None:
                return False
            files = {".gitattributes": GITATTRIBUTES}
            if key.type == "space":
                files["README.md"] = space_readme(key.name, str(meta.get("sdk") or "docker"))
            sha = self._put_commit(
                {
                    "parents": [],
                    "tree": {p: [self.put_blob(c), len(c)] for p, c in files.items()},
                    "title": "initial commit",
                    "message": "",
                    "authors": [author],
                    "date": now_iso(),
                }
            )
            repo_dir = self._repo_dir(key)
            _atomic_write(repo_dir / "refs" / "main", sha.encode(), fsync=True)
            _atomic_write(repo_dir / "repo.json", json.dumps(meta, indent=1).encode(), fsync=True)
            return True

    def update_meta(self, key: RepoKey, change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
        """Apply ``change`` to the metadata and write it back atomically."""
        with self._meta_lock:
            meta = self.get_meta(key)
            if meta is None:
                raise KeyError(key)
            change(meta)
            _atomic_write(self._repo_dir(key) / "repo.json", json.dumps(meta, indent=1).encode(), fsync=True)
            return meta

    def delete_repo(self, key: RepoKey) -> bool:
        with self._meta_lock:
            repo_dir = self._repo_dir(key)
            if not (repo_dir / "repo.json").exists():
                return False
            trash = self.root / "trash" / uuid.uuid4().hex
            trash.parent.mkdir(exist_ok=True)
            os.replace(repo_dir, trash)
        shutil.rmtree(trash, ignore_errors=True)
        return True

    # ---- refs and commits
    def head(self, key: RepoKey, branch: str = "main") -> str | None:
        try:
            return (self._repo_dir(key) / "refs" / branch).read_text().strip()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return None

    def resolve(self, key: RepoKey, revision: str) -> str:
        """A branch name or 40-hex commit id (of this repo's history) to a commit id."""
        if "/" not in revision and revision not in ("", ".", ".."):
            sha = self.head(key, revision)
            if sha:
                return sha
        rev = revision.lower()
        if len(rev) == 40 and all(c in "0123456789abcdef" for c in rev) and self.has_commit(rev):
            return rev
        raise revision_not_found(revision)

    def history(self, sha: str) -> Iterator[Commit]:
        current: str | None = sha
        while current:
            commit = self.read_commit(current)
            yield commit
            current = commit.parents[0] if commit.parents else None

    def commit(
        self,
        key: RepoKey,
        operations: list[Operation],
        title: str,
        message: str,
        author: str,
        branch: str = "main",
        parent: str | None = None,
    ) -> tuple[str, bool]:
        """Apply ``operations`` on top of the branch head and publish the new commit.

        Returns ``(commit id, created)``; a commit that changes nothing creates nothing and returns the head.
        """
        with self.lock(key):
            head = self.head(key, branch)
            if head is None:
                raise revision_not_found(branch)
            if parent is not None and not head.startswith(parent.lower()):
                raise HubError(412, "The branch was updated since you opened this page. Please refresh and try again.")
            old_tree = self.read_commit(head).tree
            tree = dict(old_tree)
            for op in operations:
                if isinstance(op, AddFile):
                    tree[validate_path(op.path)] = FileEntry(self.put_blob(op.content), len(op.content))
                elif isinstance(op, AddLfsFile):
                    tree[validate_path(op.path)] = self._lfs_entry(op)
                else:
                    delete_path(tree, op.path, folder=isinstance(op, DeleteFolder))
            if tree == old_tree:
                return head, False
            sha = self._put_commit(
                {
                    "parents": [head],
                    "tree": {p: e.to_json() for p, e in sorted(tree.items())},
                    "title": title,
                    "message": message,
                    "authors": [author],
                    "date": now_iso(),
                }
            )
            _atomic_write(self._repo_dir(key) / "refs" / branch, sha.encode(), fsync=True)
            return sha, True

    def _lfs_entry(self, op: AddLfsFile) -> FileEntry:
        sha = op.sha256.lower()
        if not self.has_lfs(sha):
            raise HubError(
                400, f"Your push was rejected: the LFS object {sha} of {op.path!r} was not uploaded (LFS batch API)"
            )
        size = self.lfs_path(sha).stat().st_size
        if op.size is not None and op.size != size:
            raise HubError(400, f"LFS object {sha} of {op.path!r} has {size} bytes, the commit says {op.size}")
        return FileEntry(self.put_blob(lfs_pointer(sha, size)), size, sha, self.xet_index(sha))

    def materialize(self, sha: str, dest: Path) -> None:
        """Write the files of commit ``sha`` into ``dest`` (created, must not exist)."""
        tmp = dest.with_name(dest.name + ".tmp-" + uuid.uuid4().hex[:8])
        for path, entry in self.read_commit(sha).tree.items():
            target = tmp / path
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self.file_path(entry), target)
        tmp.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, dest)


class LfsWriter:
    """Streams one LFS upload to a temp file while hashing it; ``finish`` publishes it under its sha256."""

    def __init__(self, store: Store) -> None:
        self.store = store
        fd, tmp = tempfile.mkstemp(dir=store.root / "lfs", prefix=".upload-")
        self.tmp = Path(tmp)
        self.file = os.fdopen(fd, "wb")
        self.hasher = hashlib.sha256()
        self.size = 0

    def write(self, chunk: bytes) -> None:
        self.file.write(chunk)
        self.hasher.update(chunk)
        self.size += len(chunk)

    def finish(self, sha256: str, size: int) -> None:
        """Publish the object if it is what was announced; HubError 400 otherwise (nothing kept)."""
        self.file.close()
        try:
            got = self.hasher.hexdigest()
            if got != sha256 or self.size != size:
                raise HubError(400, f"LFS upload mismatch: got sha256 {got} ({self.size} bytes), expected {sha256}")
            target = self.store.lfs_path(sha256)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.tmp, target)
        finally:
            self.tmp.unlink(missing_ok=True)

    def abort(self) -> None:
        self.file.close()
        self.tmp.unlink(missing_ok=True)
