"""Bytes sent for a small edit of a big binary: Xet (hf_xet on, the default) against git-LFS
(``HF_HUB_DISABLE_XET=1``). For each size, the example backend plus one random binary of that size is
deployed with the real `pulumi up` to localhub, then 100 bytes in the middle of the binary are changed and
`pulumi up` runs again. Printed per contender: the first deploy's and the edit's request bytes received by
localhub (all routes), by its Xet CAS alone, and the commits. The stack's hf_xet cache (HF_HOME) is its own,
kept between the two runs as on a user's machine.

    .venv/bin/python -m bench.xet_edit [--sizes 12,64]

Figures, not a test (tests/e2e/test_lfs_files.py asserts the behaviour).
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from typing import Any

from bench.common import OWNER, Stack, copy_project, human_bytes, localhub, machine_summary

MIB = 1024 * 1024
EDIT_BYTES = 100


def _cas_bytes(stats: dict[str, Any]) -> int:
    return sum(int(n) for route, n in stats["request_bytes_by_route"].items() if " /cas/" in route)


def _run(tmp: Path, size_mib: int, xet: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    with localhub(tmp / "hub") as (hub, token):
        workdir = copy_project(tmp / "project")
        binary = workdir / "backend" / "app" / "models" / "model.safetensors"
        binary.parent.mkdir(parents=True, exist_ok=True)
        data = bytearray(os.urandom(size_mib * MIB))
        binary.write_bytes(bytes(data))
        stack = Stack.create(workdir, tmp / "state")
        stack.env["HF_HOME"] = str(tmp / "hf-home")
        if xet:
            stack.env.pop("HF_HUB_DISABLE_XET", None)
        else:
            stack.env["HF_HUB_DISABLE_XET"] = "1"
        stack.config_set_many({"hfOwner": OWNER, "spaceName": "xet-bench", "hubEndpoint": hub.endpoint,
                               "backendDir": "backend", "frontendUrl": "https://my-app.example.com",
                               "healthCheck": "false"})
        stack.config_set("hfToken", token, secret=True)
        hub.reset_stats()
        stack.up()
        first = hub.stats()
        middle = len(data) // 2
        data[middle : middle + EDIT_BYTES] = os.urandom(EDIT_BYTES)
        binary.write_bytes(bytes(data))
        hub.reset_stats()
        stack.up()
        return first, hub.stats()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="12,64", help="binary sizes in MiB, comma-separated")
    args = parser.parse_args()
    print("\n".join(machine_summary()))
    print(f"\nA {EDIT_BYTES}-byte edit in the middle of one binary beside the example backend, real `pulumi up`.\n")
    print("| binary | path | first deploy: bytes (CAS) | edit: bytes received | of which CAS | edit commits |")
    print("|---|---|---|---|---|---|")
    for size in (int(s) for s in args.sizes.split(",")):
        for xet in (True, False):
            with tempfile.TemporaryDirectory() as tmp:
                first, edit = _run(Path(tmp), size, xet)
            print(f"| {size} MiB | {'Xet' if xet else 'git-LFS'} | {human_bytes(first['request_bytes'])} "
                  f"({human_bytes(_cas_bytes(first))}) | {human_bytes(edit['request_bytes'])} | "
                  f"{human_bytes(_cas_bytes(edit))} | {sum(edit['commits'].values())} |", flush=True)


if __name__ == "__main__":
    main()
