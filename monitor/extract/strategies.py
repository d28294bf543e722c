"""The ways of finding the article on a page, tried in order, each returning an
extraction or nothing (as ``normalize`` lists its steps):

1. ``by_selector``: the watch names the part to watch (a selector, or the raw page);
2. ``by_known_container``: the container found before, read directly on lexbor (the
   fast path: when its reading is unchanged, nothing else runs);
3. ``by_extractor_container``: trafilatura finds the article, and the element holding
   its text becomes the container;
4. ``by_densest_prose``: the element with the most prose in its own paragraphs, for
   pages where the extractor's text is mostly teasers;
5. ``by_page_body``: the page's <main> or <body> read through its prose run, for pages
   that are no one article (a product page, a blog's front page);
6. ``by_extractor_text``: trafilatura's text itself, or the page's visible text.

The page is parsed once by lexbor; lxml (for trafilatura and htmldate) only when a
step needs it, and then once. All of it is CPU work with no I/O.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser

from monitor.errors import ExtractionError
from monitor.extract import container
from monitor.extract.extractor import (
    extract_full,
    extract_selected,
    extractor_metadata,
    page_dates,
)
from monitor.extract.reading import blocks, boxed_lines
from monitor.extract.shapes import (
    is_citation,
    is_counters,
    is_meta,
    is_notice,
    is_site_prompt,
    is_teaser,
)
from monitor.extract.signals import names_only
from monitor.extract.verdicts import Kept, remember
from monitor.models import Article, WatchOptions
from monitor.normalize import comparison_key, normalize_text


@dataclass(frozen=True)
class Extraction:
    """The result of reading one fetched page."""

    article: Article | None
    """The watched content; None when the hint proves nothing changed (the fast path)."""
    hint: dict[str, Any] | None
    """What to keep for the next check of this page (see ``container.Hint``)."""


@dataclass
class Page:
    """One fetched page as the strategies share it: parsed once, read lazily."""

    html: bytes | str
    url: str
    options: WatchOptions
    hint: dict[str, Any] | None
    tree: LexborHTMLParser
    ignore: tuple[re.Pattern[str], ...]
    _full: Article | None = field(default=None, repr=False)
    _boxes: tuple[frozenset[str], tuple[str, ...]] | None = field(default=None, repr=False)
    _told: list[str] | None = field(default=None, repr=False)

    @property
    def full(self) -> Article:
        """trafilatura's reading of the page (computed once, on first use)."""
        if self._full is None:
            self._full = extract_full(self.html, self.url, self.options, self.tree)
        return self._full

    def _box_lines(self) -> tuple[frozenset[str], tuple[str, ...]]:
        """The lines of the page's small boxes with a counter (``reading.boxed_lines``):
        as comparison keys, and those long enough to cut out of a table's row (with the
        page's counter lines), longest first (computed once, on first use)."""
        if self._boxes is None:
            body = self.tree.body
            lines = blocks(body) if body is not None else None
            found = boxed_lines(lines) if lines is not None else frozenset()
            # A counters line of its own ("1,419 comments · 71,294 views · 3 min read") is
            # cut out of a row too: never a story's, however the extractor ran it in.
            counters = (
                {block.text for block in lines.blocks if block.meta and is_counters(block.text)}
                if lines
                else set()
            )
            texts = {normalize_text(line) for line in (*found, *counters)}
            self._boxes = (
                frozenset(comparison_key(line) for line in found),
                tuple(
                    sorted(
                        (t for t in texts if len(t.split()) >= _CUT_WORDS), key=len, reverse=True
                    )
                ),
            )
        return self._boxes

    def told_lines(self) -> list[str]:
        """The extractor's lines less those that are the site's, not a story's: the
        lines of boxes with a counter (comments, polls), notices, teasers and prompts;
        and a table's row (a table layout's, the whole page in a cell) or a list's item (a
        thread of posts, each an item) less the boxes' lines the extractor ran into it (a
        poll set in a post; computed once, on first use)."""
        if self._told is None:
            boxed, cut = self._box_lines()
            lines = (
                line
                for line in self.full.paragraphs
                if comparison_key(line) not in boxed and not _site_not_story(line)
            )
            self._told = [_less(line, cut) if line.startswith(_RUN_IN) else line for line in lines]
        return self._told


def _less(row: str, texts: tuple[str, ...]) -> str:
    cut = row
    for text in texts:
        cut = cut.replace(text, " ")
    return cut if cut is row else " ".join(cut.split())


Strategy = Callable[[Page], "Extraction | None"]


def by_selector(page: Page) -> Extraction | None:
    """The part the watch names: a selector, or the whole page when it is raw."""
    if not (page.options.selector or page.options.raw):
        return None
    return Extraction(extract_selected(page.html, page.url, page.options), None)


def by_known_container(page: Page) -> Extraction | None:
    """Through the container found before, if it is still there and still the article."""
    known = container.Hint.from_json(page.hint)
    if known is None or known.rules != container.RULES:
        return None
    node = container.find_again(page.tree, known)
    if node is None:
        return None
    reading = container.read(
        page.tree,
        node,
        page.ignore,
        known.title_at,
        known.run,
        known.volatile,
        known.byline,
        known.lines,
        known.authors,
    )
    flips = container.learn(known, reading.hint)
    learnt = replace(known, flips=flips).volatile
    if learnt != known.volatile:  # a widget just showed itself: read without it
        reading = container.read(
            page.tree,
            node,
            page.ignore,
            known.title_at,
            known.run,
            learnt,
            known.byline,
            known.lines,
            known.authors,
        )
    # What the watch learnt stays with it: widgets, and the extractor's verdicts.
    # Lines kept out as shown before (see ``confirm.already_shown``) stay out while read.
    read = set(reading.hint.lines)
    kept = replace(
        reading.hint,
        flips=flips,
        kept=known.kept,
        unkept=known.unkept,
        kept_out=tuple(digest for digest in known.kept_out if digest in read),
    )
    reading = replace(reading, hint=kept)
    if (reading.hint.content, reading.hint.dates) == (known.content, known.dates):
        return Extraction(None, _with_dates(reading.hint, known.published, known.modified))
    # Still the article's element: most of what it reads was read there before, and most
    # of what was read there before is still read. A chrome element of the same shape
    # set before it takes its place by the path (a class-less page's "div 5"), and may
    # read a line or two of the article's (a correction printed after it).
    if (
        min(_overlap(reading.hint.lines, known.lines), _overlap(known.lines, reading.hint.lines))
        < _SAME_CONTAINER
    ):
        return None
    if reading.hint.dates == known.dates:
        published, modified = known.published, known.modified
    else:
        published, modified = page_dates(page.tree, page.url, node)
    return _through(page.tree, page.url, reading, published, modified)


def by_extractor_container(page: Page) -> Extraction | None:
    """The element that holds the extractor's text, when it holds most of it."""
    node = container.locate(page.tree, page.full.paragraphs)
    if node is None:
        return None
    reading = container.read(page.tree, node, page.ignore)
    # Measured against the extractor's text less what no story says (a comment thread
    # it ran into lines among a short article's paragraphs).
    if _word_recall(page.told_lines(), reading.lines) < _SAME_ARTICLE:
        return None
    return _through(
        page.tree, page.url, judged(page, reading), *page_dates(page.tree, page.url, node)
    )


def by_densest_prose(page: Page) -> Extraction | None:
    """Where the page's prose is, if there is enough of it to be an article."""
    node = container.densest_prose(page.tree)
    if node is None:
        return None
    reading = container.read(page.tree, node, page.ignore)
    # A short article (four paragraphs) counts when the extractor says all it says: its
    # text had more (comments the page put in the article's element), not less.
    agreed = _word_recall(reading.lines, page.full.paragraphs) >= _AGREED
    if len(reading.lines) < (_MIN_AGREED_LINES if agreed else _MIN_PROSE_LINES):
        return None
    return _through(
        page.tree, page.url, judged(page, reading), *page_dates(page.tree, page.url, node)
    )


def by_page_body(page: Page) -> Extraction | None:
    """The whole page (its <main>, else <body>) as the container, read through its
    prose run: a page that is no one article (a product page, a blog's front page)
    still has paragraphs to watch, and chrome nested beside them to leave out."""
    node = page.tree.css_first("main") or page.tree.body
    if node is None:
        return None
    reading = container.read(page.tree, node, page.ignore)
    if len(reading.lines) < _MIN_PROSE_LINES:
        return None
    if _word_recall(page.full.paragraphs, reading.lines) < _SAME_PAGE:
        return None
    return _through(
        page.tree, page.url, judged(page, reading), *page_dates(page.tree, page.url, node)
    )


def judged(page: Page, reading: container.Reading) -> container.Reading:
    """A fresh reading, with the full extractor's verdict on each of its lines kept for
    judging their changes later (see ``confirm``)."""
    hint = remember(reading.hint, reading.lines, Kept(page.full.paragraphs, reading.lines))
    return replace(reading, hint=hint)


def _site_not_story(line: str) -> bool:
    return is_notice(line) or is_teaser(line) or is_site_prompt(line) or is_citation(line)


def by_extractor_text(page: Page) -> Extraction:
    """The extractor's text (no container: every check is a full one), with its counter
    and clock lines read for their names, as a container's are."""
    published, modified = page_dates(page.tree, page.url, None)
    read = (names_only(line) if is_meta(line) else line for line in page.told_lines())
    lines = tuple(line for line in read if line)
    title, byline = extractor_metadata(page.html, page.url, page.options, page.tree)
    if lines and comparison_key(lines[0]) == comparison_key(title):
        lines = lines[1:]  # the headline, as the metadata spells it, opening the text
    article = replace(
        page.full,
        title=title,
        byline=byline,
        paragraphs=lines,
        published=published,
        modified=modified,
    )
    return Extraction(article, container.text_hint(page.hint, lines))


STRATEGIES: tuple[Strategy, ...] = (
    by_selector,
    by_known_container,
    by_extractor_container,
    by_densest_prose,
    by_page_body,
    by_extractor_text,
)


def extract(
    html: bytes | str,
    url: str,
    options: WatchOptions | None = None,
    hint: dict[str, Any] | None = None,
) -> Extraction:
    """Read a page with the first strategy that finds its article."""
    page = open_page(html, url, options or WatchOptions(), hint)
    for strategy in STRATEGIES:
        found = strategy(page)
        if found is not None:
            if found.article is not None:
                found.article.content_hash()  # worked out in the worker, kept with it
            return found
    raise AssertionError("by_extractor_text always answers")  # pragma: no cover


def open_page(
    html: bytes | str, url: str, options: WatchOptions, hint: dict[str, Any] | None
) -> Page:
    """Parse a page once, less the parts the watch removes."""
    tree = container.parse(html)
    if not (options.selector or options.raw):
        for selector in options.remove:
            for node in _lexbor_select(tree, selector):
                node.decompose()
    ignore = tuple(re.compile(pattern) for pattern in options.ignore)
    return Page(html, url, options, hint, tree, ignore)


def extract_article(html: bytes | str, url: str, options: WatchOptions | None = None) -> Article:
    """Extract and normalise the watched content of one page, with no hint."""
    article = extract(html, url, options).article
    assert article is not None  # without a hint there is no fast path
    return article


def _word_recall(wanted: Sequence[str], found: Sequence[str]) -> float:
    """Share of the extractor's words that the container reading also has."""
    need = Counter(word for line in wanted for word in container.tokens(comparison_key(line)))
    have = Counter(word for line in found for word in container.tokens(comparison_key(line)))
    return sum((need & have).values()) / max(sum(need.values()), 1)


def _with_dates(
    hint: container.Hint, published: str | None, modified: str | None
) -> dict[str, Any]:
    return replace(hint, published=published, modified=modified).to_json()


def _through(
    tree: Any, url: str, reading: container.Reading, published: str | None, modified: str | None
) -> Extraction:
    """The article as read through its container."""
    canonical, noindex = page_signals(tree, url)
    article = Article(
        title=reading.title,
        byline=reading.byline,
        published=published,
        modified=modified,
        paragraphs=reading.lines,
        canonical=canonical,
        noindex=noindex,
    )
    return Extraction(article, _with_dates(reading.hint, published, modified))


# A box's line this long is cut out of a table's row where the extractor ran it in.
_CUT_WORDS = 3
_RUN_IN = ("|", "- ")  # how the extractor writes a table's row and a list's item
# A container that still holds half of the article's lines is the same container.
_SAME_CONTAINER = 0.5
# A container whose reading has this share of the extractor's words holds the article.
_SAME_ARTICLE = 0.7
_MIN_PROSE_LINES = 5
_MIN_AGREED_LINES = 3
_AGREED = 0.9
# The page's run must hold half of the extractor's words to stand in for the article.
_SAME_PAGE = 0.5


def _overlap(wanted: Sequence[str], found: Sequence[str]) -> float:
    if not wanted:
        return 0.0
    have = set(found)
    return sum(1 for line in wanted if line in have) / len(wanted)


def page_signals(tree: Any, url: str) -> tuple[str | None, bool]:
    """The page's canonical URL (absolute) and whether it asks not to be indexed."""
    link = tree.css_first("link[rel='canonical']")
    href = (link.attributes.get("href") or "").strip() if link is not None else ""
    canonical = urljoin(url, href) if href else None
    robots = " ".join(
        (meta.attributes.get("content") or "").lower()
        for meta in tree.css("meta[name='robots'], meta[name='googlebot']")
    )
    return canonical, "noindex" in robots


def _lexbor_select(tree: Any, selector: str) -> list[Any]:
    try:
        return list(tree.css(selector))
    except Exception as error:  # lexbor raises plain exceptions for bad selectors
        raise ExtractionError(
            f"invalid CSS selector {selector!r} in remove ({error}); fix or drop it"
        ) from error
