"""The one retry loop: what may be repeated, how often, how long to wait, and a log line for every retry.

A `Policy` says what is safe to repeat (`retry_on`, a test of the error: the callers pass only idempotent
calls, or re-plan before repeating a write), the budget (`attempts`, `total_wait` seconds of waiting, and
the caller's `deadline` on its clock), and the waits: capped exponential backoff (`base` * 2^(n-1), at
most `cap`) with jitter (a random part of it, `jitter` = 0.5: half to all), never shorter than what the
server asked for (`Retry-After`, read from the error's `retry_after`), and a server's wait longer than
`max_wait` is not waited out at all: the error is raised, naming the wait. `run` is the loop; every retry
is logged through this module's logger (call, cause, wait), which components/log_bridge.py forwards to the
CLI, redacted.

Users: hub.call (idempotent Hub calls), hub.create_space (re-reads whether the Space exists before
sending the create again), hub.restore_revision and space_files' commit (each attempt re-reads the head
and re-plans, so a commit is never resent blindly), health.get_with_retry (the Space's URL while it
wakes up). Not a retry: hub.wait_for_new_build / wake_and_wait poll a runtime whose every read succeeded,
waiting for a state, not repeating a failed request; their reads are retried by hub.call inside.

Why not huggingface_hub's `http_backoff`: it repeats one raw HTTP request, while our unit is an `HfApi`
method (several requests, huggingface_hub's own error types) or a whole plan-and-commit; it has no total
deadline, no idempotency test beyond the method, logs through huggingface_hub's logger, and takes
httpx2 requests only (the health check speaks httpx). Its status set is ours (`RETRY_STATUSES`, plus 408).
"""

from __future__ import annotations

import contextlib
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

#: HTTP statuses worth a retry: too many requests, and the server or its gateway failing.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: The subset a Space's own URL answers with while it wakes up or restarts (its proxy's gateway errors);
#: a 500 or 429 there is the app's own answer.
GATEWAY_STATUSES = RETRY_STATUSES & {502, 503, 504}


def _never(_error: BaseException) -> bool:
    return False


@dataclass(frozen=True)
class Policy:
    """What to retry and how: see the module docstring."""

    retry_on: Callable[[BaseException], bool] = _never
    attempts: int | None = 6
    """At most this many attempts in all (None: until the deadline)."""
    total_wait: float | None = None
    """At most this many seconds of waiting in all, whatever the server asks (None: no such cap)."""
    base: float = 0.5
    cap: float = 20.0
    jitter: float = 0.5
    """The random share of each backoff: it lasts (1 - jitter) to 1 times the backoff."""
    max_wait: float = 60.0
    """A server asking for a longer wait than this is not waited out: the error is raised."""
    level: int = logging.INFO
    """The level retries are logged at."""
    random: Callable[[], float] = field(default=random.random, repr=False, compare=False)

    def backoff(self, attempt: int) -> float:
        """The capped exponential backoff before retry number `attempt` (1-based): 0.5 s, 1 s, 2 s, ... `cap`."""
        return min(self.cap, self.base * 2 ** (attempt - 1))

    def delay(self, attempt: int, error: BaseException) -> float:
        """The jittered backoff, never shorter than the server's `Retry-After` (at most `max_wait`)."""
        jittered = self.backoff(attempt) * (1 - self.jitter + self.jitter * self.random())
        return max(jittered, min(retry_after(error) or 0.0, self.max_wait))

    def allows(self, error: BaseException) -> bool:
        """Whether `error` may be retried: `retry_on` says so and the server's wait (if any) is short."""
        if getattr(error, "retries_spent", False):
            return False  # an inner loop already spent its budget on it: never multiply the waits
        wait = retry_after(error)
        return (wait is None or wait <= self.max_wait) and self.retry_on(error)


#: Never retry (non-idempotent calls).
NEVER = Policy(attempts=1)


def retry_after(error: BaseException) -> float | None:
    """The wait the server asked for, carried by the error (hub errors' `retry_after`), else None."""
    value = getattr(error, "retry_after", None)
    return float(value) if isinstance(value, (int, float)) else None


def run(what: str, attempt: Callable[[], T], policy: Policy, *, deadline: float | None = None,
        sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
        on_retry: Callable[[str], None] | None = None) -> T:
    """Call `attempt` until it returns, retrying what `policy` allows within its attempts and `deadline`
    (an absolute time on `clock`; the last wait is cut to it). The last error is raised unchanged (marked
    `retries_spent` when the budget ran out, so an enclosing loop does not retry it again).
    Each retry is logged ("<what>: <cause>; retry n in <wait> s") and handed to `on_retry` when given."""
    number, waited = 0, 0.0
    while True:
        number += 1
        try:
            return attempt()
        except Exception as error:
            if not policy.allows(error):
                raise
            wait = policy.delay(number, error)
            left = [] if deadline is None else [deadline - clock()]
            left += [] if policy.total_wait is None else [policy.total_wait - waited]
            out_of_attempts = policy.attempts is not None and number >= policy.attempts
            if out_of_attempts or (left and min(left) <= 0):
                _spent(error)
                raise
            wait = min([wait, *left])
            message = f"{what}: {cause(error, what)}; retry {number} in {wait:.1f} s"
            log.log(policy.level, message, extra={"retry_call": what, "retry_wait": wait, "retry_number": number})
            if on_retry is not None:
                on_retry(message)
            sleep(wait)
            waited += wait


def _spent(error: BaseException) -> None:
    """Mark `error` as retried to the end of a budget (`Policy.allows` of an outer loop says no)."""
    with contextlib.suppress(AttributeError):
        error.retries_spent = True  # type: ignore[attr-defined]


def cause(error: BaseException, what: str = "") -> str:
    """One line naming what failed: the error's first line without a leading "<what>: " (its type when it
    has no text)."""
    lines = str(error).strip().splitlines()
    if not lines:
        return type(error).__name__
    return lines[0].removeprefix(f"{what}: ") if what else lines[0]
