"""The seed-story pages: faithful to the story, and the extractor sees only the article."""

from __future__ import annotations

import itertools

import pytest
from fixtures.seed_pages import (
    ADDED_IN_REVISION,
    BYLINE,
    PHOTO,
    UPDATED_LINE,
    Chrome,
    article_v1,
    article_v2,
    page_v1,
    page_v2,
)

from monitor.extract import extract_article
from monitor.normalize import normalize_paragraphs, normalize_text

URL = "http://127.0.0.1:8000/news/turkey-to-send-home-russian-s-400-experts-a74078"
SEEDS = (0, 1, 42, 1234)


def test_v2_is_the_seed_story_as_plain_text() -> None:
    """Version 2 has the story's headline, date and twelve paragraphs, with no markdown left."""
    headline, byline, day, paragraphs = article_v2()
    assert headline == (
        "Turkey to Send Home Russian S-400 Missile System Experts in Signal to U.S. – Reports"
    )
    assert (byline, day, len(paragraphs)) == (BYLINE, "June 02, 2021", 12)
    assert "military experts won’t stay in Turkey,” Turkish Foreign Minister" in paragraphs[2]
    assert "Bloomberg reported this week." in paragraphs[0]
    assert "$2.5 billion deal" in paragraphs[1]
    assert not any(mark in p for p in paragraphs for mark in ("*", "](", "\\", "\n"))
    assert PHOTO.credit == "Sergei Malgavko / TASS"


def test_v1_lacks_exactly_the_three_added_paragraphs() -> None:
    """Version 1 is version 2, in the same order, without the revision's three paragraphs."""
    old, new = article_v1().paragraphs, article_v2().paragraphs
    added = [p for p in new if p not in old]
    assert [p for p in new if p in old] == list(old)
    assert [p[: len(start)] for p, start in zip(added, ADDED_IN_REVISION, strict=True)] == list(
        ADDED_IN_REVISION
    )
    assert added[2] == "The Kremlin confirmed Reshetnikova’s comments at a daily briefing Thursday."


def test_chrome_values_differ_between_seeds() -> None:
    """No chrome value is shared by two seeds, or repeated within one."""
    values = [value for seed in range(300) for value in Chrome(seed).values()]
    assert len(set(values)) == len(values)


def test_chrome_values_are_on_the_page_and_not_in_the_story() -> None:
    """Every chrome value is rendered on both pages and never occurs in the article text."""
    story = "\n".join(article_v2().paragraphs)
    for seed in SEEDS:
        chrome = Chrome(seed)
        for page in (page_v1(chrome), page_v2(chrome)):
            assert [v for v in chrome.values() if v not in page] == []
        assert [v for v in chrome.values() if v in story] == []


@pytest.mark.parametrize(("version", "seed"), list(itertools.product((1, 2), SEEDS)))
def test_extractor_recovers_the_article_and_nothing_else(version: int, seed: int) -> None:
    """The extractor returns the headline, byline and paragraphs, and no chrome value."""
    chrome = Chrome(seed)
    page = page_v1(chrome) if version == 1 else page_v2(chrome)
    text = article_v1() if version == 1 else article_v2()
    expected = (UPDATED_LINE, *text.paragraphs) if version == 2 else text.paragraphs

    article = extract_article(page, URL)

    assert article.title == normalize_text(text.headline)
    assert article.byline == BYLINE
    assert article.paragraphs == normalize_paragraphs(expected)
    extracted = "\n".join((article.title, article.byline, *article.paragraphs))
    assert [v for v in chrome.values() if normalize_text(v) in extracted] == []


@pytest.mark.parametrize("seed", SEEDS)
def test_extractor_reads_the_dates_not_the_header_clock(seed: int) -> None:
    """Published is June 2 on both pages; modified moves to June 3 only on the revision."""
    old = extract_article(page_v1(Chrome(seed)), URL)
    new = extract_article(page_v2(Chrome(seed)), URL)
    assert (old.published, old.modified) == ("2021-06-02", "2021-06-02")
    assert (new.published, new.modified) == ("2021-06-02", "2021-06-03")
