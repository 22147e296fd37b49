"""Pydantic models of the HTTP API."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class ChatRequest(BaseModel):
    """A question for the chatbot."""

    message: str = Field(min_length=1, max_length=4000)
    session_id: str | None = Field(default=None, max_length=128)
    top_k: int = Field(default=5, ge=1, le=20)


class Source(BaseModel):
    """A retrieved document chunk the answer is based on."""

    id: str
    score: float
    text: str
    metadata: dict[str, Any] = Field(default_factory=dict)


class ChatResponse(BaseModel):
    """The answer and the chunks it was grounded on."""

    answer: str
    sources: list[Source]
    session_id: str


class ErrorResponse(BaseModel):
    """An error the client can act on."""

    error: str
    message: str
    missing: list[str] = Field(default_factory=list)


ServiceStatus = Literal["connected", "disconnected", "not_configured"]


class ServiceHealth(BaseModel):
    """Health of one backing service."""

    status: ServiceStatus
    error: str | None = None


class HealthResponse(BaseModel):
    """Overall health: ``degraded`` when any configured service is disconnected."""

    status: Literal["healthy", "degraded"]
    version: str
    services: dict[str, Any]
