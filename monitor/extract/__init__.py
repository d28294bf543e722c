"""Extraction: from a fetched page to the ``Article`` the monitor compares.

- ``strategies`` tries the ways of finding the article, in order;
- ``container`` finds and remembers the element that holds it, and learns the lines
  that come and go on their own;
- ``reading`` tells the article's lines from the chrome beside them, by structure;
- ``shapes`` tells a sentence from a counter, a clock, a label or a notice;
- ``signals`` reads the headline, byline and dates the page declares;
- ``chrome`` knows boilerplate by its markup (trafilatura's patterns);
- ``extractor`` is the slow, full reading on lxml (trafilatura, htmldate, selectors)
  for first checks and lost containers.
"""

from dataclasses import replace
from typing import Any

from monitor.extract.container import RULES, Hint, line_digest
from monitor.extract.extractor import parse_html, visible_lines
from monitor.extract.strategies import Extraction, extract, extract_article
from monitor.models import StoredVersion


def hint_is_stale(hint: dict[str, Any] | None) -> bool:
    """A hint made under older reading rules: the next reading is a silent new baseline."""
    known = Hint.from_json(hint)
    return known is not None and known.rules != RULES


def without_volatile(version: StoredVersion, hint: dict[str, Any] | None) -> StoredVersion:
    """A stored version less the lines the hint learnt to come and go on their own, so
    that a widget learnt today is not reported as removed from yesterday's text."""
    known = Hint.from_json(hint)
    volatile = known.volatile if known is not None else frozenset()
    if not volatile:
        return version
    kept = tuple(p for p in version.article.paragraphs if line_digest(p) not in volatile)
    if len(kept) == len(version.article.paragraphs):
        return version
    article = replace(version.article, paragraphs=kept)
    return replace(version, article=article, content_hash=article.content_hash())


__all__ = [
    "Extraction",
    "extract",
    "extract_article",
    "hint_is_stale",
    "parse_html",
    "visible_lines",
    "without_volatile",
]
