"""GET /api/health: the app and each backing service."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends

from app import __version__
from app.api.deps import get_settings
from app.core.config import Settings
from app.db import postgres, qdrant
from app.models.schemas import HealthResponse
from app.services import llm

router = APIRouter(tags=["health"])


@router.get("/health", response_model=HealthResponse, response_model_exclude_none=True)
async def health(settings: Annotated[Settings, Depends(get_settings)]) -> HealthResponse:
    """``healthy`` unless a configured service is ``disconnected``; always HTTP 200."""
    qdrant_health, postgres_health, gemini_health = await asyncio.gather(
        qdrant.check(settings), postgres.check(settings), llm.check(settings)
    )
    checks = {"qdrant": qdrant_health, "postgres": postgres_health, "gemini": gemini_health}
    degraded = any(c.status == "disconnected" for c in checks.values())
    return HealthResponse(
        status="degraded" if degraded else "healthy",
        version=__version__,
        services={
            "fastapi": "running",
            **{name: c.model_dump(exclude_none=True) for name, c in checks.items()},
        },
    )
