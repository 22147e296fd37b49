"""What the deployed app prints comes back redacted: the real CLI, localhub and an app that echoes the
stack's secrets in its health answer, its failing-service errors and its startup crash.

Each canary is random. The engine itself masks the exact values of config secrets in what it displays,
so every case also leaks a part the engine does not know (a URL's password, a truncated value, a key
the stack does not own) and checks the product's marker (`[redacted ...]`) is where the value was.
"""

from __future__ import annotations

import json
import secrets
import socket
import string
from pathlib import Path

import pytest

from tests.e2e.conftest import OWNER, Hub
from tests.e2e.pulumi_cli import Stack
from tests.e2e.test_health import enable_health, printed

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]
SPACE = f"{OWNER}/rag-chatbot"

#: An app that reports its secrets back in every way an app can: ECHO_MODE picks how.
ECHO_APP = '''import os

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

MODE = os.environ.get("ECHO_MODE", "healthy")
DATABASE_URL = os.environ.get("DATABASE_URL", "")
GEMINI_API_KEY = os.environ.get("GEMINI_API_KEY", "")
QDRANT_API_KEY = os.environ.get("QDRANT_API_KEY", "")
PASSWORD = DATABASE_URL.split(":")[2].split("@")[0]
FOREIGN_KEY = os.environ.get("FOREIGN_KEY_REVERSED", "")[::-1]

if MODE == "crash":
    import atexit

    # After the traceback, so it is inside the last 40 lines of the run logs.
    atexit.register(print, f"exiting with GEMINI_API_KEY={GEMINI_API_KEY} and the key {FOREIGN_KEY}", flush=True)
    from pydantic import BaseModel

    class Settings(BaseModel):
        database_url: int

    Settings(database_url=DATABASE_URL)  # pydantic prints the first and last 24 characters of the URL

app = FastAPI()
app.add_middleware(CORSMiddleware, allow_origins=os.environ.get("ALLOWED_ORIGINS", "").split(","),
                   allow_methods=["*"], allow_headers=["*"])


@app.get("/api/health")
def health() -> dict:
    if MODE == "degraded":
        return {"status": "degraded", "services": {
            "postgres": {"status": "disconnected",
                         "error": f"could not connect to {DATABASE_URL}: password {PASSWORD} rejected"},
            "gemini": {"status": "error", "error": f"API key not valid: {GEMINI_API_KEY}, nor {FOREIGN_KEY}"},
        }}
    return {"status": "healthy", "services": {
        "postgres": {"status": "connected", "dsn": DATABASE_URL},
        "qdrant": QDRANT_API_KEY,
        "gemini": GEMINI_API_KEY,
        "raw": DATABASE_URL,
    }, "env": dict(os.environ), "password": PASSWORD}


@app.post("/api/chat")
def chat(payload: dict) -> dict:
    return payload
'''


def google_key() -> str:
    """A random key of the Google API key format (AIza + 35 characters)."""
    alphabet = string.ascii_letters + string.digits
    return "AIza" + "".join(secrets.choice(alphabet) for _ in range(35))


def echo_backend(root: Path) -> Path:
    root.mkdir(parents=True)
    (root / "main.py").write_text(ECHO_APP)
    (root / "requirements.txt").write_text("fastapi\nuvicorn\npydantic\n")
    return root


def outside_secrets(exported: dict) -> str:
    """The exported state with every secret-marked value (ciphertext) removed: what must hold no canary."""
    def strip(value: object) -> object:
        if isinstance(value, dict):
            if "4dabf18193072939515e22adb298388d" in value:
                return "<secret>"
            return {k: strip(v) for k, v in value.items()}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value
    return json.dumps(strip(exported))


def test_health_answers_and_crash_logs_never_carry_a_secret_out(project: Stack, hub: Hub, tmp_path: Path) -> None:
    password = f"pw-{secrets.token_hex(16)}"
    database_url = f"postgresql://app:{password}@127.0.0.1:9/rag?sslmode=require"
    gemini, foreign, qdrant = google_key(), google_key(), f"qd-{secrets.token_hex(6)}"
    project.config_set("backendDir", str(echo_backend(tmp_path / "echo")))
    project.config_set("databaseUrl", database_url, secret=True)
    project.config_set("geminiApiKey", gemini, secret=True)
    project.config_set("qdrantApiKey", qdrant, secret=True)
    # A Google key the stack does not know (the app's own): only its format tells it is one. Reversed, since
    # a variable holding a token is refused (variables are public).
    project.config_set("extraVariables.FOREIGN_KEY_REVERSED", foreign[::-1], path=True)
    # `reachable` first: the answer's services are secret values, not healthy words, and `healthy` would
    # (rightly) refuse them; the output must still carry them redacted.
    enable_health(project, require="reachable")
    canaries = {"password": password, "gemini": gemini, "qdrant key": qdrant, "foreign key": foreign}

    # 1. Healthy, but the answer echoes DATABASE_URL, the keys and the whole environment.
    project.up()
    health = project.outputs()["health"]
    assert health["status"] == "healthy"
    assert health["services"]["postgres"] == "connected"
    assert health["services"]["qdrant"] == "[redacted QDRANT_API_KEY]"  # a short word, still redacted
    assert health["services"]["gemini"] == "[redacted GEMINI_API_KEY]"
    assert health["services"]["raw"] == "(not shown: not a short status word)"
    assert set(health) == {"status", "services", "cors"}

    # 2. Degraded: each failing service's error text quotes the URL, its password and two Google keys.
    project.config_set("healthRequire", "healthy")
    project.config_set("extraVariables.ECHO_MODE", "degraded", path=True)
    result = project.up(check=False)
    out = printed(result)
    assert result.returncode != 0 and "reports status 'degraded'" in out, out[-3000:]
    assert "password [redacted DATABASE_URL password] rejected" in out
    assert "API key not valid: [redacted GEMINI_API_KEY]" in out
    assert "[redacted Google API key]" in out  # the key the stack does not know, by its format

    # 3. A startup crash: pydantic prints a truncated input_value, the app prints a key; the run log tail.
    project.config_set("extraVariables.ECHO_MODE", "crash", path=True)
    result = project.up(check=False)
    out = printed(result)
    assert result.returncode != 0 and "RUNTIME_ERROR" in out and "ValidationError" in out, out[-3000:]
    assert "input_value='[redacted DATABASE_URL]..." in out
    assert "exiting with GEMINI_API_KEY=[redacted GEMINI_API_KEY] and the key [redacted Google API key]" in out
    assert password[:7] not in out  # not even the part pydantic kept

    exported = project.export()
    places = {
        "CLI output": project.everything_printed(),
        "state outside secret values": outside_secrets(exported),
        "stack outputs": json.dumps(project.outputs()),
    }
    leaks = [(what, where) for what, value in canaries.items() for where, text in places.items() if value in text]
    assert leaks == []
    assert "[redacted" in places["state outside secret values"]  # what we grep is the real health output


PRIVATE_INDEX_DOCKERFILE = """FROM python:3.11-slim
RUN useradd -m -u 1000 user
USER user
ENV HOME=/home/user PATH=/home/user/.local/bin:$PATH
WORKDIR $HOME/app
COPY --chown=user requirements.txt requirements.txt
RUN --mount=type=secret,id=PIP_EXTRA_INDEX_URL,env=PIP_EXTRA_INDEX_URL,required=true \\
    pip install --no-cache-dir -r requirements.txt
COPY --chown=user . .
CMD ["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "7860"]
"""


@pytest.mark.real_builds
def test_pip_failure_printing_a_private_index_token_is_redacted(project: Stack, hub: Hub, tmp_path: Path) -> None:
    """The Hub's way to a private index: a Space secret mounted into the build's pip step (hub-2026.md).
    pip prints the index in full ("Looking in indexes") and, retrying, only its path: the token alone."""
    with socket.socket() as probe:  # a port nothing listens on: every request to the index is refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    token = f"tok{secrets.token_hex(16)}"
    backend = echo_backend(tmp_path / "private-index")
    (backend / "Dockerfile").write_text(PRIVATE_INDEX_DOCKERFILE)
    (backend / "requirements.txt").write_text(f"hf-rag-space-private-{secrets.token_hex(4)}==1.0\nfastapi\nuvicorn\n")
    project.config_set("backendDir", str(backend))
    project.config_set("extraSecrets.PIP_EXTRA_INDEX_URL", f"http://127.0.0.1:{port}/{token}/simple/", secret=True,
                       path=True)
    enable_health(project, require="reachable", timeout=300)
    result = project.up(check=False)
    out = printed(result)
    assert result.returncode != 0 and "BUILD_ERROR" in out, out[-3000:]
    assert "Retrying" in out and "/[redacted PIP_EXTRA_INDEX_URL token]/simple/" in out, out[-3000:]
    places = {"CLI output": project.everything_printed(), "stack outputs": json.dumps(project.outputs()),
              "state outside secret values": outside_secrets(project.export())}
    assert [where for where, text in places.items() if token in text] == []
