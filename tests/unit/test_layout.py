"""Issue 14: any FastAPI backend layout: entry point, dependencies, files, own Dockerfile, README, routes."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from components.bundle.build import bundle_for
from components.bundle.routes import Route, find_routes
from components.bundle.templating import render_dockerfile
from components.config import Settings, from_config
from components.errors import BundleError, ConfigError
from components.rules.dockerfile import check_dockerfile
from components.rules.entry_point import Entry, detect_entry
from tests.unit.test_bundle import write
from tests.unit.test_settings import make_cfg


def settings_for(root: Path, **overrides: str) -> Settings:
    return from_config(make_cfg(root, **overrides), {}, root.parent)


def files_of(root: Path, **overrides: str) -> Mapping[str, bytes]:
    return bundle_for(settings_for(root, **overrides)).files


def refusal(root: Path, **overrides: str) -> str:
    with pytest.raises(BundleError) as info:
        files_of(root, **overrides)
    return str(info.value)


APP = "from fastapi import FastAPI\n\napp = FastAPI()\n"


# -- entry point ------------------------------------------------------------------------------

@pytest.mark.parametrize(("files", "entry"), [
    ({"app/main.py": APP, "main.py": APP}, Entry("app.main", "app", "app/main.py")),
    ({"main.py": APP, "app.py": APP}, Entry("main", "app", "main.py")),
    ({"app.py": APP}, Entry("app", "app", "app.py")),
    ({"src/shop/main.py": APP, "src/shop/api.py": ""}, Entry("shop.main", "app", "src/shop/main.py", "src")),
])
def test_entry_point_is_detected(tmp_path: Path, files: dict[str, str], entry: Entry) -> None:
    write(tmp_path, files)
    assert detect_entry(tmp_path) == entry


def test_app_module_wins_and_must_name_a_file(tmp_path: Path) -> None:
    write(tmp_path, {"main.py": APP, "server/api.py": APP})
    assert detect_entry(tmp_path, "server.api:application") == Entry("server.api", "application", "server/api.py")
    with pytest.raises(BundleError) as info:
        detect_entry(tmp_path, "server.missing:app")
    assert info.value.key == "hf-rag-space:appModule" and "server/missing.py" in str(info.value)


def test_no_entry_point_lists_what_was_looked_for_and_the_key(tmp_path: Path) -> None:
    write(tmp_path, {"server.py": APP, "requirements.txt": "fastapi\n"})
    with pytest.raises(ConfigError) as info:
        settings_for(tmp_path)
    message = str(info.value)
    for looked in ("app/main.py", "main.py", "app.py", "src/<package>/main.py", "appModule"):
        assert looked in message
    assert b'"uvicorn", "server:app"' in files_of(tmp_path, appModule="server:app")["Dockerfile"]  # the key fixes it


@pytest.mark.parametrize(("files", "command"), [
    ({"app/main.py": APP}, '["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "7860"]'),
    ({"main.py": APP}, '["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "7860"]'),
    ({"app.py": APP}, '["uvicorn", "app:app", "--host", "0.0.0.0", "--port", "7860"]'),
    ({"src/shop/main.py": APP}, '["uvicorn", "shop.main:app", "--host", "0.0.0.0", "--port", "7860", '
                                '"--app-dir", "src"]'),
])
def test_generated_dockerfile_runs_the_detected_entry_point(tmp_path: Path, files: dict[str, str],
                                                            command: str) -> None:
    write(tmp_path, {**files, "requirements.txt": "fastapi\n"})
    dockerfile = files_of(tmp_path)["Dockerfile"].decode()
    assert f"CMD {command}" in dockerfile
    report = check_dockerfile(dockerfile)
    assert report.problems == report.warnings == () and report.port == 7860


# -- dependencies -----------------------------------------------------------------------------

def test_requirement_includes_are_inlined_and_constraints_gathered(tmp_path: Path) -> None:
    write(tmp_path, {"main.py": APP, "requirements.txt": "-r requirements/base.txt\nuvicorn\npytest\n",
                     "requirements/base.txt": "fastapi>=0.110\n-r common.txt\n-c ../constraints/pins.txt\n",
                     "requirements/common.txt": "httpx\n", "constraints/pins.txt": "fastapi==0.115.0\n"})
    files = files_of(tmp_path)
    requirements = files["requirements.txt"].decode()
    assert "fastapi>=0.110\n" in requirements and "httpx\n" in requirements and "uvicorn\n" in requirements
    assert "pytest" not in requirements and "-r " not in requirements
    assert requirements.rstrip().endswith("-c constraints.txt")
    assert "fastapi==0.115.0" in files["constraints.txt"].decode()
    assert "COPY --chown=user requirements.txt constraints.txt ./" in files["Dockerfile"].decode()


@pytest.mark.parametrize(("requirements", "extra", "expected"), [
    ("-r ../outside.txt\n", {}, "outside backendDir"),
    ("-r missing.txt\n", {}, "includes missing.txt, which does not exist"),
    ("-r a.txt\n", {"a.txt": "-r requirements.txt\n"}, "which includes it back"),
    ("-r a.txt\n", {"a.txt": "--index-url https://u:p4ssw0rd@pypi.example.com/simple\n"},
     "a.txt line 1 carries credentials in a URL"),
])
def test_bad_includes_are_refused_naming_the_file(tmp_path: Path, requirements: str, extra: dict[str, str],
                                                  expected: str) -> None:
    write(tmp_path, {"main.py": APP, "requirements.txt": requirements, **extra})
    assert expected in refusal(tmp_path)


@pytest.mark.parametrize("line", [
    "-r base.txt  # shared pins", "-rbase.txt", "--requirement base.txt", "--requirement=base.txt",
    "  -r\tbase.txt\t# tab", "-cbase.txt", "-c base.txt # pins", "--constraint base.txt", "--constraint=base.txt",
])
def test_every_include_form_pip_reads_is_inlined(tmp_path: Path, line: str) -> None:
    write(tmp_path, {"main.py": APP, "requirements.txt": f"uvicorn\n{line}\n", "base.txt": "fastapi==0.115.0\n"})
    files = files_of(tmp_path)
    requirements = files["requirements.txt"].decode()
    assert "base.txt" not in requirements.replace("# from base.txt", "") and "uvicorn\n" in requirements
    constraint = "-c" in line or "--constraint" in line
    where = files["constraints.txt"].decode() if constraint else requirements
    assert "# from base.txt\nfastapi==0.115.0\n" in where
    assert ("constraints.txt" in files) == constraint


@pytest.mark.parametrize("line", ["-r", "--requirement", "-r base.txt extra.txt", "--requirement = base.txt",
                                  "-c", "--constraint a.txt b.txt"])
def test_an_include_pip_would_not_read_is_refused_naming_file_and_line(tmp_path: Path, line: str) -> None:
    write(tmp_path, {"main.py": APP, "requirements.txt": "fastapi\n-r base.txt\n",
                     "base.txt": f"httpx\n{line}\n"})
    message = refusal(tmp_path)
    assert f"base.txt line 2 ({line!r}) is not an include pip reads" in message
    assert "--requirement=FILE" in message and "Traceback" not in message


def test_pyproject_dependencies_without_optional_groups(tmp_path: Path) -> None:
    write(tmp_path, {"main.py": APP, "pyproject.toml": '[project]\nname = "svc"\nversion = "1"\n'
                     'dependencies = ["fastapi>=0.110", "uvicorn[standard]"]\n'
                     '[project.optional-dependencies]\ntest = ["pytest", "respx"]\ndev = ["ruff"]\n'})
    files = files_of(tmp_path)
    requirements = files["requirements.txt"].decode()
    assert "fastapi>=0.110\nuvicorn[standard]\n" in requirements
    assert "pytest" not in requirements and "respx" not in requirements and "ruff" not in requirements


def test_pyproject_without_pep621_dependencies_is_refused(tmp_path: Path) -> None:
    write(tmp_path, {"main.py": APP, "pyproject.toml": '[tool.poetry.dependencies]\nfastapi = "*"\n'})
    assert "pyproject.toml has no PEP 621 `[project] dependencies`" in refusal(tmp_path)


# -- files ------------------------------------------------------------------------------------

def test_whole_backend_minus_ignores_tests_caches_and_venvs(tmp_path: Path) -> None:
    write(tmp_path, {
        "main.py": APP, "requirements.txt": "fastapi\n",
        "static/index.html": "<h1>hi</h1>", "templates/page.html": "x", "data/faq.json": "{}",
        "scripts/seed.py": "", "tests/test_api.py": "", "test_main.py": "", "__pycache__/m.pyc": "",
        ".venv/pyvenv.cfg": "", "venv2/pyvenv.cfg": "", ".github/workflows/ci.yml": "", ".mypy_cache/x": "",
        "notebooks/explore.ipynb": "{}", "local.db": "", ".dockerignore": "*.db\nlogs\n",
        "logs/today.log": "", "sub/logs/kept.txt": "", ".gitignore": "data/\n",
    })
    files = set(files_of(tmp_path))
    assert files == {"Dockerfile", "README.md", "requirements.txt", "main.py", "static/index.html",
                     "templates/page.html", "scripts/seed.py", "notebooks/explore.ipynb", "sub/logs/kept.txt"}
    files = set(files_of(tmp_path, include='["data/"]', exclude='["notebooks/", "scripts/*.py"]'))
    assert "data/faq.json" in files and "notebooks/explore.ipynb" not in files and "scripts/seed.py" not in files


def test_init_py_only_inside_the_entry_package(tmp_path: Path) -> None:
    write(tmp_path, {"app/main.py": APP, "app/api/chat.py": "", "scripts/tool/run.py": "", "requirements.txt": ""})
    files = files_of(tmp_path)
    assert files["app/__init__.py"] == b"" and files["app/api/__init__.py"] == b""
    assert "scripts/__init__.py" not in files and "scripts/tool/__init__.py" not in files


# -- Dockerfile ---------------------------------------------------------------------------------

GOOD_DOCKERFILE = """FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends libpq-dev \\
    && rm -rf /var/lib/apt/lists/*
RUN useradd -m -u 1000 user
USER user
WORKDIR /home/user/app
COPY --chown=user requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY --chown=user . .
EXPOSE 7860
CMD ["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "7860"]
"""


def test_own_dockerfile_is_kept_when_it_follows_the_rules(tmp_path: Path) -> None:
    write(tmp_path, {"main.py": APP, "requirements.txt": "psycopg2\n", "Dockerfile": GOOD_DOCKERFILE})
    assert files_of(tmp_path)["Dockerfile"].decode() == GOOD_DOCKERFILE


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("FROM python:3.11-slim\n", "", "Dockerfile has no FROM line"),
    ('"0.0.0.0"', '"127.0.0.1"', "Dockerfile line 11: the app binds 127.0.0.1, a loopback address"),
    ('"--port", "7860"', '"--port", "$PORT"', "Dockerfile line 11: the port is '$PORT', which the exec form"),
])
def test_own_dockerfile_that_certainly_breaks_fails_naming_the_line_and_fix(tmp_path: Path, old: str, new: str,
                                                                           expected: str) -> None:
    write(tmp_path, {"main.py": APP, "requirements.txt": "fastapi\n", "Dockerfile": GOOD_DOCKERFILE.replace(old, new)})
    assert expected in refusal(tmp_path)


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("USER user", "USER root", "Dockerfile line 5: USER root: it is written to run as root, but the Hub runs"),
    ("USER user\n", "", "Dockerfile has no USER line"),
    ("COPY --chown=user . .", "COPY . .", "Dockerfile line 9: COPY without --chown"),
    ("EXPOSE 7860", "EXPOSE 8000", "Dockerfile line 10: EXPOSE 8000, but app_port is 7860"),
])
def test_own_dockerfile_risks_are_warnings_and_it_is_kept(tmp_path: Path, old: str, new: str, expected: str) -> None:
    dockerfile = GOOD_DOCKERFILE.replace(old, new)
    write(tmp_path, {"main.py": APP, "requirements.txt": "fastapi\n", "Dockerfile": dockerfile})
    bundle = bundle_for(settings_for(tmp_path))
    assert bundle.files["Dockerfile"].decode() == dockerfile
    assert any(expected in warning for warning in bundle.warnings), bundle.warnings


def test_app_port_is_read_from_the_dockerfile_into_the_card(tmp_path: Path) -> None:
    write(tmp_path, {"main.py": APP, "requirements.txt": "fastapi\n",
                     "Dockerfile": GOOD_DOCKERFILE.replace('"7860"', '"8000"').replace("EXPOSE 7860", "EXPOSE 8000")})
    bundle = bundle_for(settings_for(tmp_path))
    assert bundle.app_port == 8000 and "\napp_port: 8000\n" in bundle.files["README.md"].decode()
    assert "Dockerfile: the backend's own; app_port 8000 (Dockerfile line 11: --port 8000)" in bundle.facts
    assert "appPort 8000" in refusal(tmp_path, appPort="7860")  # a certain port contradicting config fails


def test_app_port_config_sets_the_generated_dockerfile_and_the_card(tmp_path: Path) -> None:
    write(tmp_path, {"main.py": APP, "requirements.txt": "fastapi\n"})
    bundle = bundle_for(settings_for(tmp_path, appPort="8080"))
    dockerfile = bundle.files["Dockerfile"].decode()
    assert '"--port", "8080"' in dockerfile and "EXPOSE 8080" in dockerfile
    assert "\napp_port: 8080\n" in bundle.files["README.md"].decode()


def test_dockerfile_key_chooses_own_or_generated(tmp_path: Path) -> None:
    own = GOOD_DOCKERFILE.replace("USER user\n", "")
    write(tmp_path, {"main.py": APP, "requirements.txt": "fastapi\n", "Dockerfile": own})
    generated = bundle_for(settings_for(tmp_path, dockerfile="generated"))
    assert "Generated by hf-rag-space" in generated.files["Dockerfile"].decode()
    assert not any("USER line" in w for w in generated.warnings)
    assert any("config dockerfile is `generated`" in fact for fact in generated.facts)
    assert bundle_for(settings_for(tmp_path, dockerfile="own")).files["Dockerfile"].decode() == own
    (tmp_path / "Dockerfile").unlink()
    assert "config dockerfile is `own`, but backendDir has no Dockerfile" in refusal(tmp_path, dockerfile="own")


def test_system_packages_reach_the_generated_dockerfile(tmp_path: Path) -> None:
    write(tmp_path, {"main.py": APP, "requirements.txt": "psycopg2\n"})
    dockerfile = files_of(tmp_path, systemPackages='["libpq-dev", "tesseract-ocr"]')["Dockerfile"].decode()
    assert "--no-install-recommends gcc g++ curl libpq-dev tesseract-ocr \\" in dockerfile
    lines = dockerfile.splitlines()
    assert lines.index("RUN pip install --no-cache-dir --upgrade -r requirements.txt") < lines.index(
        "COPY --chown=user . .")  # the dependency layer comes before the code
    with pytest.raises(ConfigError) as info:
        settings_for(tmp_path, systemPackages='["bad pkg"]')
    assert info.value.key == "hf-rag-space:systemPackages"


def test_generated_dockerfile_meets_its_own_check() -> None:
    for port in (7860, 8000):
        report = check_dockerfile(render_dockerfile(health_path="/api/health", system_packages=("libpq-dev",),
                                                    port=port))
        assert report.problems == report.warnings == () and report.port == port


# -- README and routes ------------------------------------------------------------------------

def test_own_readme_body_under_the_products_front_matter(tmp_path: Path) -> None:
    write(tmp_path, {"main.py": APP, "requirements.txt": "fastapi\n",
                     "README.md": "---\ntitle: theirs\nsdk: gradio\n---\n# My service\n\nHow to use it.\n"})
    readme = files_of(tmp_path)["README.md"].decode()
    front, body = readme.split("\n---\n\n", 1)
    assert "sdk: docker" in front and "app_port: 7860" in front and "title: rag-chatbot" in front
    assert "gradio" not in readme and body == "# My service\n\nHow to use it.\n"


ROUTED = {
    "main.py": "from fastapi import FastAPI\nfrom routers import items\nfrom routers.users import router as users\n"
               "app = FastAPI()\napp.include_router(items.router, prefix='/v1')\napp.include_router(users)\n"
               "@app.get('/ping')\ndef ping():\n    '''Liveness.'''\n",
    "routers/items.py": "from fastapi import APIRouter\nrouter = APIRouter(prefix='/items')\n"
                        "@router.post('')\nasync def create_item():\n    '''Create an item.'''\n"
                        "@router.get('/{item_id}', summary='Read one item')\nasync def read_item(item_id: int): ...\n"
                        "@router.get('/hidden', include_in_schema=False)\nasync def hidden(): ...\n",
    "routers/users.py": "from fastapi import APIRouter\nrouter = APIRouter()\n"
                        "@router.api_route('/users/me', methods=['GET', 'PATCH'])\nasync def me(): ...\n",
}


def test_routes_are_read_from_the_code() -> None:
    routes = find_routes({k: v.encode() for k, v in ROUTED.items()}, "main")
    assert routes == [
        Route("/ping", "GET", "Liveness."),
        Route("/users/me", "GET, PATCH", "Me"),
        Route("/v1/items", "POST", "Create an item."),
        Route("/v1/items/{item_id}", "GET", "Read one item"),
    ]


def test_generated_readme_lists_the_apps_real_routes(tmp_path: Path) -> None:
    write(tmp_path, {**ROUTED, "requirements.txt": "fastapi\n"})
    readme = files_of(tmp_path)["README.md"].decode()
    assert "| POST | `/v1/items` | Create an item. |" in readme and "| GET | `/ping` | Liveness. |" in readme
    assert "/api/chat" not in readme and "/hidden" not in readme
