"""Fault injection: answer matching requests with an error status instead of handling them.

Spec (``PUT /_localhub/faults``)::

    {"rate": 0.2, "statuses": [500, 503, 429], "routes": ["*"], "retry_after": 1, "seed": 7}
    {"next": 3, "statuses": [500], "routes": ["POST /api/*/commit/*"]}
    {"next": 1, "statuses": [500], "routes": ["POST /api/repos/create"], "after": true}
    {"delay_seconds": 5, "routes": ["POST /api/spaces/*/secrets"]}

``routes`` are fnmatch globs matched against ``"METHOD /path"`` and ``"METHOD /route/template"``.
``next`` fails the next N matching requests; ``rate`` fails each matching request with that probability.
``after``: a failed request is handled first (its side effects happen) and only its answer is replaced
by the error, like a Hub that commits and then times out: the client cannot know the outcome.
``delay_seconds``: every matching request (failed or not) is held that long before it is handled, so a
test can act (e.g. kill its client) while the request is in flight; the request is handled anyway.
``GET /_localhub/faults`` reports ``held``: how many requests the delay has caught so far.
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
    after: bool = False
    delay_seconds: float = 0.0
    #: Requests held by `delay_seconds` so far (read back through ``GET /_localhub/faults``).
    held: int = 0

    @classmethod
    def parse(cls, body: dict[str, Any]) -> FaultSpec:
        unknown = set(body) - {"rate", "next", "statuses", "routes", "retry_after", "seed", "after", "delay_seconds"}
        if unknown:
            raise ValueError(f"unknown fault keys: {sorted(unknown)}")
        spec = cls(
            rate=float(body.get("rate", 0.0)),
            next=int(body.get("next", 0)),
            statuses=[int(s) for s in body.get("statuses", [500])],
            routes=[str(r) for r in body.get("routes", ["*"])],
            retry_after=int(body.get("retry_after", 1)),
            after=bool(body.get("after", False)),
            delay_seconds=float(body.get("delay_seconds", 0.0)),
        )
        if not 0.0 <= spec.rate <= 1.0 or spec.next < 0 or not spec.statuses:
            raise ValueError("rate must be in [0, 1], next >= 0, statuses non-empty")
        if not 0.0 <= spec.delay_seconds <= 600.0:
            raise ValueError("delay_seconds must be in [0, 600]")
        return spec

    def to_json(self) -> dict[str, Any]:
        return {
            "rate": self.rate,
            "next": self.next,
            "statuses": self.statuses,
            "routes": self.routes,
            "retry_after": self.retry_after,
            "after": self.after,
            "delay_seconds": self.delay_seconds,
            "held": self.held,
        }


@dataclass(frozen=True)
class Decision:
    """What to do with one request: hold it `delay` seconds, then fail it with `status` (before or
    `after` handling it), or handle it normally when `status` is None."""

    status: int | None
    delay: float = 0.0
    after: bool = False


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

    def decide(self, method: str, path: str, template: str) -> Decision:
        """Whether to delay and/or fail this request."""
        with self._lock:
            spec = self.spec
            if spec is None:
                return Decision(None)
            subjects = (f"{method} {path}", f"{method} {template}")
            if not any(fnmatch.fnmatchcase(s, pat) for s in subjects for pat in spec.routes):
                return Decision(None)
            if spec.delay_seconds:
                spec.held += 1
            if spec.next > 0:
                spec.next -= 1
            elif not (spec.rate and self._rng.random() < spec.rate):
                return Decision(None, spec.delay_seconds)
            return Decision(self._rng.choice(spec.statuses), spec.delay_seconds, spec.after)

    def pick(self, method: str, path: str, template: str) -> int | None:
        """The status to inject for this request, or None to handle it normally."""
        return self.decide(method, path, template).status

    def retry_after(self) -> int:
        return self.spec.retry_after if self.spec else 1
