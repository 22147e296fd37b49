"""Qdrant over its REST API (httpx): collection check and vector search."""

from __future__ import annotations

from typing import Any

import httpx

from app.core.config import Settings
from app.models.schemas import ServiceHealth, Source

TEXT_KEYS = ("text", "content", "page_content", "chunk")


class QdrantError(RuntimeError):
    """Qdrant could not be reached or refused the request."""


def _client(settings: Settings) -> httpx.AsyncClient:
    headers = {"api-key": settings.qdrant_api_key} if settings.qdrant_api_key else {}
    return httpx.AsyncClient(base_url=settings.qdrant_url or "", headers=headers, timeout=settings.timeout_seconds)


async def check(settings: Settings) -> ServiceHealth:
    """``connected`` when the configured collection answers, ``not_configured`` without QDRANT_URL."""
    if not settings.qdrant_url:
        return ServiceHealth(status="not_configured")
    try:
        async with _client(settings) as client:
            response = await client.get(f"/collections/{settings.qdrant_collection}")
    except httpx.HTTPError as e:
        return ServiceHealth(status="disconnected", error=f"{type(e).__name__}: cannot reach Qdrant")
    if response.status_code == 404:
        return ServiceHealth(status="disconnected", error=f"collection {settings.qdrant_collection!r} does not exist")
    if response.status_code in (401, 403):
        return ServiceHealth(status="disconnected", error="Qdrant refused the API key (QDRANT_API_KEY)")
    if response.status_code != 200:
        return ServiceHealth(status="disconnected", error=f"Qdrant answered HTTP {response.status_code}")
    return ServiceHealth(status="connected")


async def search(settings: Settings, vector: list[float], limit: int) -> list[Source]:
    """The ``limit`` chunks nearest to ``vector`` in the configured collection."""
    body = {"vector": vector, "limit": limit, "with_payload": True}
    try:
        async with _client(settings) as client:
            response = await client.post(f"/collections/{settings.qdrant_collection}/points/search", json=body)
            response.raise_for_status()
    except httpx.HTTPStatusError as e:
        raise QdrantError(f"Qdrant search failed with HTTP {e.response.status_code}") from e
    except httpx.HTTPError as e:
        raise QdrantError(f"cannot reach Qdrant ({type(e).__name__})") from e
    return [_source(hit) for hit in response.json().get("result", [])]


def _source(hit: dict[str, Any]) -> Source:
    payload = dict(hit.get("payload") or {})
    text = next((str(payload.pop(k)) for k in TEXT_KEYS if k in payload), "")
    return Source(id=str(hit.get("id")), score=float(hit.get("score", 0.0)), text=text, metadata=payload)
