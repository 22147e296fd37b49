"""Live logs: while `pulumi up` waits for a Space, its build log and then its run log reach the CLI.

`LiveLogs` follows the stages the wait reads (`on_stage`): once a build is under way it streams the build
log (hub.follow_logs: huggingface_hub's `fetch_space_logs(follow=True)`, the Hub's SSE stream), and once
the app starts, the run log (the app's stdout/stderr). Lines go out through `emit` (a provider's redacting
`log`, so a secret the app prints is masked) in batches, at most `max_lines_per_second`: a pip install or a
chatty app does not flood the engine; lines past the budget are counted and the count is printed. The last
lines of each log are kept (`tail`) for a failure message. Only a wait that saw a build or a start follows
a log: the RUNNING of the previous build, still reported right after a commit, is the old app's, and a
second check of a revision already running (SpaceHealth after SpaceFiles verified it) would only replay it.

The streams run in daemon threads; `close` stops the output (a stream blocked on a quiet run log ends with
the provider process). Reading errors are reported once and never fail the deploy.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from components.hub import client as hub

BUILD_STAGES = frozenset({"BUILDING", "RUNNING_BUILDING", "BUILD_ERROR", "CONFIG_ERROR"})
RUN_STAGES = frozenset({"APP_STARTING", "RUNNING_APP_STARTING", "RUNNING", "RUNTIME_ERROR"})
MAX_LINES_PER_SECOND = 20
FLUSH_SECONDS = 1.0
MAX_LINE_CHARS = 400
TAIL_LINES = 200
GRACE_SECONDS = 0.3
#: How long `close` waits for the build log's stream to end (it lags behind under load).
BUILD_DRAIN_SECONDS = 3.0

Follow = Callable[[bool], Iterable[str]]


class LiveLogs:
    """Streams one Space's build and run logs into `emit` while a wait runs; a context manager."""

    def __init__(self, space_id: str, follow: Follow, emit: Callable[[str], None], *,
                 max_lines_per_second: int = MAX_LINES_PER_SECOND, flush_seconds: float = FLUSH_SECONDS) -> None:
        self.space_id = space_id
        self._follow = follow
        self._emit = emit
        self._budget = max(1, int(max_lines_per_second * flush_seconds))
        self._flush_seconds = flush_seconds
        self._lock = threading.Lock()
        self._pending: list[str] = []
        self._tails: dict[str, deque[str]] = {"build": deque(maxlen=TAIL_LINES), "run": deque(maxlen=TAIL_LINES)}
        self._threads: dict[str, threading.Thread] = {}
        self._seen_build = False
        self._stopped = threading.Event()
        self._flusher = threading.Thread(target=self._flush_loop, daemon=True, name="live-logs-flush")

    @classmethod
    def of(cls, api: Any, space_id: str, emit: Callable[[str], None]) -> LiveLogs:
        return cls(space_id, lambda build: hub.follow_logs(api, space_id, build=build), emit)

    def __enter__(self) -> LiveLogs:
        self._flusher.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def on_stage(self, runtime: hub.Runtime) -> None:
        """Start following the build log once a build runs, the run log once the new app starts."""
        stage = runtime.stage
        if stage in BUILD_STAGES or stage == "APP_STARTING":
            self._seen_build = True
        if stage in BUILD_STAGES:
            self._start("build")
        elif stage in RUN_STAGES and self._seen_build:
            build = self._threads.get("build")
            if build is not None:
                build.join(timeout=2.0)  # the build's stream closes with the build: its lines come first
            self._start("run")

    def tail(self, build: bool, limit: int = 40) -> list[str]:
        with self._lock:
            return list(self._tails["build" if build else "run"])[-limit:]

    def close(self) -> None:
        """Stop the output, after a short grace for lines already on their way."""
        if self._stopped.is_set():
            return
        build = self._threads.get("build")
        if build is not None:
            build.join(timeout=BUILD_DRAIN_SECONDS)  # the Hub closes a build's stream when the build ends
        if any(thread.is_alive() for thread in self._threads.values()):
            time.sleep(GRACE_SECONDS)
        self._stopped.set()
        if self._flusher.is_alive():
            self._flusher.join(timeout=2 * self._flush_seconds + 1)
        self._flush()

    # --- internals -------------------------------------------------------------------------------

    def _start(self, kind: str) -> None:
        if kind in self._threads or self._stopped.is_set():
            return
        thread = threading.Thread(target=self._read, args=(kind,), daemon=True, name=f"live-logs-{kind}")
        self._threads[kind] = thread
        thread.start()

    def _read(self, kind: str) -> None:
        try:
            for chunk in self._follow(kind == "build"):
                if self._stopped.is_set():
                    return
                for line in chunk.splitlines():
                    self._add(kind, line.rstrip())
        except Exception as exc:  # the logs only inform: a reading error never fails the deploy
            if not self._stopped.is_set():
                self._add(kind, f"(could not follow the {kind} log: {hub.explain(exc, 'Reading logs')})")

    def _add(self, kind: str, line: str) -> None:
        if not line.strip():
            return
        if len(line) > MAX_LINE_CHARS:
            line = line[:MAX_LINE_CHARS] + " …"
        with self._lock:
            self._tails[kind].append(line)
            self._pending.append(f"{self.space_id} [{kind}] {line}")

    def _flush_loop(self) -> None:
        while not self._stopped.wait(self._flush_seconds):
            self._flush()

    def _flush(self) -> None:
        with self._lock:
            batch, skipped = self._pending[: self._budget], len(self._pending) - self._budget
            self._pending = []
        if skipped > 0:
            batch.append(f"{self.space_id}: ({skipped} more log lines not shown here: at most {self._budget} "
                         f"every {self._flush_seconds:g} s; the Space's logs have them all)")
        if batch:
            self._emit("\n".join(batch))
