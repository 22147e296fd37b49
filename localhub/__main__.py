"""CLI: ``python -m localhub --host 127.0.0.1 --port 0 --data-dir DIR [--token T=USER[:read]] ...``.

Prints the endpoint (``http://127.0.0.1:PORT``) as the first line of stdout once the port is bound.
"""

from __future__ import annotations

import argparse
import socket
import sys
from pathlib import Path

import uvicorn

from localhub.app import create_app
from localhub.hub import Settings
from localhub.runtime import DEFAULT_BUILD_SECONDS


def _pairs(values: list[str], what: str) -> dict[str, str]:
    out = {}
    for value in values:
        left, sep, right = value.partition("=")
        if not sep or not left or not right:
            raise SystemExit(f"localhub: --{what} expects A=B, got {value!r}")
        out[left] = right
    return out


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m localhub", description="Local Hugging Face Hub emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--data-dir", required=True, type=Path)
    parser.add_argument("--token", action="append", default=[], metavar="TOKEN=USER[:read][:free]")
    parser.add_argument("--org", action="append", default=[], metavar="ORG=USER[,USER...][:free]")
    parser.add_argument("--admin-token", default=None, help="bearer token for /_localhub/ routes")
    parser.add_argument("--commit-limit", type=int, default=128, help="commits per repo per hour")
    parser.add_argument("--build-delay", type=float, default=DEFAULT_BUILD_SECONDS, help="seconds builds show BUILDING")
    parser.add_argument("--startup-timeout", type=float, default=120.0, help="seconds for an app to listen")
    parser.add_argument("--fault-seed", type=int, default=None)
    parser.add_argument(
        "--build-mode", choices=("real", "fast"), default="real",
        help="real: pip-install requirements.txt into a cached virtualenv; fast: run with localhub's Python",
    )  # fmt: skip
    parser.add_argument("--venv-cache", type=Path, default=None, help="virtualenv cache (default DATA_DIR/venvs)")
    parser.add_argument("--running-window", type=float, default=1.0, help="seconds the old build shows RUNNING")
    parser.add_argument("--sleep-after", type=float, default=None, help="idle seconds before SLEEPING")
    parser.add_argument("--max-lfs-bytes", type=int, default=50 * 1024**3)
    parser.add_argument("--log-level", default="warning")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    settings = Settings(
        data_dir=args.data_dir,
        tokens=_pairs(args.token, "token"),
        orgs={org: users.split(",") for org, users in _pairs(args.org, "org").items()},
        admin_token=args.admin_token,
        commit_limit=args.commit_limit,
        build_delay_seconds=args.build_delay,
        startup_timeout_seconds=args.startup_timeout,
        fault_seed=args.fault_seed,
        build_mode=args.build_mode,
        venv_cache=args.venv_cache,
        running_window_seconds=args.running_window,
        sleep_after_seconds=args.sleep_after,
        max_lfs_bytes=args.max_lfs_bytes,
    )
    app, _hub = create_app(settings)
    sock = socket.socket(socket.AF_INET6 if ":" in args.host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    port = sock.getsockname()[1]
    host = f"[{args.host}]" if ":" in args.host else args.host
    print(f"http://{host}:{port}", flush=True)
    config = uvicorn.Config(app, log_level=args.log_level, access_log=False, date_header=False, lifespan="on")
    uvicorn.Server(config).run(sockets=[sock])
    sys.stdout.flush()


if __name__ == "__main__":
    main()
