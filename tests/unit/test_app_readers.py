"""What preview reads from a backend it did not write: the Dockerfile's port and UID 1000 risks, the
environment names the app needs, where its CORS origins come from, its routes through factories, the src/
layout and disagreeing dependency files. All read with ast or text, never imported."""

from __future__ import annotations

from pathlib import Path

import pytest

from components.bundle import app_env
from components.bundle.build import bundle_for
from components.bundle.cors_source import find_cors
from components.bundle.preflight import preflight
from components.bundle.routes import Route, find_routes
from components.config import Settings, from_config
from components.rules.dockerfile import check_dockerfile
from components.rules.entry_point import Entry, detect_entry
from tests.unit.test_bundle import write
from tests.unit.test_settings import make_cfg

APP = "from fastapi import FastAPI\n\napp = FastAPI()\n"


def settings_for(root: Path, **overrides: str) -> Settings:
    return from_config(make_cfg(root, **overrides), {}, root.parent)


# -- the Dockerfile: port and UID 1000 ------------------------------------------------------------

ROOT_8000 = """FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
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
CMD python start_server.py
"""
START_SERVER = ('import os\n\nimport uvicorn\n\nif __name__ == "__main__":\n'
                '    uvicorn.run("main:app", host="0.0.0.0", port=int(os.environ.get("PORT", "{port}")))\n')


def test_root_dockerfile_on_8000_reads_its_port_and_warns_of_uid_1000() -> None:
    report = check_dockerfile(ROOT_8000)
    assert report.problems == () and report.port == 8000
    assert report.port_source == "Dockerfile line 7: --port 8000"
    root, copies = report.warnings
    assert root.startswith("Dockerfile has no USER line") and "UID 1000" in root and "useradd -m -u 1000 user" in root
    assert copies.startswith("Dockerfile lines 3, 5: COPY without --chown") and "--chown=" in copies


def test_a_later_chown_covers_the_copy_and_the_script_gives_the_port() -> None:
    report = check_dockerfile(UID_1000_SCRIPT, {"start_server.py": START_SERVER.format(port=7860).encode()})
    assert report.problems == () and report.port == 7860
    assert report.port_source == "start_server.py line 6: uvicorn.run(port=7860)"
    assert [w.split(":")[0] for w in report.warnings] == ["Dockerfile line 5"]  # the chown -R layer note only
    assert "recursive chown" in report.warnings[0] and "COPY --chown=user" in report.warnings[0]
    other = check_dockerfile(UID_1000_SCRIPT, {"start_server.py": START_SERVER.format(port=8000).encode()})
    assert other.port == 8000  # os.environ.get("PORT", "8000"): the Hub sets no PORT, so the default
    with_env = check_dockerfile(UID_1000_SCRIPT.replace("USER user\n", "USER user\nENV PORT=9000\n"),
                                {"start_server.py": START_SERVER.format(port=8000).encode()})
    assert with_env.port == 9000


def test_a_chown_of_another_path_does_not_cover_the_copy() -> None:
    report = check_dockerfile(UID_1000_SCRIPT.replace("chown -R user /home/user/app", "chown -R user /data"))
    assert any(w.startswith("Dockerfile line 4: COPY without --chown") for w in report.warnings)


@pytest.mark.parametrize(("dockerfile", "files", "problem"), [
    ("RUN echo\n", {}, "Dockerfile has no FROM line"),
    ("FROM python\nCMD uvicorn main:app --port 7860\n", {}, "Dockerfile line 2: the app binds 127.0.0.1, uvicorn's "
                                                            "default, as no --host is given"),
    ("FROM python\nCMD uvicorn main:app --host localhost --port 7860\n", {},
     "Dockerfile line 2: the app binds localhost"),
    ("FROM python\nCMD uvicorn main:app --host 0.0.0.0 --port $PORT\n", {},
     "Dockerfile line 2: the port is '$PORT', a variable that neither the Dockerfile (ENV) nor the Hub sets"),
    ("FROM python\nCMD python serve.py\n", {"serve.py": b"import uvicorn\nuvicorn.run('m:app', port=7860)\n"},
     "serve.py line 2: uvicorn.run with no host (uvicorn.run's default is 127.0.0.1) listens on loopback only"),
])
def test_what_certainly_breaks_fails_naming_the_line_and_fix(dockerfile: str, files: dict[str, bytes],
                                                             problem: str) -> None:
    problems = check_dockerfile(dockerfile, files).problems
    assert any(p.startswith(problem) for p in problems), problems
    assert all("`" in p for p in problems)  # each carries the fix


def test_no_cmd_runs_the_base_images_command_with_a_warning() -> None:
    report = check_dockerfile("FROM tiangolo/uvicorn-gunicorn-fastapi\nCOPY --chown=1000 . /app\nUSER 1000\n")
    assert report.problems == () and report.port == 7860
    assert [w.split(",")[0] for w in report.warnings] == ["Dockerfile has no CMD or ENTRYPOINT in its final stage"]


def test_gunicorn_bind_gives_the_port_and_its_pid_file_option_is_not_one() -> None:
    report = check_dockerfile('FROM python\nCMD ["gunicorn", "-p", "/tmp/g.pid", "-k", '
                              '"uvicorn.workers.UvicornWorker", "-b", "0.0.0.0:8080", "main:app"]\n')
    assert report.problems == () and report.port == 8080
    with_port = check_dockerfile('FROM python\nENV PORT=7860\nCMD gunicorn -k uvicorn.workers.UvicornWorker main:app\n')
    assert with_port.problems == () and with_port.port == 7860  # gunicorn binds 0.0.0.0:$PORT


def test_port_that_cannot_be_read_is_the_default_with_a_warning_and_config_sets_it() -> None:
    dockerfile = "FROM python\nRUN useradd -u 1000 user\nUSER user\nCMD ./run.sh\n"
    report = check_dockerfile(dockerfile)
    assert report.problems == () and report.port == 7860
    assert any("`pulumi config set appPort <port>`" in w for w in report.warnings)
    assert check_dockerfile(dockerfile, app_port=8080).port == 8080
    contradiction = check_dockerfile(ROOT_8000, app_port=7860).problems
    assert contradiction and "`pulumi config set appPort 8000`" in contradiction[0]


# -- environment names ------------------------------------------------------------------------------

CONFIG = '''import os

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env")

    cohere_api_key: str
    neon_db_url: str = Field(..., alias="NEON_DB_URL")
    qdrant_url: str = "http://localhost:6333"
    debug: bool = False


class Extra(BaseSettings):
    class Config:
        env_prefix = "APP_"

    secret: str
    level: str = Field(default="INFO")


GROQ = os.environ["GROQ_API_KEY"]
try:
    OPTIONAL = os.environ["OPTIONAL_ONE"]
except KeyError:
    OPTIONAL = None
if "GUARDED" in os.environ:
    GUARDED = os.environ["GUARDED"]
token = os.getenv("SERVICE_TOKEN")
if not token:
    raise RuntimeError("SERVICE_TOKEN is not set")
fallback = os.getenv("WITH_DEFAULT", "x")
unchecked = os.getenv("UNCHECKED")
soft = os.getenv("SOFT")
if not soft:
    soft = "a fallback, no raise"
'''


def test_required_names_in_every_shape_and_only_those() -> None:
    needs = app_env.required_names({"app/config.py": CONFIG.encode()})
    assert [(n.name, n.line) for n in needs] == [
        ("APP_SECRET", 20), ("COHERE_API_KEY", 10), ("GROQ_API_KEY", 24), ("NEON_DB_URL", 11), ("SERVICE_TOKEN", 31)]
    assert needs[1].how == "a field of Settings, a pydantic settings class, without a default"
    assert needs[4].how == 'os.getenv("SERVICE_TOKEN") checked and raised on'


def test_missing_names_are_warned_with_file_line_and_command(tmp_path: Path) -> None:
    write(tmp_path, {"main.py": APP, "requirements.txt": "fastapi\n", "config.py": CONFIG,
                     ".gitignore": ".env*\n",
                     ".env.example": "# copy to .env\nGEMINI_API_KEY=your-key-here\nexport TEMPLATE_ONLY=x\n"
                                     "bad line\n"})
    settings = settings_for(tmp_path, **{"extraSecrets": '{"GROQ_API_KEY": "groq-value-1234"}'})
    warnings = "\n".join(preflight(settings, bundle_for(settings)).warnings)
    assert ("COHERE_API_KEY is read at config.py line 10 (a field of Settings, a pydantic settings class, without a "
            "default), but this stack sets no Space secret or variable of that name: "
            "`pulumi config set --secret --path 'extraSecrets.COHERE_API_KEY' <value>`") in warnings
    assert "NEON_DB_URL is read at config.py line 11" in warnings
    assert "GEMINI_API_KEY is read at .env.example line 2 (named in .env.example)" in warnings
    assert "`pulumi config set --secret geminiApiKey <value>`" in warnings  # a managed name: its own key
    assert "TEMPLATE_ONLY is read at .env.example line 3" in warnings
    assert "GROQ_API_KEY" not in warnings and "your-key-here" not in warnings  # set by the stack; values never read
    with_key = settings_for(tmp_path, geminiApiKey="gemini-value-1234")
    assert "GEMINI_API_KEY" not in "\n".join(preflight(with_key, bundle_for(with_key)).warnings)


def test_a_name_the_own_dockerfile_sets_is_provided(tmp_path: Path) -> None:
    write(tmp_path, {"main.py": APP + 'MODE = os.environ["APP_MODE"]\n', "requirements.txt": "fastapi\n",
                     "Dockerfile": ROOT_8000.replace("EXPOSE 8000\n", "ENV APP_MODE=production\n")})
    settings = settings_for(tmp_path)
    assert not [w for w in preflight(settings, bundle_for(settings)).warnings if "APP_MODE" in w]
    (tmp_path / "Dockerfile").unlink()  # the generated one does not set it
    assert [w for w in preflight(settings, bundle_for(settings)).warnings if w.startswith("APP_MODE is read at")]


def test_names_the_hub_or_the_dockerfile_set_are_provided() -> None:
    needs = [app_env.Need("SPACE_ID", "a.py", 1, "x"), app_env.Need("cohere_api_key", "a.py", 2, "x", False),
             app_env.Need("FROM_ENV", "a.py", 3, "x")]
    assert list(app_env.missing(needs, {"COHERE_API_KEY", "FROM_ENV"})) == []


# -- CORS -------------------------------------------------------------------------------------------

CORS_APP = '''import os

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from app.config import settings

app = FastAPI()
ORIGINS = os.getenv("CORS_ALLOWED_ORIGINS", "").split(",")
app.add_middleware(CORSMiddleware, allow_origins={origins}, allow_methods=["*"])
'''
SETTINGS = ("from pydantic_settings import BaseSettings\n\n\nclass Settings(BaseSettings):\n"
            "    cors_origins: list[str] = ['http://localhost:3000']\n\n\nsettings = Settings()\n")


@pytest.mark.parametrize(("origins", "variables", "literal"), [
    ('["http://localhost:3000", "https://x.vercel.app"]', (), ("http://localhost:3000", "https://x.vercel.app")),
    ("ORIGINS", ("CORS_ALLOWED_ORIGINS",), None),
    ("settings.cors_origins", ("CORS_ORIGINS",), None),
    ('[os.environ.get("FRONTEND_URL", "")]', ("FRONTEND_URL",), None),
    ('os.environ["ALLOWED_ORIGINS"].split(",")', ("ALLOWED_ORIGINS",), None),
])
def test_cors_origins_source(origins: str, variables: tuple[str, ...], literal: tuple[str, ...] | None) -> None:
    files = {"app/main.py": CORS_APP.format(origins=origins).encode(), "app/config.py": SETTINGS.encode()}
    (source,) = find_cors(files)
    assert (source.file, source.line, source.variables, source.origins) == ("app/main.py", 10, variables, literal)


def test_cors_notes_name_file_line_and_the_key(tmp_path: Path) -> None:
    write(tmp_path, {"main.py": CORS_APP.format(origins='["http://localhost:3000"]').replace(
        "from app.config import settings\n", ""), "requirements.txt": "fastapi\n"})
    settings = settings_for(tmp_path, frontendUrl="https://my-app.example.com")
    (note,) = [w for w in preflight(settings, bundle_for(settings)).warnings if "CORS" in w]
    assert note.startswith("main.py line 9 hard-codes the CORS origins (http://localhost:3000) without "
                           "https://my-app.example.com")
    no_settings = CORS_APP.replace("from app.config import settings\n", "")
    (tmp_path / "main.py").write_text(no_settings.format(origins="ORIGINS"))
    (note,) = [w for w in preflight(settings, bundle_for(settings)).warnings if "CORS" in w]
    assert "`pulumi config set corsOriginsVariable CORS_ALLOWED_ORIGINS`" in note
    fixed = settings_for(tmp_path, frontendUrl="https://my-app.example.com", corsOriginsVariable="CORS_ALLOWED_ORIGINS")
    assert not [w for w in preflight(fixed, bundle_for(fixed)).warnings if "CORS" in w]
    assert fixed.variables["CORS_ALLOWED_ORIGINS"] == "https://my-app.example.com"
    assert "ALLOWED_ORIGINS" not in fixed.variables
    readme = bundle_for(fixed).files["README.md"].decode()
    assert "these origins (`CORS_ALLOWED_ORIGINS`):\n\n- `https://my-app.example.com`" in readme


# -- routes through factories and module chains -----------------------------------------------------

def test_routes_follow_factories_and_include_router_chains() -> None:
    files = {
        "app/main.py": b"from app.factory import create_app\n\napp = create_app()\n",
        "app/factory.py": b"from fastapi import FastAPI\nfrom app.api import api_router\nfrom app import health\n\n\n"
                          b"def create_app() -> FastAPI:\n    application = FastAPI()\n"
                          b"    application.include_router(api_router, prefix='/api')\n"
                          b"    application.include_router(router=health.router)\n    return application\n",
        "app/api/__init__.py": b"from fastapi import APIRouter\nfrom . import chat\nimport app.api.docs\n\n"
                               b"api_router = APIRouter()\n"
                               b"api_router.include_router(chat.build_router(), prefix='/chat')\n"
                               b"api_router.include_router(app.api.docs.router)\n",
        "app/api/chat.py": b"from fastapi import APIRouter\n\n\ndef build_router() -> APIRouter:\n"
                           b"    router = APIRouter()\n\n    @router.post('')\n    def chat() -> None:\n        ...\n\n"
                           b"    return router\n",
        "app/api/docs.py": b"from fastapi import APIRouter\nrouter = APIRouter(prefix='/documents')\n\n\n"
                           b"@router.post('/upload')\ndef upload() -> None:\n    ...\n",
        "app/health.py": b"from fastapi import APIRouter\nrouter = APIRouter()\n\n\n@router.get('/health')\n"
                         b"def health() -> None:\n    ...\n",
    }
    assert find_routes(files, "app.main") == [Route("/api/chat", "POST", "Chat"),
                                              Route("/api/documents/upload", "POST", "Upload"),
                                              Route("/health", "GET", "Health")]


# -- layouts and dependencies -----------------------------------------------------------------------

def test_src_main_with_relative_imports_is_src_main(tmp_path: Path) -> None:
    write(tmp_path, {"src/main.py": "from fastapi import FastAPI\n\nfrom .config import NAME\n\napp = FastAPI()\n",
                     "src/config.py": "NAME = 'x'\n", "requirements.txt": "fastapi\n"})
    assert detect_entry(tmp_path) == Entry("src.main", "app", "src/main.py")
    files = bundle_for(settings_for(tmp_path)).files
    assert '"uvicorn", "src.main:app"' in files["Dockerfile"].decode() and "src/__init__.py" in files
    (tmp_path / "src" / "main.py").write_text("from fastapi import FastAPI\nfrom config import NAME\napp = FastAPI()\n")
    assert detect_entry(tmp_path) == Entry("main", "app", "src/main.py", "src")  # sibling imports: --app-dir src


def test_disagreeing_requirements_and_pyproject_say_which_is_used(tmp_path: Path) -> None:
    write(tmp_path, {"main.py": APP, "requirements.txt": "fastapi\nuvicorn\n",
                     "pyproject.toml": '[project]\nname = "x"\nversion = "0"\ndependencies = ["fastapi", "cohere"]\n'})
    (note,) = bundle_for(settings_for(tmp_path)).warnings
    assert note.startswith("requirements.txt and pyproject.toml [project] dependencies disagree (only pyproject.toml "
                           "lists cohere; only requirements.txt lists uvicorn): the Space installs requirements.txt")
    (tmp_path / "requirements.txt").write_text("fastapi\ncohere\npytest\n")
    assert bundle_for(settings_for(tmp_path)).warnings == ()


def test_uv_lock_only_backend_deploys_from_pyproject_pinned_by_the_lock(tmp_path: Path) -> None:
    registry = 'source = { registry = "https://pypi.org/simple" }\n'
    lock = (f'version = 1\n[[package]]\nname = "FastAPI"\nversion = "0.115.0"\n{registry}'
            f'[[package]]\nname = "numpy"\nversion = "1.26.4"\n{registry}'
            f'[[package]]\nname = "numpy"\nversion = "2.1.0"\n{registry}'
            f'[[package]]\nname = "pytest"\nversion = "8.0.0"\n{registry}'
            '[[package]]\nname = "x"\nversion = "0"\nsource = { editable = "." }\n')
    write(tmp_path, {"main.py": APP, "uv.lock": lock,
                     "pyproject.toml": '[project]\nname = "x"\nversion = "0"\ndependencies = ["fastapi>=0.110"]\n'})
    files = bundle_for(settings_for(tmp_path)).files
    assert files["requirements.txt"].decode().endswith("fastapi>=0.110\n-c constraints.txt\n")
    constraints = files["constraints.txt"].decode()
    assert "fastapi==0.115.0\n" in constraints and "numpy" not in constraints and "pytest" not in constraints
    assert "x==" not in constraints
    assert "COPY --chown=user requirements.txt constraints.txt" in files["Dockerfile"].decode()


# -- the new keys -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("key", "value", "message"), [
    ("appPort", "70000", "must be a port between 1 and 65535"),
    ("appPort", "web", "must be a port number"),
    ("dockerfile", "mine", "must be one of auto, own, generated"),
    ("corsOriginsVariable", "CORS-ORIGINS", "is not an environment variable name"),
    ("corsOriginsVariable", "GEMINI_API_KEY", "is already another managed setting"),
])
def test_new_keys_refuse_bad_values_naming_the_key(tmp_path: Path, key: str, value: str, message: str) -> None:
    from components.errors import ConfigError

    write(tmp_path, {"main.py": APP, "requirements.txt": "fastapi\n"})
    with pytest.raises(ConfigError) as info:
        settings_for(tmp_path, **{key: value})
    assert f"hf-rag-space:{key}" in str(info.value) and message in str(info.value)


def test_new_keys_defaults(tmp_path: Path) -> None:
    write(tmp_path, {"main.py": APP, "requirements.txt": "fastapi\n"})
    settings = settings_for(tmp_path, frontendUrl="https://my-app.example.com")
    assert (settings.app_port, settings.dockerfile, settings.cors_origins_variable) == (None, "auto", "ALLOWED_ORIGINS")
    assert settings.variables["ALLOWED_ORIGINS"] == "https://my-app.example.com"
