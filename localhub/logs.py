"""Build and run log buffers, served as Server-Sent Events like the Hub's ``/logs/{build,run}``.

The Hub streams a log live: it replays what the build (or the running app) wrote so far, then sends each
new line as it is written, and closes the stream when that build ends or that run's process exits
("stream close = done", huggingface_hub's `fetch_space_logs(follow=True)`, commit b7ed360da, matching the
Hub web UI's SpaceLogs.svelte). Idle streams get empty ``data:`` keep-alive events, which clients skip
(`HfApi._stream_sse_events` counts only lines starting ``data: {``); they come less often than the 5 s read
timeout of a non-following client, which therefore returns once the buffer is drained.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import deque
from collections.abc import AsyncIterator

from localhub.timeutil import now_iso

MAX_EVENTS = 5000
POLL_SECONDS = 0.1
KEEPALIVE_SECONDS = 15.0


class LogBuffer:
    """A bounded, thread-safe list of ``(timestamp, text)`` log events of one build or one run.

    `clear` starts the next build's (or run's) log: its `generation` grows, and streams of the previous
    one end. `close` marks the log finished (the build ended, the process exited): streams end once
    they have sent everything."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: deque[tuple[str, str]] = deque(maxlen=MAX_EVENTS)
        self._total = 0
        self.generation = 0
        self.closed = True  # nothing writes to it before the first build or run

    def append(self, text: str) -> None:
        with self._lock:
            self._events.append((now_iso(), text))
            self._total += 1

    def clear(self) -> None:
        with self._lock:
            self._events.clear()
            self._total = 0
            self.generation += 1
            self.closed = False

    def close(self, generation: int | None = None) -> None:
        """The build or run is over (only `generation`'s, when given: a newer one keeps streaming)."""
        with self._lock:
            if generation is None or generation == self.generation:
                self.closed = True

    def events(self) -> list[tuple[str, str]]:
        with self._lock:
            return list(self._events)

    def since(self, index: int) -> tuple[list[tuple[str, str]], int, int, bool]:
        """Events numbered `index` and later (numbering from the log's start), the next index, the
        generation and whether the log is closed."""
        with self._lock:
            first = self._total - len(self._events)
            kept = list(self._events)[max(0, index - first):]
            return kept, self._total, self.generation, self.closed

    def text(self) -> str:
        return "".join(text for _, text in self.events())


def event_bytes(timestamp: str, text: str) -> bytes:
    """One event as the Hub sends it: ``data: {"data": ..., "timestamp": ...}``."""
    return b"data: " + json.dumps({"data": text, "timestamp": timestamp}).encode() + b"\n\n"


async def follow(buffer: LogBuffer, keepalive_seconds: float = KEEPALIVE_SECONDS) -> AsyncIterator[bytes]:
    """Replay the buffer, then stream each new event until this build or run is over (closed, or a new
    one started), with keep-alives while idle."""
    index, generation = 0, buffer.generation
    last_sent = time.monotonic()
    while True:
        events, index, current, closed = buffer.since(index)
        if current != generation:
            return
        for timestamp, text in events:
            yield event_bytes(timestamp, text)
        if events:
            last_sent = time.monotonic()
        if closed:
            return
        if time.monotonic() - last_sent >= keepalive_seconds:
            yield b"data: \n\n"
            last_sent = time.monotonic()
        await asyncio.sleep(POLL_SECONDS)
