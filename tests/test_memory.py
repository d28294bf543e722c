"""Giving the C heap's free memory back to the system (glibc's malloc_trim)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from monitor import memory

pytestmark = pytest.mark.skipif(
    not memory.can_release(), reason="only glibc can give free heap memory back"
)


def resident_mib() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def test_freed_memory_the_heap_kept_goes_back_to_the_system() -> None:
    """Memory freed between blocks still alive stays with the process until released."""
    # 4 KiB each: past CPython's small-object allocator, so from malloc's heap.
    blocks = [os.urandom(4096) for _ in range(40_000)]
    kept = blocks[::64]  # alive, scattered: the heap cannot shrink from its top
    before = resident_mib()
    del blocks
    freed = resident_mib()
    assert memory.release_free_memory()
    after = resident_mib()
    assert before - freed < 40, "glibc gave the memory back on its own: nothing to test"
    assert freed - after > 100, f"{freed:.0f} MiB before the release, {after:.0f} after"
    assert len(kept) == 625
