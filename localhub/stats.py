"""Request accounting: counts per method and route template, bytes, commits and Space rebuilds."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# POST routes that change nothing: excluded from ``mutating_requests``.
READ_ONLY_POSTS = frozenset(
    {
        "POST /api/validate-yaml",
        "POST /api/{repo_type}s/{repo_id}/preupload/{revision}",
        "POST /api/{repo_type}s/{repo_id}/paths-info/{revision}",
    }
)


class Stats:
    """Thread-safe counters, read and reset through ``/_localhub/stats``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.requests: Counter[str] = Counter()
            self.writes: Counter[str] = Counter()
            self.statuses: Counter[str] = Counter()
            self.commits: Counter[str] = Counter()
            self.rebuilds: Counter[str] = Counter()
            self.files_committed: Counter[str] = Counter()
            self.request_bytes = 0
            self.bytes_by_route: Counter[str] = Counter()
            self.faults_injected = 0

    def record_request(self, method: str, template: str, nbytes: int, status: int) -> None:
        key = f"{method} {template}"
        with self._lock:
            self.requests[key] += 1
            self.statuses[str(status)] += 1
            self.request_bytes += nbytes
            self.bytes_by_route[key] += nbytes
            if method in WRITE_METHODS:
                self.writes[key] += 1

    def record_fault(self) -> None:
        with self._lock:
            self.faults_injected += 1

    def record_commit(self, repo_id: str, files: int) -> None:
        with self._lock:
            self.commits[repo_id] += 1
            self.files_committed[repo_id] += files

    def record_rebuild(self, repo_id: str) -> None:
        with self._lock:
            self.rebuilds[repo_id] += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "total_requests": sum(self.requests.values()),
                "write_requests": sum(self.writes.values()),
                "mutating_requests": sum(n for k, n in self.writes.items() if k not in READ_ONLY_POSTS),
                "requests": dict(self.requests),
                "writes": dict(self.writes),
                "statuses": dict(self.statuses),
                "request_bytes": self.request_bytes,
                "request_bytes_by_route": dict(self.bytes_by_route),
                "commits": dict(self.commits),
                "rebuilds": dict(self.rebuilds),
                "files_committed": dict(self.files_committed),
                "faults_injected": self.faults_injected,
            }
