"""The FastAPI application: routers, Hub-style error handling and the accounting middleware."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.types import ASGIApp

from localhub import (
    routes_admin,
    routes_canonical,
    routes_files,
    routes_lfs,
    routes_repos,
    routes_spaces,
    routes_xet,
)
from localhub.errors import HubError, hub_error_handler
from localhub.hub import Hub, Settings
from localhub.middleware import HubMiddleware


def create_app(settings: Settings) -> tuple[ASGIApp, Hub]:
    """The ASGI app serving ``settings`` and its Hub state."""
    hub = Hub(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        hub.runtime.start_all()
        try:
            yield
        finally:
            hub.runtime.shutdown()

    app = FastAPI(title="localhub", lifespan=lifespan, openapi_url=None, docs_url=None, redoc_url=None)
    app.state.hub = hub
    app.add_exception_handler(HubError, hub_error_handler)
    api_modules = (routes_repos, routes_spaces, routes_lfs, routes_xet, routes_files,
                   routes_canonical)  # canonical ids last
    for module in (routes_admin, *api_modules):
        app.include_router(module.router)
    api_routes = [r for m in api_modules for r in m.router.routes]
    return HubMiddleware(app, hub, api_routes), hub
