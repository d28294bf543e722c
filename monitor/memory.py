"""The C heap of a process that runs for months: how glibc's malloc is set up for it, and
handing its free memory back to the system.

The daemon allocates and frees buffers of every size all the time: page bodies, the
pickled jobs and results it trades with its workers, zstd's state for each stored page,
query results. glibc keeps what is freed inside its heaps for reuse and gives memory back
only from the top of a heap; allocations that live on land between the holes, and the
heaps grow around them. The data alive stays flat while the resident size creeps up
(README, "Soak"). Two of glibc's own settings (mallopt(3)) limit that, and
``malloc_trim`` returns whatever free pages remain.
"""

from __future__ import annotations

import ctypes
import os
import sys
from functools import cache
from typing import Any

__all__ = ["ARENAS", "MMAP_THRESHOLD", "can_release", "release_free_memory", "tune_heap"]

_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8

MMAP_THRESHOLD = 128 * 1024
"""Blocks this large or larger get their own mapping, returned whole when freed. It is
glibc's default, but glibc raises it to the largest block freed so far (up to 32 MiB):
then large page bodies and query results are carved from the heaps, between longer-lived
data."""
ARENAS = 2
"""Arenas in all, the main thread's included (glibc makes up to eight per core, one per
thread while it can): each fragments on its own, and free space in one is no use to
another."""


@cache
def _libc() -> Any | None:
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None)
    if not all(hasattr(libc, name) for name in ("malloc_trim", "mallopt")):
        return None  # not glibc (musl has neither)
    libc.malloc_trim.argtypes = [ctypes.c_size_t]
    libc.malloc_trim.restype = ctypes.c_int
    libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    libc.mallopt.restype = ctypes.c_int
    return libc


def can_release() -> bool:
    """Whether this C library can be tuned and give free heap memory back (glibc can)."""
    return _libc() is not None


def tune_heap(env: dict[str, str] | None = None) -> bool:
    """Set glibc's malloc up for a long run: a fixed mmap threshold and at most ``ARENAS``
    arenas; a setting given in the environment (``MALLOC_MMAP_THRESHOLD_``,
    ``MALLOC_ARENA_MAX``) is left as it is. Call it before starting any thread. False
    where the C library is not glibc."""
    libc = _libc()
    if libc is None:
        return False
    env = dict(os.environ) if env is None else env
    if "MALLOC_MMAP_THRESHOLD_" not in env:
        libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    if "MALLOC_ARENA_MAX" not in env:
        libc.mallopt(_M_ARENA_MAX, ARENAS)
    return True


def release_free_memory() -> bool:
    """Give the free pages of the C heaps back to the system; False where the C library
    cannot. It takes a few milliseconds, holding each heap's lock in turn: call it from a
    thread, not from the event loop."""
    libc = _libc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True
