"""Extraction: from a fetched page to the ``Article`` the monitor compares.

``strategies`` tries the ways of finding the article in order; ``container`` finds and
remembers the element that holds it; ``reading`` tells its lines from the chrome beside
them; ``signals`` reads the headline, byline and dates the page declares; ``chrome``
knows boilerplate by its markup; ``extractor`` is the slow, full reading on lxml
(trafilatura, htmldate, selectors) for first checks and lost containers.
"""

from typing import Any

from monitor.extract.container import RULES, Hint
from monitor.extract.extractor import drop_element, parse_html, visible_lines
from monitor.extract.strategies import Extraction, extract, extract_article


def hint_is_stale(hint: dict[str, Any] | None) -> bool:
    """A hint made under older reading rules: the next reading is a silent new baseline."""
    known = Hint.from_json(hint)
    return known is not None and known.rules != RULES


__all__ = [
    "Extraction",
    "drop_element",
    "extract",
    "extract_article",
    "hint_is_stale",
    "parse_html",
    "visible_lines",
]
