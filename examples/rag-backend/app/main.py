"""FastAPI application: CORS from ALLOWED_ORIGINS, the chat and health routes, OpenAPI docs."""

from __future__ import annotations

import logging

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from app import __version__
from app.api import chat, health
from app.core.config import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; ``settings`` default to the environment."""
    settings = settings or Settings.from_env()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = FastAPI(title="RAG chatbot backend", version=__version__)
    app.state.settings = settings
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(settings.allowed_origins),
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["*"],
    )
    app.include_router(chat.router, prefix="/api")
    app.include_router(health.router, prefix="/api")

    @app.get("/", include_in_schema=False)
    async def root() -> dict[str, str]:
        return {"name": app.title, "version": __version__, "docs": "/docs", "health": "/api/health"}

    return app


app = create_app()
