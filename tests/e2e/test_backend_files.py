"""What a real backend's folder sends to the Hub, with the real CLI against localhub: git's own ignore
rules from the repository root, environment files and their templates skipped and listed, placeholder
URLs in docs and alembic.ini deploying, committed virtualenvs/build output/logs/agent folders left out;
and every new secret kind (the stack's vendors' keys, credential files, tokens in requirements, tokens
inside binaries, names that would print as something else) refused at preview naming file, line and
kind, with its random canary nowhere in localhub's data directory."""

from __future__ import annotations

import base64
import json
import secrets
import sqlite3
import string
import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import Hub
from tests.e2e.pulumi_cli import Stack
from tests.e2e.test_deploy import remote_bytes, remote_tree
from tests.e2e.test_safety_files import found_in

pytestmark = pytest.mark.e2e
ALNUM = string.ascii_letters + string.digits
HEX = "0123456789abcdef"


def rand(n: int, alphabet: str = ALNUM) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(n))


def put(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=cwd, check=True,
                   capture_output=True)


def test_repo_root_gitignore_and_env_templates(project: Stack, hub: Hub, tmp_path: Path) -> None:
    """The backend inside a git work tree (the project folder, as users keep it): the repository root's
    .gitignore and .git/info/exclude protect backend files; .env and its templates are skipped and listed."""
    repo, backend = project.workdir, project.workdir / "backend"
    (backend / ".gitignore").unlink()  # only the repository root's rules, as in a monorepo
    git(repo, "init", "-q", ".")
    canary = {name: f"canary{rand(24)}" for name in ("env", "example", "production", "secrets", "scratch")}
    put(backend, {
        ".env": f"GEMINI_API_KEY={canary['env']}\n",
        ".env.example": f"GEMINI_API_KEY=your-api-key-here\nQDRANT_URL={canary['example']}\n",
        ".env.production": f"DATABASE_URL={canary['production']}\n",
        "config/secrets.yaml": f"gemini: {canary['secrets']}\n",
        "scratch/try.py": f"KEY = '{canary['scratch']}'\n",
    })
    (repo / ".gitignore").write_text(".hf-rag-space/\n__pycache__/\n")
    refused = project.preview(check=False)
    printed = refused.stdout + refused.stderr
    # Without a rule for it, the credential file is refused and the message says how to fix it.
    assert refused.returncode != 0 and "config/secrets.yaml is a credential file (secrets file)" in printed
    assert "list it in .gitignore" in printed
    (repo / ".gitignore").write_text(".hf-rag-space/\n__pycache__/\nsecrets.yaml\n")
    (repo / ".git" / "info" / "exclude").write_text("backend/scratch/\n")
    preview = project.run("preview")  # the plain display prints the program's info diagnostics
    shown = preview.stdout
    assert "skipped (never uploaded):" in shown
    for name in (".env", ".env.example", ".env.production"):
        assert f"  {name}: an environment file" in shown, shown
    hub.reset_stats()
    project.up()
    tree = set(remote_tree(hub))
    assert "app/main.py" in tree
    assert not {".env", ".env.example", ".env.production", "config/secrets.yaml", "scratch/try.py"} & tree
    for value in canary.values():
        assert found_in(tmp_path / "hub", value) == 0 and value not in project.everything_printed()


def test_placeholders_and_noise(project: Stack, hub: Hub, tmp_path: Path) -> None:
    """alembic.ini and a README with placeholder URLs deploy; committed venvs, build output, logs and agent
    folders are left out (and each can be included)."""
    backend = project.workdir / "backend"
    noise_canary = f"canary{rand(24)}"
    noise = {
        "venv/Scripts/python.exe": noise_canary, "venv/Lib/site-packages/fastapi/__init__.py": noise_canary,
        "venv/pyvenv.cfg": "home = C:\\Python311\n", ".venv-linux/bin/activate": noise_canary,
        ".venv-linux/lib/python3.11/site-packages/x.py": noise_canary, "build/lib/app/main.py": noise_canary,
        "dist/app-0.1.tar.gz": noise_canary, "rag.egg-info/PKG-INFO": noise_canary, "logs/server.log": noise_canary,
        "uvicorn.log": noise_canary, ".specify/memory/constitution.md": noise_canary,
        ".claude/settings.local.json": noise_canary, ".cursor/rules/rag.mdc": noise_canary,
        ".qwen/settings.json": noise_canary, ".vscode/settings.json": noise_canary, ".idea/misc.xml": noise_canary,
        "history/prompts/001-chat.prompt.md": noise_canary, "specs/001-chat/spec.md": noise_canary,
    }
    put(backend, noise)
    put(backend, {
        "alembic.ini": "[alembic]\nscript_location = migrations\nsqlalchemy.url = driver://user:pass@localhost/dbname\n",
        "migrations/env.py": "config = None\n",
        "README.md": ("# RAG backend\n\nSet `DATABASE_URL=postgresql://username:password@host/db` and\n"
                      "`GEMINI_API_KEY=your-api-key-here`; Qdrant: `QDRANT_API_KEY=xxx`, Redis\n"
                      "`redis://:changeme@localhost:6379`, Neon `postgresql://user:<password>@ep-x.neon.tech/db`.\n"),
    })
    preview = project.run("preview")
    for listed in ("venv/", ".venv-linux/", "build/", "dist/", "rag.egg-info/", "logs/server.log", "uvicorn.log",
                   ".specify/", ".claude/", ".cursor/", ".qwen/", ".vscode/", ".idea/", "history/", "specs/"):
        assert f"  {listed}: left out by default" in preview.stdout, (listed, preview.stdout)
    project.up()
    tree = set(remote_tree(hub))
    assert {"alembic.ini", "migrations/env.py", "app/main.py"} <= tree
    assert "driver://user:pass@localhost/dbname" in remote_bytes(hub, "alembic.ini").decode()
    assert "postgresql://username:password@host/db" in remote_bytes(hub, "README.md").decode()
    assert not {p for p in tree if p.split("/")[0] in {rel.split("/")[0] for rel in noise}}
    assert found_in(tmp_path / "hub", noise_canary) == 0
    # `include` brings one back.
    project.config_set("include[0]", "specs/", path=True)
    project.up()
    assert "specs/001-chat/spec.md" in remote_tree(hub) and "history/prompts/001-chat.prompt.md" not in remote_tree(hub)


def b64url(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def plant(backend: Path) -> dict[str, tuple[str, str]]:
    """One file per new kind, each with a random canary; case -> (canary, text the preview must print)."""
    cases: dict[str, tuple[str, str]] = {}
    head = "import os\n\n"
    kinds = {
        "gemini": (f"AIza{rand(35, ALNUM + '-_')}", "app/leaks/gemini.py",
                   'KEY = os.getenv("GEMINI_API_KEY", "{v}")\n', "Google API Key"),
        "qdrant jwt": (f"eyJhbGciOiJIUzI1NiJ9.{b64url({'access': 'm'})}.{rand(43, ALNUM + '-_')}",
                       "app/leaks/qdrant_jwt.py", 'client = QdrantClient(url=U, api_key="{v}")\n', "Qdrant API Key"),
        "qdrant key": (f"{rand(8, HEX)}|{rand(40, ALNUM + '_-')}", "app/leaks/settings.py",
                       'class Settings:\n    qdrant_api_key: str = "{v}"\n', "Qdrant API Key"),
        "neon": (f"postgresql://neondb_owner:npg_{rand(12)}@ep-{rand(8, HEX)}.us-east-2.aws.neon.tech/neondb",
                 "app/leaks/db.py", 'URL = os.getenv("DATABASE_URL", "{v}")\n', "Postgres URL with a password"),
        "cohere": (rand(40), "app/leaks/rerank.py", 'co = cohere.ClientV2(api_key="{v}")\n', "Cohere API Key"),
        "groq": (f"gsk_{rand(48)}", "app/leaks/groq_notes.py", "# demo key {v}\n", "Groq API Key"),
        "anthropic": (f"sk-ant-api03-{rand(93, ALNUM + '-_')}AA", "app/leaks/claude.py", 'K = "{v}"\n',
                      "Anthropic API Key"),
        "openrouter": (f"sk-or-v1-{rand(64, HEX)}", "app/leaks/router.py", 'K = "{v}"\n', "OpenRouter API Key"),
        "openai project": (f"sk-proj-{rand(74, ALNUM + '-_')}T3BlbkFJ{rand(74, ALNUM + '-_')}",
                           "app/leaks/oai.py", 'K = "{v}"\n', "OpenAI Project Key"),
    }
    for kind, (value, rel, template, name) in kinds.items():
        text = head + template.format(v=value)
        put(backend, {rel: text})
        line = next(n for n, t in enumerate(text.splitlines(), 1) if value in t)
        cases[kind] = (value, f"{rel} line {line} holds a secret ({name})")
    gemini = kinds["gemini"][0]
    cell = {"cell_type": "code", "source": ["import os\n", f"os.environ['K'] = '{gemini}'\n"]}
    notebook = json.dumps({"cells": [cell]}, indent=1)
    put(backend, {"notebooks/explore.ipynb": notebook})
    line = next(n for n, t in enumerate(notebook.splitlines(), 1) if gemini in t)
    cases["notebook cell"] = (gemini, f"notebooks/explore.ipynb line {line} holds a secret (Google API Key)")
    # Credential files by name and content.
    by_name = {".pgpass": "Postgres password file", "infra/prod.tfvars": "Terraform variables",
               ".streamlit/secrets.toml": "secrets file"}
    for rel, kind in by_name.items():
        c = f"canary{rand(20)}"
        put(backend, {rel: f"password = {c}\n"})
        cases[f"credential file {rel}"] = (c, f"{rel} is a credential file ({kind})")
    c = f"canary{rand(12)}"
    put(backend, {"docker-compose.yml": f"services:\n  db:\n    environment:\n      POSTGRES_PASSWORD: {c}\n"})
    cases["compose secret"] = (c, "docker-compose.yml holds a docker-compose file with secret values "
                                  "(POSTGRES_PASSWORD)")
    c = rand(40)
    put(backend, {"deploy/git-config": f'[remote "origin"]\n\turl = https://{c}@github.com/acme/rag.git\n'})
    cases["git config"] = (c, "deploy/git-config holds a git config with a credentialed remote URL")
    # requirements.txt: a credential in a comment and a token in an index URL's path and query.
    c1, c2, c3 = f"canary{rand(20)}", rand(24), f"canary{rand(20)}"
    requirements = backend / "requirements.txt"
    base = len(requirements.read_text().splitlines())
    requirements.write_text(requirements.read_text() + f"# mirror: https://ci:{c1}@pypi.example.com/simple\n"
                            f"--extra-index-url https://pypi.fury.io/{c2}/acme/\n"
                            f"--extra-index-url https://gitlab.example.com/api/v4/projects/7/packages/pypi/simple"
                            f"?private_token={c3}\n")
    for offset, value in enumerate((c1, c2, c3), start=1):
        cases[f"requirements line {offset}"] = (value, f"requirements.txt line {base + offset} carries credentials "
                                                       "in a URL")
    # A token inside a binary file: a real SQLite database.
    groq = f"gsk_{rand(48)}"
    db = backend / "data" / "cache.sqlite3"
    db.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(db) as connection:
        connection.execute("CREATE TABLE settings (name TEXT, value TEXT)")
        connection.execute("INSERT INTO settings VALUES ('groq', ?)", (groq,))
    connection.close()
    cases["token in a SQLite file"] = (groq, "data/cache.sqlite3 (binary) at byte ")
    # A name that would print fake lines into the CLI.
    (backend / "app" / "notes\n+ ok.py\u202etxt.py").write_text("x\n")
    cases["unprintable name"] = ("", "app/notes\\n+ ok.py\\u202etxt.py has a name with a control character")
    return cases


def test_new_secret_kinds_never_reach_the_hub(project: Stack, hub: Hub, tmp_path: Path) -> None:
    backend = project.workdir / "backend"
    cases = plant(backend)
    hub.reset_stats()
    preview = project.preview(check=False)
    printed = preview.stdout + preview.stderr
    assert preview.returncode != 0 and "Traceback" not in printed
    missing = {case: text for case, (_, text) in cases.items() if text not in printed}
    assert not missing, (missing, printed[-5000:])
    assert "Space secret" in printed  # the requirements fix names the Hub's way
    assert "token in a SQLite file" in cases and "(Groq API Key)" in printed
    up = project.up(check=False)
    assert up.returncode != 0
    assert hub.stats()["write_requests"] == 0 and hub.stats()["mutating_requests"] == 0
    everything = project.everything_printed()
    rows = []
    for case, (value, text) in cases.items():
        if value:
            assert value not in everything, case
            assert found_in(tmp_path / "hub", value) == 0, case
        rows.append(f"| {case} | {text} |")
    print("\n".join(rows))
