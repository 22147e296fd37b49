"""serve() and the CLI: endpoint on the first stdout line, and no Space app outlives localhub."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from huggingface_hub import HfApi

from localhub import serve
from tests.hub.conftest import app_files, commit_files, create_space, space_host, wait_stage

pytestmark = pytest.mark.timeout(90)


def _gone(url: str, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
        except httpx.TransportError:
            return True
        time.sleep(0.1)
    return False


def _deploy(endpoint: str) -> str:
    api = HfApi(endpoint=endpoint, token="t")
    create_space(api, "alice/cleanup")
    commit_files(api, "alice/cleanup", app_files())
    assert wait_stage(api, "alice/cleanup") == "RUNNING"
    return space_host(api, "alice/cleanup") + "/api/health"


def test_restart_brings_apps_back_and_exit_stops_them(tmp_path: Path) -> None:
    with serve(tmp_path / "d", tokens={"t": "alice"}) as hub:
        url = _deploy(hub.endpoint)
        assert httpx.get(url).status_code == 200
        hub.restart()
        api = HfApi(endpoint=hub.endpoint, token="t")
        assert wait_stage(api, "alice/cleanup") == "RUNNING"
        assert space_host(api, "alice/cleanup") + "/api/health" == url  # same port when it is free
        assert httpx.get(url).status_code == 200
    assert _gone(url)


def test_cli_prints_endpoint_and_apps_die_with_it(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.Popen(
        [sys.executable, "-m", "localhub", "--port", "0", "--data-dir", str(tmp_path), "--token", "t=alice"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )
    try:
        assert proc.stdout is not None
        endpoint = proc.stdout.readline().strip()
        assert endpoint.startswith("http://127.0.0.1:")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if httpx.get(endpoint + "/_localhub/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        url = _deploy(endpoint)
        proc.send_signal(signal.SIGKILL)  # no graceful shutdown: PR_SET_PDEATHSIG must take the app down
        proc.wait()
        assert _gone(url)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
