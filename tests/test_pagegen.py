"""The benchmark's page generator (bench/pagegen.py): chrome that changes, edits that count."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import pagegen
from pagegen import EDIT_KINDS, MARKER_OR, CorpusPage, apply_edit, squash, with_chrome

CORPUS = Path(__file__).parent / "fixtures" / "corpus"


@pytest.fixture(scope="module")
def pages() -> dict[str, CorpusPage]:
    return {page.name: page for page in pagegen.load_corpus(CORPUS)}


@pytest.fixture(scope="module")
def ars(pages: dict[str, CorpusPage]) -> CorpusPage:
    return pages["ars-1"]


# One pattern per dynamic chrome item; each captures the item's changing value.
DYNAMIC = {
    "clock": r"<span>(\w+day, \d+ \w+ \d{4} \d\d:\d\d)</span>",
    "weather": r"<span>([A-Z][\w ]+ -?[\d.]+°C, [\w ]+)</span>",
    "readers": r"([\d,]+) readers online",
    "nonce": r'nonce="(\w+)"',
    "token": r'window.__TOKEN="(\w+)"',
    "pageview": r'window.__PAGEVIEW_ID="(\w+)"',
    "csrf": r'name="csrf-token" content="(\w+)"',
    "ad ids": r'id="ad-(\w+)"',
    "consent": r'id="consent-(\w+)"',
    "generated": r"Page generated in (\d+) ms",
    "shares": r"([\d,]+) shares",
    "comments": r"(\d+) comments",
    "last updated": r"Last updated (\d+) minutes ago",
    "most read": r"Most read</h3>(.*?)</ol>",
    "related": r"Related stories</h4>(.*?)</ul>",
    "read more": r"(?i)read more:</?\w*>? ?(?:<a [^>]*>)?([^<]+)<",
}


def _values(html: str) -> dict[str, list[str]]:
    return {name: re.findall(pattern, html, re.DOTALL) for name, pattern in DYNAMIC.items()}


def _article_texts(html: str, page: CorpusPage) -> list[str]:
    """The text of every <p> in the article's container."""
    container = pagegen.find_article(pagegen.parse(html), page.paragraphs).container
    return [squash(p.text_content()) for p in container.iter("p")]


def test_every_dynamic_chrome_item_differs_between_seeds(ars: CorpusPage) -> None:
    """Two seeds give different values for every dynamic item, and one seed is reproducible."""
    first, second = (
        with_chrome(ars.html, 1, ars.paragraphs),
        with_chrome(ars.html, 2, ars.paragraphs),
    )
    assert with_chrome(ars.html, 1, ars.paragraphs) == first
    a, b = _values(first), _values(second)
    for name in DYNAMIC:
        assert a[name], f"seed 1 has no {name}"
        assert b[name], f"seed 2 has no {name}"
        assert a[name] != b[name], f"{name} is the same for seeds 1 and 2"


def test_chrome_never_changes_the_article_text(pages: dict[str, CorpusPage]) -> None:
    """The article's own paragraphs read the same, in the same order, with chrome around them."""
    for page in pages.values():
        source = pagegen.parse(page.html)
        before = [
            squash(p.text_content())
            for p in pagegen.find_article(source, page.paragraphs).paragraphs
        ]
        for seed in (0, 7):
            chromed = pagegen.parse(with_chrome(page.html, seed, page.paragraphs))
            nodes = pagegen.find_article(chromed, page.paragraphs).paragraphs
            assert [squash(p.text_content()) for p in nodes] == before, page.name


def test_some_chrome_sits_inside_the_article_container_and_one_item_has_no_class(
    pages: dict[str, CorpusPage],
) -> None:
    """Share bar, related box, ad, timestamp and a class-less 'Read more' are in the container."""
    for page in pages.values():
        doc = pagegen.parse(with_chrome(page.html, 3, page.paragraphs))
        container = pagegen.find_article(doc, page.paragraphs).container
        inside = squash(container.text_content())
        for text in ("shares", "comments", "Related stories", "Advertisement", "Last updated"):
            assert text in inside, (page.name, text)
        links = [p for p in container.iter("p") if "read more" in p.text_content().lower()]
        assert len(links) == 1 and links[0].get("class") is None, page.name


def test_a_word_edit_changes_one_word_of_one_paragraph(ars: CorpusPage) -> None:
    """'word' changes one paragraph, and the marker is new text in it."""
    html, marker = apply_edit(ars.html, ars, "word", 3)
    before, after = _article_texts(ars.html, ars), _article_texts(html, ars)
    assert len(before) == len(after)
    changed = [(old, new) for old, new in zip(before, after, strict=True) if old != new]
    assert len(changed) == 1
    old, new = changed[0]
    assert marker in new and marker not in old
    assert abs(len(old.split()) - len(new.split())) <= 1


def test_an_update_adds_a_note_before_and_a_paragraph_after_the_second(ars: CorpusPage) -> None:
    """'update' adds an 'Updated at' note first and a new third paragraph holding the marker."""
    html, marker = apply_edit(ars.html, ars, "update", 3)
    before = [p for p in _article_texts(ars.html, ars) if p]
    after = [p for p in _article_texts(html, ars) if p]
    first = pagegen.find_article(pagegen.parse(ars.html), ars.paragraphs).paragraphs
    start = after.index(squash(first[0].text_content()))
    assert after[start - 1].startswith("Updated at 3:40 p.m. on")
    assert marker in after[start + 2]
    assert [p for p in after if not p.startswith("Updated at") and marker not in p] == before


def test_a_deletion_removes_one_paragraph_whose_opening_is_the_marker(ars: CorpusPage) -> None:
    """'delete' removes one middle paragraph; the marker is its opening words."""
    html, marker = apply_edit(ars.html, ars, "delete", 3)
    before, after = _article_texts(ars.html, ars), _article_texts(html, ars)
    removed = [p for p in before if p not in after]
    assert len(after) == len(before) - 1 and len(removed) == 1
    assert removed[0].startswith(marker)


def test_a_headline_edit_changes_h1_title_and_metadata(ars: CorpusPage) -> None:
    """'headline' puts the new headline in the <h1>, the <title> and og/twitter titles."""
    html, marker = apply_edit(ars.html, ars, "headline", 3)
    doc = pagegen.parse(html)
    assert marker in [squash(h1.text_content()) for h1 in doc.iter("h1")]
    assert marker in squash(doc.findtext(".//title") or "")
    og = doc.xpath("//meta[@property='og:title']/@content")
    assert og and all(marker in squash(value) for value in og)


def test_a_headline_edit_is_marked_by_the_headline_not_the_blogs_name_before_it() -> None:
    """GiveWell's blog names itself in an <h1> above the post's: both <h1>s agree with the
    title, and the marker is the post's headline, the one that says most of the title."""
    title = "A grant to Evidence Action Beta to prototype, test, and scale promising programs"
    page = CorpusPage(
        name="givewell",
        html=(
            f"<html><head><title>{title} - The GiveWell Blog</title></head><body>"
            f"<h1>The GiveWell Blog</h1><article><h1>{title}</h1><p>{'Text. ' * 40}</p>"
            "</article></body></html>"
        ),
        paragraphs=("Text. " * 40,),
        metadata={"title": f"{title} - The GiveWell Blog"},
    )
    html, marker = apply_edit(page.html, page, "headline", 3)
    assert marker.startswith(title + ", ")
    assert marker in [squash(h1.text_content()) for h1 in pagegen.parse(html).iter("h1")]


def test_a_byline_edit_renames_the_author_in_byline_and_metadata(ars: CorpusPage) -> None:
    """'byline' replaces the author's name in the visible byline and the author metadata."""
    old = ars.metadata["byline"]
    html, marker = apply_edit(ars.html, ars, "byline", 3)
    doc = pagegen.parse(html)
    bylines = [
        squash(e.text_content())
        for e in doc.xpath("//*[@rel='author' or contains(@class, 'byline')]")
    ]
    assert any(marker in text for text in bylines)
    assert not any(old in text for text in bylines)
    assert all(old not in value for value in doc.xpath("//meta[@name='author']/@content"))


def test_a_byline_edit_needs_a_byline(ars: CorpusPage) -> None:
    """A page whose metadata names no author cannot take a byline edit."""
    anonymous = CorpusPage(ars.name, ars.html, ars.paragraphs, {**ars.metadata, "byline": None})
    with pytest.raises(pagegen.EditNotApplicable):
        apply_edit(ars.html, anonymous, "byline", 3)


def test_a_correction_is_appended_after_the_last_paragraph(ars: CorpusPage) -> None:
    """'correction' adds the correction right after the article's last paragraph."""
    html, marker = apply_edit(ars.html, ars, "correction", 3)
    last = pagegen.find_article(pagegen.parse(ars.html), ars.paragraphs).paragraphs[-1]
    after = _article_texts(html, ars)
    at = after.index(squash(last.text_content()))
    assert after[at + 1].startswith(marker) and marker.startswith("Correction: ")


def test_a_swap_exchanges_two_adjacent_paragraphs(ars: CorpusPage) -> None:
    """'swap' moves one paragraph past its neighbour; the marker names both."""
    html, marker = apply_edit(ars.html, ars, "swap", 3)
    before, after = _article_texts(ars.html, ars), _article_texts(html, ars)
    assert sorted(before) == sorted(after) and before != after
    moved = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    assert len(moved) == 2 and moved[1] == moved[0] + 1
    assert before[moved[0]] == after[moved[1]] and before[moved[1]] == after[moved[0]]
    openings = marker.split(MARKER_OR)
    assert after[moved[0]].startswith(openings[1])
    assert after[moved[1]].startswith(openings[0])


@pytest.mark.parametrize("kind", EDIT_KINDS)
def test_edits_are_deterministic_and_leave_chrome_free_html_parseable(
    ars: CorpusPage, kind: str
) -> None:
    """The same edit and seed give the same page, which still takes chrome."""
    first = apply_edit(ars.html, ars, kind, 5)
    assert apply_edit(ars.html, ars, kind, 5) == first
    assert "Related stories" in with_chrome(first[0], 5, ars.paragraphs)


@pytest.mark.parametrize(
    ("byline", "first"),
    [
        ("By\n\t\t\tScott Cunningham", "Scott Cunningham"),  # iab.com: "By" on its own line
        ("Written by Rob Ewaschuk\n   Edited by Betsy Beyer", "Rob Ewaschuk"),
        ("Por Ana García", "Ana García"),
        ("Byron Smith", "Byron Smith"),
    ],
)
def test_a_byline_edit_replaces_a_name_never_the_word_by(byline: str, first: str) -> None:
    """The name a byline edit replaces is the author's, whatever line 'By' stands on."""
    assert pagegen.byline_names(byline)[0] == first
