"""Issue 14 end to end: backends of other layouts deploy healthy with no layout config, each Space holding
exactly the expected files; a backend's own Dockerfile is kept, or refused by line when it certainly breaks;
systemPackages reach the generated one; the CORS diagnosis names the cause. Real pulumi CLI, localhub and its
runtime with real builds (each Space's requirements pip-installed into a virtualenv, as the Hub's image build does)."""

from __future__ import annotations

import secrets
import shutil
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import OWNER, Hub
from tests.e2e.pulumi_cli import REPO, Stack
from tests.e2e.test_deploy import remote_bytes, remote_tree

pytestmark = [pytest.mark.e2e, pytest.mark.real_builds]
SPACE = f"{OWNER}/rag-chatbot"

#: An app module: /api/health, a POST route the CORS check probes, CORS from ALLOWED_ORIGINS.
APP_CODE = '''import os
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
{imports}
app = FastAPI()
{cors}app.add_middleware(CORSMiddleware, allow_origins=os.environ.get("ALLOWED_ORIGINS", "").split(","),
{cors}                   allow_methods=["*"], allow_headers=["*"])
{body}

@app.get("/api/health")
def health() -> dict:
    """Health of the app."""
    return {{"status": "healthy", "layout": "{layout}"}}


@app.post("/api/echo")
def echo(payload: dict) -> dict:
    """Echo the payload."""
    return payload
'''
RUNTIME = "fastapi\nuvicorn\n"


def app_code(layout: str, imports: str = "", body: str = "", cors: bool = True) -> str:
    return APP_CODE.format(imports=imports, body=body, layout=layout, cors="" if cors else "# ")


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    return root


def backends(base: Path, marker: str) -> dict[str, tuple[Path, set[str]]]:
    """layout -> (backend dir, the exact files its Space must hold)."""
    generated = {"Dockerfile", "README.md", "requirements.txt"}
    seed = base / "seed"
    shutil.copytree(REPO / "examples" / "rag-backend", seed, ignore=shutil.ignore_patterns("__pycache__"))
    seed_files = {p.relative_to(seed).as_posix() for p in (seed / "app").rglob("*.py")}
    seed_files |= {"app/services/__init__.py"}  # added: the seed's package lacks it
    static = "from fastapi.staticfiles import StaticFiles"
    return {
        "seed": (seed, generated | seed_files),
        "main.py + pyproject.toml + static/": (write(base / "flat", {
            "main.py": app_code("flat", static, 'app.mount("/static", StaticFiles(directory=Path(__file__).parent '
                                                '/ "static"), name="static")'),
            "pyproject.toml": '[project]\nname = "flat"\nversion = "0.1.0"\ndependencies = ["fastapi", "uvicorn"]\n'
                              '[project.optional-dependencies]\ntest = ["pytest", "httpx"]\n',
            "static/hello.txt": f"static {marker}\n",
            "tests/test_main.py": "def test_x() -> None: ...\n",
        }), generated | {"main.py", "pyproject.toml", "static/hello.txt"}),
        "src/ layout": (write(base / "srclayout", {
            "src/shop/__init__.py": "",
            "src/shop/main.py": app_code("src", "from shop.extra import ROUTER_NAME  # needs --app-dir src"),
            "src/shop/extra.py": 'ROUTER_NAME = "extra"\n',
            "requirements.txt": RUNTIME,
            "tests/test_shop.py": "",
        }), generated | {"src/shop/__init__.py", "src/shop/main.py", "src/shop/extra.py"}),
        "app.py": (write(base / "appfile", {
            "app.py": app_code("app.py"), "requirements.txt": RUNTIME + "pytest\n", "test_app.py": "",
        }), generated | {"app.py"}),
        "-r base.txt": (write(base / "included", {
            "main.py": app_code("included"), "requirements.txt": "-r base.txt\n", "base.txt": RUNTIME,
        }), generated | {"main.py", "base.txt"}),
    }


def use_backend(stack: Stack, backend: Path) -> None:
    stack.config_set("backendDir", str(backend))


def test_five_layouts_deploy_healthy_without_layout_config(project: Stack, hub: Hub, tmp_path: Path) -> None:
    marker = secrets.token_hex(8)
    project.config_set("healthCheck", "true")
    project.config_set("healthTimeoutSeconds", "300")
    for layout, (backend, expected) in backends(tmp_path / "backends", marker).items():
        use_backend(project, backend)
        project.up()
        outputs = project.outputs()
        assert outputs["health"]["status"] == "healthy", layout
        assert outputs["health"]["cors"] == "allows https://my-app.example.com", layout
        assert set(remote_tree(hub)) == expected, layout
        requirements = remote_bytes(hub, "requirements.txt").decode()
        assert "fastapi" in requirements and "pytest" not in requirements and "-r " not in requirements, layout
        answer = httpx.get(outputs["healthUrl"], timeout=10).json()
        if layout != "seed":
            assert answer["layout"] in backend.name or answer["layout"] == "app.py", layout
        if layout.startswith("main.py"):
            static = httpx.get(f"{outputs['spaceUrl']}/static/hello.txt", timeout=10)
            assert static.status_code == 200 and static.text == f"static {marker}\n"
            readme = remote_bytes(hub, "README.md").decode()
            assert "| POST | `/api/echo` | Echo the payload. |" in readme and "/api/chat" not in readme
        if layout == "src/ layout":
            assert '"--app-dir", "src"' in remote_bytes(hub, "Dockerfile").decode()


OWN_DOCKERFILE = """FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends libpq-dev \\
    && rm -rf /var/lib/apt/lists/*
RUN useradd -m -u 1000 user
USER user
ENV HOME=/home/user PATH=/home/user/.local/bin:$PATH
WORKDIR $HOME/app
COPY --chown=user requirements.txt requirements.txt
RUN pip install --no-cache-dir -r requirements.txt
COPY --chown=user . .
CMD ["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "7860"]
"""


def test_own_dockerfile_kept_or_refused_by_line_and_system_packages(project: Stack, hub: Hub,
                                                                     tmp_path: Path) -> None:
    backend = write(tmp_path / "own", {"main.py": app_code("own"), "requirements.txt": RUNTIME,
                                       "Dockerfile": OWN_DOCKERFILE})
    use_backend(project, backend)
    for old, new, expected in [
        ('"0.0.0.0"', '"127.0.0.1"', "Dockerfile line 11: the app binds 127.0.0.1, a loopback address"),
        ('"--port", "7860"', '"--port", "$PORT"', "Dockerfile line 11: the port is '$PORT', which the exec form"),
    ]:
        (backend / "Dockerfile").write_text(OWN_DOCKERFILE.replace(old, new))
        hub.reset_stats()
        for result in (project.preview(check=False), project.up(check=False)):
            assert result.returncode != 0 and expected in result.stdout + result.stderr
        assert hub.stats()["write_requests"] == 0
    (backend / "Dockerfile").write_text(OWN_DOCKERFILE)
    project.config_set("healthCheck", "true")
    project.up()
    assert remote_bytes(hub, "Dockerfile").decode() == OWN_DOCKERFILE
    assert project.outputs()["health"]["status"] == "healthy"

    (backend / "Dockerfile").unlink()
    project.config_set("healthCheck", "false")
    project.run("config", "set", "--plaintext", "--path", "systemPackages[0]", "libpq-dev")
    project.up()
    dockerfile = remote_bytes(hub, "Dockerfile").decode()
    assert "Generated by hf-rag-space" in dockerfile and "gcc g++ curl libpq-dev \\" in dockerfile


def test_cors_diagnosis_names_the_cause(project: Stack, hub: Hub, tmp_path: Path) -> None:
    backend = write(tmp_path / "nocors", {"main.py": app_code("nocors", cors=False), "requirements.txt": RUNTIME})
    use_backend(project, backend)
    project.config_set("healthCheck", "true")
    result = project.up(check=False)
    out = result.stdout + result.stderr
    assert result.returncode != 0
    assert "no CORS middleware answered the preflight (OPTIONS /api/echo, Origin: https://my-app.example.com" in out
    assert "ALLOWED_ORIGINS lacks" not in out

    (backend / "main.py").write_text(app_code("nocors"))
    project.config_set("extraVariables.ALLOWED_ORIGINS", "https://other.example.com", path=True)
    result = project.up(check=False)
    out = result.stdout + result.stderr
    assert result.returncode != 0 and "ALLOWED_ORIGINS lacks https://my-app.example.com" in out
    assert "no CORS middleware" not in out
    project.run("config", "rm", "--path", "extraVariables.ALLOWED_ORIGINS")
    project.up()
    assert project.outputs()["health"]["cors"] == "allows https://my-app.example.com"
