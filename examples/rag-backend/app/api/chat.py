"""POST /api/chat: retrieve-then-generate answers."""

from __future__ import annotations

import logging
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from app.api.deps import get_settings
from app.core.config import Settings
from app.db.qdrant import QdrantError
from app.models.schemas import ChatRequest, ChatResponse, ErrorResponse
from app.services import rag_service
from app.services.gemini import GeminiError

log = logging.getLogger(__name__)
router = APIRouter(tags=["chat"])


@router.post(
    "/chat",
    response_model=ChatResponse,
    responses={502: {"model": ErrorResponse}, 503: {"model": ErrorResponse}},
)
async def chat(
    request: ChatRequest, settings: Annotated[Settings, Depends(get_settings)]
) -> ChatResponse | JSONResponse:
    """Answer a question from the indexed documents."""
    missing = settings.missing_for_chat()
    if missing:
        return _error(
            503,
            "not_configured",
            f"Chat is not configured: set {', '.join(missing)} (as Space secrets) and restart the Space.",
            missing,
        )
    session_id = request.session_id or uuid.uuid4().hex
    try:
        return await rag_service.answer(settings, request.message, session_id, request.top_k)
    except (GeminiError, QdrantError) as e:
        log.warning("chat failed: %s", e)
        return _error(502, "upstream_error", str(e))


def _error(status: int, error: str, message: str, missing: list[str] | None = None) -> JSONResponse:
    body = ErrorResponse(error=error, message=message, missing=missing or [])
    return JSONResponse(status_code=status, content=body.model_dump())
