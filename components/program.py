"""How the program runs and ends: the message of a failure without a traceback, a quiet end on the
engine's SIGINT, and what modules log forwarded to the CLI (log_bridge). Used by `__main__.py` only."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import NoReturn

import pulumi
from pulumi.errors import RunError

from components import log_bridge
from components.errors import PROJECT

#: Exit status meaning "the error was already shown": the Python language host then ends the run
#: without adding a message of its own (pulumi-language-python's main.go, `Run`:
#: pythonProcessExitedAfterShowingUserActionableMessage; ours: toolchain/language_host/servicer.py).
ALREADY_REPORTED = 32

def run_program(program: Callable[[], None]) -> None:
    """Run `program` (the stack's resources) so that whichever way it fails, the CLI shows the message
    and no traceback: a RunError it raises, and the engine's SIGINT after a failed step."""
    end_quietly_when_interrupted()
    log_bridge.install(log_bridge.program_redactor(PROJECT))  # what modules log reaches the CLI, redacted
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
