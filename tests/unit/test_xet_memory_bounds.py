"""hub/xet_memory.py: hf_xet's upload concurrency set for its next session unless the user set it; glibc's
mmap and trim thresholds fixed once per process, a no-op (logged) off glibc and when the user set the
threshold; the real effect on glibc checked in a fresh process."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from components.hub import xet_memory

REPO = Path(__file__).resolve().parents[2]


class _FakeLibc:
    def __init__(self, answer: int = 1) -> None:
        self.calls: list[tuple[int, int]] = []
        self.answer = answer
        self.trims: list[int] = []

    def mallopt(self, param: int, value: int) -> int:
        self.calls.append((param, value))
        return self.answer

    def malloc_trim(self, pad: int) -> int:
        self.trims.append(pad)
        return 1


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> _FakeLibc:
    libc = _FakeLibc()
    monkeypatch.setattr(xet_memory, "_malloc_done", None)
    monkeypatch.setattr(xet_memory, "_glibc", lambda: libc)
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    monkeypatch.delenv("GLIBC_TUNABLES", raising=False)
    return libc


def test_the_threshold_is_set_once_per_process(fake: _FakeLibc, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger=xet_memory.__name__):
        assert xet_memory.return_big_buffers_to_the_system() is True
        assert xet_memory.return_big_buffers_to_the_system() is True
    assert fake.calls == [(xet_memory.M_MMAP_THRESHOLD, 1 << 20), (xet_memory.M_TRIM_THRESHOLD, 2 << 20)]
    assert fake.trims == [0]
    assert [r.getMessage() for r in caplog.records] == [
        "glibc's mmap threshold fixed at 1 MiB: buffers freed by hf_xet go back to the system"]


@pytest.mark.parametrize(("name", "value", "said"), [
    ("MALLOC_MMAP_THRESHOLD_", "4194304", "MALLOC_MMAP_THRESHOLD_"),
    ("GLIBC_TUNABLES", "glibc.malloc.arena_max=2:glibc.malloc.mmap_threshold=65536", "GLIBC_TUNABLES"),
])
def test_a_threshold_the_user_set_is_left_alone(fake: _FakeLibc, monkeypatch: pytest.MonkeyPatch,
                                                 caplog: pytest.LogCaptureFixture, name: str, value: str,
                                                 said: str) -> None:
    monkeypatch.setenv(name, value)
    with caplog.at_level(logging.DEBUG, logger=xet_memory.__name__):
        assert xet_memory.return_big_buffers_to_the_system() is False
    assert fake.calls == [] and fake.trims == []
    assert f"{said} is set" in caplog.text


def test_other_glibc_tunables_do_not_stop_it(fake: _FakeLibc, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GLIBC_TUNABLES", "glibc.malloc.arena_max=2")
    assert xet_memory.return_big_buffers_to_the_system() is True
    assert len(fake.calls) == 2


def test_a_refused_mallopt_is_a_warning_not_an_error(fake: _FakeLibc, caplog: pytest.LogCaptureFixture) -> None:
    fake.answer = 0
    assert xet_memory.return_big_buffers_to_the_system() is False
    assert "glibc refused mallopt" in caplog.text


def test_off_glibc_nothing_is_called(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xet_memory, "_malloc_done", None)
    monkeypatch.setattr(sys, "platform", "darwin")
    assert xet_memory._glibc() is None
    assert xet_memory.return_big_buffers_to_the_system() is False


CHILD = r"""
import ctypes, json
from components.hub import xet_memory

class Info(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks",
                                               "fsmblks", "uordblks", "fordblks", "keepcost")]

libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
libc.mallinfo2.restype = Info

def mapped_for(size):
    before = libc.mallinfo2().hblkhd
    block = libc.malloc(size)
    mapped = libc.mallinfo2().hblkhd - before
    libc.free(block)
    return mapped

libc.free(libc.malloc(16 << 20))  # glibc raises its dynamic threshold to 16 MiB
out = {"before": mapped_for(4 << 20)}
out["set"] = xet_memory.return_big_buffers_to_the_system()
out["after"] = mapped_for(4 << 20)
print(json.dumps(out))
"""


@pytest.mark.skipif(xet_memory._glibc() is None, reason="glibc only")
def test_with_glibc_a_4_mib_block_gets_its_own_mapping_after_the_call(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, env=env, cwd=REPO,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["before"] == 0, "glibc's dynamic threshold was expected to put 4 MiB on the heap"
    assert out["set"] is True
    assert out["after"] >= 4 << 20


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in xet_memory.USER_CONCURRENCY_SETTINGS:
        monkeypatch.delenv(name, raising=False)


def test_one_xorb_upload_at_a_time_for_the_next_session(clean_env: None, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger=xet_memory.__name__):
        assert xet_memory.limit_upload_concurrency() is True
        assert xet_memory.limit_upload_concurrency() is True
    assert os.environ["HF_XET_CLIENT_AC_INITIAL_UPLOAD_CONCURRENCY"] == "1"
    assert os.environ["HF_XET_CLIENT_AC_MAX_UPLOAD_CONCURRENCY"] == "1"
    assert len(caplog.records) == 1 and "1 xorb(s) of 64 MiB at a time" in caplog.text


@pytest.mark.parametrize("name", ["HF_XET_FIXED_UPLOAD_CONCURRENCY", "HF_XET_CLIENT_AC_MAX_UPLOAD_CONCURRENCY",
                                  "HF_XET_CLIENT_AC_MIN_UPLOAD_CONCURRENCY"])
def test_an_upload_concurrency_the_user_set_wins(clean_env: None, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv(name, "8")
    assert xet_memory.limit_upload_concurrency() is False
    assert os.environ[name] == "8"
    assert {n for n in xet_memory.USER_CONCURRENCY_SETTINGS if n in os.environ} == {name}


def test_bound_xet_upload_memory_does_both(clean_env: None, fake: _FakeLibc) -> None:
    xet_memory.bound_xet_upload_memory()
    assert os.environ["HF_XET_CLIENT_AC_MAX_UPLOAD_CONCURRENCY"] == "1"
    assert len(fake.calls) == 2 and fake.trims == [0]
