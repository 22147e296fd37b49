"""Binary and large files end to end (issue 13): the real pulumi CLI deploys a backend holding a 2 MiB
.png, a .pkl, a .npy and a 50 MiB data file to localhub, which stores them as LFS like the Hub. One
commit; the tree lists them as LFS; refresh then `preview --expect-no-changes` are clean (no false drift
from pointer oids); a one-file text edit commits only that file and re-sends no LFS content."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from huggingface_hub.hf_api import RepoFile

from tests.e2e.conftest import OWNER, Hub
from tests.e2e.pulumi_cli import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]
SPACE = f"{OWNER}/rag-chatbot"
MIB = 1024 * 1024


def _write(path: Path, data: bytes) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def test_binary_and_large_files_go_as_lfs_without_false_drift(project: Stack, hub: Hub) -> None:
    backend = project.workdir / "backend"
    expected = {
        "app/static/logo.png": _write(backend / "app/static/logo.png", b"\x89PNG\r\n\x1a\n" + os.urandom(2 * MIB)),
        "app/models/clf.pkl": _write(backend / "app/models/clf.pkl", b"\x80\x04\x95" + os.urandom(4000)),
        "app/models/vectors.npy": _write(backend / "app/models/vectors.npy", b"\x93NUMPY\x01\x00" + bytes(3000)),
        "app/data/corpus.dat": _write(backend / "app/data/corpus.dat", os.urandom(50 * MIB)),
    }
    preview = project.preview()
    assert "4 file(s) will be stored as LFS/Xet on the Hub" in preview.stdout + preview.stderr
    assert hub.stats()["write_requests"] == 0

    project.up()
    stats = hub.stats()
    assert stats["commits"] == {SPACE: 1}
    assert stats["requests"]["PUT /_lfs/upload/{object}"] == 4
    tree = {e.path: e for e in hub.api().list_repo_tree(SPACE, repo_type="space", recursive=True)}
    for path, sha in expected.items():
        entry = tree[path]
        assert isinstance(entry, RepoFile) and entry.lfs is not None and entry.lfs.sha256 == sha, path

    # Refresh compares LFS files by sha256: nothing drifted, nothing to do.
    hub.reset_stats()
    project.refresh()
    project.preview("--expect-no-changes")
    assert hub.stats()["mutating_requests"] == 0

    # One text file edited: one commit of that file; no LFS content travels again.
    main_py = backend / "app" / "main.py"
    main_py.write_text(main_py.read_text() + "\n# a one-line edit\n")
    hub.reset_stats()
    project.up()
    stats = hub.stats()
    assert stats["commits"] == {SPACE: 1} and stats["files_committed"] == {SPACE: 1}
    assert "PUT /_lfs/upload/{object}" not in stats["requests"]
    assert stats["request_bytes"] < 256 * 1024, stats["request_bytes"]
