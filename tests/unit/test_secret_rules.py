"""Both rule sets together, through `build_bundle`: the placeholders of real backends' docs and samples
must deploy, and a random canary of every real kind must be refused naming the file, line and kind,
wherever people put keys (a call's default, a settings-class default, a comment, a notebook cell, a
binary file). The two tables are one test each so a change to either rule set is judged by both."""

from __future__ import annotations

import base64
import json
import secrets
import string
from pathlib import Path

import pytest

from components.bundle.build import Bundle, build_bundle
from components.errors import BundleError
from components.rules.secret_plugins import is_placeholder_secret, shannon_entropy
from tests.unit.test_bundle import write


def build(root: Path) -> Bundle:
    return build_bundle(root, dockerfile="FROM python:3.11-slim\n", readme="---\nsdk: docker\n---\n")


ALNUM = string.ascii_letters + string.digits
HEX = "0123456789abcdef"


def rand(n: int, alphabet: str = ALNUM) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(n))


def b64url(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


#: Files of real backends whose values are placeholders: all must deploy.
PLACEHOLDERS: dict[str, str] = {
    "alembic.ini": "[alembic]\nscript_location = migrations\nsqlalchemy.url = driver://user:pass@localhost/dbname\n",
    "README.md": (
        "# Setup\n\nDATABASE_URL=postgresql://username:password@host/db\n"
        "DATABASE_URL=postgresql+asyncpg://user:<password>@ep-xxx.neon.tech/neondb\n"
        "NEON_DB_URL=postgresql://neondb_owner:********@ep-cool.us-east-2.aws.neon.tech/neondb\n"
        "GEMINI_API_KEY=your-api-key-here\nGOOGLE_API_KEY=AIzaSyXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX\n"
        "QDRANT_API_KEY=your-qdrant-api-key\nQDRANT_API_KEY=xxx\nCOHERE_API_KEY=changeme\n"
        "COHERE_API_KEY=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"
        "GROQ_API_KEY=gsk_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"
        "ANTHROPIC_API_KEY=sk-ant-...\nOPENROUTER_API_KEY=sk-or-v1-...\nOPENAI_API_KEY=sk-proj-...\n"
        "redis://:changeme@localhost:6379/0\namqp://guest:guest@localhost//\n"
        "mongodb://admin:${MONGO_PASSWORD}@mongo:27017\nhttps://user:xxx@example.com/\n"
        "postgres://postgres:postgres@localhost:5432/app\n"
    ),
    "app/config.py": (
        "import os\nfrom pydantic_settings import BaseSettings\n\n\nclass Settings(BaseSettings):\n"
        "    gemini_api_key: str = \"your-gemini-api-key\"\n"
        "    qdrant_url: str = \"https://your-cluster.cloud.qdrant.io:6333\"\n"
        "    qdrant_api_key: str = os.getenv(\"QDRANT_API_KEY\", \"\")\n"
        "    database_url: str = \"postgresql://user:password@localhost:5432/rag\"\n"
        "    cohere_api_key: str = \"<COHERE_API_KEY>\"\n"
        "    qdrant_collection: str = \"my_documents_collection_for_rag_v2\"\n"
        "    cohere_model: str = \"embed_multilingual_light_v3_rerank_model\"\n\n\n"
        "SECRET = os.environ[\"SECRET\"]  # read at run time\n"
        "DSN = f\"postgresql://{user}:{password}@{host}/{db}\"\n"
        "TEMPLATE = \"postgresql://%s:%s@%s/%s\"\n"
        "SHA = \"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"\n"
        "COMMIT = \"cohere==5.0 @ 1f2e3d4c5b6a79880f1e2d3c4b5a69788f9e0d1c\"\n"
    ),
    "docker-compose.yml": (
        "services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}\n"
        "      POSTGRES_USER: postgres\n      API_KEY: changeme\n"
    ),
    "notebooks/explore.ipynb": json.dumps({"cells": [{"cell_type": "code", "source": [
        "import os\n", "os.environ['GEMINI_API_KEY'] = 'YOUR_API_KEY_HERE'\n"]}]}),
    ".streamlit/config.toml": "[server]\nport = 8501\n",
}


def test_placeholders_of_real_backends_deploy(tmp_path: Path) -> None:
    root = tmp_path / "backend"
    write(root, {"app/main.py": "app = None\n", "requirements.txt": "fastapi\n", **PLACEHOLDERS})
    files = build(root).files  # raises, naming the file, on any false alarm
    assert set(PLACEHOLDERS) <= set(files)


def canaries() -> dict[str, tuple[str, str, str, str]]:
    """case -> (file, text holding a random canary, the canary, kind the message names)."""
    gemini = f"AIza{rand(35, ALNUM + '-_')}"
    neon = f"postgresql://neondb_owner:npg_{rand(12)}@ep-cool-{rand(6, HEX)}.us-east-2.aws.neon.tech/neondb"
    qdrant_jwt = (f"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.{b64url({'access': 'm', 'exp': 2_000_000_000})}"
                  f".{rand(43, ALNUM + '-_')}")
    qdrant_key = f"{rand(8, HEX)}-{rand(4, HEX)}|{rand(46, ALNUM + '_-')}"
    cohere = rand(40)
    groq = f"gsk_{rand(48)}"
    anthropic = f"sk-ant-api03-{rand(93, ALNUM + '-_')}AA"
    openrouter = f"sk-or-v1-{rand(64, HEX)}"
    openai = f"sk-proj-{rand(74, ALNUM + '-_')}T3BlbkFJ{rand(74, ALNUM + '-_')}"
    token_url = f"https://{rand(40)}@github.com/acme/private.git"
    head = "import os\n\n"
    return {
        "gemini call default": ("app/config.py", f'{head}KEY = os.getenv("GEMINI_API_KEY", "{gemini}")\n', gemini,
                                "Google API Key"),
        "gemini settings default": ("app/settings.py", f'{head}class S:\n    gemini_api_key: str = "{gemini}"\n',
                                    gemini, "Google API Key"),
        "neon url in a .py": ("app/db.py", f'{head}engine = create_engine(os.getenv("DATABASE_URL", "{neon}"))\n',
                              neon, "Postgres URL with a password"),
        "qdrant jwt": ("app/vectors.py", f'{head}client = QdrantClient(url=URL, api_key="{qdrant_jwt}")\n',
                       qdrant_jwt, "Qdrant API Key"),
        "qdrant key assigned": ("app/qdrant.py", f'{head}QDRANT_API_KEY = "{qdrant_key}"\n', qdrant_key,
                                "Qdrant API Key"),
        "qdrant key as argument": ("app/store.py", f'{head}c = QdrantClient(url="u", api_key="{qdrant_key}")\n',
                                   qdrant_key, "Qdrant API Key"),
        "cohere": ("app/rerank.py", f'{head}co = cohere.ClientV2(api_key="{cohere}")\n', cohere, "Cohere API Key"),
        "cohere env default": ("app/llm.py", f'{head}K = os.getenv("COHERE_API_KEY", "{cohere}")\n', cohere,
                               "Cohere API Key"),
        "groq in a comment": ("app/groq_client.py", f"{head}# key for the demo: {groq}\n", groq, "Groq API Key"),
        "anthropic": ("app/claude.py", f'{head}KEY = "{anthropic}"\n', anthropic, "Anthropic API Key"),
        "openrouter": ("scripts/call.sh", f"#!/bin/sh\n\ncurl -H 'Authorization: Bearer {openrouter}' x\n",
                       openrouter, "OpenRouter API Key"),
        "openai project key": ("app/openai_client.py", f'{head}client = OpenAI(api_key="{openai}")\n', openai,
                               "OpenAI Project Key"),
        "token in a clone URL": ("scripts/fetch_docs.sh", f"#!/bin/sh\n\ngit clone {token_url} docs\n",
                                 token_url, "Token in a URL"),
        "gemini in a notebook cell": ("notebooks/try.ipynb", '{\n "cells": [\n  {"source": ["KEY = \'' + gemini
                                      + '\'\\n"]}\n ]\n}\n', gemini, "Google API Key"),
        "neon url in yaml": ("config/app.yaml", f"app:\n  name: rag\n  database_url: {neon}\n", neon,
                             "Postgres URL with a password"),
    }


@pytest.mark.parametrize("case", list(canaries()))
def test_every_real_kind_is_caught_naming_file_line_and_kind(tmp_path: Path, case: str) -> None:
    rel, text, canary, kind = canaries()[case]
    root = tmp_path / "backend"
    write(root, {"app/main.py": "app = None\n", "requirements.txt": "fastapi\n", **PLACEHOLDERS, rel: text})
    with pytest.raises(BundleError) as info:
        build(root)
    message = str(info.value)
    line = next(number for number, text_line in enumerate(text.splitlines(), 1) if canary in text_line)
    assert f"{rel} line {line} holds a secret ({kind})" in message, message
    assert canary not in message
    assert message.count("holds a secret") == 1, message  # the placeholders beside it stay quiet


@pytest.mark.parametrize("kind", ["gemini call default", "groq in a comment", "anthropic", "neon url in a .py"])
def test_tokens_inside_binary_files_are_caught(tmp_path: Path, kind: str) -> None:
    _, _, canary, name = canaries()[kind]
    root = tmp_path / "backend"
    sqlite = b"SQLite format 3\x00" + bytes(range(1, 40)) + b"\x00\x00" + canary.encode() + b"\x00\xff" * 20
    write(root, {"app/main.py": "app = None\n", "requirements.txt": "fastapi\n", "data/cache.db": sqlite})
    with pytest.raises(BundleError) as info:
        build(root)
    message = str(info.value)
    assert f"data/cache.db (binary) at byte {sqlite.index(canary.encode())} holds a secret ({name})" in message
    assert canary not in message


def test_binary_files_without_tokens_deploy(tmp_path: Path) -> None:
    root = tmp_path / "backend"
    blob = b"\x93NUMPY\x01\x00v\x00{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }" + bytes(range(256))
    write(root, {"app/main.py": "app = None\n", "requirements.txt": "fastapi\n", "data/v.npy": blob})
    assert build(root).files["data/v.npy"] == blob


def test_placeholder_filter_and_entropy() -> None:
    for value in ["pass", "password", "<password>", "xxx", "changeme", "your-api-key-here", "XXXXXXXX", "sk-...",
                  "${DB_PASSWORD}", "%s", "{{ secret }}", "YOUR_API_KEY_HERE", "insert_key_here"]:
        assert is_placeholder_secret(value), value
    for _ in range(50):
        assert not is_placeholder_secret(rand(40))
        assert not is_placeholder_secret(f"npg_{rand(12)}")
    assert shannon_entropy("x" * 40) == 0.0 and shannon_entropy(rand(40)) > 4.2
