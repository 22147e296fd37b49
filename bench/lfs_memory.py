"""localhub's LFS path at scale: a random file of N MiB uploaded with the unmodified huggingface_hub client
(``upload_file``, Xet disabled so the git-lfs batch API is used) and downloaded with ``hf_hub_download``;
prints throughput and localhub's peak RSS growth (``VmHWM`` after ``clear_refs``), which must stay flat.

    .venv/bin/python -m bench.lfs_memory --sizes 50,256,1024

Figures, not a test (the 50 MiB case is asserted in tests/hub/test_lfs.py).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_DISABLE_XET", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

MIB = 1024 * 1024


def _kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def _random_file(path: Path, size_mib: int) -> str:
    digest = hashlib.sha256()
    with path.open("wb") as handle:
        for _ in range(size_mib):
            chunk = os.urandom(MIB)
            digest.update(chunk)
            handle.write(chunk)
    return digest.hexdigest()


def run(size_mib: int) -> str:
    from huggingface_hub import HfApi, hf_hub_download

    from localhub import serve

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        sha = _random_file(root / "data.bin", size_mib)
        with serve(root / "hub", tokens={"t": "alice"}) as hub:
            assert hub.process is not None
            pid = hub.process.pid
            api = HfApi(endpoint=hub.endpoint, token="t")
            api.create_repo("alice/big", repo_type="space", space_sdk="docker")
            Path(f"/proc/{pid}/clear_refs").write_text("5")
            base = _kib(pid, "VmRSS")
            start = time.monotonic()
            api.upload_file(path_or_fileobj=str(root / "data.bin"), path_in_repo="data.bin", repo_id="alice/big",
                            repo_type="space")
            up = time.monotonic() - start
            start = time.monotonic()
            path = hf_hub_download("alice/big", "data.bin", repo_type="space", endpoint=hub.endpoint, token="t",
                                   cache_dir=str(root / "cache"))
            down = time.monotonic() - start
            growth = (_kib(pid, "VmHWM") - base) / 1024
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            while chunk := handle.read(MIB):
                digest.update(chunk)
        same = "byte-exact" if digest.hexdigest() == sha else "MISMATCH"
    return (f"| {size_mib} MiB | {up:.1f} s ({size_mib / up:.0f} MiB/s) "
            f"| {down:.1f} s ({size_mib / down:.0f} MiB/s) | {growth:+.1f} MiB | {same} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="50,256,1024", help="MiB, comma-separated")
    args = parser.parse_args()
    print("| file | upload (sha256, batch, PUT, verify, commit) | download | localhub peak RSS growth | content |")
    print("|---|---|---|---|---|")
    for size in (int(s) for s in args.sizes.split(",")):
        print(run(size), flush=True)


if __name__ == "__main__":
    main()
