"""Space settings and lifecycle: secrets, variables, runtime, hardware, sleep time, pause, restart, logs."""

from __future__ import annotations

import time

import httpx
import pytest
from huggingface_hub import HfApi, SpaceHardware
from huggingface_hub.errors import BadRequestError, RepositoryNotFoundError

from localhub import LocalHub
from tests.hub.conftest import app_files, commit_files, create_space, wait_stage


def test_secrets(api: HfApi, hub: LocalHub, space_id: str) -> None:
    create_space(api, space_id)
    api.add_space_secret(space_id, "API_KEY", "s3cret", description="the key")
    api.add_space_secret(space_id, "OTHER", "x")
    secrets = api.get_space_secrets(space_id)
    assert set(secrets) == {"API_KEY", "OTHER"}
    assert secrets["API_KEY"].description == "the key" and secrets["API_KEY"].updated_at is not None
    raw = httpx.get(f"{hub.endpoint}/api/spaces/{space_id}/secrets", headers={"authorization": "Bearer alice-token"})
    assert "s3cret" not in raw.text
    api.delete_space_secret(space_id, "OTHER")
    api.delete_space_secret(space_id, "OTHER")  # idempotent
    assert set(api.get_space_secrets(space_id)) == {"API_KEY"}


def test_variables(api: HfApi, space_id: str) -> None:
    create_space(api, space_id)
    after_add = api.add_space_variable(space_id, "MODE", "prod", description="run mode")
    assert after_add["MODE"].value == "prod" and after_add["MODE"].description == "run mode"
    api.add_space_variable(space_id, "MODE", "dev")
    variables = api.get_space_variables(space_id)
    assert variables["MODE"].value == "dev" and variables["MODE"].updated_at is not None
    assert api.delete_space_variable(space_id, "MODE") == {}
    assert api.delete_space_variable(space_id, "MODE") == {}


def test_invalid_secret_key_is_400(api: HfApi, space_id: str) -> None:
    create_space(api, space_id)
    with pytest.raises(BadRequestError):
        api.add_space_secret(space_id, "not a key", "v")


def test_hardware_and_sleep_time(api: HfApi, space_id: str) -> None:
    create_space(api, space_id)
    runtime = api.request_space_hardware(space_id, SpaceHardware.T4_SMALL)
    assert runtime.requested_hardware == "t4-small"
    runtime = api.set_space_sleep_time(space_id, 3600)
    assert runtime.sleep_time == 3600
    assert api.get_space_runtime(space_id).raw["gcTimeout"] == 3600
    with pytest.raises(BadRequestError):
        api.request_space_hardware(space_id, "quantum-xl")  # type: ignore[arg-type]


def test_pause_and_restart(api: HfApi, space_id: str) -> None:
    create_space(api, space_id)
    assert api.pause_space(space_id).stage == "PAUSED"
    assert api.get_space_runtime(space_id).stage == "PAUSED"
    api.add_space_secret(space_id, "K", "v")  # a paused Space stays paused
    assert api.get_space_runtime(space_id).stage == "PAUSED"
    assert api.restart_space(space_id).stage in ("BUILDING", "NO_APP_FILE")  # un-paused (an empty repo builds at once)
    assert wait_stage(api, space_id) == "NO_APP_FILE"
    api.restart_space(space_id, factory_reboot=True)
    assert wait_stage(api, space_id) == "NO_APP_FILE"


def test_lifecycle_on_missing_space(api: HfApi) -> None:
    with pytest.raises(RepositoryNotFoundError):
        api.pause_space("alice/ghost-space")
    with pytest.raises(RepositoryNotFoundError):
        api.add_space_secret("alice/ghost-space", "K", "v")


def test_logs_are_sse(api: HfApi, hub: LocalHub, space_id: str) -> None:
    create_space(api, space_id)
    api.restart_space(space_id)
    wait_stage(api, space_id)
    lines = list(api.fetch_space_logs(space_id, build=True))
    assert any("NO_APP_FILE" in line for line in lines)
    r = httpx.get(f"{hub.endpoint}/api/spaces/{space_id}/logs/build", headers={"authorization": "Bearer alice-token"})
    assert r.headers["content-type"].startswith("text/event-stream") and "date" in r.headers
    assert r.text.startswith('data: {"data": ')
    assert list(api.fetch_space_logs(space_id)) == []


def test_host_route(hub: LocalHub, api: HfApi) -> None:
    create_space(api, "alice/My_Space.v1", exist_ok=True)
    r = httpx.get(f"{hub.endpoint}/api/spaces/alice/My_Space.v1/host").json()
    assert r["subdomain"] == "alice-my-space-v1"
    assert r["host"] == api.space_info("alice/My_Space.v1").host


SLOW_APP = b"""import sys, threading, time
print("imported: first line", flush=True)

def later():
    time.sleep(4)
    print("printed 4 s after import", flush=True)
    print("to stderr", file=sys.stderr, flush=True)

threading.Thread(target=later, daemon=True).start()
from fastapi import FastAPI
app = FastAPI()
"""


def test_run_log_follows_the_app_as_it_prints(api: HfApi, space_id: str) -> None:
    """follow=True gets the app's stdout/stderr line by line while it runs (the first lines before the later
    ones exist), like the Hub's live log; the stream of a run ends when its process exits."""
    create_space(api, space_id)
    sha = commit_files(api, space_id, app_files(app_main=SLOW_APP))
    assert wait_stage(api, space_id, revision=sha) == "RUNNING"
    stream = iter(api.fetch_space_logs(space_id, follow=True))
    seen: list[tuple[float, str]] = []
    start = time.monotonic()
    for line in stream:
        seen.append((time.monotonic() - start, line))
        if "to stderr" in line:
            break
    texts = [text for _, text in seen]
    assert any("imported: first line" in t for t in texts) and any("printed 4 s" in t for t in texts)
    first = next(at for at, t in seen if "imported" in t)
    later = next(at for at, t in seen if "printed 4 s" in t)
    assert later - first > 1.0, seen  # streamed as printed, not replayed at the end
    # A crashing app: its run log ends with the traceback and the stream closes by itself.
    sha = commit_files(api, space_id, app_files(app_main=b'print("about to fail", flush=True)\nraise SystemExit(3)\n'))
    assert wait_stage(api, space_id, revision=sha) == "RUNTIME_ERROR"
    finished = list(api.fetch_space_logs(space_id, follow=True))
    assert any("about to fail" in line for line in finished)


def test_build_log_stream_ends_with_the_build(api: HfApi, space_id: str) -> None:
    create_space(api, space_id)
    sha = commit_files(api, space_id, app_files())
    assert wait_stage(api, space_id, revision=sha) == "RUNNING"
    started = time.monotonic()
    lines = list(api.fetch_space_logs(space_id, build=True, follow=True))
    assert time.monotonic() - started < 5  # closed by the server, not by a client timeout
    assert any("Build started" in line for line in lines) and "Application Startup" in lines[-1]
