"""The Hub's per-repo commit rate limit (128 commits per repo per hour by default)."""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict, deque

from localhub.errors import HubError

WINDOW_SECONDS = 3600.0


def ratelimit_headers(bucket: str, wait: int, quota: int, window: int) -> dict[str, str]:
    """A 429's headers: ``Retry-After`` plus the IETF draft headers the Hub sends, ``RateLimit: "api";r=0;t=N``
    and ``RateLimit-Policy: "fixed window";"api";q=Q;w=W`` (hub-docs ``docs/hub/rate-limits.md``;
    parsed by HFH-2.4 ``utils/_http.py`` parse_ratelimit_headers)."""
    return {
        "Retry-After": str(wait),
        "RateLimit": f'"{bucket}";r=0;t={wait}',
        "RateLimit-Policy": f'"fixed window";"{bucket}";q={quota};w={window}',
    }


class CommitLimiter:
    """Sliding one-hour window of commit times per repo."""

    def __init__(self, limit: int = 128) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._times: defaultdict[str, deque[float]] = defaultdict(deque)

    def check(self, repo_id: str) -> None:
        """429 with ``Retry-After`` and the real Hub's message once the limit is reached."""
        now = time.monotonic()
        with self._lock:
            times = self._times[repo_id]
            while times and times[0] <= now - WINDOW_SECONDS:
                times.popleft()
            if len(times) < self.limit:
                return
            wait = max(1, math.ceil(times[0] + WINDOW_SECONDS - now))
        message = (
            f"You have exceeded the rate limit for repository commits ({self.limit} per hour). "
            f"You can retry this action in {math.ceil(wait / 60)} minutes."
        )
        raise HubError(429, message, headers=ratelimit_headers("commits", wait, self.limit, int(WINDOW_SECONDS)))

    def record(self, repo_id: str) -> None:
        with self._lock:
            self._times[repo_id].append(time.monotonic())

    def reset(self) -> None:
        with self._lock:
            self._times.clear()
