"""Every error the product raises for the user, in one tree.

    DeployError                      the root: a message written for the person running `pulumi`
    ├── ConfigError (+ RunError)     one problem with one config key, and how to fix it
    │   ├── ConfigErrors             several ConfigErrors reported together
    │   └── BundleError              the backend cannot be bundled; `problems` are typed `Problem`s
    ├── HubError                     a Hub call failed: `status`, `request_id`, `server_message`, `retry_after`
    │   ├── NotFound (404)           a revision, file or route; └── SpaceGone: the repository itself
    │   ├── Conflict (409)  PreconditionFailed (412)  RateLimited (429)  TokenRejected (401)
    │   ├── PermissionDenied (403)   └── PaymentMethodRequired (403 for billed hardware)
    │   ├── PlanRequired (402)  ServerError (500/502/503/504)  Unreachable (network)
    │   └── SpaceTimeout             a Space held a stage too long
    ├── OwnershipError               the Space's ownership marker names another stack (ownership.py)
    ├── HealthError                  the deployed app does not serve; └── RevisionFailed (its own fault)
    ├── RollbackError                └── RolledBack, RollbackFailed (rollback.py)
    ├── PatchError (+ ValueError)    the frontend client cannot be patched; └── TypeScriptError
    └── ProviderError                a programming error inside a provider: its redacted traceback

Callers catch these types; none compares a status or a message prefix. The old names stay importable
from where they were (`hub.HubError`, `health.HealthError`, `rollback.RolledBack`, ...): they are these
classes. ConfigError is also Pulumi's `RunError`, which `program.run_program` catches for a clean exit (Pulumi's
own program runner, pulumi-language-python-exec, has `except pulumi.RunError` too). Messages name the key
(``hf-rag-space:<key>``) and the fix; they never quote secret values (providers redact them on the way out:
provider_base.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pulumi.errors import RunError

PROJECT = "hf-rag-space"


def qualified(key: str) -> str:
    """Return ``key`` as the user types it in ``pulumi config``: ``hf-rag-space:<key>``."""
    return key if ":" in key else f"{PROJECT}:{key}"


class DeployError(Exception):
    """The root of every error written for the user: its message says what went wrong and what to do."""


class ConfigError(DeployError, RunError):
    """A config value is missing or invalid; the message says which key and what to do."""

    def __init__(self, key: str, message: str) -> None:
        self.key = qualified(key)
        self.message = message
        super().__init__(f"{self.key}: {message}")

    @staticmethod
    def combine(errors: Sequence[ConfigError]) -> ConfigError:
        """Return the one error, or a ConfigErrors holding all of them."""
        if not errors:
            raise ValueError("combine() needs at least one error")
        return errors[0] if len(errors) == 1 else ConfigErrors(errors)


class ConfigErrors(ConfigError):
    """Several configuration problems, reported at once so they can be fixed at once."""

    def __init__(self, errors: Sequence[ConfigError]) -> None:
        self.errors = tuple(errors)
        self.key = self.errors[0].key
        self.message = "\n".join(f"  - {e}" for e in self.errors)
        RunError.__init__(self, f"{len(self.errors)} configuration problems:\n{self.message}")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the backend: the file (`path`, "" for the backend as a whole), what kind of
    problem (`kind`, e.g. ``credential``, ``secret``, ``symlink``), and the text with its fix. Rendered
    to text once, by `str()`."""

    path: str
    kind: str
    message: str

    def __str__(self) -> str:
        return self.message


class BundleError(ConfigError):
    """The backend directory cannot be turned into Space files (names the file, never a secret);
    `problems` lists each one, typed."""

    def __init__(self, message: str | Sequence[Problem], key: str = "backendDir") -> None:
        if isinstance(message, str):
            self.problems: tuple[Problem, ...] = (Problem("", "backend", message),)
        else:
            self.problems = tuple(message)
        super().__init__(key, message if isinstance(message, str) else render_problems(self.problems))


def render_problems(problems: Sequence[Problem]) -> str:
    """The one text of a list of problems: the problem itself, or a numbered-free bullet list."""
    if len(problems) == 1:
        return str(problems[0])
    return f"{len(problems)} problems with the backend:\n" + "\n".join(f"  - {p}" for p in problems)


# --- the Hub ---------------------------------------------------------------------------------------

class HubError(DeployError):
    """A Hub call failed; the message is meant for the person running `pulumi up`."""

    #: The HTTP status this kind of error stands for (None: any, or none).
    default_status: int | None = None

    def __init__(self, message: str, status: int | None = None, retry_after: float | None = None,
                 transient: bool = False, request_id: str | None = None, server_message: str | None = None) -> None:
        super().__init__(message)
        self.status = status if status is not None else self.default_status
        #: Seconds the Hub asked us to wait (`Retry-After`, the `RateLimit` header's `t=`, a quota message).
        self.retry_after = retry_after
        #: True when the request may not have reached the Hub, or its answer was lost (network error).
        self.transient = transient
        #: The Hub's `X-Request-Id` of the failed request (quote it when reporting a Hub problem).
        self.request_id = request_id
        #: What the Hub's answer said (its `error` field), when it said something.
        self.server_message = server_message


class NotFound(HubError):
    """404 for a revision, a file or a route: the Space itself exists (never "gone")."""

    default_status = 404


class SpaceGone(NotFound):
    """The repository does not exist on the Hub (huggingface_hub's `RepositoryNotFoundError`). Any other 404
    (a missing revision, file or route) is a plain `NotFound`: it never means "gone"."""


class Conflict(HubError):
    """409: the name is taken."""

    default_status = 409


class PreconditionFailed(HubError):
    """412: the branch moved on since we read it (someone committed meanwhile)."""

    default_status = 412


class RateLimited(HubError):
    """429: too many requests (or commits); `retry_after` says how long the Hub asks us to wait."""

    default_status = 429


class TokenRejected(HubError):
    """401: the token is not valid for this Hub."""

    default_status = 401


class PermissionDenied(HubError):
    """403: the token may not do this."""

    default_status = 403


class PaymentMethodRequired(PermissionDenied):
    """403 for billed hardware on an account without a payment method."""


class PlanRequired(HubError):
    """402: the owner's plan does not allow this Space (a Docker Space on free cpu-basic needs PRO/Team)."""

    default_status = 402


class ServerError(HubError):
    """500, 502, 503 or 504 (`retry.RETRY_STATUSES`): the Hub, its gateway or its Xet storage failed to
    answer; worth a retry. Other statuses are a plain HubError."""


class Unreachable(HubError):
    """The Hub could not be reached, or its answer was lost: the request may or may not have landed."""

    def __init__(self, message: str, **kwargs: object) -> None:
        super().__init__(message, transient=True, **kwargs)  # type: ignore[arg-type]


class SpaceTimeout(HubError):
    """The Space did not reach a final stage in time; `stage` is where it was stuck."""

    def __init__(self, message: str, stage: str) -> None:
        super().__init__(message)
        self.stage = stage


# --- the rest of a deploy --------------------------------------------------------------------------

class OwnershipError(DeployError):
    """The Space's ownership marker names another stack (or none): this stack may not adopt, write or
    delete it; the message names the marker and the config that allows it (ownership.py)."""


class HealthError(DeployError):
    """The deployed backend is not serving as expected; the message says why and what to do."""


class RevisionFailed(HealthError):
    """The revision waited for did not become healthy, by its own fault: `stage` is BUILD_ERROR,
    RUNTIME_ERROR or CONFIG_ERROR, TIMEOUT, or HEALTH_CHECK (it runs, but its check failed). Such a
    revision can be rolled back (components/rollback.py); a paused or stopped Space cannot."""

    def __init__(self, message: str, stage: str) -> None:
        super().__init__(message)
        self.stage = stage


class RollbackError(DeployError):
    """A new revision failed and a rollback ran (rollback.py)."""


class RolledBack(RollbackError):
    """The new revision failed; the Space serves the last healthy revision again."""


class RollbackFailed(RollbackError):
    """The new revision failed, and so did restoring the last healthy one; the Space is left as it is."""


class PatchError(DeployError, ValueError):
    """The client file cannot be patched (or restored) safely; the message says what to do."""


class TypeScriptError(PatchError):
    """The patched text does not parse; the message carries esbuild's diagnostics."""


class ProviderError(DeployError):
    """What a provider method raises for an error not written for the user: its traceback, redacted."""
