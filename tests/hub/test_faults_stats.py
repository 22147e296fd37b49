"""Admin routes: stats accounting, fault injection (and the client's retries), commit rate limit."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from huggingface_hub import HfApi
from huggingface_hub.errors import HfHubHTTPError

from localhub import LocalHub
from tests.hub.conftest import commit_files, create_space

pytestmark = pytest.mark.timeout(60)


def test_admin_routes_need_the_admin_token(fresh_hub: LocalHub) -> None:
    assert httpx.get(f"{fresh_hub.endpoint}/_localhub/health").status_code == 200
    assert httpx.get(f"{fresh_hub.endpoint}/_localhub/stats").status_code == 401
    assert (
        httpx.get(f"{fresh_hub.endpoint}/_localhub/stats", headers={"authorization": "Bearer alice-token"}).status_code
        == 401
    )


def test_stats_counts_routes_and_writes(fresh_hub: LocalHub, space_id: str) -> None:
    api = HfApi(endpoint=fresh_hub.endpoint, token="alice-token")
    create_space(api, space_id)
    commit_files(api, space_id, {"a.txt": b"a"})
    api.get_space_runtime(space_id)
    stats = fresh_hub.stats()
    assert stats["requests"]["POST /api/repos/create"] == 1
    assert stats["requests"]["POST /api/{repo_type}s/{repo_id}/commit/{revision}"] == 1
    assert stats["requests"]["GET /api/spaces/{repo_id}/runtime"] == 1
    assert stats["commits"] == {space_id: 1}
    assert stats["write_requests"] == stats["total_requests"] - 1
    assert stats["mutating_requests"] == 2
    assert stats["request_bytes"] > 0
    assert not any(k.split(" ", 1)[1].startswith("/_localhub") for k in stats["requests"])
    fresh_hub.reset_stats()
    assert fresh_hub.stats()["total_requests"] == 0


def test_zero_writes_for_reads(fresh_hub: LocalHub, space_id: str) -> None:
    api = HfApi(endpoint=fresh_hub.endpoint, token="alice-token")
    create_space(api, space_id)
    fresh_hub.reset_stats()
    api.space_info(space_id)
    api.list_repo_files(space_id, repo_type="space")
    api.get_space_variables(space_id)
    stats = fresh_hub.stats()
    assert stats["write_requests"] == 0 and stats["total_requests"] == 3


def test_injected_500_on_commit_is_not_retried(fresh_hub: LocalHub, space_id: str) -> None:
    api = HfApi(endpoint=fresh_hub.endpoint, token="alice-token")
    create_space(api, space_id)
    fresh_hub.set_faults(next=1, statuses=[500], routes=["POST /api/*/commit/*"])
    with pytest.raises(HfHubHTTPError) as err:
        commit_files(api, space_id, {"a.txt": b"a"})
    assert err.value.response.status_code == 500
    assert fresh_hub.stats()["commits"] == {}
    commit_files(api, space_id, {"a.txt": b"a"})
    stats = fresh_hub.stats()
    assert stats["commits"] == {space_id: 1} and stats["faults_injected"] == 1


def test_injected_429_on_preupload_is_retried(fresh_hub: LocalHub, space_id: str) -> None:
    api = HfApi(endpoint=fresh_hub.endpoint, token="alice-token")
    create_space(api, space_id)
    fresh_hub.set_faults(next=1, statuses=[429], routes=["POST /api/*/preupload/*"], retry_after=0)
    commit_files(api, space_id, {"a.txt": b"a"})
    stats = fresh_hub.stats()
    assert stats["requests"]["POST /api/{repo_type}s/{repo_id}/preupload/{revision}"] == 2
    assert stats["statuses"]["429"] == 1 and stats["commits"] == {space_id: 1}


def test_upload_folder_commit_retried_on_503(
    fresh_hub: LocalHub, space_id: str, tmp_path: Path
) -> None:
    # The retrying upload_folder pipeline is the Xet-enabled client's path (the default; regular files only).
    api = HfApi(endpoint=fresh_hub.endpoint, token="alice-token")
    create_space(api, space_id)
    (tmp_path / "f.txt").write_text("x")
    fresh_hub.set_faults(next=1, statuses=[503], routes=["POST /api/{repo_type}s/{repo_id}/commit/{revision}"])
    api.upload_folder(repo_id=space_id, repo_type="space", folder_path=tmp_path)
    assert fresh_hub.stats()["commits"] == {space_id: 1}


def test_fault_rate_with_seed(fresh_hub: LocalHub, space_id: str) -> None:
    api = HfApi(endpoint=fresh_hub.endpoint, token="alice-token")
    create_space(api, space_id)
    fresh_hub.set_faults(rate=1.0, statuses=[502], routes=["GET /api/spaces/*/runtime"], seed=3)
    with pytest.raises(HfHubHTTPError) as err:
        api.get_space_runtime(space_id)
    assert err.value.response.status_code == 502
    api.space_info(space_id)  # other routes untouched
    fresh_hub.clear_faults()
    assert api.get_space_runtime(space_id).stage == "NO_APP_FILE"


def test_injected_429_has_retry_after(fresh_hub: LocalHub) -> None:
    fresh_hub.set_faults(next=1, statuses=[429], routes=["*"], retry_after=7)
    r = httpx.get(f"{fresh_hub.endpoint}/api/whoami-v2", headers={"authorization": "Bearer alice-token"})
    assert r.status_code == 429 and r.headers["retry-after"] == "7"


def test_commit_rate_limit(fresh_hub: LocalHub, space_id: str) -> None:
    api = HfApi(endpoint=fresh_hub.endpoint, token="alice-token")
    create_space(api, space_id)
    fresh_hub.configure(commit_limit=2)
    commit_files(api, space_id, {"a.txt": b"1"})
    commit_files(api, space_id, {"a.txt": b"2"})
    with pytest.raises(HfHubHTTPError) as err:
        commit_files(api, space_id, {"a.txt": b"3"})
    assert err.value.response.status_code == 429
    assert int(err.value.response.headers["retry-after"]) > 0
    assert "rate limit for repository commits (2 per hour)" in str(err.value)
    fresh_hub.configure(reset_commit_counts=True)
    commit_files(api, space_id, {"a.txt": b"3"})


def test_bad_fault_spec_is_400(fresh_hub: LocalHub) -> None:
    r = httpx.put(
        f"{fresh_hub.endpoint}/_localhub/faults",
        json={"rate": 2},
        headers={"authorization": f"Bearer {fresh_hub.admin_token}"},
    )
    assert r.status_code == 400


def test_agent_harnesses_is_tolerated(fresh_hub: LocalHub) -> None:
    assert httpx.get(f"{fresh_hub.endpoint}/api/agent-harnesses").status_code == 200


def test_fault_after_handling_has_side_effects(fresh_hub: LocalHub, space_id: str) -> None:
    api = HfApi(endpoint=fresh_hub.endpoint, token="alice-token")
    create_space(api, space_id)
    fresh_hub.set_faults(next=1, statuses=[500], routes=["POST /api/*/commit/*"], after=True)
    with pytest.raises(HfHubHTTPError) as err:
        commit_files(api, space_id, {"a.txt": b"a"})
    assert err.value.response.status_code == 500
    # The commit landed although the client saw a 500: the outcome-unknown case.
    assert fresh_hub.stats()["commits"] == {space_id: 1}
    assert "a.txt" in api.list_repo_files(space_id, repo_type="space")


def test_delay_holds_matching_requests_and_counts_them(fresh_hub: LocalHub, space_id: str) -> None:
    import threading
    import time

    api = HfApi(endpoint=fresh_hub.endpoint, token="alice-token")
    create_space(api, space_id)
    fresh_hub.set_faults(delay_seconds=1.5, routes=["POST /api/spaces/*/secrets"])
    admin = {"authorization": f"Bearer {fresh_hub.admin_token}"}
    done = threading.Event()

    def add_secret() -> None:
        api.add_space_secret(space_id, "K", "v")
        done.set()

    worker = threading.Thread(target=add_secret)
    start = time.monotonic()
    worker.start()
    while httpx.get(f"{fresh_hub.endpoint}/_localhub/faults", headers=admin).json()["held"] < 1:
        assert time.monotonic() - start < 5
        time.sleep(0.02)
    assert not done.is_set()  # in flight: admin routes still answer while it is held
    api.space_info(space_id)  # other routes are not delayed
    worker.join(10)
    assert done.is_set() and time.monotonic() - start >= 1.5
    assert "K" in api.get_space_secrets(space_id)
    assert fresh_hub.stats()["faults_injected"] == 0


def test_bad_delay_is_400(fresh_hub: LocalHub) -> None:
    r = httpx.put(f"{fresh_hub.endpoint}/_localhub/faults", json={"delay_seconds": -1},
                  headers={"authorization": f"Bearer {fresh_hub.admin_token}"})
    assert r.status_code == 400
