"""The 2026 runtime (localhub/README.md "2026 behaviours", "Rate limits and small shapes"): the old-RUNNING
window after a commit, private apps behind the token, sleeping and waking, fixed cpu-basic sleep time,
real builds with pip, RateLimit headers and the agent-harnesses object."""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from huggingface_hub import HfApi
from huggingface_hub.utils import parse_ratelimit_headers

from localhub import LocalHub, serve
from tests.hub.conftest import APP, TOKENS, app_files, commit_files, create_space, wait_stage

pytestmark = pytest.mark.timeout(240)
VERSIONED = APP.replace(b'{"status": "ok"', b'{"version": VERSION, "status": "ok"')


def versioned(n: int) -> dict[str, bytes]:
    return app_files(app_main=b"VERSION = %d\n" % n + VERSIONED)


def until(condition: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.1)


def test_old_build_keeps_running_after_a_commit(fresh_hub: LocalHub, space_id: str) -> None:
    api = HfApi(endpoint=fresh_hub.endpoint, token="alice-token")
    fresh_hub.configure(running_window_seconds=3)
    create_space(api, space_id)
    first = commit_files(api, space_id, versioned(1))
    assert wait_stage(api, space_id, revision=first) == "RUNNING"
    host = api.space_info(space_id).host
    second = commit_files(api, space_id, versioned(2), message="v2")
    runtime = api.get_space_runtime(space_id)
    # Right after the commit: still the previous build, RUNNING and serving version 1.
    assert runtime.stage == "RUNNING" and runtime.raw["sha"] == first
    assert httpx.get(f"{host}/api/health").json()["version"] == 1
    stages: set[str] = set()

    def new_build_running() -> bool:
        rt = api.get_space_runtime(space_id)
        stages.add(rt.stage)
        return rt.stage == "RUNNING" and rt.raw.get("sha") == second

    until(new_build_running)
    assert "BUILDING" in stages or "APP_STARTING" in stages
    assert httpx.get(f"{host}/api/health").json()["version"] == 2


def test_private_app_needs_a_readers_token(api: HfApi, space_id: str) -> None:
    create_space(api, space_id, private=True)
    assert wait_stage(api, space_id, revision=commit_files(api, space_id, app_files())) == "RUNNING"
    url = f"{api.space_info(space_id).host}/api/health"
    assert httpx.get(url).status_code == 401
    assert httpx.get(url, headers={"Authorization": "Bearer bob-token"}).status_code == 404
    assert httpx.get(url, headers={"Authorization": "Bearer no-such-token"}).status_code == 404
    for token in ("alice-token", "alice-read"):
        assert httpx.get(url, headers={"Authorization": f"Bearer {token}"}).json()["status"] == "ok"


def test_public_app_answers_without_a_token(api: HfApi, space_id: str) -> None:
    create_space(api, space_id)
    assert wait_stage(api, space_id, revision=commit_files(api, space_id, app_files())) == "RUNNING"
    assert httpx.get(f"{api.space_info(space_id).host}/api/health").status_code == 200


def test_idle_space_sleeps_and_a_request_wakes_it(fresh_hub: LocalHub, space_id: str) -> None:
    api = HfApi(endpoint=fresh_hub.endpoint, token="alice-token")
    create_space(api, space_id)
    assert wait_stage(api, space_id, revision=commit_files(api, space_id, app_files())) == "RUNNING"
    fresh_hub.configure(sleep_after_seconds=1)
    until(lambda: api.get_space_runtime(space_id).stage == "SLEEPING")
    response = httpx.get(f"{api.space_info(space_id).host}/api/health", timeout=60)
    assert response.status_code == 200 and response.json()["status"] == "ok"
    assert api.get_space_runtime(space_id).stage == "RUNNING"


def test_cpu_basic_sleep_time_is_fixed(api: HfApi, space_id: str) -> None:
    create_space(api, space_id)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        runtime = api.set_space_sleep_time(space_id, 300)
    assert runtime.sleep_time == 172800 and api.get_space_runtime(space_id).sleep_time == 172800
    assert any("48 hours" in str(w.message) for w in caught)
    create_space(api, space_id + "-paid", space_hardware="cpu-upgrade")
    assert api.set_space_sleep_time(space_id + "-paid", 300).sleep_time == 300


STDLIB_APP = b"""import json, os, sys
from http.server import BaseHTTPRequestHandler, HTTPServer
import idna


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"prefix": sys.prefix, "idna": idna.__version__}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


HTTPServer(("0.0.0.0", int(os.environ["PORT"])), Handler).serve_forever()
"""
STDLIB_DOCKERFILE = b"""FROM python:3.11-slim
RUN useradd -m -u 1000 user
USER user
WORKDIR /home/user/app
COPY --chown=user . .
RUN pip install --no-cache-dir -r requirements.txt
CMD ["python", "app.py"]
"""


@pytest.fixture
def real_hub(tmp_path: Path) -> Iterator[LocalHub]:
    with serve(tmp_path / "data", tokens=TOKENS, build_mode="real", venv_cache=tmp_path / "venvs") as server:
        yield server


def test_real_build_installs_requirements_in_a_cached_venv(real_hub: LocalHub, tmp_path: Path) -> None:
    api = HfApi(endpoint=real_hub.endpoint, token="alice-token")
    create_space(api, "alice/real")
    files = {"README.md": app_files()["README.md"], "Dockerfile": STDLIB_DOCKERFILE, "app.py": STDLIB_APP,
             "requirements.txt": b"idna==3.7\n"}
    first = commit_files(api, "alice/real", files)
    assert wait_stage(api, "alice/real", timeout=180, revision=first) == "RUNNING"
    body = httpx.get(str(api.space_info("alice/real").host)).json()
    assert body["idna"] == "3.7" and body["prefix"].startswith(str(tmp_path / "venvs"))
    second = commit_files(api, "alice/real", {"app.py": STDLIB_APP + b"# v2\n"})
    assert wait_stage(api, "alice/real", timeout=60, revision=second) == "RUNNING"
    assert any("Using cached environment" in line for line in api.fetch_space_logs("alice/real", build=True))


def test_real_build_fails_on_an_unresolvable_pin(real_hub: LocalHub) -> None:
    api = HfApi(endpoint=real_hub.endpoint, token="alice-token")
    create_space(api, "alice/badpin")
    files = {**app_files(), "requirements.txt": b"fastapi\nlocalhub-no-such-package-zz==9.9.9\n"}
    assert wait_stage(api, "alice/badpin", timeout=180, revision=commit_files(api, "alice/badpin", files)) == (
        "BUILD_ERROR"
    )
    logs = "".join(api.fetch_space_logs("alice/badpin", build=True))
    assert "No matching distribution found for localhub-no-such-package-zz==9.9.9" in logs
    assert "pip install -r requirements.txt failed" in api.get_space_runtime("alice/badpin").raw["errorMessage"]


def test_429_carries_ratelimit_headers(fresh_hub: LocalHub, space_id: str) -> None:
    fresh_hub.set_faults(next=1, statuses=[429], routes=["*"], retry_after=7)
    r = httpx.get(f"{fresh_hub.endpoint}/api/whoami-v2", headers={"authorization": "Bearer alice-token"})
    info = parse_ratelimit_headers(r.headers)
    assert r.status_code == 429 and info is not None
    assert (info.remaining, info.reset_in_seconds, info.window_seconds) == (0, 7, 300)
    api = HfApi(endpoint=fresh_hub.endpoint, token="alice-token")
    create_space(api, space_id)
    fresh_hub.configure(commit_limit=1, reset_commit_counts=True)
    commit_files(api, space_id, {"a.txt": b"a"})
    with pytest.raises(Exception) as err:
        commit_files(api, space_id, {"b.txt": b"b"})
    limited = parse_ratelimit_headers(err.value.response.headers)  # type: ignore[attr-defined]
    assert limited is not None and limited.remaining == 0 and limited.limit == 1 and limited.window_seconds == 3600


def test_agent_harnesses_is_the_hubs_object(hub: LocalHub) -> None:
    body = httpx.get(f"{hub.endpoint}/api/agent-harnesses").json()
    assert isinstance(body, dict) and isinstance(body["standardEnvVars"], list) and isinstance(body["harnesses"], dict)


def test_client_with_telemetry_on_reads_the_harness_registry(hub: LocalHub, tmp_path: Path) -> None:
    """huggingface_hub 2.4 with telemetry on (its default) fetches the registry on its first call and crashes
    on anything but the Hub's object (localhub/README.md "2026 behaviours"): a fresh client process must get through."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    env.update(HF_ENDPOINT=hub.endpoint, HF_HOME=str(tmp_path / "hf-home"), NO_PROXY="127.0.0.1,localhost")
    before = hub.stats()["requests"].get("GET /api/agent-harnesses", 0)
    code = "from huggingface_hub import HfApi; print(HfApi(token='alice-token').whoami()['name'])"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == "alice", out.stderr[-2000:]
    assert hub.stats()["requests"].get("GET /api/agent-harnesses", 0) == before + 1
