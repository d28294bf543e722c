"""bench/history.py's generator, at a tiny size: the history it builds is one monitor
reads, on both databases, with the searched sentence where the benchmark says."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from monitor.app import Monitor
from monitor.config import Config
from monitor.history.match import Phrase
from monitor.history.values import ChangeFilter, Search
from monitor.models import Article, CheckOutcome, NewVersion

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import history as bench


def test_the_generated_history_is_searchable_and_stays_indexed(db_url: str) -> None:
    """Watch 0 holds the sentence from version V/3 to 2V/3; every other version is a
    change; the versions are chained as the monitor chains them; a version stored
    afterwards is indexed as usual."""
    bench.build(db_url, watches=3, count=9)
    core = Monitor(Config(path=None, storage_url=db_url))
    try:
        hits = core.search(Search(Phrase(bench.SENTENCE)))
        assert [(h.url, h.version, h.first, h.gone) for h in hits] == [
            ("https://news.example/0/story", n, 3, 6) for n in (3, 4, 5)
        ]
        assert len(core.changes(ChangeFilter())) == 3 * 8
        assert [report.verdict.broken for report in core.verify()] == [None] * 3
        now = datetime.now(UTC)
        later = NewVersion(Article(title="Later", paragraphs=("A ferry sank.",)), b"x", "edit")
        core.storage.save_check(2, "test", CheckOutcome(now, "edit", now, version=later))
        assert [h.version for h in core.search(Search(Phrase("ferry sank")))] == [10]
    finally:
        core.close()
