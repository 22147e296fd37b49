"""Wire cost per operation: what each way of deploying sends to the Hub (localhub's accounting).

Contenders, interleaved in each round (pulumi, upload_folder, full push), each on its own fresh Space:
  pulumi         `pulumi up --yes --skip-preview` of a copy of this project (example backend, healthCheck
                 false). Its bundle computation is inside the timed command.
  upload_folder  a careful huggingface_hub user: create_repo + add_space_secret/add_space_variable for each
                 setting on first deploy, then `upload_folder(bundle_dir, delete_patterns="*")` for file
                 changes and add_space_secret for a rotated secret. The bundle dir is written by this
                 script with the product's own bundle code (same files as pulumi sends), outside the timing.
  full push      the runbook's "copy everything and push": every operation re-sends the whole tree as one
                 create_commit with every file as CommitOperationAdd (plus a CommitOperationDelete for a
                 removed file, so that all contenders reach the same tree), and sets a rotated secret.
Operations, in order on each Space: first deploy; up with no change; one file changed (+1 line in
app/services/llm.py); one secret rotated (GEMINI_API_KEY); one file deleted (app/prompts/notes.md, a
bench-only file added to the example backend). Hub figures are deterministic; they are taken from
the last round, and the script says if any round differed. Times are medians over the rounds.

Targets (pulumi): 0 requests for no change; exactly 1 commit and 1 rebuild per file change; request
bytes <= 1.4 x changed bytes + 4 KB.

Usage: python -m bench.wire_cost [--rounds N]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import yaml

from bench.common import (
    DEMO_SECRETS,
    OWNER,
    REPO,
    Series,
    Stack,
    demo_stack,
    human_bytes,
    localhub,
    machine_summary,
    shared_note,
    table,
)

OPS = ("first deploy", "no change", "1 file changed", "1 secret rotated", "1 file deleted")
CONTENDERS = ("pulumi", "upload_folder", "full push")
CHANGED_FILE = "app/services/llm.py"
DELETED_FILE = "app/prompts/notes.md"
ROTATED = ("geminiApiKey", "GEMINI_API_KEY")
SLACK_BYTES = 4096
BYTES_FACTOR = 1.4


def _notes() -> str:
    lines = [f"- Prompt note {i}: answer from the retrieved context; cite the document title." for i in range(40)]
    return "# Prompt notes (bench only)\n\n" + "\n".join(lines) + "\n"


def prepare_backend(dest: Path) -> Path:
    shutil.copytree(REPO / "examples" / "rag-backend", dest, ignore=shutil.ignore_patterns("__pycache__"))
    (dest / DELETED_FILE).parent.mkdir(parents=True, exist_ok=True)
    (dest / DELETED_FILE).write_text(_notes())
    return dest


def change_file(backend: Path, round_no: int) -> None:
    path = backend / CHANGED_FILE
    path.write_text(path.read_text() + f"# bench change {round_no}\n")


def settings_for(backend: Path, endpoint: str, space: str, secrets: dict[str, str]) -> Any:
    """Settings as the product computes them (Pulumi.yaml defaults + the demo config)."""
    from components.config import from_config

    schema = yaml.safe_load((REPO / "Pulumi.yaml").read_text())["config"]
    raw: dict[str, str | None] = {}
    for key, spec in schema.items():
        default = spec.get("default")
        if isinstance(default, bool):
            raw[key] = "true" if default else "false"
        elif isinstance(default, dict):
            raw[key] = "{}"
        elif default is not None:
            raw[key] = str(default)
    raw.update(hfOwner=OWNER, spaceName=space, hubEndpoint=endpoint, backendDir=str(backend),
               frontendUrl="https://my-app.example.com", healthCheck="false", hfToken="hf_" + "x" * 37)
    raw.update(secrets)
    return from_config(raw, {}, backend.parent)


def write_bundle(settings: Any, dest: Path) -> dict[str, bytes]:
    from components.bundle.build import bundle_for

    files: dict[str, bytes] = dict(bundle_for(settings).files)
    if dest.exists():
        shutil.rmtree(dest)
    for rel, data in files.items():
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        (dest / rel).write_bytes(data)
    return files


class HubUser:
    """The huggingface_hub contenders: the same steps a person would script."""

    def __init__(self, workdir: Path, endpoint: str, token: str, space: str, full_push: bool) -> None:
        from huggingface_hub import HfApi
        from huggingface_hub.utils import logging as hf_logging

        hf_logging.set_verbosity_error()  # "No files have been modified..." is expected here
        self.api = HfApi(endpoint=endpoint, token=token)
        self.endpoint = endpoint
        self.space_id = f"{OWNER}/{space}"
        self.full_push = full_push
        self.backend = prepare_backend(workdir / "backend")
        self.bundle_dir = workdir / "bundle"
        self.secrets = dict(DEMO_SECRETS)
        self.files: dict[str, bytes] = {}
        self.deleted: list[str] = []

    def rebuild(self) -> None:
        self.settings = settings_for(self.backend, self.endpoint, self.space_id.split("/")[1], self.secrets)
        self.files = write_bundle(self.settings, self.bundle_dir)

    def push_files(self) -> None:
        from huggingface_hub import CommitOperationAdd, CommitOperationDelete

        if self.full_push:
            ops: list[Any] = [CommitOperationAdd(path_in_repo=p, path_or_fileobj=d) for p, d in self.files.items()]
            ops += [CommitOperationDelete(path_in_repo=p) for p in self.deleted]
            self.api.create_commit(self.space_id, ops, commit_message="Copy everything and push",
                                   repo_type="space")
        else:
            self.api.upload_folder(folder_path=str(self.bundle_dir), repo_id=self.space_id, repo_type="space",
                                   delete_patterns="*", commit_message="Deploy")
        self.deleted = []

    def first_deploy(self) -> None:
        self.api.create_repo(self.space_id, repo_type="space", space_sdk="docker")
        for key, value in self.settings.secrets.items():
            self.api.add_space_secret(self.space_id, key, value)
        for key, value in self.settings.variables.items():
            self.api.add_space_variable(self.space_id, key, value)
        self.push_files()

    def no_change(self) -> None:
        self.push_files()

    def rotate_secret(self, value: str) -> None:
        self.api.add_space_secret(self.space_id, ROTATED[1], value)
        if self.full_push:
            self.push_files()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-machine", action="store_true")
    args = parser.parse_args()
    if not args.no_machine:
        print("\n".join(machine_summary()) + "\n")
    print(f"## Wire cost per operation ({args.rounds} rounds after 1 warm-up, contenders interleaved)\n")

    stats: dict[tuple[str, str], dict[str, Any]] = {}
    varied: set[tuple[str, str]] = set()
    times: dict[tuple[str, str], Series] = {}
    changed_bytes: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="bench-wire-") as tmp_name:
        tmp = Path(tmp_name)
        with localhub(tmp / "hub") as (handle, token):
            from huggingface_hub import HfApi

            admin = HfApi(endpoint=handle.endpoint, token=token)

            def measure(round_no: int, contender: str, op: str, fn: Callable[[], Any]) -> None:
                handle.reset_stats()
                start = time.perf_counter()
                fn()
                seconds = time.perf_counter() - start
                s = handle.stats()
                figures = {"requests": dict(sorted(s["requests"].items())), "total": s["total_requests"],
                           "bytes": s["request_bytes"], "commits": sum(s["commits"].values()),
                           "rebuilds": sum(s["rebuilds"].values())}
                key = (contender, op)
                if round_no >= 0:
                    times.setdefault(key, Series()).add(seconds)
                    if key in stats and stats[key] != figures:
                        varied.add(key)
                    stats[key] = figures

            for round_no in range(-1, args.rounds):
                for contender in CONTENDERS:
                    space = f"wire-{contender.replace(' ', '-').replace('_', '-')}-{round_no + 1}"
                    work = tmp / f"r{round_no + 1}-{space}"
                    rotated = f"bench-rotated-gemini-key-{round_no + 1:04d}-000000"
                    if contender == "pulumi":
                        stack = demo_stack(work / "project", work / "state", handle.endpoint, token, space,
                                           backend=prepare_backend(work / "src-backend"))
                        backend = stack.workdir / "backend"
                        files_before = _bundle_sizes(stack)
                        measure(round_no, contender, OPS[0], stack.up)
                        measure(round_no, contender, OPS[1], partial(_no_change, stack))
                        change_file(backend, round_no)
                        measure(round_no, contender, OPS[2], stack.up)
                        stack.run("config", "set", "--secret", ROTATED[0], stdin=rotated)
                        measure(round_no, contender, OPS[3], stack.up)
                        (backend / DELETED_FILE).unlink()
                        measure(round_no, contender, OPS[4], stack.up)
                        settings_values = sum(len(v) for v in (*DEMO_SECRETS.values(), "documents", "INFO",
                                                                "https://my-app.example.com"))
                        changed_bytes[OPS[0]] = sum(files_before.values()) + settings_values
                        changed_bytes[OPS[2]] = len((backend / CHANGED_FILE).read_bytes())
                        changed_bytes[OPS[3]] = len(rotated)
                        changed_bytes[OPS[1]] = changed_bytes[OPS[4]] = 0
                    else:
                        user = HubUser(work, handle.endpoint, token, space, full_push=contender == "full push")
                        user.rebuild()
                        measure(round_no, contender, OPS[0], user.first_deploy)
                        measure(round_no, contender, OPS[1], user.no_change)
                        change_file(user.backend, round_no)
                        user.rebuild()
                        measure(round_no, contender, OPS[2], user.push_files)
                        user.secrets[ROTATED[0]] = rotated
                        user.rebuild()
                        measure(round_no, contender, OPS[3], partial(user.rotate_secret, rotated))
                        (user.backend / DELETED_FILE).unlink()
                        user.rebuild()
                        user.deleted = [DELETED_FILE]
                        measure(round_no, contender, OPS[4], user.push_files)
                    admin.delete_repo(f"{OWNER}/{space}", repo_type="space")  # stop its app

    print(_report(stats, times, changed_bytes, varied))
    note = shared_note()
    if note:
        print("\n" + note)
    return 0


def _no_change(stack: Stack) -> None:
    result = stack.up()
    stack.assert_no_change(result)


def _bundle_sizes(stack: Stack) -> dict[str, int]:
    """Bytes of each file of the bundle the stack will deploy (computed like the program does)."""
    backend = stack.workdir / "backend"
    settings = settings_for(backend, "http://127.0.0.1:9", "x", dict(DEMO_SECRETS))  # loopback: http allowed
    from components.bundle.build import bundle_for

    return {p: len(d) for p, d in bundle_for(settings).files.items()}


def _short(route: str) -> str:
    method, _, path = route.partition(" ")
    path = path.replace("/api/{repo_type}s/{repo_id}", "…").replace("/api/spaces/{repo_id}", "…")
    path = path.replace("/api/{repo_type}s", "…").replace("{revision}", "{rev}")
    return f"{method} {path}"


def _report(stats: dict[tuple[str, str], dict[str, Any]], times: dict[tuple[str, str], Series],
            changed_bytes: dict[str, int], varied: set[tuple[str, str]]) -> str:
    out = []
    rows = []
    for op in OPS:
        for contender in CONTENDERS:
            s = stats[(contender, op)]
            rows.append([op if contender == "pulumi" else "", contender, s["total"], human_bytes(s["bytes"]),
                         s["commits"], s["rebuilds"], times[(contender, op)].describe(),
                         "varied" if (contender, op) in varied else ""])
    out.append(table(["operation", "contender", "requests", "request bytes", "commits", "rebuilds",
                      "time: median (min, max)", ""], rows))
    out.append("\nRequests by route (… = /api/spaces/{repo_id} or /api/{repo_type}s/{repo_id}):\n")
    rows = []
    for op in OPS:
        for contender in CONTENDERS:
            routes = stats[(contender, op)]["requests"]
            text = ", ".join(f"{_short(r)} x{n}" for r, n in routes.items()) or "none"
            rows.append([op if contender == "pulumi" else "", contender, text])
    out.append(table(["operation", "contender", "requests by route"], rows))
    out.append("\nTargets (pulumi):\n")
    rows = []
    for op in OPS:
        s = stats[("pulumi", op)]
        limit = BYTES_FACTOR * changed_bytes[op] + SLACK_BYTES
        checks = [f"bytes {s['bytes']} <= {limit:.0f} (1.4 x {changed_bytes[op]} changed + 4 KB): "
                  f"{'met' if s['bytes'] <= limit else 'MISSED'}"]
        if op == "no change":
            checks.append(f"0 requests: {'met' if s['total'] == 0 else 'MISSED'}")
        if op in ("1 file changed", "1 file deleted"):
            ok = s["commits"] == 1 and s["rebuilds"] == 1
            checks.append(f"1 commit, 1 rebuild: {'met' if ok else 'MISSED'}")
        else:
            checks.append(f"{s['commits']} commit(s), {s['rebuilds']} rebuild(s)")
        rows.append([op, "; ".join(checks)])
    out.append(table(["operation", "target: result"], rows))
    return "\n".join(out)


if __name__ == "__main__":
    raise SystemExit(main())
