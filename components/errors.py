"""Errors users see when the stack configuration or the backend bundle is wrong.

    RunError (pulumi: clean exit, no traceback)
    └── ConfigError        one problem with one config key, and how to fix it
        ├── ConfigErrors   several ConfigErrors reported together
        └── BundleError    the backend directory cannot be bundled (see bundle.py)

Messages name the key (``hf-rag-space:<key>``) and the fix; they never quote secret values.
`run_program` runs the Pulumi program so that it ends with only such a message, under Pulumi's own
Python language host as under ours (toolchain/).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from types import FrameType
from typing import NoReturn

import pulumi
from pulumi.errors import RunError

PROJECT = "hf-rag-space"

#: Exit status meaning "the error was already shown": the Python language host then ends the run
#: without adding a message of its own (pulumi-language-python's main.go, `Run`:
#: pythonProcessExitedAfterShowingUserActionableMessage; ours: toolchain/language_host/servicer.py).
ALREADY_REPORTED = 32


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


def run_program(program: Callable[[], None]) -> None:
    """Run `program` (the stack's resources) so that whichever way it fails, the CLI shows the message
    and no traceback: a RunError it raises, and the engine's SIGINT after a failed step."""
    end_quietly_when_interrupted()
    try:
        program()
    except RunError as error:
        report_and_exit(error)


def report_and_exit(error: RunError) -> NoReturn:
    """Show `error` as an error of the stack, then end the program as `ALREADY_REPORTED`.

    Pulumi's program runner logs a RunError the same way but then exits with status 1, which its host
    turns into a second error under the message, "an unhandled error occurred: program exited with
    non-zero exit code: 1" (sdk/python/cmd/pulumi-language-python-exec; main.go `Run`). The log call
    reaches the engine first: `run_pulumi_func` (pulumi/runtime/stack.py) holds any exception, SystemExit
    too, until the outstanding RPCs are done."""
    pulumi.log.error(str(error))
    sys.exit(ALREADY_REPORTED)


def end_quietly_when_interrupted() -> None:
    """From now on, SIGINT ends this program at once with `ALREADY_REPORTED`, printing nothing.

    The engine interrupts a running program only when it is done with it. After a failed step (a check
    refusing the stack's settings, a Hub error) it has printed the error, and while the program still
    waits on that resource's registration it closes its plugins: a `Cancel` to the language host (whose
    `Run` then signals the program, pulumi-language-python main.go: `cmd.Cancel`), then SIGINT to the
    host's process group, which holds the program too (pkg/host/host.go `defaultHost.Close`,
    pkg/resource/plugin/plugin.go `ExecPlugin`'s kill, `cmdutil.InterruptChildren`). Ctrl-C and a killed
    `pulumi` end the same way. Pulumi's program runner (sdk/python/cmd/pulumi-language-python-exec)
    catches `Exception` only, so the KeyboardInterrupt (a second one in `executor.shutdown`) would print
    as a traceback under the message. Nothing is left to report to an engine that stopped listening:
    files are written to a temporary name and renamed, so an exit here loses no more than a kill.
    """
    if threading.current_thread() is not threading.main_thread():
        return

    def stop(signum: int, frame: FrameType | None) -> None:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        os._exit(ALREADY_REPORTED)

    signal.signal(signal.SIGINT, stop)
