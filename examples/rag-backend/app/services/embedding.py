"""Text embeddings with Gemini (``embedContent``)."""

from __future__ import annotations

from app.core.config import Settings
from app.services.gemini import GeminiError, post


async def embed(settings: Settings, text: str) -> list[float]:
    """The embedding vector of ``text`` for retrieval (must match the model used to index Qdrant)."""
    model = f"models/{settings.embedding_model}"
    body = {"model": model, "content": {"parts": [{"text": text}]}, "taskType": "RETRIEVAL_QUERY"}
    data = await post(settings, f"{model}:embedContent", body)
    values = data.get("embedding", {}).get("values")
    if not isinstance(values, list) or not values:
        raise GeminiError("Gemini returned no embedding")
    return [float(v) for v in values]
