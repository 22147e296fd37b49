"""How our processes end when the engine stops them, on either language host: the program exits
quietly on the engine's SIGINT (errors.end_quietly_when_interrupted)."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from components.errors import ALREADY_REPORTED

REPO = Path(__file__).resolve().parents[2]

# A program that waits like one blocked on a resource registration (a thread pool worker in a call;
# a daemon one without our handler, or the interpreter would wait for it after the traceback).
PROGRAM = """
import sys, threading
from components.errors import end_quietly_when_interrupted
if sys.argv[1] == "quiet":
    end_quietly_when_interrupted()
threading.Thread(target=threading.Event().wait, daemon=sys.argv[1] != "quiet").start()
print("ready", flush=True)
threading.Event().wait()
"""

def start(source: str, *args: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", source, *args], cwd=REPO, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready", proc.communicate(timeout=30)
    return proc


def interrupted(mode: str) -> tuple[int, str]:
    proc = start(PROGRAM, mode)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    return proc.returncode, err


def test_program_interrupted_by_the_engine_exits_already_reported_without_a_traceback() -> None:
    code, err = interrupted("quiet")
    assert (code, err) == (ALREADY_REPORTED, "")


def test_without_it_the_same_interrupt_prints_a_traceback() -> None:
    """What Pulumi's program runner shows under the engine's message when the program does nothing."""
    code, err = interrupted("default")
    assert code != ALREADY_REPORTED and "KeyboardInterrupt" in err
