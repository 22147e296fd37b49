"""Backends written the way hackathon repositories are, deployed with zero edits through the real pulumi CLI
against localhub: their own Dockerfiles held to the Hub's rules (app_port read and sent in the card, UID 1000
risks as warnings), required settings named before the build, health and CORS telling the truth, and the
src/ layout with relative imports. Each test asserts what localhub received. Fast builds (the apps need only
fastapi and uvicorn, which localhub's interpreter has)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import OWNER, Hub
from tests.e2e.pulumi_cli import Stack
from tests.e2e.test_deploy import remote_bytes, remote_tree
from tests.e2e.test_health import enable_health, printed
from tests.e2e.test_layouts import write

pytestmark = pytest.mark.e2e
SPACE = f"{OWNER}/rag-chatbot"
FRONTEND = "https://my-app.example.com"

APP = '''import os

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

app = FastAPI()
app.add_middleware(CORSMiddleware, allow_origins={origins}, allow_methods=["*"], allow_headers=["*"])


@app.get("/api/health")
def health() -> dict:
    return {health}


@app.post("/api/echo")
def echo(payload: dict) -> dict:
    return payload
'''
FROM_ENV = 'os.environ.get("ALLOWED_ORIGINS", "").split(",")'
HEALTHY = '{"status": "healthy", "services": {"api": "ok"}}'
RUNTIME = "fastapi\nuvicorn\n"

ROOT_8000 = """FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
EXPOSE 8000
CMD ["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "8000"]
"""

UID_1000_SCRIPT = """FROM python:3.11-slim
RUN useradd -m -u 1000 user
WORKDIR /home/user/app
COPY . .
RUN pip install --no-cache-dir -r requirements.txt && chown -R user /home/user/app
USER user
ENV HOME=/home/user
CMD python start_server.py
"""
START_SERVER = '''import os

import uvicorn

if __name__ == "__main__":
    uvicorn.run("main:app", host="0.0.0.0", port=int(os.environ.get("PORT", "7860")))
'''


def app(origins: str = FROM_ENV, health: str = HEALTHY) -> str:
    return APP.format(origins=origins, health=health)


def card(hub: Hub) -> str:
    return remote_bytes(hub, "README.md").decode().split("\n---\n", 1)[0]


def test_root_dockerfile_on_port_8000_deploys_with_app_port_8000(project: Stack, hub: Hub, tmp_path: Path) -> None:
    backend = write(tmp_path / "root8000", {"main.py": app(), "requirements.txt": RUNTIME, "Dockerfile": ROOT_8000})
    project.config_set("backendDir", str(backend))
    out = printed(project.preview())
    assert "Dockerfile: the backend's own; app_port 8000 (Dockerfile line 7: --port 8000)" in out
    assert "Dockerfile has no USER line: it is written to run as root, but the Hub runs every container as UID " \
           "1000" in out
    assert "Dockerfile lines 3, 5: COPY without --chown" in out
    enable_health(project)
    project.up()
    assert project.outputs()["health"]["status"] == "healthy"
    assert "\napp_port: 8000\n" in card(hub) + "\n"
    assert remote_bytes(hub, "Dockerfile").decode() == ROOT_8000
    logs = "".join(hub.api().fetch_space_logs(SPACE, build=True))
    assert "WARNING: [rule dockerfile-user-1000]" in logs and "ERROR" not in logs

    # The card's port is what the Hub routes to: a contradicting appPort fails preview naming both, 0 writes.
    project.config_set("appPort", "7860")
    hub.reset_stats()
    result = project.preview(check=False)
    assert result.returncode != 0 and "`pulumi config set appPort 8000`" in printed(result)
    assert hub.stats()["write_requests"] == 0


def test_uid_1000_dockerfile_with_chown_and_a_start_script(project: Stack, hub: Hub, tmp_path: Path) -> None:
    backend = write(tmp_path / "uid1000", {"main.py": app(), "start_server.py": START_SERVER,
                                           "requirements.txt": RUNTIME, "Dockerfile": UID_1000_SCRIPT})
    project.config_set("backendDir", str(backend))
    enable_health(project)
    out = printed(project.up())
    assert "app_port 7860 (start_server.py line 6: uvicorn.run(port=7860))" in out
    assert "Dockerfile line 5: a recursive chown copies every file" in out
    assert "COPY without --chown" not in out and "USER line" not in out  # the chown -R covers the copy
    assert project.outputs()["health"]["status"] == "healthy"
    assert "\napp_port: 7860\n" in card(hub) + "\n"
    assert {"start_server.py", "main.py", "Dockerfile"} <= set(remote_tree(hub))

    # A script whose port cannot be read: the default with a warning, and appPort sets the card.
    unreadable = START_SERVER.replace('int(os.environ.get("PORT", "7860"))', "PORT_NOW")
    unreadable = unreadable.replace("import uvicorn\n", 'import uvicorn\n\nPORT_NOW = int(os.environ["PORT"])\n')
    (backend / "start_server.py").write_text(unreadable)
    project.config_set("healthCheck", "false")
    out = printed(project.preview())
    assert "the port the app listens on could not be read" in out and "`pulumi config set appPort <port>`" in out
    assert "PORT is read at start_server.py line 5 (os.environ[\"PORT\"])" in out
    assert "the Hub sets no PORT: add `ENV PORT=<port>` to the Dockerfile" in out
    project.config_set("appPort", "7861")
    project.up()
    assert "\napp_port: 7861\n" in card(hub) + "\n"


CONFIG = '''from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env")

    cohere_api_key: str
    neon_db_url: str
    qdrant_collection: str = "documents"


settings = Settings()
'''


def test_pydantic_settings_requiring_two_names_are_named_by_preview(project: Stack, hub: Hub, tmp_path: Path) -> None:
    backend = write(tmp_path / "settings", {
        "app/main.py": app() + "\nfrom app.config import settings  # noqa: E402\n", "app/config.py": CONFIG,
        "requirements.txt": RUNTIME + "pydantic-settings\n", ".gitignore": ".env\n",
        ".env": "COHERE_API_KEY=real-looking-local-value\n"})
    project.config_set("backendDir", str(backend))
    hub.reset_stats()
    out = printed(project.preview())
    field = "(a field of Settings, a pydantic settings class, without a default)"
    assert f"NEON_DB_URL is read at app/config.py line 8 {field}, but this stack sets no" in out
    assert f"COHERE_API_KEY is read at app/config.py line 7 {field}; .env line 1 (named in .env), but" in out
    for name in ("COHERE_API_KEY", "NEON_DB_URL"):
        assert f"`pulumi config set --secret --path 'extraSecrets.{name}' <value>`" in out
    assert "QDRANT_COLLECTION is read" not in out and "real-looking-local-value" not in out
    assert hub.stats()["write_requests"] == 0  # warnings, not errors: preview succeeded and wrote nothing

    project.config_set("extraSecrets.COHERE_API_KEY", "cohere-value-123456", secret=True, path=True)
    project.config_set("extraSecrets.NEON_DB_URL", "postgresql://u:p@db.example.com/x", secret=True, path=True)
    out = printed(project.up())
    assert "COHERE_API_KEY is read" not in out and "NEON_DB_URL is read" not in out
    assert {"COHERE_API_KEY", "NEON_DB_URL"} <= set(hub.api().get_space_secrets(SPACE))
    assert ".env" not in remote_tree(hub)


def test_healthy_status_over_an_unhealthy_service_fails_up_naming_it(project: Stack, hub: Hub,
                                                                     tmp_path: Path) -> None:
    body = '{"status": "healthy", "services": {"api": "ok", "qdrant": {"status": "unhealthy", "error": "suspended"}}}'
    backend = write(tmp_path / "unhealthy", {"main.py": app(health=body), "requirements.txt": RUNTIME})
    project.config_set("backendDir", str(backend))
    enable_health(project)
    result = project.up(check=False)
    out = printed(result)
    assert result.returncode != 0
    assert "reports status 'healthy', but not every service is healthy:" in out
    assert "- qdrant: unhealthy (suspended). Qdrant: free-tier clusters suspend" in out and "- api" not in out
    answer = httpx.get(f"{hub.api().space_info(SPACE).host}/api/health", timeout=10).json()
    assert answer["services"]["qdrant"]["status"] == "unhealthy"  # what the Space really said
    project.config_set("healthRequire", "reachable")
    project.up()
    assert project.outputs()["health"]["status"] == "healthy"


def test_cors_origins_the_app_does_not_read_from_the_stack(project: Stack, hub: Hub, tmp_path: Path) -> None:
    backend = write(tmp_path / "cors", {"main.py": app(origins='["http://localhost:3000"]'),
                                        "requirements.txt": RUNTIME})
    project.config_set("backendDir", str(backend))
    expected = (f"main.py line 7 hard-codes the CORS origins (http://localhost:3000) without {FRONTEND}, so "
                "browsers calling from there are refused")
    assert expected in printed(project.preview())
    enable_health(project)
    result = project.up(check=False)
    out = printed(result)
    assert result.returncode != 0 and "ALLOWED_ORIGINS lacks https://my-app.example.com" in out
    assert f"The app's code: {expected}" in out

    # The app reads another variable: preview offers the key; with it the stack writes that variable.
    (backend / "main.py").write_text(app(origins='os.environ.get("CORS_ORIGINS", "").split(",")'))
    out = printed(project.preview())
    assert ("main.py line 7 reads the CORS origins from CORS_ORIGINS, not ALLOWED_ORIGINS, which the stack writes: "
            "`pulumi config set corsOriginsVariable CORS_ORIGINS`") in out
    project.config_set("corsOriginsVariable", "CORS_ORIGINS")
    project.up()
    assert project.outputs()["health"]["cors"] == f"allows {FRONTEND}"
    variables = hub.api().get_space_variables(SPACE)
    assert variables["CORS_ORIGINS"].value == FRONTEND and "ALLOWED_ORIGINS" not in variables


def test_src_app_with_relative_imports_deploys(project: Stack, hub: Hub, tmp_path: Path) -> None:
    backend = write(tmp_path / "srcrel", {
        "src/main.py": app().replace("app = FastAPI()\n", "from .routes import router\n\napp = FastAPI()\n"
                                     "app.include_router(router, prefix=\"/api/v1\")\n"),
        "src/routes.py": 'from fastapi import APIRouter\n\nrouter = APIRouter()\n\n\n@router.post("/ask")\n'
                         'def ask(question: dict) -> dict:\n    return question\n',
        "requirements.txt": RUNTIME})
    project.config_set("backendDir", str(backend))
    enable_health(project)
    project.up()
    outputs = project.outputs()
    assert outputs["health"]["status"] == "healthy" and outputs["health"]["cors"] == f"allows {FRONTEND}"
    assert {"src/__init__.py", "src/main.py", "src/routes.py"} <= set(remote_tree(hub))
    command = '["uvicorn", "src.main:app", "--host", "0.0.0.0", "--port", "7860"]'
    assert command in remote_bytes(hub, "Dockerfile").decode()
    readme = remote_bytes(hub, "README.md").decode()
    assert "| POST | `/api/v1/ask` |" in readme
    assert httpx.post(f"{outputs['spaceUrl']}/api/v1/ask", json={"q": 1}, timeout=10).json() == {"q": 1}
