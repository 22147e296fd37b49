"""ASGI middleware: buffers bodies, guards ``/_localhub/``, injects faults and records request stats."""

from __future__ import annotations

import asyncio
import json
import math
import time
import uuid
from email.utils import formatdate
from typing import Any

from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from localhub import lfs
from localhub.hub import Hub
from localhub.ratelimit import ratelimit_headers

ADMIN_PREFIX = "/_localhub/"
OPEN_ADMIN = frozenset({"/_localhub/health"})


def route_template(routes: list[Any], scope: Scope) -> str:
    """The matched route's path with ``{namespace}/{name}`` shown as ``{repo_id}``."""
    for route in routes:
        match, _ = route.matches(scope)
        if match != Match.NONE:
            return str(route.path).replace("{namespace}/{name}", "{repo_id}").replace("{path:path}", "{path}")
    return "<unmatched>"


async def _send_json(send: Send, status: int, body: dict[str, Any], headers: dict[str, str]) -> None:
    raw = json.dumps(body).encode()
    all_headers = {"content-type": "application/json", "content-length": str(len(raw)), **headers}
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(k.lower().encode(), v.encode()) for k, v in all_headers.items()],
        }
    )
    await send({"type": "http.response.body", "body": raw})


def _request_id(scope: Scope) -> bytes:
    for key, value in scope.get("headers", []):
        if key.lower() == b"x-amzn-trace-id":
            return bytes(value)
    return uuid.uuid4().hex.encode()


def _dated(send: Send, request_id: bytes) -> Send:
    """Add ``X-Request-Id`` and a fresh ``Date`` header (rounded up to the next second) to every response.

    uvicorn's own Date header is cached for up to a second and truncated; the log client stops at the
    first event later than ``Date + 1s``, so a stale Date would hide the newest log lines.
    """

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            if not any(k.lower() == b"date" for k, _ in headers):
                headers.append((b"date", formatdate(math.ceil(time.time()), usegmt=True).encode()))
            headers.append((b"x-request-id", request_id))
            message = {**message, "headers": headers}
        await send(message)

    return wrapped


class _Counted:
    """A ``receive`` that counts the body bytes it passes on."""

    def __init__(self, receive: Receive) -> None:
        self.receive = receive
        self.nbytes = 0

    async def __call__(self) -> Message:
        message = await self.receive()
        self.nbytes += len(message.get("body", b""))
        return message


class HubMiddleware:
    """Wraps the app; ``routes`` (the Hub API routes) give the route templates used by stats and faults."""

    def __init__(self, app: ASGIApp, hub: Hub, routes: list[Any]) -> None:
        self.app = app
        self.hub = hub
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"].startswith(lfs.UPLOAD_PREFIX):  # streamed to disk, never buffered
            counted = _Counted(receive)
            upload_status = await lfs.handle_upload(
                self.hub.store, self.hub.lfs_secret, self.hub.settings.max_lfs_bytes, scope, counted, send
            )
            self.hub.stats.record_request(scope["method"], "/_lfs/upload/{object}", counted.nbytes, upload_status)
            return
        chunks = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        send = _dated(send, _request_id(scope))
        scope["localhub.body"] = body
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        path, method = scope["path"], scope["method"]
        if path.startswith(ADMIN_PREFIX):
            if path not in OPEN_ADMIN and not self._admin_ok(scope):
                await _send_json(send, 401, {"error": "localhub admin token required"}, {})
                return
            await self.app(scope, replay, send)
            return
        template = route_template(self.routes, scope)
        decision = self.hub.faults.decide(method, path, template)
        if decision.delay:
            await asyncio.sleep(decision.delay)
        status = decision.status
        if status is not None:
            if decision.after:  # handle it (side effects happen), then answer the error instead

                async def discard(_message: Message) -> None:
                    return None

                await self.app(scope, replay, discard)
            self.hub.stats.record_fault()
            self.hub.stats.record_request(method, template, len(body), status)
            message_text = f"localhub injected fault: HTTP {status}"
            headers = {"X-Error-Message": message_text}
            if status == 429:
                headers.update(ratelimit_headers("api", self.hub.faults.retry_after(), 1000, 300))
            await _send_json(send, status, {"error": message_text}, headers)
            return
        seen: dict[str, int] = {}

        async def recording_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                seen["status"] = message["status"]
            await send(message)

        try:
            await self.app(scope, replay, recording_send)
        finally:
            self.hub.stats.record_request(method, template, len(body), seen.get("status", 500))

    def _admin_ok(self, scope: Scope) -> bool:
        token = self.hub.settings.admin_token
        if not token:
            return True
        headers = dict(scope.get("headers", []))
        return bool(headers.get(b"authorization", b"").decode() == f"Bearer {token}")
