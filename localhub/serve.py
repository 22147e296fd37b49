"""``serve()``: start localhub (a subprocess by default, or in-process) for tests and scripts."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from localhub.runtime import DEFAULT_BUILD_SECONDS

READY_TIMEOUT = 30.0


class LocalHub:
    """A running localhub: its endpoint, admin token, and admin helpers (stats, faults, config)."""

    def __init__(
        self,
        data_dir: Path,
        tokens: dict[str, str],
        orgs: dict[str, list[str]],
        admin_token: str,
        in_process: bool,
        options: dict[str, Any],
    ) -> None:
        self.data_dir = Path(data_dir)
        self.tokens = dict(tokens)
        self.orgs = {k: list(v) for k, v in orgs.items()}
        self.admin_token = admin_token
        self.in_process = in_process
        self.options = options
        self.endpoint = ""
        self.process: subprocess.Popen[str] | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.hub: Any = None  # the Hub object, in-process mode only

    # ---- lifecycle
    def start(self) -> LocalHub:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.in_process:
            self._start_in_process()
        else:
            self._start_subprocess()
        self._wait_ready()
        return self

    def _argv(self) -> list[str]:
        argv = [sys.executable, "-m", "localhub", "--host", "127.0.0.1", "--port", str(self.options["port"])]
        argv += ["--data-dir", str(self.data_dir), "--admin-token", self.admin_token]
        argv += [f"--token={t}={spec}" for t, spec in self.tokens.items()]
        argv += [f"--org={org}={','.join(users)}" for org, users in self.orgs.items()]
        argv += ["--commit-limit", str(self.options["commit_limit"])]
        argv += ["--build-delay", str(self.options["build_delay_seconds"])]
        argv += ["--startup-timeout", str(self.options["startup_timeout_seconds"])]
        if self.options["fault_seed"] is not None:
            argv += ["--fault-seed", str(self.options["fault_seed"])]
        argv += ["--build-mode", self.options["build_mode"], "--running-window", str(self.options["running_window"])]
        if self.options["venv_cache"] is not None:
            argv += ["--venv-cache", str(self.options["venv_cache"])]
        if self.options["sleep_after"] is not None:
            argv += ["--sleep-after", str(self.options["sleep_after"])]
        return argv

    def _start_subprocess(self) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(__file__).parent.parent), env.get("PYTHONPATH")]))
        log = open(self.data_dir / "localhub.log", "ab")  # noqa: SIM115 - owned by the child process
        self.process = subprocess.Popen(
            self._argv(), stdout=subprocess.PIPE, stderr=log, text=True, env=env, start_new_session=True
        )
        log.close()
        assert self.process.stdout is not None
        first = self.process.stdout.readline().strip()
        if not first.startswith("http://"):
            self.stop()
            raise RuntimeError(f"localhub did not start (see {self.data_dir / 'localhub.log'}): {first!r}")
        self.endpoint = first

    def _start_in_process(self) -> None:
        from localhub.app import create_app
        from localhub.hub import Settings

        settings = Settings(
            data_dir=self.data_dir,
            tokens=self.tokens,
            orgs=self.orgs,
            admin_token=self.admin_token,
            commit_limit=self.options["commit_limit"],
            build_delay_seconds=self.options["build_delay_seconds"],
            startup_timeout_seconds=self.options["startup_timeout_seconds"],
            fault_seed=self.options["fault_seed"],
            build_mode=self.options["build_mode"],
            venv_cache=self.options["venv_cache"],
            running_window_seconds=self.options["running_window"],
            sleep_after_seconds=self.options["sleep_after"],
        )
        app, self.hub = create_app(settings)
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.options["port"]))
        self.endpoint = f"http://127.0.0.1:{sock.getsockname()[1]}"
        self._server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, date_header=False))
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True)
        self._thread.start()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"localhub exited with {self.process.returncode}; see {self.data_dir}/localhub.log")
            with suppress(httpx.HTTPError):
                if httpx.get(f"{self.endpoint}/_localhub/health", timeout=2).status_code == 200:
                    return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("localhub did not become ready in time")

    def stop(self) -> None:
        """Stop localhub and every Space app it started."""
        if self.process is not None:
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
            if self.process.stdout:
                self.process.stdout.close()
            self.process = None
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=15)
            self._server = self._thread = None

    def restart(self) -> LocalHub:
        """Stop and start again on the same data dir (the port may change; ``endpoint`` is updated)."""
        self.stop()
        return self.start()

    # ---- admin helpers
    def _admin(self, method: str, path: str, json: Any = None) -> Any:
        response = httpx.request(
            method,
            f"{self.endpoint}/_localhub/{path}",
            json=json,
            headers={"Authorization": f"Bearer {self.admin_token}"},
            timeout=30,
        )
        response.raise_for_status()
        return response.json()

    def stats(self) -> dict[str, Any]:
        return dict(self._admin("GET", "stats"))

    def reset_stats(self) -> None:
        self._admin("DELETE", "stats")

    def set_faults(self, **spec: Any) -> dict[str, Any]:
        return dict(self._admin("PUT", "faults", spec))

    def clear_faults(self) -> None:
        self._admin("DELETE", "faults")

    def configure(self, **config: Any) -> dict[str, Any]:
        """E.g. ``configure(build_delay_seconds=2, commit_limit=5, reset_commit_counts=True)``."""
        return dict(self._admin("PUT", "config", config))


@contextmanager
def serve(
    data_dir: str | os.PathLike[str],
    tokens: dict[str, str] | None = None,
    orgs: dict[str, list[str]] | None = None,
    admin_token: str | None = None,
    in_process: bool = False,
    port: int = 0,
    commit_limit: int = 128,
    build_delay_seconds: float = DEFAULT_BUILD_SECONDS,
    startup_timeout_seconds: float = 120.0,
    fault_seed: int | None = None,
    build_mode: str = "fast",
    venv_cache: str | os.PathLike[str] | None = None,
    running_window: float = 1.0,
    sleep_after: float | None = None,
) -> Iterator[LocalHub]:
    """Run localhub for the duration of the ``with`` block.

    ``tokens`` maps a token to ``"USER[:read][:free]"``; ``orgs`` maps an org to its members (a last member
    ending with ``:free`` makes the org free). ``build_mode`` defaults to ``fast`` here (tests; the CLI's
    default is ``real``); ``running_window`` is the old-RUNNING window after a commit; ``sleep_after``
    overrides every Space's idle sleep time.
    """
    options = {
        "build_mode": build_mode,
        "venv_cache": venv_cache,
        "running_window": running_window,
        "sleep_after": sleep_after,
        "port": port,
        "commit_limit": commit_limit,
        "build_delay_seconds": build_delay_seconds,
        "startup_timeout_seconds": startup_timeout_seconds,
        "fault_seed": fault_seed,
    }
    hub = LocalHub(Path(data_dir), tokens or {}, orgs or {}, admin_token or secrets.token_hex(16), in_process, options)
    hub.start()
    try:
        yield hub
    finally:
        hub.stop()
