"""Handing the C heap's free memory back to the system, for a process that runs for months.

The daemon allocates and frees buffers of every size, all the time: page bodies, the
pickled jobs and results it trades with its workers, query results, rendered alerts.
glibc keeps what is freed inside its heaps for reuse and gives memory back to the kernel
only from the top of a heap; as the holes fail to fit later requests, the heap is
extended instead. The data alive stays flat while the resident size creeps up.
``malloc_trim`` returns the free pages of every heap, wherever they lie.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable
from functools import cache

__all__ = ["can_release", "release_free_memory"]


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def can_release() -> bool:
    """Whether this C library can give free heap memory back (glibc can)."""
    return _malloc_trim() is not None


def release_free_memory() -> bool:
    """Give the free pages of the C heap back to the system; False where the C library
    cannot. It takes a few milliseconds, holding each heap's lock in turn: call it from a
    thread, not from the event loop."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
