"""The C heap of a long run: glibc's malloc set up for it, and its free memory given back."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from monitor import memory

pytestmark = pytest.mark.skipif(
    not memory.can_release(), reason="only glibc can be tuned and give free heap memory back"
)

BLOCKS_MAPPED = """
import ctypes, sys
from monitor import memory

class Mallinfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]

libc = ctypes.CDLL(None)
libc.mallinfo2.restype = Mallinfo2
big = bytes(4 << 20)
del big  # glibc now carves blocks up to 4 MiB from its heaps
{tune}
before = libc.mallinfo2().hblks
blocks = [bytes(200_000) for _ in range(100)]
print(libc.mallinfo2().hblks - before)
"""


def blocks_mapped(tune: str) -> int:
    """How many of 100 fresh 200 kB blocks got their own mapping, in a new interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", BLOCKS_MAPPED.format(tune=tune)],
        capture_output=True,
        text=True,
        check=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")},
    )
    return int(done.stdout)


def test_tuned_large_blocks_get_their_own_mapping_whatever_was_freed_before() -> None:
    """Without tuning, a large block freed raises glibc's threshold and later ones grow the
    heap; tuned, each one is mapped on its own, and returned whole when freed."""
    assert blocks_mapped("") == 0
    assert blocks_mapped("assert memory.tune_heap()") == 100


def test_a_threshold_set_in_the_environment_is_left_as_it_is() -> None:
    """An operator's MALLOC_MMAP_THRESHOLD_ wins over the daemon's own setting."""
    assert blocks_mapped("memory.tune_heap({'MALLOC_MMAP_THRESHOLD_': '4194304'})") == 0


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
