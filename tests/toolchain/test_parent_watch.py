"""Our plugin processes exit when the process that started them dies (toolchain/parent_watch.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

TOOLCHAIN = Path(__file__).resolve().parents[2] / "toolchain"

CHILD = f"""
import sys, time
sys.path.insert(0, {str(TOOLCHAIN)!r})
from parent_watch import watch_parent
watch_parent(interval=0.1)
print("ready", flush=True)
time.sleep(60)
"""

# A child whose watch reports each check of its parent (the watch thread's sleeps), so a test can wait
# for checks to have happened instead of sleeping.
COUNTING_CHILD = f"""
import sys, threading, time
sys.path.insert(0, {str(TOOLCHAIN)!r})
from parent_watch import watch_parent
real_sleep, checks = time.sleep, [0]
def counting_sleep(seconds):
    if threading.current_thread().name == "parent-watch":
        checks[0] += 1
        sys.stdout.write(f"checked {{checks[0]}}\\n")  # one write: print() from two threads interleaves
        sys.stdout.flush()
    real_sleep(seconds)
time.sleep = counting_sleep
watch_parent(interval=0.05)
sys.stdout.write("ready\\n")
sys.stdout.flush()
real_sleep(60)
"""

# The middle process starts the watched child, reports its pid, then dies abruptly (like a SIGKILLed engine).
MIDDLE = f"""
import os, subprocess, sys
child = subprocess.Popen([sys.executable, "-c", {CHILD!r}], stdout=subprocess.PIPE, text=True)
assert child.stdout.readline().strip() == "ready"
print(child.pid, flush=True)
os._exit(0)
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split()[2] == "Z")


def test_orphaned_child_exits_soon() -> None:
    middle = subprocess.run([sys.executable, "-c", MIDDLE], capture_output=True, text=True, timeout=30, check=True)
    pid = int(middle.stdout.strip())
    deadline = time.monotonic() + 10
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(pid), "the orphaned child kept running"


def test_child_of_a_live_parent_keeps_running() -> None:
    """After its watch has checked the (live) parent five times, the child still runs."""
    child = subprocess.Popen([sys.executable, "-c", COUNTING_CHILD], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        lines: list[str] = []
        while not {"ready", "checked 5"} <= set(lines):  # in either order: the watch starts first
            line = child.stdout.readline()
            assert line, f"the child ended: {lines}"  # "" only at end of file
            lines.append(line.strip())
        assert child.poll() is None
    finally:
        child.kill()
        child.wait()
