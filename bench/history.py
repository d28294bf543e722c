"""Benchmark: `monitor search` and `monitor changes` on a big history, from process start.

Run from the checkout, with the venv active::

    python bench/history.py                            # 1,000 watches × 1,000 versions, SQLite
    python bench/history.py --watches 100 --versions 100
    python bench/history.py --url postgresql+psycopg://postgres@127.0.0.1:5432/bench
    python bench/history.py --keep /tmp/history.db     # build once, time again later

Builds a database of W watches × V versions with bulk inserts (Core, batches of
thousands; the PostgreSQL word index written as ``Storage`` writes it, its GIN index
built after the load). Each watch's article is ~12 paragraphs of invented prose (a
Zipf-like vocabulary: function words, then some thousands of content words, names and
numbers); each version makes one newsroom edit of the one before: a number moved, a
sentence rewritten, added or removed, now and then the headline. The versions of a watch
run up to now, spread over a year, so `--since 1d` takes a few per watch. Watch 0 holds
the searched sentence from version V/3 to 2V/3 only.

Then, ``--rounds`` times, the installed ``monitor`` script runs in a new process (stdout
to /dev/null) for `search "SENTENCE"` and `changes --since 1d --limit 0`; the wall time from
spawning it to its exit is timed and the medians printed, with what each found.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, text

from monitor.evidence.chain import GENESIS, Content, field_digests, link_hash
from monitor.history import index
from monitor.schema import RawPageRow, VersionRow, WatchRow
from monitor.storage import Storage

SENTENCE = "The inspector said the old bridge would reopen after the spring floods."
MONITOR = str(Path(sys.executable).with_name("monitor"))
BATCH = 2000
SPAN = timedelta(days=365)

_FUNCTION = (
    "the of and to a in that is was he for it with as his on be at by had are but from or "
    "have an they which one were her all she there would their we him been has when who "
    "will more no if out so said what up its about into than them can only other new some "
    "could time these two may then do first any my now such like our over man me even most "
    "made after also did many before must through back years where much your way well down"
).split()
_SYLLABLES = "ba be ri on ta mel cor dis ven al tra pro sen gu lo mi nar tes ple ca vi".split()


def _vocabulary(rng: random.Random, size: int = 6000) -> list[str]:
    words = {"".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(size)}
    return sorted(words)


@dataclass
class Writer:
    """Invented newsroom prose, deterministic from its seed."""

    rng: random.Random
    vocabulary: list[str]

    def word(self) -> str:
        if self.rng.random() < 0.45:
            return self.rng.choice(_FUNCTION)
        # Zipf-like: a few content words are common, most are rare.
        rank = int(len(self.vocabulary) * self.rng.random() ** 3)
        return self.vocabulary[rank]

    def sentence(self) -> str:
        words = [self.word() for _ in range(self.rng.randint(10, 28))]
        if self.rng.random() < 0.3:
            words.insert(self.rng.randrange(len(words)), str(self.rng.randint(2, 5000)))
        if self.rng.random() < 0.3:
            words.insert(self.rng.randrange(len(words)), self.word().capitalize())
        return " ".join(words).capitalize() + "."

    def paragraph(self) -> list[str]:
        return [self.sentence() for _ in range(self.rng.randint(2, 4))]


def edit(writer: Writer, title: str, body: list[list[str]]) -> tuple[str, str, str]:
    """One edit of the article, in place: its kind, old and new text."""
    rng = writer.rng
    roll = rng.random()
    p = rng.randrange(len(body))
    s = rng.randrange(len(body[p]))
    old = body[p][s]
    if roll < 0.05:
        return "headline", title, writer.sentence().rstrip(".")
    if roll < 0.35:
        body[p][s] = old.rstrip(".") + f" {rng.randint(2, 5000)}."
        return "number", old, body[p][s]
    if roll < 0.7:
        body[p][s] = writer.sentence()
        return "rewritten", old, body[p][s]
    if roll < 0.85 or len(body[p]) < 2:
        body[p].insert(s, writer.sentence())
        return "added", "", body[p][s]
    del body[p][s]
    return "removed", old, ""


def versions(watch: int, count: int, now: datetime, seed: int) -> Iterator[dict[str, object]]:
    """The version rows of one watch, oldest first (ids: watch * count + number)."""
    rng = random.Random(seed * 1_000_003 + watch)
    writer = Writer(rng, VOCABULARY)
    title = writer.sentence().rstrip(".")
    body = [writer.paragraph() for _ in range(rng.randint(9, 15))]
    step = SPAN / count
    previous = GENESIS
    for number in range(1, count + 1):
        edits: list[dict[str, str]] | None = None
        if number > 1:
            kind, old, new = edit(writer, title, body)
            if kind == "headline":
                title = new
            edits = [{"kind": kind, "old": old, "new": new, "label": f"sentence {kind}"}]
        paragraphs = [" ".join(sentences) for sentences in body]
        if watch == 0 and count // 3 <= number < 2 * count // 3:
            paragraphs[0] += " " + SENTENCE
        at, kind = now - step * (count - number), "first" if number == 1 else "edit"
        byline, joined = "By " + writer.word().capitalize(), "\n".join(paragraphs)
        # Chained as storage chains them, so that `monitor verify` holds on this history.
        content = Content(
            number, at, None, None, None, RAW_HASH, kind, title, byline, None, None, None, joined
        )
        link = link_hash(previous, content)
        yield {
            "id": watch * count + number,
            "watch_id": watch + 1,
            "number": number,
            "created_at": at,
            "fetched_at": at,
            "kind": kind,
            "declared": None if number == 1 else rng.random() < 0.3,
            "content_hash": hashlib.sha256(f"{watch}:{number}".encode()).hexdigest(),
            "raw_hash": RAW_HASH,
            "title": title,
            "byline": byline,
            "text": joined,
            "raw_size": 40_000,
            "summary": None if number == 1 else {"words_added": 12, "words_removed": 10},
            "edits": edits,
            "chain_hash": link,
            "digests": field_digests(content),
        }
        previous = link


VOCABULARY = _vocabulary(random.Random(7))
RAW = b"<html><body><p>one fetched page, shared by every version</p></body></html>"
RAW_HASH = hashlib.sha256(RAW).hexdigest()


def build(url: str, watches: int, count: int, seed: int = 1) -> None:
    """A migrated database at ``url`` holding the watches and their versions."""
    storage = Storage(url)
    storage.migrate()
    now = datetime.now(UTC)
    postgres = storage.engine.dialect.name == "postgresql"
    with storage.engine.begin() as connection:
        # The word index is built once after the load, not row by row.
        if postgres:
            connection.execute(text(f"DROP INDEX ix_{index.WORDS_TABLE}"))
        else:
            connection.execute(text(f"DROP TRIGGER {index.FTS_TABLE}_insert"))
        connection.execute(
            insert(RawPageRow), [{"hash": RAW_HASH, "size": len(RAW), "data": zlib.compress(RAW)}]
        )
        connection.execute(
            insert(WatchRow),
            [
                {
                    "id": w + 1,
                    "url": f"https://news.example/{w}/story",
                    "created_at": now - SPAN,
                    "next_check_at": now,
                    "notify": ["desk"] if w % 10 == 0 else [],
                    "options": {},
                }
                for w in range(watches)
            ],
        )
    for w in range(watches):
        rows = list(versions(w, count, now, seed))
        with storage.engine.begin() as connection:
            for start in range(0, len(rows), BATCH):
                batch = rows[start : start + BATCH]
                connection.execute(insert(VersionRow), batch)
                if postgres:
                    connection.execute(
                        text(
                            f"INSERT INTO {index.WORDS_TABLE} (version_id, words) "
                            "VALUES (:id, array_to_tsvector(CAST(:words AS text[])))"
                        ),
                        [
                            {
                                "id": r["id"],
                                "words": index.lexemes(
                                    str(r["title"]), str(r["byline"]), str(r["text"])
                                ),
                            }
                            for r in batch
                        ],
                    )
    with storage.engine.begin() as connection:
        if postgres:
            connection.execute(text(index.POSTGRES_INDEX))
            connection.execute(text("ANALYZE"))
            # The ids were given: move the sequences past them, as inserts through
            # storage would have.
            for table in ("watch", "version"):
                connection.execute(
                    text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")
                )
        else:
            connection.execute(text(index.SQLITE_REBUILD))
            connection.execute(text(index.SQLITE_TRIGGERS[0]))
            connection.execute(text("ANALYZE"))
    storage.close()


def timed(config: Path, args: list[str], rounds: int) -> tuple[float, int]:
    """Median seconds of ``monitor ARGS`` from spawn to exit, and the rows it printed."""
    command = [MONITOR, "--config", str(config), *args]
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - started)
    listed = subprocess.run([*command, "--jsonl"], capture_output=True, text=True, check=True)
    return statistics.median(times), len(listed.stdout.splitlines())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--watches", type=int, default=1000)
    parser.add_argument("--versions", type=int, default=1000)
    parser.add_argument("--url", help="a PostgreSQL URL (default: a SQLite file)")
    parser.add_argument("--keep", type=Path, help="the SQLite file; built only if missing")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        path = args.keep or Path(scratch) / "history.db"
        url = args.url or f"sqlite:///{path}"
        fresh = args.url is not None or not path.exists()
        if fresh:
            started = time.perf_counter()
            build(url, args.watches, args.versions)
            built = time.perf_counter() - started
            print(f"built {args.watches:,} × {args.versions:,} versions in {built:.0f} s")
        config = Path(scratch) / "monitor.toml"
        config.write_text(f"[storage]\nurl = {json.dumps(url)}\n", encoding="utf-8")
        print(f"{'command':<36} {'median s':>9} {'rows':>8}")
        for name, command in (
            (f'search "{SENTENCE[:20]}…"', ["search", SENTENCE]),
            ("search --field headline WORD", ["search", "--field", "headline", "inspector"]),
            # Every change of the day, as before --limit (which lists the 100 newest).
            ("changes --since 1d --limit 0", ["changes", "--since", "1d", "--limit", "0"]),
        ):
            seconds, rows = timed(config, command, args.rounds)
            print(f"{name:<36} {seconds:>9.2f} {rows:>8,}")


if __name__ == "__main__":
    main()
