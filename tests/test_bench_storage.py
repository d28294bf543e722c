"""bench/storage.py at a tiny size: every version it stores reads back exact in each
mode, and it measures what it says (deltas against zlib against zstd --long)."""

from __future__ import annotations

import sys
from pathlib import Path

from monitor import rawpages

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import storage as bench

CORPUS = Path(__file__).parent / "fixtures" / "corpus"


def test_each_mode_stores_the_histories_and_reads_them_back(tmp_path: Path) -> None:
    """Two real pages × 6 versions: zlib, and deltas cut at depth 2, both read back exact
    (the benchmark stops otherwise); the deltas take a fraction of zlib's bytes, with a
    keyframe every third version, and the reference less than both."""
    made = bench.histories(2, 6, CORPUS)
    assert [len(h.pages) for h in made] == [6, 6]
    assert len({page for h in made for page in h.pages}) == 12, "every version differs"
    zlib = bench.measure("zlib", made, tmp_path)
    delta = bench.measure("delta, depth 2", made, tmp_path)
    reference, _ = bench.reference(made)
    assert rawpages.MAX_DEPTH == 64, "the benchmark puts the limit back"
    assert (zlib.versions, delta.versions) == (12, 12)
    assert delta.frames["zstd"][0] == 4 and delta.frames["zstd-delta"][0] == 8
    assert delta.deepest == 2
    assert reference < delta.data < zlib.data / 2
    assert delta.text == zlib.text > 0 and delta.headers == zlib.headers > 0
