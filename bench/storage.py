"""Benchmark: what a version costs on disk, stored as zstd deltas against zlib.

Run from the checkout, with the venv active::

    python bench/storage.py                          # 79 pages × 30 versions, ~4 min
    python bench/storage.py --pages 20 --versions 100 --depths 16,32,64,128
    python bench/storage.py --pages 10               # a quick look

Each of the 79 corpus pages (``/work/shared/corpus/*/*/source.html``) gets a history of
V versions as a site serves it hour after hour: ``pagegen.with_chrome`` re-rolls its
chrome at every version (clocks, counters, ad slot ids, nonces, "most read" lists, a
"last updated" line), and every fifth version makes a newsroom edit of its article
(``pagegen.apply_edit``: a word changed, then a sentence updated, in turn). Every version
is stored through ``Storage.save_check``, the daemon's own path (with its response
headers, its text, its full-text index), one watch per page, in a new SQLite database per
storage mode:

- ``zlib``: the storage before revision 0009, each page zlib level 6 (the baseline,
  measured in the same run: ``rawpages.encode`` switched to zlib);
- ``delta, depth D``: this storage, a zstd delta of the page before, a keyframe every
  D + 1 versions (D is ``rawpages.MAX_DEPTH``, 64 unless ``--depths`` says others);
- the reference, computed in memory: zstd at level 19 with long-distance matching over
  each watch's V pages concatenated (its window covers them all), the least a
  whole-history compressor needs, divided by V.

Printed: bytes per version of the stored pages (the ``data`` column) and the ratio to the
reference; the raw_page table on disk (SQLite's ``dbstat``: pages with their b-tree
overhead and the primary key); the median time to store a version (the whole
``save_check`` transaction) and to read one back (``raw_html``, random versions of random
watches, each the best of 3 reads made after four unrelated pages pushed it out of the
reader's cache), and the same for each watch's deepest delta; and, measured and left as
they are, what else a version costs on disk: its ``version`` row (the article's text, the
response headers as JSON), the full-text index. Every version is read back and compared
with the bytes stored.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import random
import statistics
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import zstandard
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).parent))
import pagegen

from monitor import rawpages
from monitor.models import Article, CheckOutcome, NewVersion, Response, WatchSpec
from monitor.storage import Storage

CORPUS = Path("/work/shared/corpus")
T0 = datetime(2026, 1, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)
EDITS = ("word", "update")
REFERENCE_LEVEL = 19
READS = 300


@dataclass
class History:
    """One watch's versions."""

    url: str
    article: Article
    pages: list[bytes]


def histories(count: int, versions: int, corpus: Path = CORPUS) -> list[History]:
    """The first ``count`` pages of ``corpus`` (a folder of page folders, or of such
    folders), each with ``versions`` versions (see above)."""
    collections = sorted(p for p in corpus.iterdir() if p.is_dir() and p.name.endswith("-pages"))
    found = []
    for collection in collections or [corpus]:
        found += pagegen.load_corpus(collection)
    made = []
    for page in found[:count]:
        html, pages = page.html, []
        for n in range(versions):
            if n and n % 5 == 0:
                with suppress(pagegen.EditNotApplicable):
                    html, _ = pagegen.apply_edit(html, page, EDITS[n // 5 % 2], n)
            pages.append(pagegen.with_chrome(html, n, page.paragraphs).encode())
        url = f"https://bench.example/{page.name}"
        meta = page.metadata
        article = Article(
            title=str(meta.get("title") or page.name),
            byline=str(meta.get("byline") or ""),
            published=None,
            modified=None,
            paragraphs=page.paragraphs,
            canonical=url,
        )
        made.append(History(url, article, pages))
    return made


def response(url: str, at: datetime, raw: bytes) -> Response:
    """The headers a news site's CDN sends (16, ~700 bytes), as the monitor keeps them."""
    date = at.strftime("%a, %d %b %Y %H:%M:%S GMT")
    etag = hashlib.sha256(raw).hexdigest()[:20]
    headers = (
        ("Date", date),
        ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Length", str(len(raw))),
        ("Connection", "keep-alive"),
        ("Cache-Control", "max-age=60, public, stale-while-revalidate=30"),
        ("ETag", f'W/"{etag}"'),
        ("Last-Modified", date),
        ("Vary", "Accept-Encoding, Cookie"),
        ("Server", "nginx"),
        ("X-Cache", "HIT, MISS"),
        ("X-Served-By", "cache-fra-etou8220150-FRA, cache-par-lfpg1960043-PAR"),
        ("X-Timer", f"S{int(at.timestamp())}.123456,VS0,VE2"),
        ("Age", "42"),
        ("Strict-Transport-Security", "max-age=31536000; includeSubDomains; preload"),
        ("Content-Security-Policy", "upgrade-insecure-requests; frame-ancestors 'self'"),
        ("Set-Cookie", f"visitor={etag}; Path=/; Max-Age=31536000; Secure; SameSite=Lax"),
    )
    request = (
        ("Host", "bench.example"),
        ("User-Agent", "monitor/0.1 (+https://example.org/monitor)"),
        ("Accept", "text/html,application/xhtml+xml"),
        ("Accept-Encoding", "gzip, deflate"),
        ("If-None-Match", '"previous"'),
    )
    return Response(at, 200, url, headers, request, "HTTP/1.1")


@contextmanager
def codec(mode: str) -> Iterator[None]:
    """``rawpages`` as this mode stores pages: zlib as before revision 0009, or zstd
    deltas with the given depth limit."""
    encode, depth = rawpages.encode, rawpages.MAX_DEPTH
    if mode == "zlib":
        rawpages.encode = lambda raw, base: rawpages.Encoded(  # type: ignore[assignment]
            rawpages.ZLIB, zlib.compress(raw, 6), None, 0
        )
    else:
        rawpages.MAX_DEPTH = int(mode.split()[-1])
    try:
        yield
    finally:
        rawpages.encode, rawpages.MAX_DEPTH = encode, depth


@dataclass
class Measured:
    mode: str
    versions: int
    data: int
    """Bytes of the stored pages (their ``data``), all versions together."""
    on_disk: dict[str, int]
    """SQLite's bytes on disk per table and index (``dbstat``)."""
    text: int
    headers: int
    frames: dict[str, tuple[int, float]]
    """Per codec: pages stored, median bytes."""
    store_ms: list[float]
    read_ms: list[float]
    deepest_ms: list[float]
    deepest: int


def measure(mode: str, made: list[History], folder: Path) -> Measured:
    """Store every history in a new database as ``mode`` stores pages; read them back."""
    path = folder / f"{mode.replace(' ', '-')}.db"
    storage = Storage(f"sqlite:///{path}")
    storage.migrate()
    store_ms: list[float] = []
    with codec(mode):
        for history in made:
            watch = storage.add_watch(WatchSpec(url=history.url), T0).id
            for n, raw in enumerate(history.pages):
                at = T0 + n * HOUR
                kind = "edit" if n else "first"
                exchange = response(history.url, at, raw)
                version = NewVersion(history.article, raw, kind, response=exchange)
                outcome = CheckOutcome(at, "edit", at + HOUR, status=200, version=version)
                started = time.perf_counter()
                storage.save_check(watch, "bench", outcome)
                store_ms.append((time.perf_counter() - started) * 1000)
        read_ms, deepest_ms, deepest = _reads(storage, made)
    with storage.engine.connect() as connection:
        data, text_, headers = connection.execute(
            text(
                "SELECT (SELECT SUM(LENGTH(data)) FROM raw_page), SUM(LENGTH(text)), "
                "SUM(LENGTH(headers)) FROM version"
            )
        ).one()
        sizes: dict[str, list[int]] = {}
        for codec_, size in connection.execute(text("SELECT codec, LENGTH(data) FROM raw_page")):
            sizes.setdefault(codec_, []).append(size)
        frames = {c: (len(v), statistics.median(v)) for c, v in sizes.items()}
        on_disk = dict(
            connection.execute(text("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name")).all()
        )
    storage.close()
    versions = sum(len(h.pages) for h in made)
    return Measured(
        mode,
        versions,
        data,
        on_disk,
        text_,
        headers,
        frames,
        store_ms,
        read_ms,
        deepest_ms,
        deepest,
    )


def _reads(storage: Storage, made: list[History]) -> tuple[list[float], list[float], int]:
    """Every version read back and compared; then timed reads of random versions, and of
    each watch's deepest page."""
    for history in made:
        for n, raw in enumerate(history.pages, 1):
            if storage.raw_html(history.url, n) != raw:
                raise SystemExit(f"{history.url} version {n} did not read back exact")
    rng = random.Random(9)
    samples = [(rng.choice(made), rng.randrange(len(made[0].pages)) + 1) for _ in range(READS)]
    read_ms = [_cold_read(storage, made, made.index(h), n) for h, n in samples]
    with storage.engine.connect() as connection:
        depth = connection.execute(text("SELECT MAX(depth) FROM raw_page")).scalar() or 0
    deepest = _deepest_version(len(made[0].pages))
    deepest_ms = [_cold_read(storage, made, index, deepest) for index in range(len(made))]
    return read_ms, deepest_ms, int(depth)


def _cold_read(storage: Storage, made: list[History], index: int, number: int) -> float:
    """Milliseconds to read version ``number`` of watch ``index``, the best of 3 (the
    machine is shared), each time out of the reader's cache: first four pages read that
    no chain of this watch goes through (other watches' first pages)."""
    history, times = made[index], []
    for _ in range(3):
        for other in (made[(index + k) % len(made)] for k in range(1, 5)):
            if other is not history:
                storage.page(hashlib.sha256(other.pages[0]).hexdigest())
        times.append(_timed(lambda: storage.raw_html(history.url, number)))
    return min(times)


def _deepest_version(versions: int) -> int:
    """The version number whose page is deepest in its chain (1-based)."""
    limit = rawpages.MAX_DEPTH
    best = max(range(versions), key=lambda n: (n % (limit + 1), n))
    return best + 1


def _timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def reference(made: list[History]) -> tuple[int, float]:
    """Bytes zstd with long-distance matching needs for each watch's pages concatenated,
    all watches together, and the median seconds it took per watch."""
    total, seconds = 0, []
    for history in made:
        joined = b"".join(history.pages)
        window = max(20, min(30, math.ceil(math.log2(len(joined) + 1))))
        params = zstandard.ZstdCompressionParameters.from_level(
            REFERENCE_LEVEL, window_log=window, enable_ldm=True
        )
        started = time.perf_counter()
        total += len(zstandard.ZstdCompressor(compression_params=params).compress(joined))
        seconds.append(time.perf_counter() - started)
    return total, statistics.median(seconds)


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _table_bytes(on_disk: dict[str, int], prefix: str) -> int:
    return sum(size for name, size in on_disk.items() if name.startswith(prefix))


def report(results: list[Measured], ref: int, versions: int, raw_bytes: int) -> None:
    print(
        f"\n{versions:,} versions, {raw_bytes / versions / 1000:,.1f} KB a page on average; "
        f"reference (zstd -{REFERENCE_LEVEL} --long over each watch's pages): "
        f"{ref / versions:,.0f} B a version\n"
    )
    print(
        "| storage | B/version (data) | ÷ reference | raw_page on disk, B/version "
        "| store ms | read ms | deepest | read deepest ms |"
    )
    print("|---|--:|--:|--:|--:|--:|--:|--:|")
    for m in results:
        raw_disk = _table_bytes(m.on_disk, "raw_page") + _table_bytes(
            m.on_disk, "sqlite_autoindex_raw_page"
        )
        print(
            f"| {m.mode} | {m.data / versions:,.0f} | {m.data / ref:.2f} "
            f"| {raw_disk / versions:,.0f} | {_median(m.store_ms):.2f} "
            f"| {_median(m.read_ms):.2f} | {m.deepest} | {_median(m.deepest_ms):.2f} |"
        )
    base = results[0]
    print()
    for m in results[1:]:
        frames = ", ".join(
            f"{count} {codec_} (median {size:,.0f} B)" for codec_, (count, size) in m.frames.items()
        )
        print(f"{m.mode}: {m.data / base.data:.3f} of zlib's bytes; {frames}")
    m = results[-1]
    version_disk = _table_bytes(m.on_disk, "version") - _table_bytes(m.on_disk, "version_fts")
    fts = _table_bytes(m.on_disk, "version_fts")
    ix = _table_bytes(m.on_disk, "ix_version")
    print(
        "\nWhat else a version costs on disk (the same in every mode; measured, not changed), "
        "B/version:\n"
        f"  version table {version_disk / versions:,.0f} (of which text {m.text / versions:,.0f},"
        f" headers JSON {m.headers / versions:,.0f}), its indexes {ix / versions:,.0f}, "
        f"full-text index {fts / versions:,.0f}"
    )
    print("  on disk, by table and index (B/version):")
    for name, size in sorted(m.on_disk.items(), key=lambda item: -item[1]):
        if size / versions >= 100:
            print(f"    {name}: {size / versions:,.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=79, help="corpus pages (watches)")
    parser.add_argument("--versions", type=int, default=30, help="versions per watch")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="the pages' folder")
    parser.add_argument(
        "--depths", default=str(rawpages.MAX_DEPTH), help="delta depth limits, comma-separated"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    made = histories(args.pages, args.versions, args.corpus)
    versions = sum(len(h.pages) for h in made)
    raw_bytes = sum(len(p) for h in made for p in h.pages)
    print(f"made {len(made)} histories in {time.perf_counter() - started:.0f} s", flush=True)
    ref, ref_seconds = reference(made)
    print(f"reference: {ref_seconds:.2f} s a watch (median)", flush=True)
    modes = ["zlib"] + [f"delta, depth {d}" for d in args.depths.split(",")]
    results = []
    with tempfile.TemporaryDirectory(prefix="monitor-bench-storage-") as folder:
        for mode in modes:
            results.append(measure(mode, made, Path(folder)))
            print(f"stored and read back: {mode}", flush=True)
    report(results, ref, versions, raw_bytes)
    print(f"\n{time.perf_counter() - started:.0f} s in all")


if __name__ == "__main__":
    main()
