"""Answer generation with Gemini (``generateContent``) and the health check of the API key."""

from __future__ import annotations

import httpx

from app.core.config import Settings
from app.models.schemas import ServiceHealth
from app.services.gemini import GeminiError, client, post


async def generate(settings: Settings, prompt: str) -> str:
    """Gemini's answer to ``prompt``."""
    body = {
        "contents": [{"role": "user", "parts": [{"text": prompt}]}],
        "generationConfig": {"temperature": 0.2},
    }
    data = await post(settings, f"models/{settings.gemini_model}:generateContent", body)
    try:
        parts = data["candidates"][0]["content"]["parts"]
    except (KeyError, IndexError, TypeError) as e:
        raise GeminiError("Gemini returned no answer (blocked or empty)") from e
    return "".join(str(p.get("text", "")) for p in parts).strip()


async def check(settings: Settings) -> ServiceHealth:
    """``connected`` when the key can read the model, ``not_configured`` without GEMINI_API_KEY."""
    if not settings.gemini_api_key:
        return ServiceHealth(status="not_configured")
    try:
        async with client(settings) as http:
            response = await http.get(f"models/{settings.gemini_model}", timeout=settings.timeout_seconds)
    except httpx.HTTPError as e:
        return ServiceHealth(status="disconnected", error=f"{type(e).__name__}: cannot reach Gemini")
    if response.status_code in (400, 401, 403):
        return ServiceHealth(status="disconnected", error="Gemini refused the API key (GEMINI_API_KEY)")
    if response.status_code != 200:
        return ServiceHealth(status="disconnected", error=f"Gemini answered HTTP {response.status_code}")
    return ServiceHealth(status="connected")
