"""Errors users see when the stack configuration or the backend bundle is wrong.

    RunError (pulumi: clean exit, no traceback)
    └── ConfigError        one problem with one config key, and how to fix it
        ├── ConfigErrors   several ConfigErrors reported together
        └── BundleError    the backend directory cannot be bundled (see bundle.py)

Messages name the key (``hf-rag-space:<key>``) and the fix; they never quote secret values.
"""

from __future__ import annotations

from collections.abc import Sequence

from pulumi.errors import RunError

PROJECT = "hf-rag-space"


def qualified(key: str) -> str:
    """Return ``key`` as the user types it in ``pulumi config``: ``hf-rag-space:<key>``."""
    return key if ":" in key else f"{PROJECT}:{key}"


class ConfigError(RunError):
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


class BundleError(ConfigError):
    """The backend directory cannot be turned into Space files (names the file, never a secret)."""

    def __init__(self, message: str, key: str = "backendDir") -> None:
        super().__init__(key, message)
