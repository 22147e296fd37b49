"""build_bundle: file selection, generated files, requirements and the refusals."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

import pytest

from components.bundle.build import (
    Bundle,
    build_bundle,
    secret_problems,
    strip_test_requirements,
)
from components.errors import BundleError, ConfigError

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "rag-backend"
GENERATED = {"dockerfile": "FROM python:3.11-slim\n", "readme": "---\nsdk: docker\n---\n"}


def bundle(root: Path, secrets: dict[str, str] | None = None) -> Bundle:
    return build_bundle(root, secrets=secrets, dockerfile=GENERATED["dockerfile"], readme=GENERATED["readme"])


def refusal(root: Path, secrets: dict[str, str] | None = None) -> str:
    with pytest.raises(BundleError) as info:
        bundle(root, secrets)
    assert info.value.key == "hf-rag-space:backendDir"
    return str(info.value)


def write(root: Path, files: Mapping[str, str | bytes]) -> None:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    backend = tmp_path / "backend"
    write(backend, {"app/main.py": "app = None\n", "requirements.txt": "fastapi\n"})
    return backend


def test_example_backend_bundle() -> None:
    b = bundle(EXAMPLE)
    assert list(b.files) == sorted(b.files)
    assert {"Dockerfile", "README.md", "requirements.txt", "app/main.py", "app/api/chat.py"} <= set(b.files)
    for module in ["core/config.py", "db/postgres.py", "db/qdrant.py", "models/schemas.py"]:
        assert f"app/{module}" in b.files
    for module in ["services/embedding.py", "services/llm.py", "services/rag_service.py"]:
        assert f"app/{module}" in b.files
    assert b.files["app/services/__init__.py"] == b""  # the example has none: added empty
    assert b.files["app/__init__.py"] == (EXAMPLE / "app" / "__init__.py").read_bytes()
    assert not [p for p in b.files if p.startswith("tests/") or "__pycache__" in p or p.endswith(".gitignore")]
    requirements = b.files["requirements.txt"].decode()
    assert "fastapi" in requirements and "httpx" in requirements and "pytest" not in requirements
    assert b.manifest == {p: hashlib.sha256(d).hexdigest() for p, d in sorted(b.files.items())}
    assert bundle(EXAMPLE).manifest == b.manifest
    assert "Dockerfile" in repr(b) and "FROM" not in repr(b)


def test_init_py_added_to_every_package(root: Path) -> None:
    write(root, {"app/a/b/mod.py": "x = 1\n", "app/static/logo.svg": "<svg/>", "app/a/__init__.py": "A = 1\n"})
    files = bundle(root).files
    assert files["app/__init__.py"] == b"" and files["app/a/b/__init__.py"] == b""
    assert files["app/a/__init__.py"] == b"A = 1\n"
    assert "app/static/__init__.py" not in files and "app/static/logo.svg" in files


def test_default_deny_list(root: Path) -> None:
    write(
        root,
        {
            "app/__pycache__/main.cpython-311.pyc": b"\0",
            "app/util.pyc": b"\0",
            "app/.venv/lib/site.py": "",
            "app/venv/pyvenv.cfg": "home = /usr\n",
            "app/venv/lib/x.py": "",
            "app/env/settings.py": "REAL = 1\n",  # a package named env, not a virtualenv
            "app/.git/config": "",
            "app/tests/test_api.py": "",
            "app/test_main.py": "",
            "app/main_test.py": "",
            "app/conftest.py": "",
            "app/.pytest_cache/v": "",
            "app/.mypy_cache/v": "",
            "app/node_modules/x/index.js": "",
            "app/.DS_Store": b"\0",
            "app/certs/root.crt": "c",
            "app/.gitignore": "",
            "app/core/settings.py": "X = 1\n",
        },
    )
    app_files = sorted(p for p in bundle(root).files if p.startswith("app/"))
    assert app_files == [
        "app/__init__.py",
        "app/core/__init__.py",
        "app/core/settings.py",
        "app/env/__init__.py",
        "app/env/settings.py",
        "app/main.py",
    ]


def test_gitignore_is_honoured(root: Path) -> None:
    write(
        root,
        {
            ".gitignore": "*.txt\ndata/\n/app/generated.py\n!keep.txt\n",
            "app/debug.txt": "",
            "app/keep.txt": "kept",
            "app/data/big.csv": "",
            "app/generated.py": "",
            "app/sub/.gitignore": "local.py\n",
            "app/sub/local.py": "",
            "app/sub/shared.py": "",
            "app/other/local.py": "",
        },
    )
    files = set(bundle(root).files)
    assert {"app/keep.txt", "app/sub/shared.py", "app/other/local.py"} <= files
    assert not {"app/debug.txt", "app/data/big.csv", "app/generated.py", "app/sub/local.py"} & files


def test_the_whole_backend_comes_along_with_generated_files(root: Path) -> None:
    write(root, {"scripts/ingest.py": "", "README.md": "mine", "static/logo.svg": "<svg/>", "tests/test_x.py": ""})
    b = bundle(root)
    assert set(b.files) == {"Dockerfile", "README.md", "requirements.txt", "app/__init__.py", "app/main.py",
                            "scripts/ingest.py", "static/logo.svg"}
    assert b.files["Dockerfile"] == GENERATED["dockerfile"].encode()
    assert b.files["README.md"] == GENERATED["readme"].encode()


@pytest.mark.parametrize("name", [".env", ".env.local", ".env.production", ".env.example", ".env.hf-template",
                                  ".env.sample", "prod.env"])
def test_env_files_are_skipped_and_listed_never_refused(root: Path, name: str) -> None:
    write(root, {f"app/{name}": "GEMINI_API_KEY=AIzaSyD3asb2pEZVqMkmL6M9N6nHZRR_znhrh0x\n"})
    b = bundle(root)
    assert f"app/{name}" not in b.files
    assert [why for path, why in b.skipped if path == f"app/{name}"] == [
        "an environment file (the Space gets its settings from Space secrets and variables)"]
    assert f"app/{name}: an environment file" in b.skipped_report() and "AIza" not in b.skipped_report()


def test_gitignored_env_file_is_skipped(root: Path) -> None:
    write(root, {".gitignore": ".env\n", "app/.env": "X=1\n"})
    assert "app/.env" not in bundle(root).files


@pytest.mark.parametrize("negation", ["!server.pem", "!app/server.pem", "!*.pem"])
def test_gitignore_forcing_a_secret_file_in_is_refused(root: Path, negation: str) -> None:
    write(root, {".gitignore": f"{negation}\n", "app/.env": "X=1\n", "app/server.pem": "k"})
    message = refusal(root)
    assert "app/server.pem is a credential file (private key or certificate bundle) and .gitignore re-includes" \
        in message and "app/.env" not in message


def test_file_over_size_limit_names_file_size_and_knob(root: Path) -> None:
    big = root / "app" / "model.bin"
    with big.open("wb") as f:
        f.truncate(1024 * 1024 + 1)
    with pytest.raises(BundleError) as info:  # maxFileSizeMB 1: the default (512 MB) is too big for a unit test
        build_bundle(root, dockerfile=GENERATED["dockerfile"], readme=GENERATED["readme"], max_file_mb=1)
    message = str(info.value)
    assert "app/model.bin" in message and "1.0 MB" in message and "1 MB limit" in message
    assert "pulumi config set maxFileSizeMB" in message
    assert "app/model.bin" in bundle(root).files  # the same file under the default limit


def test_max_file_size_default_is_pulumi_yamls_and_bounded() -> None:
    import yaml

    from components.config import MAX_FILE_MB, MAX_FILE_MB_CEILING

    schema = yaml.safe_load((EXAMPLE.parents[1] / "Pulumi.yaml").read_text())["config"]
    assert schema["maxFileSizeMB"]["default"] == MAX_FILE_MB
    assert schema["maxFileSizeMB"]["type"] == "integer"
    assert 1 <= MAX_FILE_MB <= MAX_FILE_MB_CEILING


def test_files_over_10_mb_are_bundled(root: Path) -> None:
    data = root / "app" / "data.bin"
    with data.open("wb") as f:
        f.truncate(11 * 1024 * 1024)
    assert "app/data.bin" in bundle(root).files


def test_file_with_secret_value_is_refused_naming_the_secret_not_the_value(root: Path) -> None:
    write(root, {"app/core/config.py": 'KEY = "AIzaSuperSecretKey"\nSHORT = "abc"\n'})
    message = refusal(root, {"GEMINI_API_KEY": "AIzaSuperSecretKey", "QDRANT_API_KEY": "abc"})
    assert "app/core/config.py" in message and "GEMINI_API_KEY" in message
    assert "AIzaSuperSecretKey" not in message and "QDRANT_API_KEY" not in message


def test_short_secret_values_are_not_scanned(root: Path) -> None:
    write(root, {"app/core/config.py": 'MODE = "abc"\n'})
    assert "app/core/config.py" in bundle(root, {"X": "abc"}).files


def test_hf_token_shaped_string_is_refused(root: Path) -> None:
    token = "hf_" + "a1B2" * 9
    write(root, {"app/core/config.py": f'TOKEN = "{token}"\n'})
    message = refusal(root)
    assert "app/core/config.py" in message and token not in message


def test_generated_files_are_scanned_too() -> None:
    problems = [str(p) for p in secret_problems({"README.md": b"key: AIzaSuperSecretKey"},
                                                 {"GEMINI_API_KEY": "AIzaSuperSecretKey"})]
    assert problems == ["README.md contains the value of GEMINI_API_KEY; remove it from the file"]


@pytest.mark.parametrize("missing", ["app/main.py", "requirements.txt"])
def test_backend_without_entry_point_or_requirements(root: Path, missing: str) -> None:
    (root / missing).unlink()
    message = refusal(root)
    assert missing in message
    with pytest.raises(ConfigError):  # BundleError is a ConfigError: a clean pulumi error
        bundle(root)


def test_symlinks(root: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.py"
    outside.write_text("SECRET_LAYOUT = 1\n")
    write(root, {"app/real.py": "R = 1\n"})
    (root / "app" / "alias.py").symlink_to(root / "app" / "real.py")
    assert bundle(root).files["app/alias.py"] == b"R = 1\n"
    (root / "app" / "escape.py").symlink_to(outside)
    assert f"app/escape.py is a symlink to {outside}, outside backendDir" in refusal(root)


def test_all_problems_reported_together(root: Path) -> None:
    write(
        root,
        {"app/.env": "X=1", "app/leak.py": "K = 'AIzaSuperSecretKey'", "requirements.txt": "-r dev.txt\n"},
    )
    message = refusal(root, {"GEMINI_API_KEY": "AIzaSuperSecretKey"})
    assert "2 problems with the backend" in message and "app/.env" not in message and "app/leak.py" in message
    assert "dev.txt" in message


# -- requirements ---------------------------------------------------------------------------


def test_strip_test_requirements_keeps_everything_else() -> None:
    text = (
        "# runtime\n"
        "fastapi>=0.110\n"
        "uvicorn[standard]>=0.29  # server\n"
        "httpx==0.28.1\n"
        "Pytest>=8\n"
        "pytest_cov==5\n"
        "pytest-asyncio\n"
        "coverage[toml]>=7\n"
        "Factory_Boy\n"
        "faker ; python_version >= '3.9'\n"
        "mypy==1.0 \\\n"
        "    --hash=sha256:abc\n"
        "ruff\nblack\nflake8\nisort\npylint\npre-commit\nhypothesis\ntox\nnox\n"
        "pytesting-lib==1\n"
        "mypy-extensions>=1\n"
        "-e .\n"
        "--index-url https://pypi.org/simple\n"
        "\n"
        "pydantic>=2 \\\n"
        "    --hash=sha256:def"
    )
    assert strip_test_requirements(text) == (
        "# runtime\n"
        "fastapi>=0.110\n"
        "uvicorn[standard]>=0.29  # server\n"
        "httpx==0.28.1\n"
        "pytesting-lib==1\n"
        "mypy-extensions>=1\n"
        "-e .\n"
        "--index-url https://pypi.org/simple\n"
        "\n"
        "pydantic>=2 \\\n"
        "    --hash=sha256:def"
    )


@pytest.mark.parametrize(
    ("line", "named"),
    [
        ("-r dev.txt", "dev.txt"),
        ("--requirement=base.txt", "base.txt"),
        ("  -c constraints.txt", "constraints.txt"),
    ],
)
def test_included_requirement_files_are_refused(line: str, named: str) -> None:
    with pytest.raises(BundleError, match=named):
        strip_test_requirements(f"fastapi\n{line}\n")
