"""Build and run log buffers, served as Server-Sent Events like the Hub's ``/logs/{build,run}``."""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Iterator

from localhub.timeutil import now_iso

MAX_EVENTS = 5000


class LogBuffer:
    """A bounded, thread-safe list of ``(timestamp, text)`` log events."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: deque[tuple[str, str]] = deque(maxlen=MAX_EVENTS)

    def append(self, text: str) -> None:
        with self._lock:
            self._events.append((now_iso(), text))

    def clear(self) -> None:
        with self._lock:
            self._events.clear()

    def events(self) -> list[tuple[str, str]]:
        with self._lock:
            return list(self._events)

    def text(self) -> str:
        return "".join(text for _, text in self.events())


def sse(events: list[tuple[str, str]]) -> Iterator[bytes]:
    """``data: {"data": ..., "timestamp": ...}`` lines, one event each, as the Hub streams them."""
    for timestamp, text in events:
        yield b"data: " + json.dumps({"data": text, "timestamp": timestamp}).encode() + b"\n\n"
