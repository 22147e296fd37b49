"""Postgres: health check and best-effort chat history.

The image stays light: without a driver the check is a TCP connect to the database host (which
catches the usual problems: wrong host, blocked port). Add ``psycopg[binary]`` to requirements.txt
to get a real ``SELECT 1`` check and chat history persisted in ``chat_messages``.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from typing import Any
from urllib.parse import urlsplit

from app.core.config import Settings
from app.models.schemas import ServiceHealth

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS chat_messages (
    id BIGSERIAL PRIMARY KEY,
    session_id TEXT NOT NULL,
    role TEXT NOT NULL,
    content TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
)
"""


def _driver() -> Any | None:
    try:
        return importlib.import_module("psycopg")
    except ImportError:
        return None


def _libpq_url(url: str) -> str:
    """Drop a SQLAlchemy-style ``+driver`` suffix, which libpq does not understand."""
    scheme, sep, rest = url.partition("://")
    return f"{scheme.split('+')[0]}{sep}{rest}"


async def check(settings: Settings) -> ServiceHealth:
    """``connected`` when the database answers, ``not_configured`` without DATABASE_URL."""
    if not settings.database_url:
        return ServiceHealth(status="not_configured")
    psycopg = _driver()
    try:
        if psycopg is not None:
            await asyncio.to_thread(_select_one, psycopg, settings)
        else:
            await _tcp_connect(settings)
    except Exception as e:  # any failure means "not usable"; report the type, never the URL
        return ServiceHealth(status="disconnected", error=f"{type(e).__name__}: cannot reach Postgres")
    return ServiceHealth(status="connected")


async def save_exchange(settings: Settings, session_id: str, question: str, answer: str) -> None:
    """Store one question and answer; logs and carries on when the database is unavailable."""
    psycopg = _driver()
    if not settings.database_url or psycopg is None:
        return
    try:
        await asyncio.to_thread(_insert, psycopg, settings, session_id, question, answer)
    except Exception as e:  # history is best effort: never fail a chat because of it
        log.warning("chat history not saved: %s", type(e).__name__)


def _connect(psycopg: Any, settings: Settings) -> Any:
    url = _libpq_url(settings.database_url or "")
    return psycopg.connect(url, connect_timeout=int(settings.timeout_seconds))


def _select_one(psycopg: Any, settings: Settings) -> None:
    with _connect(psycopg, settings) as conn:
        conn.execute("SELECT 1")


def _insert(psycopg: Any, settings: Settings, session_id: str, question: str, answer: str) -> None:
    with _connect(psycopg, settings) as conn:
        conn.execute(_SCHEMA)
        for role, content in (("user", question), ("assistant", answer)):
            conn.execute(
                "INSERT INTO chat_messages (session_id, role, content) VALUES (%s, %s, %s)",
                (session_id, role, content),
            )


async def _tcp_connect(settings: Settings) -> None:
    parts = urlsplit(settings.database_url or "")
    if not parts.hostname:
        raise ValueError("DATABASE_URL has no host")
    connect = asyncio.open_connection(parts.hostname, parts.port or 5432)
    _reader, writer = await asyncio.wait_for(connect, timeout=settings.timeout_seconds)
    writer.close()
    await writer.wait_closed()
