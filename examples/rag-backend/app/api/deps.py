"""Request dependencies."""

from __future__ import annotations

from fastapi import Request

from app.core.config import Settings


def get_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings
