"""The Spaces runtime: build rules, running the app, runtime errors, secrets as env vars."""

from __future__ import annotations

import httpx
import pytest
from huggingface_hub import CommitOperationDelete, HfApi

from localhub import LocalHub
from localhub.runtime import _free_port
from tests.hub.conftest import DOCKERFILE, app_files, commit_files, create_space, space_host, wait_stage

pytestmark = pytest.mark.timeout(90)


def test_app_runs_and_sees_secrets(api: HfApi, hub: LocalHub, space_id: str) -> None:
    create_space(api, space_id, space_secrets=[{"key": "API_KEY", "value": "s3cret"}])
    api.add_space_variable(space_id, "MODE", "prod")
    commit_files(api, space_id, app_files())
    assert wait_stage(api, space_id) == "RUNNING"
    host = space_host(api, space_id)
    assert httpx.get(host + "/api/health").json() == {"status": "ok", "secret": "s3cret", "var": "prod"}

    api.add_space_secret(space_id, "API_KEY", "rotated")
    assert wait_stage(api, space_id) == "RUNNING"
    assert httpx.get(host + "/api/health").json()["secret"] == "rotated"
    assert hub.stats()["rebuilds"][space_id] >= 3

    api.pause_space(space_id)
    assert httpx.get(host + "/api/health").status_code == 503  # the Space's proxy answers, no app behind it
    api.restart_space(space_id)
    assert wait_stage(api, space_id) == "RUNNING"
    assert httpx.get(host + "/api/health").status_code == 200
    assert any("GET /api/health" in line for line in api.fetch_space_logs(space_id))

    api.delete_repo(space_id, repo_type="space")
    with pytest.raises(httpx.ConnectError):
        httpx.get(host + "/api/health")


@pytest.mark.parametrize(
    ("files", "rule"),
    [
        ({"Dockerfile": DOCKERFILE.replace(b"CMD [", b"CMD [oops")}, "dockerfile-parse"),
        ({"Dockerfile": DOCKERFILE.replace(b"FROM", b"FORM")}, "dockerfile-parse"),
        ({"Dockerfile": DOCKERFILE + b"COPY missing.txt .\n"}, "dockerfile-copy-source"),
        ({"README.md": b"---\nsdk: gradio\n---\n"}, "readme-sdk"),
        ({"README.md": b"---\nsdk: docker\napp_port: web\n---\n"}, "readme-app-port"),
        ({"README.md": b"no front matter\n"}, "readme-front-matter"),
    ],
)
def test_build_errors_name_the_rule(api: HfApi, space_id: str, files: dict[str, bytes], rule: str) -> None:
    create_space(api, space_id)
    commit_files(api, space_id, {**app_files(), **files})
    assert wait_stage(api, space_id) == "BUILD_ERROR"
    assert rule in api.get_space_runtime(space_id).raw["errorMessage"]
    assert any(f"[rule {rule}]" in line for line in api.fetch_space_logs(space_id, build=True))


@pytest.mark.parametrize(
    ("files", "rule"),
    [
        ({"Dockerfile": DOCKERFILE.replace(b'"7860"]', b'"8000"]')}, "dockerfile-cmd-port"),
        ({"Dockerfile": DOCKERFILE.replace(b'"--host", "0.0.0.0", ', b"")}, "dockerfile-cmd-host"),
    ],
)
def test_app_the_proxy_cannot_reach_is_a_runtime_error(api: HfApi, space_id: str, files: dict[str, bytes],
                                                       rule: str) -> None:
    """The Hub builds it, then reports "Launch timed out, workload was not healthy"."""
    create_space(api, space_id)
    commit_files(api, space_id, {**app_files(), **files})
    assert wait_stage(api, space_id) == "RUNTIME_ERROR"
    message = api.get_space_runtime(space_id).raw["errorMessage"]
    assert "workload was not healthy" in message and rule in message


@pytest.mark.parametrize("docker", [DOCKERFILE.replace(b"USER user\n", b""),
                                    DOCKERFILE.replace(b"-u 1000", b"-u 1001")])
def test_root_or_other_uid_image_runs_with_a_warning(api: HfApi, space_id: str, docker: bytes) -> None:
    """hub-docs spaces-sdks-docker "Permissions": the container runs as UID 1000 whatever USER says."""
    create_space(api, space_id)
    commit_files(api, space_id, {**app_files(), "Dockerfile": docker})
    assert wait_stage(api, space_id) == "RUNNING"
    assert any("WARNING: [rule dockerfile-user-1000]" in line for line in api.fetch_space_logs(space_id, build=True))


def test_missing_dockerfile(api: HfApi, space_id: str) -> None:
    create_space(api, space_id)
    commit_files(api, space_id, app_files())
    assert wait_stage(api, space_id) == "RUNNING"
    api.create_commit(space_id, [CommitOperationDelete("Dockerfile")], commit_message="rm", repo_type="space")
    assert wait_stage(api, space_id, revision=api.space_info(space_id).sha) == "BUILD_ERROR"
    assert "dockerfile-missing" in api.get_space_runtime(space_id).raw["errorMessage"]


def test_import_error_is_runtime_error(api: HfApi, space_id: str) -> None:
    create_space(api, space_id)
    broken = b"raise RuntimeError('boom at import')\n"
    commit_files(api, space_id, app_files(app_main=broken))
    assert wait_stage(api, space_id) == "RUNTIME_ERROR"
    logs = "".join(api.fetch_space_logs(space_id))
    assert "Traceback" in logs and "RuntimeError: boom at import" in logs


def test_readme_only_is_no_app_file(api: HfApi, space_id: str) -> None:
    create_space(api, space_id)
    commit_files(api, space_id, {"README.md": app_files()["README.md"]})
    assert wait_stage(api, space_id) == "NO_APP_FILE"


def test_build_delay_shows_building(fresh_hub: LocalHub, space_id: str) -> None:
    api = HfApi(endpoint=fresh_hub.endpoint, token="alice-token")
    create_space(api, space_id)
    fresh_hub.configure(build_delay_seconds=30)
    commit_files(api, space_id, app_files())
    assert api.get_space_runtime(space_id).stage == "BUILDING"
    fresh_hub.configure(build_delay_seconds=0)
    api.restart_space(space_id)
    assert wait_stage(api, space_id) == "RUNNING"


def test_a_script_that_picks_its_own_port_is_served_on_app_port(api: HfApi, space_id: str) -> None:
    """`CMD python serve.py` with `uvicorn.run(port=N)` and `app_port: N`: the Hub routes to app_port
    (hub-docs spaces-config-reference), so the Space runs; a script on another port never answers."""
    port = _free_port()
    serve = (f"import uvicorn\n\nif __name__ == '__main__':\n"
             f"    uvicorn.run('app.main:app', host='0.0.0.0', port={port})\n").encode()
    docker = DOCKERFILE.replace(b'CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "7860"]',
                                b"CMD python serve.py")
    assert docker != DOCKERFILE
    create_space(api, space_id)
    readme = f"---\nsdk: docker\napp_port: {port}\n---\n".encode()
    commit_files(api, space_id, {**app_files(), "Dockerfile": docker, "serve.py": serve, "README.md": readme})
    assert wait_stage(api, space_id) == "RUNNING"
    assert httpx.get(space_host(api, space_id) + "/api/health", timeout=10).status_code == 200
