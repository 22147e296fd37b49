"""Wire cost of a backend with binary and large files (issue 13): a 2 MiB .png, a .pkl, a .npy and a 50 MiB
data file beside the example backend, deployed with the real `pulumi up` to localhub (Xet on, the default;
`HF_HUB_DISABLE_XET=1` in the environment measures git-LFS instead). Prints request bytes, commits, Xet
xorb and LFS uploads for: first deploy, refresh + no-change up, a one-line text edit; and the peak RSS of
the program and of the dynamic provider during the first deploy.

    .venv/bin/python -m bench.lfs_deploy

Figures, not a test (tests/e2e/test_lfs_files.py asserts the behaviour).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from bench.common import OWNER, Stack, copy_project, human_bytes, localhub, machine_summary

MIB = 1024 * 1024
LFS_PUT = "PUT /_lfs/upload/{object}"
XORB_POST = "POST /cas/v1/xorbs/{prefix}/{xorb}"


def _assets(backend: Path) -> int:
    files = {
        "app/static/logo.png": b"\x89PNG\r\n\x1a\n" + os.urandom(2 * MIB),
        "app/models/clf.pkl": b"\x80\x04\x95" + os.urandom(4000),
        "app/models/vectors.npy": b"\x93NUMPY\x01\x00" + bytes(3000),
        "app/data/corpus.dat": os.urandom(50 * MIB),
    }
    for path, data in files.items():
        (backend / path).parent.mkdir(parents=True, exist_ok=True)
        (backend / path).write_bytes(data)
    return sum(len(d) for d in files.values())


def _line(what: str, stats: dict[str, Any]) -> str:
    requests = stats["requests"]
    return (f"| {what} | {human_bytes(float(stats['request_bytes']))} | {sum(stats['commits'].values())} "
            f"| {requests.get(XORB_POST, 0)} | {requests.get(LFS_PUT, 0)} | {stats['total_requests']} |")


def main() -> None:
    print("\n".join(machine_summary()))
    with tempfile.TemporaryDirectory() as tmp, localhub(Path(tmp) / "hub") as (hub, token):
        workdir = copy_project(Path(tmp) / "project")
        assets = _assets(workdir / "backend")
        stack = Stack.create(workdir, Path(tmp) / "state")
        stack.config_set_many({"hfOwner": OWNER, "spaceName": "lfs-bench", "hubEndpoint": hub.endpoint,
                               "backendDir": "backend", "frontendUrl": "https://my-app.example.com",
                               "healthCheck": "false"})
        stack.config_set("hfToken", token, secret=True)
        print(f"\nLFS assets: {human_bytes(assets)} in 4 files\n")
        print("| operation | request bytes | commits | Xet xorb uploads | LFS uploads | requests |")
        print("|---|---|---|---|---|---|")
        hub.reset_stats()
        first = stack.up(sample=True)
        print(_line("first deploy", hub.stats()))
        hub.reset_stats()
        stack.run("refresh", "--yes")
        stack.assert_no_change(stack.up())
        print(_line("refresh + no-change up", hub.stats()))
        main_py = workdir / "backend" / "app" / "main.py"
        main_py.write_text(main_py.read_text() + "\n# one-line edit\n")
        hub.reset_stats()
        stack.up()
        print(_line("one text file edited", hub.stats()))
        provider = f"{first.provider_peak_kb / 1024:.0f} MiB" if first.provider_peak_kb else "not sampled"
        print(f"\nfirst deploy: {first.seconds:.1f} s; peak RSS program {first.program_peak_kb / 1024:.0f} MiB, "
              f"provider {provider}")


if __name__ == "__main__":
    main()
