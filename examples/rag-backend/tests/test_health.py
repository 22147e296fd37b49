"""Tests of the backend itself (run from examples/rag-backend: `pytest`); never bundled."""

from fastapi.testclient import TestClient

from app.core.config import Settings
from app.main import create_app


def test_health_not_configured() -> None:
    client = TestClient(create_app(Settings()))
    body = client.get("/api/health").json()
    assert body["status"] == "healthy"
    assert body["services"]["qdrant"] == {"status": "not_configured"}


def test_chat_needs_configuration() -> None:
    client = TestClient(create_app(Settings()))
    response = client.post("/api/chat", json={"message": "hi"})
    assert response.status_code == 503
    assert response.json()["missing"] == ["GEMINI_API_KEY", "QDRANT_URL"]
