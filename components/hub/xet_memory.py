"""A big upload through Xet in bounded memory: hf_xet's upload concurrency and glibc's malloc, set before it.

hf_xet (1.8) cuts a file into 64 MiB xorbs and serializes each into one contiguous buffer, held until the CAS
has answered. Two things made a 512 MiB file add ~+460 MiB to the provider's peak (bench/README.md, "Memory"):

- its adaptive upload concurrency (2 at first, up to 64) gives every new xorb a connection of its own while
  uploads look healthy, so when the CAS answers slower than the file is chunked (a busy machine) most of the
  file is in memory at once. One xorb in flight (`UPLOAD_CONCURRENCY`, set through hf_xet's documented
  ``HF_XET_CLIENT_AC_*_UPLOAD_CONCURRENCY`` before its session exists: it reads its config once) bounds it
  to its pipeline: the one in flight, the next one serialized, the chunks of the one after (~3 xorbs);
- glibc raises its mmap threshold to the size of any mapped block freed (up to 32 MiB), after which hf_xet's
  8 MiB read blocks and growing buffers come from per-thread arenas and stay there once freed. A fixed
  threshold (`mallopt`, which also stops that raise) and trim threshold, then one `malloc_trim`, give them
  back to the system. Set at runtime: ``MALLOC_*`` variables are read at process start, and the engine
  starts the provider. Only on glibc (a no-op, logged, elsewhere).

What the user set in the environment wins, for both.
"""

from __future__ import annotations

import ctypes
import logging
import os
import sys
import threading

log = logging.getLogger(__name__)

#: Xorb uploads in flight at once (each holds a ~64 MiB buffer until the CAS answers).
UPLOAD_CONCURRENCY = 1
#: hf_xet's settings of it (xet_runtime config ``client`` group; ``FIXED`` sets initial, min and max at once).
CONCURRENCY_SETTINGS = ("HF_XET_CLIENT_AC_INITIAL_UPLOAD_CONCURRENCY", "HF_XET_CLIENT_AC_MAX_UPLOAD_CONCURRENCY")
USER_CONCURRENCY_SETTINGS = (*CONCURRENCY_SETTINGS, "HF_XET_CLIENT_AC_MIN_UPLOAD_CONCURRENCY",
                             "HF_XET_FIXED_UPLOAD_CONCURRENCY")
#: Blocks of this size and more get their own mapping (hf_xet's 8 MiB read blocks and 64 MiB xorb buffers).
MMAP_THRESHOLD_BYTES = 1 << 20
#: Free memory at the top of a heap above this is given back at once (glibc's own ratio: twice the threshold).
TRIM_THRESHOLD_BYTES = 2 * MMAP_THRESHOLD_BYTES
#: glibc's malloc.h parameter numbers.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
#: The user's own threshold, which glibc reads at process start.
USER_SETTING = "MALLOC_MMAP_THRESHOLD_"
USER_TUNABLE = "glibc.malloc.mmap_threshold"

_lock = threading.Lock()
_malloc_done: bool | None = None  # None: not tried yet in this process; then whether the thresholds are set


def bound_xet_upload_memory() -> None:
    """Before an upload through Xet: one xorb in flight (for a session not created yet) and glibc's
    thresholds fixed (once per process). Thread-safe; cheap to call before every commit."""
    limit_upload_concurrency()
    return_big_buffers_to_the_system()


def limit_upload_concurrency() -> bool:
    """`UPLOAD_CONCURRENCY` for hf_xet's next session, unless the user set its upload concurrency; returns
    whether it is ours."""
    user = next((name for name in USER_CONCURRENCY_SETTINGS if name in os.environ), None)
    if user is not None:
        if all(os.environ.get(name) == str(UPLOAD_CONCURRENCY) for name in CONCURRENCY_SETTINGS):
            return True  # set by an earlier call
        log.debug("%s is set: hf_xet's upload concurrency is left as the environment says", user)
        return False
    for name in CONCURRENCY_SETTINGS:
        os.environ[name] = str(UPLOAD_CONCURRENCY)
    log.debug("hf_xet uploads %d xorb(s) of 64 MiB at a time (memory bounded; %s to change)", UPLOAD_CONCURRENCY,
             "HF_XET_FIXED_UPLOAD_CONCURRENCY")
    return True


def _glibc() -> ctypes.CDLL | None:
    """The process's C library when it is glibc (Linux), else None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        if not os.confstr("CS_GNU_LIBC_VERSION"):
            return None
    except (ValueError, OSError):  # musl and others do not know the name
        return None
    try:
        libc = ctypes.CDLL(None)
        libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
        libc.mallopt.restype = ctypes.c_int
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
        libc.malloc_trim.restype = ctypes.c_int
    except (OSError, AttributeError):
        return None
    return libc


def _user_tuned() -> str | None:
    """Where the user set the threshold in the environment, if they did."""
    if USER_SETTING in os.environ:
        return USER_SETTING
    if USER_TUNABLE in os.environ.get("GLIBC_TUNABLES", ""):
        return "GLIBC_TUNABLES"
    return None


def return_big_buffers_to_the_system() -> bool:
    """Fix glibc's mmap and trim thresholds for the rest of the process (once); returns whether they are set."""
    global _malloc_done
    with _lock:
        if _malloc_done is None:
            _malloc_done = _apply()
        return _malloc_done


def _apply() -> bool:
    libc = _glibc()
    if libc is None:
        log.debug("Not glibc: the allocator is left as it is for uploads through Xet")
        return False
    user = _user_tuned()
    if user is not None:
        log.debug("%s is set: glibc's mmap threshold is left as the environment says", user)
        return False
    if libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) != 1 \
            or libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES) != 1:
        log.warning("glibc refused mallopt(M_MMAP_THRESHOLD / M_TRIM_THRESHOLD): big uploads through Xet may hold "
                    "more memory")
        return False
    libc.malloc_trim(0)  # what the arenas hold free already, from before
    log.debug("glibc's mmap threshold fixed at %d MiB: buffers freed by hf_xet go back to the system",
             MMAP_THRESHOLD_BYTES >> 20)
    return True
