"""Which backend files are uploaded, skipped or refused: git's own ignore rules in a real work tree, the
default noise and its `include` override, environment files, credential files by name and content,
requirement lines with tokens, and names that would print as something else."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from components.bundle.build import Bundle, build_bundle, shown
from components.errors import BundleError
from components.rules.credentials import requirement_credentials
from tests.unit.test_bundle import write


def build(root: Path, **kwargs: object) -> Bundle:
    return build_bundle(root, dockerfile="FROM python:3.11-slim\n", readme="---\nsdk: docker\n---\n",
                        **kwargs)  # type: ignore[arg-type]


def refusal(root: Path, **kwargs: object) -> str:
    with pytest.raises(BundleError) as info:
        build(root, **kwargs)
    return str(info.value)


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=cwd, check=True,
                   capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git work tree holding the backend in ``backend/``."""
    write(tmp_path / "repo", {"backend/app/main.py": "app = None\n", "backend/requirements.txt": "fastapi\n"})
    git(tmp_path / "repo", "init", "-q", ".")
    return tmp_path / "repo"


def test_every_git_ignore_rule_counts_from_the_work_tree_root(repo: Path, tmp_path: Path) -> None:
    backend = repo / "backend"
    excludes = tmp_path / "global-excludes"
    excludes.write_text("*.sqlite\n")
    git(repo, "config", "core.excludesFile", str(excludes))
    (repo / ".git" / "info" / "exclude").write_text("scratch/\n")
    write(repo, {".gitignore": "secrets.json\ndata/\n", "backend/app/.gitignore": "local_*.py\n"})
    write(backend, {
        "service-account.json": '{"type": "service_account"}', "secrets.json": '{"k": "v"}',
        "data/big.csv": "a,b\n", "scratch/notes.py": "x = 1\n", "app/cache.sqlite": "x",
        "app/local_dev.py": "X = 1\n", "app/keep.py": "K = 1\n", ".env": "GEMINI_API_KEY=x\n",
        "credentials.json": '{"client_secret": "s"}',
    })
    (repo / ".gitignore").write_text("secrets.json\ndata/\ncredentials.json\n")
    files = set(build(backend).files)
    assert "app/keep.py" in files
    assert not {"secrets.json", "data/big.csv", "scratch/notes.py", "app/cache.sqlite", "app/local_dev.py",
                ".env", "credentials.json"} & files
    # A credential file git does not ignore is still refused, and the message is right about it.
    (backend / "credentials.json").rename(backend / "credentials-prod.json")
    assert "credentials-prod.json is a credential file (cloud credentials)" in refusal(backend)


def test_a_file_committed_on_purpose_is_not_ignored(repo: Path) -> None:
    backend = repo / "backend"
    write(repo, {".gitignore": "*.csv\n", "backend/data/seed.csv": "a\n", "backend/data/tmp.csv": "b\n"})
    git(repo, "add", "-f", "backend/data/seed.csv")
    files = set(build(backend).files)
    assert "data/seed.csv" in files and "data/tmp.csv" not in files


def test_outside_a_work_tree_the_backends_gitignore_files_count(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    write(root, {"app/main.py": "app = None\n", "requirements.txt": "fastapi\n", ".gitignore": "private/\n",
                 "private/x.py": "", "app/.gitignore": "gen.py\n", "app/gen.py": ""})
    files = set(build(root).files)
    assert "private/x.py" not in files and "app/gen.py" not in files and "app/main.py" in files


#: file -> (what "skipped" lists for it, why)
NOISE = {
    "server.log": ("server.log", "a log file"), "logs/app.log": ("logs/app.log", "a log file"),
    "build/lib/x.py": ("build/", "build output"), "dist/app-1.0.whl": ("dist/", "build output"),
    "app.egg-info/PKG-INFO": ("app.egg-info/", "build output"),
    "venv/Scripts/python.exe": ("venv/", "a virtualenv"),
    "venv/Lib/site-packages/fastapi/__init__.py": ("venv/", "a virtualenv"),
    "env2/pyvenv.cfg": ("env2/", "a virtualenv"),
    "winenv/Lib/site-packages/x.py": ("winenv/Lib/site-packages/", "part of a virtualenv"),
    ".specify/memory/constitution.md": (".specify/", "an editor or coding-agent folder"),
    ".qwen/settings.json": (".qwen/", "an editor or coding-agent folder"),
    ".claude/settings.json": (".claude/", "an editor or coding-agent folder"),
    ".cursor/rules.md": (".cursor/", "an editor or coding-agent folder"),
    ".vscode/settings.json": (".vscode/", "an editor or coding-agent folder"),
    ".idea/workspace.xml": (".idea/", "an editor or coding-agent folder"),
    "history/prompts/001.prompt.md": ("history/", "an agent's markdown folder"),
    "specs/001-chat/spec.md": ("specs/", "an agent's markdown folder"),
}


def test_noise_is_left_out_listed_and_each_can_be_included(tmp_path: Path) -> None:
    root = tmp_path / "backend"
    write(root, {"app/main.py": "app = None\n", "requirements.txt": "fastapi\n", **dict.fromkeys(NOISE, "x\n"),
                 "app/history/__init__.py": "", "app/history/store.py": "H = 1\n", "app/specs/spec.md": "",
                 "app/specs/schema.py": "S = 1\n"})
    b = build(root)
    assert not set(NOISE) & set(b.files)
    assert {"app/history/store.py", "app/specs/schema.py", "app/specs/spec.md"} <= set(b.files)  # code stays
    report = b.skipped_report()
    for rel, (listed, why) in NOISE.items():
        assert f"  {listed}: left out by default ({why}" in report, (rel, report)
    assert "`pulumi config set --plaintext --path 'include[0]' build`" in report
    included = build(root, include=("build/", "server.log", "specs/"))
    assert {"build/lib/x.py", "server.log", "specs/001-chat/spec.md"} <= set(included.files)
    assert "logs/app.log" not in included.files
    assert not {"venv/Scripts/python.exe", ".claude/settings.json"} & set(build(root, include=("*.py", "*.json")).files)


def test_environment_files_are_never_uploaded_even_when_included(tmp_path: Path) -> None:
    root = tmp_path / "backend"
    write(root, {"app/main.py": "app = None\n", "requirements.txt": "fastapi\n", ".env.example": "KEY=\n",
                 ".envrc": "export KEY=1\n"})
    assert ".envrc is a credential file (direnv file)" in refusal(root)
    (root / ".envrc").unlink()
    assert ".env.example" not in build(root, include=(".env.example",)).files


@pytest.mark.parametrize(("name", "content", "kind"), [
    (".pgpass", "db.example.com:5432:rag:app:pw\n", "credential file (Postgres password file)"),
    ("infra/prod.tfvars", 'db_password = "pw"\n', "credential file (Terraform variables)"),
    (".streamlit/secrets.toml", 'key = "v"\n', "credential file (secrets file)"),
    ("docker-compose.yml", "services:\n  db:\n    environment:\n      POSTGRES_PASSWORD: Zq8vR2mK\n",
     "holds a docker-compose file with secret values (POSTGRES_PASSWORD)"),
    ("compose.prod.yaml", "services:\n  api:\n    environment:\n      - OPENAI_API_KEY=k3yV4lu3\n",
     "holds a docker-compose file with secret values (OPENAI_API_KEY)"),
    ("deploy/git-config", '[remote "origin"]\n\turl = https://oauth2:tok3n@gitlab.example.com/a/b.git\n',
     "holds a git config with a credentialed remote URL"),
])
def test_credential_files_the_first_list_missed(tmp_path: Path, name: str, content: str, kind: str) -> None:
    root = tmp_path / "backend"
    write(root, {"app/main.py": "app = None\n", "requirements.txt": "fastapi\n", name: content})
    message = refusal(root)
    assert f"{name.split('/')[0] if name.startswith('.streamlit') else name}" in message and kind in message
    assert "pw" not in message.replace("password", "") or name == ".pgpass"


def test_a_secrets_module_is_code_not_a_credential_file(tmp_path: Path) -> None:
    root = tmp_path / "backend"
    write(root, {"app/main.py": "app = None\n", "requirements.txt": "fastapi\n",
                 "app/core/secrets.py": 'import os\nGEMINI_API_KEY = os.environ["GEMINI_API_KEY"]\n'})
    assert "app/core/secrets.py" in build(root).files


def test_compose_files_with_references_or_placeholders_deploy(tmp_path: Path) -> None:
    root = tmp_path / "backend"
    compose = ("services:\n  db:\n    environment:\n      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}\n"
               "      POSTGRES_USER: postgres\n      SECRET_KEY: changeme\n      API_KEY:\n    secrets:\n"
               "      - db_password\nsecrets:\n  db_password:\n    file: ./db_password.txt\n")
    write(root, {"app/main.py": "app = None\n", "requirements.txt": "fastapi\n", "docker-compose.yml": compose})
    assert "docker-compose.yml" in build(root).files


@pytest.mark.parametrize("line", [
    "fastapi  # from https://me:{c}@pypi.example.com/simple",
    "--extra-index-url https://pypi.fury.io/{c}/acme/",
    "--index-url https://gitlab.example.com/api/v4/projects/1/packages/pypi/simple?private_token={c}",
    "-i https://pkgs.example.com/simple/?key={c}",
])
def test_requirement_tokens_in_comments_paths_and_queries_are_refused(tmp_path: Path, line: str) -> None:
    canary = "Tk" + "".join("a1b2c3d4e5f6g7h8j9k0"[::-1])
    root = tmp_path / "backend"
    write(root, {"app/main.py": "app = None\n", "requirements.txt": f"fastapi\n{line.format(c=canary)}\n"})
    message = refusal(root)
    assert "requirements.txt line 2 carries credentials in a URL" in message and "Space secret" in message
    assert canary not in message


def test_ordinary_index_urls_are_not_credentials() -> None:
    text = ("--extra-index-url https://download.pytorch.org/whl/cu121\n-i https://pypi.org/simple\n"
            "torch @ https://files.pythonhosted.org/packages/3b/00/2344469e2084fb287c2e0b57b72910309874c3245463acd6"
            "cf5e3db69324/torch-2.0-cp311-linux_x86_64.whl#sha256=abc\nlib @ git+ssh://git@github.com/a/lib.git\n"
            "-f https://pkgs.dev.azure.com/org/_packaging/feed/pypi/simple/\n")
    assert requirement_credentials(text) == []


@pytest.mark.parametrize("name", ["evil\nname.py", "tab\tname.py", "esc\x1b[31m.py", "rtl\u202etxt.py",
                                  "line\u2028sep.py", "iso\u2066x.py"])
def test_names_that_print_as_something_else_are_refused_escaped(tmp_path: Path, name: str) -> None:
    root = tmp_path / "backend"
    write(root, {"app/main.py": "app = None\n", "requirements.txt": "fastapi\n", f"app/{name}": "X = 1\n"})
    message = refusal(root)
    assert f"app/{shown(name)} has a name with a control character" in message
    assert name not in message and "\\" in shown(name)
    write(root, {".gitignore": "app/*x*\napp/*name*\napp/*sep*\napp/esc*\n"})
    assert f"app/{name}" not in build(root).files  # ignored: nothing to refuse
