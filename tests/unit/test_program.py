"""How our processes end when the engine stops them or disappears, on either language host:
the program exits quietly on the engine's SIGINT (program.end_quietly_when_interrupted), and the
dynamic-provider process exits once the engine stops answering (provider_base.exit_when_engine_gone)."""

from __future__ import annotations

import signal
import subprocess
import sys
from concurrent import futures
from pathlib import Path

import grpc

from components.program import ALREADY_REPORTED
from components.provider_base import _in_dynamic_provider_process, engine_address

REPO = Path(__file__).resolve().parents[2]

# A program that waits like one blocked on a resource registration (a thread pool worker in a call;
# a daemon one without our handler, or the interpreter would wait for it after the traceback).
PROGRAM = """
import sys, threading
from components.program import end_quietly_when_interrupted
if sys.argv[1] == "quiet":
    end_quietly_when_interrupted()
threading.Thread(target=threading.Event().wait, daemon=sys.argv[1] != "quiet").start()
print("ready", flush=True)
threading.Event().wait()
"""

# A provider process watching the engine at argv[1]; each check of the watch thread prints a line.
PROVIDER = """
import sys, threading, time
from components.provider_base import exit_when_engine_gone
real_sleep = time.sleep
def counting_sleep(seconds):
    if threading.current_thread().name == "engine-watch":
        sys.stdout.write("checked\\n")
        sys.stdout.flush()
    real_sleep(seconds)
time.sleep = counting_sleep
sys.stdout.write("ready\\n")
sys.stdout.flush()
exit_when_engine_gone(sys.argv[1], interval=0.05)
real_sleep(60)
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


def test_engine_address_is_the_last_host_port_argument() -> None:
    assert engine_address(["__main__.py", "--logtostderr", "-v=9", "127.0.0.1:40123"]) == "127.0.0.1:40123"
    assert engine_address(["__main__.py"]) is None


def test_the_watch_starts_only_in_the_dynamic_provider_process() -> None:
    assert not _in_dynamic_provider_process()  # pytest, like the program, is not `python -m pulumi.dynamic`


def lines_until(proc: subprocess.Popen[str], wanted: str, count: int) -> None:
    assert proc.stdout is not None
    seen = 0
    while seen < count:
        line = proc.stdout.readline()
        assert line, f"the provider process ended: {proc.communicate(timeout=30)}"  # "" only at end of file
        seen += line.strip() == wanted


def test_provider_process_runs_while_the_engine_answers_and_exits_once_it_is_gone() -> None:
    engine = grpc.server(futures.ThreadPoolExecutor(max_workers=2))  # no health service: UNIMPLEMENTED
    port = engine.add_insecure_port("127.0.0.1:0")
    engine.start()
    proc = start(PROVIDER, f"127.0.0.1:{port}")
    try:
        lines_until(proc, "checked", 5)
        assert proc.poll() is None, "the provider exited while the engine was still there"
        engine.stop(grace=None)
        assert proc.wait(timeout=10) == 1
    finally:
        engine.stop(grace=None)
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=30)
