"""The example backend (examples/rag-backend): health, CORS and chat, in-process and under uvicorn."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from components.bundle.build import build_bundle

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "rag-backend"
ENV_NAMES = [
    "GEMINI_API_KEY",
    "QDRANT_URL",
    "QDRANT_API_KEY",
    "QDRANT_COLLECTION",
    "DATABASE_URL",
    "LOG_LEVEL",
    "ALLOWED_ORIGINS",
    "GEMINI_API_BASE",
    "GEMINI_MODEL",
    "EMBEDDING_MODEL",
]


@pytest.fixture
def backend(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """``app.main`` of the example, imported with a clean environment and removed afterwards."""
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.syspath_prepend(str(EXAMPLE))
    _forget_app_modules()
    import app.main

    yield app.main
    _forget_app_modules()


def _forget_app_modules() -> None:
    for name in [m for m in sys.modules if m == "app" or m.startswith("app.")]:
        del sys.modules[name]


def client_for(backend: ModuleType, **env: str) -> TestClient:
    settings = backend.Settings.from_env(env)
    return TestClient(backend.create_app(settings))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


# -- nothing configured ---------------------------------------------------------------------


def test_health_with_nothing_configured(backend: ModuleType) -> None:
    response = TestClient(backend.app).get("/api/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "healthy",
        "version": "1.0.0",
        "services": {
            "fastapi": "running",
            "qdrant": {"status": "not_configured"},
            "postgres": {"status": "not_configured"},
            "gemini": {"status": "not_configured"},
        },
    }


def test_chat_with_nothing_configured_is_503_naming_the_settings(backend: ModuleType) -> None:
    response = TestClient(backend.app).post("/api/chat", json={"message": "What is RAG?"})
    assert response.status_code == 503
    body = response.json()
    assert body["error"] == "not_configured" and body["missing"] == ["GEMINI_API_KEY", "QDRANT_URL"]
    assert "GEMINI_API_KEY" in body["message"] and "QDRANT_URL" in body["message"]


def test_chat_validates_the_request(backend: ModuleType) -> None:
    assert TestClient(backend.app).post("/api/chat", json={"message": ""}).status_code == 422


def test_docs_and_root(backend: ModuleType) -> None:
    client = TestClient(backend.app)
    assert client.get("/docs").status_code == 200
    assert "/api/chat" in client.get("/openapi.json").json()["paths"]
    assert client.get("/").json()["health"] == "/api/health"


# -- CORS -----------------------------------------------------------------------------------


def preflight(client: TestClient, origin: str) -> Any:
    headers = {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    return client.options("/api/chat", headers=headers)


def test_cors_preflight_allowed_and_refused(backend: ModuleType) -> None:
    client = client_for(backend, ALLOWED_ORIGINS="https://my-app.vercel.app, http://localhost:3000")
    allowed = preflight(client, "https://my-app.vercel.app")
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://my-app.vercel.app"
    assert preflight(client, "http://localhost:3000").status_code == 200

    refused = preflight(client, "https://evil.example")
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers
    simple = client.get("/api/health", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in simple.headers


def test_cors_from_environment(backend: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLOWED_ORIGINS", "https://from-env.example")
    client = TestClient(backend.create_app())
    assert preflight(client, "https://from-env.example").status_code == 200
    assert preflight(client, "https://other.example").status_code == 400


def test_no_origins_means_no_cross_origin_calls(backend: ModuleType) -> None:
    assert preflight(TestClient(backend.app), "https://my-app.vercel.app").status_code == 400


# -- configured services --------------------------------------------------------------------


def test_unreachable_services_are_disconnected_and_degrade_health(backend: ModuleType) -> None:
    port = free_port()  # nothing listens there
    client = client_for(
        backend,
        QDRANT_URL=f"http://127.0.0.1:{port}",
        DATABASE_URL=f"postgresql://u:pgPassw0rdSecret@127.0.0.1:{port}/db?sslmode=require",
        GEMINI_API_KEY="AIzaGeminiSecretValue",
        GEMINI_API_BASE=f"http://127.0.0.1:{port}",
    )
    response = client.get("/api/health")
    body = response.json()
    assert response.status_code == 200 and body["status"] == "degraded"
    for service in ("qdrant", "postgres", "gemini"):
        assert body["services"][service]["status"] == "disconnected"
        assert body["services"][service]["error"]
    assert "pgPassw0rdSecret" not in response.text and "AIzaGeminiSecretValue" not in response.text


class FakeUpstream(BaseHTTPRequestHandler):
    """Qdrant and Gemini REST endpoints, enough for one retrieve-then-generate round."""

    seen: list[tuple[str, str, dict[str, str]]] = []

    def do_GET(self) -> None:
        self._record()
        known = self.path in ("/collections/documents", "/v1beta/models/gemini-2.0-flash")
        self._answer(200 if known else 404, {"result": {"status": "green"}} if known else {})

    def do_POST(self) -> None:
        self._record()
        answers: dict[str, dict[str, Any]] = {
            "/collections/documents/points/search": {
                "result": [{"id": 7, "score": 0.93, "payload": {"text": "Spaces listen on 7860.", "src": "a.md"}}]
            },
            "/v1beta/models/gemini-embedding-001:embedContent": {"embedding": {"values": [0.1, 0.2, 0.3]}},
            "/v1beta/models/gemini-2.0-flash:generateContent": {
                "candidates": [{"content": {"parts": [{"text": "On port 7860 [1]."}]}}]
            },
        }
        self._answer(200 if self.path in answers else 404, answers.get(self.path, {}))

    def _record(self) -> None:
        length = int(self.headers.get("content-length", 0))
        body = self.rfile.read(length).decode() if length else ""
        FakeUpstream.seen.append((self.path, body, dict(self.headers)))

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def upstream() -> Iterator[str]:
    FakeUpstream.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeUpstream)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_chat_retrieves_then_generates(backend: ModuleType, upstream: str) -> None:
    client = client_for(
        backend,
        QDRANT_URL=upstream,
        QDRANT_API_KEY="qdrant-secret-key-value",
        GEMINI_API_KEY="AIzaGeminiSecretValue",
        GEMINI_API_BASE=upstream,
    )
    assert client.get("/api/health").json()["services"]["qdrant"] == {"status": "connected"}
    response = client.post("/api/chat", json={"message": "Which port?", "session_id": "s1", "top_k": 3})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["answer"] == "On port 7860 [1]." and body["session_id"] == "s1"
    assert body["sources"] == [
        {"id": "7", "score": 0.93, "text": "Spaces listen on 7860.", "metadata": {"src": "a.md"}}
    ]

    paths = [path for path, _, _ in FakeUpstream.seen]
    embed, search, generate = (
        paths.index("/v1beta/models/gemini-embedding-001:embedContent"),
        paths.index("/collections/documents/points/search"),
        paths.index("/v1beta/models/gemini-2.0-flash:generateContent"),
    )
    assert embed < search < generate
    _, search_body, search_headers = FakeUpstream.seen[search]
    assert json.loads(search_body) == {"vector": [0.1, 0.2, 0.3], "limit": 3, "with_payload": True}
    assert search_headers["api-key"] == "qdrant-secret-key-value"
    _, prompt_body, gemini_headers = FakeUpstream.seen[generate]
    assert gemini_headers["x-goog-api-key"] == "AIzaGeminiSecretValue"
    assert "Spaces listen on 7860." in prompt_body and "Which port?" in prompt_body
    assert all("key=" not in path for path in paths)  # the key never travels in a URL


def test_chat_upstream_failure_is_502_without_secrets(backend: ModuleType, upstream: str) -> None:
    client = client_for(
        backend,
        QDRANT_URL=upstream,
        GEMINI_API_KEY="AIzaGeminiSecretValue",
        GEMINI_API_BASE=upstream,
        QDRANT_COLLECTION="missing",
    )
    response = client.post("/api/chat", json={"message": "Which port?"})
    assert response.status_code == 502 and response.json()["error"] == "upstream_error"
    assert "AIzaGeminiSecretValue" not in response.text
    assert client.get("/api/health").json()["services"]["qdrant"]["status"] == "disconnected"


# -- as the Space runs it -------------------------------------------------------------------


def test_bundled_app_starts_under_uvicorn_with_nothing_configured(tmp_path: Path) -> None:
    """Write the bundle (as uploaded) and run it the way the Space's CMD does, on loopback."""
    files = build_bundle(EXAMPLE, dockerfile="", readme="").files
    for rel, data in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(data)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ENV_NAMES}
    command = [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    output = process.stdout.read().decode() if process.stdout else ""
                    pytest.fail(f"uvicorn did not start:\n{output}")
                time.sleep(0.1)
        assert response.status_code == 200 and response.json()["status"] == "healthy"
    finally:
        process.terminate()
        process.wait(timeout=10)
