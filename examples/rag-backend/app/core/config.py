"""Backend settings, read from environment variables (Space secrets and variables)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


@dataclass(frozen=True)
class Settings:
    """Everything the app reads from its environment; absent services are simply not configured."""

    gemini_api_key: str | None = field(default=None, repr=False)
    qdrant_url: str | None = field(default=None, repr=False)
    qdrant_api_key: str | None = field(default=None, repr=False)
    qdrant_collection: str = "documents"
    database_url: str | None = field(default=None, repr=False)
    log_level: str = "INFO"
    allowed_origins: tuple[str, ...] = ()
    gemini_api_base: str = "https://generativelanguage.googleapis.com"
    gemini_model: str = "gemini-2.0-flash"
    embedding_model: str = "gemini-embedding-001"
    timeout_seconds: float = 5.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the settings from ``environ`` (default: the process environment)."""
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        level = (get("LOG_LEVEL") or "INFO").upper()
        origins = tuple(o.strip().rstrip("/") for o in (get("ALLOWED_ORIGINS") or "").split(",") if o.strip())
        return cls(
            gemini_api_key=get("GEMINI_API_KEY"),
            qdrant_url=(get("QDRANT_URL") or "").rstrip("/") or None,
            qdrant_api_key=get("QDRANT_API_KEY"),
            qdrant_collection=get("QDRANT_COLLECTION") or "documents",
            database_url=get("DATABASE_URL"),
            log_level=level if level in LOG_LEVELS else "INFO",
            allowed_origins=origins,
            gemini_api_base=(get("GEMINI_API_BASE") or cls.gemini_api_base).rstrip("/"),
            gemini_model=get("GEMINI_MODEL") or cls.gemini_model,
            embedding_model=get("EMBEDDING_MODEL") or cls.embedding_model,
        )

    def missing_for_chat(self) -> list[str]:
        """Names of the environment variables chat needs but does not have."""
        required = {"GEMINI_API_KEY": self.gemini_api_key, "QDRANT_URL": self.qdrant_url}
        return [name for name, value in required.items() if not value]
