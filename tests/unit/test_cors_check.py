"""The CORS check: which path it probes, and a diagnosis that tells "no middleware" from "origin missing"."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.testclient import TestClient

from components.bundle.build import Bundle
from components.bundle.routes import Route
from components.health import cors_problem

ORIGIN = "https://app.example.com"
PREFLIGHT = {"Origin": ORIGIN, "Access-Control-Request-Method": "POST",
             "Access-Control-Request-Headers": "content-type"}


def app(origins: list[str] | None) -> FastAPI:
    api = FastAPI()
    if origins is not None:
        api.add_middleware(CORSMiddleware, allow_origins=origins, allow_methods=["*"], allow_headers=["*"])

    @api.post("/ask")
    def ask() -> dict[str, str]:
        return {}

    return api


def preflight(api: FastAPI, path: str = "/ask") -> httpx.Response:
    """The app's real answer (TestClient speaks starlette's httpx), as the httpx.Response the check gets."""
    answer = TestClient(api).options(path, headers=PREFLIGHT)
    return httpx.Response(answer.status_code, headers=list(answer.headers.multi_items()), content=answer.content)


def test_real_fastapi_answers_are_told_apart() -> None:
    assert cors_problem(preflight(app([ORIGIN])), ORIGIN, "/ask") is None
    lacking = cors_problem(preflight(app(["https://other.example.com"])), ORIGIN, "/ask")
    assert lacking is not None and lacking.startswith(f"ALLOWED_ORIGINS lacks {ORIGIN}")
    assert "no CORS middleware" not in lacking
    none = cors_problem(preflight(app(None)), ORIGIN, "/ask")
    assert none is not None and none.startswith("no CORS middleware answered the preflight (OPTIONS /ask")
    assert "HTTP 405" in none and "CORSMiddleware" in none and "ALLOWED_ORIGINS lacks" not in none
    missing = cors_problem(preflight(app(None), "/nowhere"), ORIGIN, "/nowhere")
    assert missing is not None and "corsCheckPath" in missing


def test_cors_check_path_defaults_to_the_first_post_route() -> None:
    bundle = Bundle({}, (Route("/api/health", "GET", ""), Route("/items/{id}", "POST", ""),
                         Route("/v1/ask", "POST", "")))
    assert bundle.cors_check_path(None, "/api/health") == "/v1/ask"
    assert bundle.cors_check_path("/custom", "/api/health") == "/custom"
    assert Bundle({}).cors_check_path(None, "/healthz") == "/healthz"
