"""glibc's malloc told to hand big buffers straight back to the system, before an upload through Xet.

hf_xet (Rust, the system allocator) cuts a big file into 64 MiB xorbs: 8 MiB read blocks, then one
contiguous ~64 MiB buffer per xorb, freed once the CAS has it. glibc raises its mmap threshold to the size
of any mmapped block freed (up to 32 MiB), so after the first ones these buffers come from its per-thread
arenas, and what is freed there stays in the process: measured in the provider, a 512 MiB file added
~+250..+520 MiB to the peak and left ~100 MiB behind. A fixed threshold (`mallopt(M_MMAP_THRESHOLD)`, which
also stops the dynamic raise) puts every block of `MMAP_THRESHOLD_BYTES` and more in its own mapping,
returned when freed. What remains is hf_xet's own pipeline: about three xorbs in memory at once (bench/README.md).

Set at runtime, in the process about to upload: the `MALLOC_*` environment variables are read when a
process starts, and the engine starts the provider. A no-op (logged) where the C library is not glibc, and
when the user has set the threshold through the environment (theirs wins).
"""

from __future__ import annotations

import ctypes
import logging
import os
import sys
import threading

log = logging.getLogger(__name__)

#: Blocks of this size and more get their own mapping (hf_xet's 8 MiB read blocks and 64 MiB xorb buffers).
MMAP_THRESHOLD_BYTES = 1 << 20
#: glibc's malloc.h parameter number of `M_MMAP_THRESHOLD`.
M_MMAP_THRESHOLD = -3
#: The user's own threshold, which glibc reads at process start: theirs wins.
USER_SETTING = "MALLOC_MMAP_THRESHOLD_"
USER_TUNABLE = "glibc.malloc.mmap_threshold"

_lock = threading.Lock()
_done: bool | None = None  # None: not tried yet in this process; then whether the threshold is set


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
    """Fix glibc's mmap threshold at `MMAP_THRESHOLD_BYTES` for the rest of the process (once; thread-safe).

    Returns whether the threshold is set by this call or an earlier one."""
    global _done
    with _lock:
        if _done is not None:
            return _done
        _done = _apply()
        return _done


def _apply() -> bool:
    libc = _glibc()
    if libc is None:
        log.debug("Not glibc: the allocator is left as it is for uploads through Xet")
        return False
    user = _user_tuned()
    if user is not None:
        log.info("%s is set: glibc's mmap threshold is left as the environment says", user)
        return False
    if libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) != 1:
        log.warning("glibc refused mallopt(M_MMAP_THRESHOLD, %d): big uploads through Xet may hold more memory",
                    MMAP_THRESHOLD_BYTES)
        return False
    log.info("glibc's mmap threshold fixed at %d MiB: buffers freed by hf_xet go back to the system",
             MMAP_THRESHOLD_BYTES >> 20)
    return True
