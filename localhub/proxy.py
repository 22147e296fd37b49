"""The Space's public address (``host``): a reverse proxy in front of its app, like ``*.hf.space``.

It does what the Hub's proxy does and the app cannot: a private Space answers only requests carrying
``Authorization: Bearer <token>`` of a user who may read it (401 without a token, 404 for a token that
may not read it; localhub/README.md "2026 behaviours"); a request wakes a SLEEPING Space and is held until
it runs; every request counts as activity for the idle-sleep clock; a Space that is not running answers
503. The app itself listens on a private port the proxy forwards to.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx
import uvicorn
from starlette.types import Receive, Scope, Send

from localhub.storage import RepoKey

if TYPE_CHECKING:
    from localhub.auth import Auth
    from localhub.runtime import Runtime

HOP_HEADERS = frozenset({b"host", b"connection", b"keep-alive", b"transfer-encoding", b"content-length"})
SERVING = ("RUNNING", "RUNNING_BUILDING", "RUNNING_APP_STARTING")


async def _plain(send: Send, status: int, text: str) -> None:
    body = text.encode()
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class SpaceProxy:
    """One Space's proxy: an ASGI app served by its own uvicorn thread on the Space's public port."""

    def __init__(self, runtime: Runtime, auth: Auth | None, key: RepoKey, port: int) -> None:
        self.runtime = runtime
        self.auth = auth
        self.key = key
        self.port = port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        config = uvicorn.Config(self, log_level="warning", access_log=False, lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, daemon=True, name=f"proxy-{self.key.repo_id}"
        )
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
        self._server = self._thread = None

    def _allowed(self, scope: Scope) -> int | None:
        """None when the request may go through, else the status to answer (401 / 404)."""
        meta = self.runtime.store.get_meta(self.key)
        if meta is None:
            return 404
        if not meta.get("private"):
            return None
        headers = dict(scope.get("headers", []))
        scheme, _, token = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
        if not token or scheme.lower() != "bearer":
            return 401
        principal = self.auth.tokens.get(token.strip()) if self.auth else None
        if principal is None or not (self.auth and self.auth.is_member(principal.user, self.key.namespace)):
            return 404
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        refused = self._allowed(scope)
        if refused == 401:
            await _plain(send, 401, "Unauthorized: this Space is private; send Authorization: Bearer <token>")
            return
        if refused == 404:
            await _plain(send, 404, "Not Found")
            return
        self.runtime.touch(self.key)
        app_port = await self._serving(lambda: self.runtime.app_port(self.key))
        if app_port is None:
            await _plain(send, 503, f"Space {self.key.repo_id} is not running ({self.runtime.state(self.key).stage})")
            return
        await self._forward(scope, receive, send, app_port)

    async def _serving(self, app_port: Callable[[], int | None]) -> int | None:
        """The app's port; a SLEEPING Space is woken and waited for (up to the startup timeout)."""
        if self.runtime.state(self.key).stage == "SLEEPING":
            self.runtime.wake(self.key)
        deadline = time.monotonic() + self.runtime.config.startup_timeout_seconds + 60
        while time.monotonic() < deadline:
            stage = self.runtime.state(self.key).stage
            port = app_port()
            if stage in SERVING and port is not None:
                return port
            if stage not in ("BUILDING", "APP_STARTING", "SLEEPING"):
                return None
            await asyncio.sleep(0.05)
        return None

    async def _forward(self, scope: Scope, receive: Receive, send: Send, app_port: int) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        query = scope.get("query_string", b"").decode("latin-1")
        url = f"http://127.0.0.1:{app_port}{scope.get('raw_path', scope['path'].encode()).decode('latin-1')}"
        if query:
            url += f"?{query}"
        headers = [(k, v) for k, v in scope.get("headers", []) if k.lower() not in HOP_HEADERS]
        async with httpx.AsyncClient(timeout=None) as client:
            try:
                request = client.build_request(scope["method"], url, headers=headers, content=body)
                response = await client.send(request, stream=True)
            except httpx.TransportError as e:
                await _plain(send, 502, f"Bad Gateway: the app did not answer ({type(e).__name__})")
                return
            try:
                out: list[Any] = [
                    (k.encode("latin-1"), v.encode("latin-1"))
                    for k, v in response.headers.multi_items()
                    if k.lower().encode() not in HOP_HEADERS
                ]
                await send({"type": "http.response.start", "status": response.status_code, "headers": out})
                async for chunk in response.aiter_raw():
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
                await send({"type": "http.response.body", "body": b""})
            finally:
                await response.aclose()
        self.runtime.touch(self.key)
