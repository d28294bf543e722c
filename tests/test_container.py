"""Reading articles through their container, on real pages: stable under chrome, and no edit lost.

Corpus pages (tests/fixtures/corpus) get the benchmark's dynamic chrome (bench/pagegen.py:
clocks, counters, tokens, rotating lists, ad slots, link-only "Read more" paragraphs and
banners, some of it inside the article) and its edits. The cases here are the false alerts
and misses found while building the detector, kept as regressions.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import pagegen
from detection import shows, views
from pagegen import EDIT_KINDS, CorpusPage, EditNotApplicable, apply_edit, with_chrome

from monitor.detect import decide
from monitor.extract import container, extract
from monitor.models import StoredVersion, WatchOptions
from monitor.render import diff_text

CORPUS = Path(__file__).parent / "fixtures" / "corpus"
PAGES = {page.name: page for page in pagegen.load_corpus(CORPUS)}
URL = "https://news.example/2015/story"
OPTIONS = WatchOptions()


def fetch(page: CorpusPage, seed: int, html: str | None = None) -> str:
    """The page as one fetch would see it: its own HTML inside this fetch's chrome."""
    return with_chrome(html if html is not None else page.html, seed, page.paragraphs)


@pytest.mark.parametrize("name", sorted(PAGES))
def test_chrome_alone_never_changes_the_article(name: str) -> None:
    """Fetched four times with different chrome, a page reads the same, hinted or not."""
    page = PAGES[name]
    first = extract(fetch(page, 1), URL, OPTIONS)
    assert first.article is not None and first.hint is not None, "the container is found"
    for seed in (2, 3, 4):
        again = extract(fetch(page, seed), URL, OPTIONS)
        assert again.article is not None
        assert again.article.content_hash() == first.article.content_hash(), seed
        assert (again.article.published, again.article.modified) == (
            first.article.published,
            first.article.modified,
        ), "no site clock is taken for the article's date"
        hinted = extract(fetch(page, seed), URL, OPTIONS, first.hint)
        assert hinted.article is None, "the fast path sees nothing new"


def _cases() -> list[Any]:
    # yahoo-4's correction lands outside the article's prose run (beside a figure's
    # "See also" note): read as a notice of an edit, wherever it sits in the container.
    return [pytest.param(name, kind) for name in sorted(PAGES) for kind in EDIT_KINDS]


@pytest.mark.parametrize(("name", "kind"), _cases())
def test_every_kind_of_edit_is_caught_and_shown(name: str, kind: str) -> None:
    """An edit under new chrome is a new version whose diff shows the edit."""
    page = PAGES[name]
    try:
        edited, marker = apply_edit(page.html, page, kind, seed=3)
    except EditNotApplicable:
        pytest.skip(f"{name} cannot take a {kind} edit")
    before = extract(fetch(page, 1), URL, OPTIONS)
    after = extract(fetch(page, 2, edited), URL, OPTIONS, before.hint)
    assert before.article is not None and after.article is not None, "not the fast path"
    previous = StoredVersion(
        1, datetime(2026, 1, 1, tzinfo=UTC), before.article, before.article.content_hash()
    )
    decision = decide(previous, after.article, {previous.content_hash: 1}, OPTIONS)
    assert decision.alert and decision.diff is not None
    assert shows(views("\n".join(diff_text(decision.diff))), marker)


def test_the_container_is_the_article_not_the_page() -> None:
    """When the extractor's text also holds a list of teasers, <body> is not the container."""
    article = "".join(
        f"<p>Paragraph {n} of the story, with enough words to count here.</p>" for n in range(8)
    )
    teasers = "".join(f"<li>Teaser {n} about another story entirely</li>" for n in range(3))
    html = (
        f"<html><body><header>Site 10:41</header><div class='story'>{article}</div>"
        f"<ul>{teasers}</ul><footer>(c)</footer></body></html>"
    )
    paragraphs = [f"Paragraph {n} of the story, with enough words to count here." for n in range(8)]
    node = container.locate(container.parse(html), [*paragraphs, "Teaser 0 about another story"])
    assert node is not None and node.attributes.get("class") == "story"


def test_a_single_paragraph_article_is_watched_with_its_surroundings() -> None:
    """An article that is one <p> (lines split by <br>) is watched from its parent, where
    corrections and new paragraphs get added."""
    body = "<br>\n".join(
        f"Line {n} of a story written as one paragraph with breaks." for n in range(6)
    )
    html = f"<html><body><div id='main'><div class='text'><p>{body}</p></div></div></body></html>"
    lines = [f"Line {n} of a story written as one paragraph with breaks." for n in range(6)]
    node = container.locate(container.parse(html), ["\n".join(lines)])
    assert node is not None and node.attributes.get("id") == "main"


def test_when_the_extractor_reads_teasers_the_prose_is_watched() -> None:
    """If trafilatura's text is a stream of teasers, the element holding the prose is used."""
    prose = "".join(
        f"<p>Paragraph {n} of the real story, long enough to be prose: it has many words "
        f"in it, and more words, and still more words, to read like an article.</p>"
        for n in range(6)
    )
    html = (
        "<html><body><ul class='stream'>"
        + "".join(f"<li><a href='/{n}'>Teaser {n}</a> about another story</li>" for n in range(9))
        + f"</ul><div id='story'><div class='body'>{prose}</div></div></body></html>"
    )
    node = container.densest_prose(container.parse(html))
    assert node is not None and node.attributes.get("class") == "body"


WIKI_LIST = Path(__file__).parent / "fixtures" / "web" / "wikipedia-4" / "dressed.html"
WIKI_URL = "https://en.wikipedia.org/wiki/List_of_films_featuring_time_loops"


def test_a_list_pages_lead_is_read_with_its_table() -> None:
    """A wiki's list page, dressed in chrome as the detection benchmark served it (seed
    17): the table is most of the text, and chrome beside the lead made the table alone
    look like the article. The prose that leads the list is the article's: a paragraph
    added to it is caught (it was missed)."""
    page = WIKI_LIST.read_text(encoding="utf-8")
    first = extract(page, WIKI_URL)
    assert first.article is not None
    assert any(
        line.startswith("This list of films featuring time loops")
        for line in first.article.paragraphs
    )
    added = "<p>Officials confirmed late on Tuesday that more films had been found.</p>"
    at = page.index("<table")
    again = extract(page[:at] + added + page[at:], WIKI_URL, None, first.hint)
    assert again.article is not None
    assert (
        "Officials confirmed late on Tuesday that more films had been found."
        in again.article.paragraphs
    )
