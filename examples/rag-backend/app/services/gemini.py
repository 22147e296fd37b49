"""Minimal Gemini REST client (httpx); the key travels in a header, never in the URL."""

from __future__ import annotations

from typing import Any

import httpx

from app.core.config import Settings


class GeminiError(RuntimeError):
    """Gemini could not be reached or refused the request."""


def client(settings: Settings) -> httpx.AsyncClient:
    """An async client for the Gemini API with the key header set."""
    return httpx.AsyncClient(
        base_url=f"{settings.gemini_api_base}/v1beta",
        headers={"x-goog-api-key": settings.gemini_api_key or ""},
        timeout=max(settings.timeout_seconds, 30.0),
    )


async def post(settings: Settings, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST ``body`` to ``/v1beta/<path>`` and return the JSON answer."""
    try:
        async with client(settings) as http:
            response = await http.post(path, json=body)
            response.raise_for_status()
    except httpx.HTTPStatusError as e:
        raise GeminiError(f"Gemini answered HTTP {e.response.status_code} to {path.split(':')[-1]}") from e
    except httpx.HTTPError as e:
        raise GeminiError(f"cannot reach Gemini ({type(e).__name__})") from e
    data: dict[str, Any] = response.json()
    return data
