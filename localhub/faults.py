"""Fault injection: answer matching requests with an error status instead of handling them.

Spec (``PUT /_localhub/faults``)::

    {"rate": 0.2, "statuses": [500, 503, 429], "routes": ["*"], "retry_after": 1, "seed": 7}
    {"next": 3, "statuses": [500], "routes": ["POST /api/*/commit/*"]}

``routes`` are fnmatch globs matched against ``"METHOD /path"`` and ``"METHOD /route/template"``.
``next`` fails the next N matching requests; ``rate`` fails each matching request with that probability.
"""

from __future__ import annotations

import fnmatch
import random
import threading
from dataclasses import dataclass, field
from typing import Any


@dataclass
class FaultSpec:
    rate: float = 0.0
    next: int = 0
    statuses: list[int] = field(default_factory=lambda: [500])
    routes: list[str] = field(default_factory=lambda: ["*"])
    retry_after: int = 1

    @classmethod
    def parse(cls, body: dict[str, Any]) -> FaultSpec:
        unknown = set(body) - {"rate", "next", "statuses", "routes", "retry_after", "seed"}
        if unknown:
            raise ValueError(f"unknown fault keys: {sorted(unknown)}")
        spec = cls(
            rate=float(body.get("rate", 0.0)),
            next=int(body.get("next", 0)),
            statuses=[int(s) for s in body.get("statuses", [500])],
            routes=[str(r) for r in body.get("routes", ["*"])],
            retry_after=int(body.get("retry_after", 1)),
        )
        if not 0.0 <= spec.rate <= 1.0 or spec.next < 0 or not spec.statuses:
            raise ValueError("rate must be in [0, 1], next >= 0, statuses non-empty")
        return spec

    def to_json(self) -> dict[str, Any]:
        return {
            "rate": self.rate,
            "next": self.next,
            "statuses": self.statuses,
            "routes": self.routes,
            "retry_after": self.retry_after,
        }


class Faults:
    """The active fault spec and its seedable RNG."""

    def __init__(self, seed: int | None = None) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self.spec: FaultSpec | None = None

    def set(self, body: dict[str, Any]) -> FaultSpec:
        spec = FaultSpec.parse(body)
        with self._lock:
            if "seed" in body:
                self._rng.seed(body["seed"])
            self.spec = spec
        return spec

    def clear(self) -> None:
        with self._lock:
            self.spec = None

    def pick(self, method: str, path: str, template: str) -> int | None:
        """The status to inject for this request, or None to handle it normally."""
        with self._lock:
            spec = self.spec
            if spec is None:
                return None
            subjects = (f"{method} {path}", f"{method} {template}")
            if not any(fnmatch.fnmatchcase(s, pat) for s in subjects for pat in spec.routes):
                return None
            if spec.next > 0:
                spec.next -= 1
            elif not (spec.rate and self._rng.random() < spec.rate):
                return None
            return self._rng.choice(spec.statuses)

    def retry_after(self) -> int:
        return self.spec.retry_after if self.spec else 1
