"""The detection benchmark's real chrome (bench/chrome.py): harvested, re-rolled, moved."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import chrome
import pagegen
from chrome import Block, Donors
from pagegen import CorpusPage, squash

CORPUS = Path(__file__).parent / "fixtures" / "corpus"
# Two tune pages of the fixture corpus: each is the other's only donor.
RECIPIENT, DONOR = "ars-1", "lemonde-1"

NEWS = (
    "aclu aktualne ars-1 bbc-1 breitbart buzzfeed-1 citylab-1 cnet cnn ebb-org engadget "
    "folha gmw guardian-1 heise herald-sun-1 la-nacion lemonde-1 liberation-1 lwn-1 "
    "medicalnewstoday msn nytimes-1 nytimes-2 nytimes-3 nytimes-4 nytimes-5 qq quanta-1 "
    "salon-1 seattletimes-1 telegraph theverge tmz-1 wapo-1 wapo-2 yahoo-1 yahoo-2 yahoo-3 "
    "yahoo-4"
).split()
WEB = (
    "archive-of-our-own blogger daringfireball-1 dropbox-blog ehow-1 ehow-2 "
    "firefox-nightly-blog gitlab-blog google-sre-book-1 hukumusume iab-1 ietf-1 keep-images "
    "lifehacker-post-comment-load lifehacker-working medium-1 medium-2 medium-3 mercurial "
    "mozilla-1 mozilla-2 pixnet royal-road simplyfound-1 spiceworks topicseed-1 tumblr "
    "v8-blog videos-1 videos-2 webmd-1 webmd-2 wikia wikipedia wikipedia-2 wikipedia-3 "
    "wikipedia-4 wordpress youth"
).split()


@pytest.fixture(scope="module")
def pages() -> dict[str, CorpusPage]:
    return {page.name: page for page in pagegen.load_corpus(CORPUS)}


@pytest.fixture(scope="module")
def harvests(pages: dict[str, CorpusPage]) -> dict[str, list[Block]]:
    return {
        name: chrome.harvest(pages[name], (CORPUS / name / "expected.html").read_text())
        for name in (RECIPIENT, DONOR)
    }


@pytest.fixture(scope="module")
def donors(pages: dict[str, CorpusPage], harvests: dict[str, list[Block]]) -> Donors:
    langs = {name: chrome.language(pages[name]) for name in harvests}
    return chrome.donors_for(pages[RECIPIENT], harvests, langs)


def test_the_split_puts_47_pages_in_tune_and_32_in_holdout() -> None:
    """The sha256 split gives news 23/17 and web 24/15 tune/holdout pages, 47/32 in all."""
    assert len(NEWS) == 40 and len(WEB) == 39
    news = [chrome.split_of(name) for name in NEWS]
    web = [chrome.split_of(name) for name in WEB]
    assert (news.count("tune"), news.count("holdout")) == (23, 17)
    assert (web.count("tune"), web.count("holdout")) == (24, 15)
    assert (news + web).count("tune") == 47 and (news + web).count("holdout") == 32


def test_the_aeb_pages_split_into_tune_and_sealed_never_holdout() -> None:
    """Pages made by bench/aeb.py split by the same hash: half tune, half sealed."""
    splits = [chrome.split_of(f"aeb-{n:010x}") for n in range(64)]
    assert set(splits) == {"tune", "sealed"}


def test_the_mercury_pages_split_into_tune_and_sealed_never_holdout() -> None:
    """Pages made by bench/mercury.py split as the AEB's do: half tune, half sealed."""
    splits = [chrome.split_of(f"mrc-site{n}.example") for n in range(64)]
    assert set(splits) == {"tune", "sealed"}


# The shape of a site's extractor in postlight/parser (src/extractors/custom/*/index.js).
MERCURY_EXTRACTOR = """
export const WwwExampleComExtractor = {
  domain: 'www.example.com',
  title: { selectors: ['h1.headline', 'h1'] },
  content: {
    selectors: [
      ['.lead-media', ".story-body"],
      'div[itemprop="articleBody"]',
    ],
    transforms: { 'h2.subhead': 'h3' },
    clean: ['.related', "aside"],
  },
};
"""


def test_mercury_reads_a_sites_content_selectors_and_what_it_cleans() -> None:
    """mercury.py: a group of selectors (all of them), then single ones; and the cleaned."""
    import mercury

    selectors, clean = mercury.content_rules(MERCURY_EXTRACTOR)
    assert selectors == [[".lead-media", ".story-body"], ['div[itemprop="articleBody"]']]
    assert clean == [".related", "aside"]


def test_mercury_takes_the_first_selector_that_matches_less_the_cleaned_parts() -> None:
    """The body is the blocks of the first selector found, less what the site cleans; a
    ``div`` holding text and no block is a paragraph of its own."""
    import lxml.html
    import mercury

    page = lxml.html.document_fromstring(
        '<html><body><h1 class="headline">Story</h1><div itemprop="articleBody">'
        "<p>First paragraph.</p><aside><p>Read more: another story</p></aside>"
        '<div class="related"><ul><li>Link one</li></ul></div>'
        "<div>A paragraph in a div.</div><h2>A subhead</h2><p>Last <b>one</b>.</p>"
        "<script>var x = 1;</script></div></body></html>"
    )
    assert mercury.body_of(page, MERCURY_EXTRACTOR) == [
        "First paragraph.",
        "A paragraph in a div.",
        "A subhead",
        "Last one.",
    ]


def test_the_sealed_corpus_metadata_is_read_from_the_pages_own_tags() -> None:
    """aeb.py: the annotation has only the body; title, byline, language are the page's."""
    import aeb
    import lxml.html

    page = lxml.html.document_fromstring(
        '<html lang="en-US"><head><title>Site | Story</title>'
        '<meta property="og:title" content="Story"><meta name="author" content="Ana Ruiz">'
        '<meta property="article:author" content="https://site.example/ana">'
        "</head><body><p>x</p></body></html>"
    )
    assert aeb.metadata(page) == {
        "title": "Story",
        "byline": "Ana Ruiz",
        "excerpt": "",
        "lang": "en-US",
    }


def test_harvested_blocks_hold_no_expected_text(
    pages: dict[str, CorpusPage], harvests: dict[str, list[Block]]
) -> None:
    """No harvested block shares a five-word run with its page's expected.html text."""
    for name, blocks in harvests.items():
        assert len(blocks) >= 3, name
        expected = chrome.expected_text((CORPUS / name / "expected.html").read_text())
        article = chrome.shingles(expected)
        for block in blocks:
            assert block.donor == name
            assert chrome.shingles(block.text).isdisjoint(article), (name, block.text)
            text = squash(block.text)
            for paragraph in pages[name].paragraphs:
                assert len(paragraph) < 25 or paragraph not in text, (name, paragraph)
            assert "<script" not in block.markup and "<style" not in block.markup
            assert len(block.markup) <= chrome.MAX_MARKUP


def test_donors_are_other_pages_of_the_same_split(
    pages: dict[str, CorpusPage], harvests: dict[str, list[Block]], donors: Donors
) -> None:
    """A page never wears its own chrome, nor chrome of a page of the other split."""
    assert donors.blocks
    assert {block.donor for block in donors.blocks} == {DONOR}
    assert chrome.split_of(RECIPIENT) == chrome.split_of(DONOR)
    holdout = pages["liberation-1"]
    assert chrome.split_of(holdout.name) == "holdout"
    langs = {name: chrome.language(pages[name]) for name in harvests}
    assert not chrome.donors_for(holdout, harvests, langs).blocks


def test_rerolling_changes_the_chrome_text_between_seeds(
    pages: dict[str, CorpusPage], donors: Donors
) -> None:
    """The same seed gives the same page; another seed changes most pieces' text."""
    page = pages[RECIPIENT]
    first = chrome.dress(page.html, page, donors, 1)
    assert chrome.dress(page.html, page, donors, 1) == first
    second = chrome.dress(page.html, page, donors, 2)
    assert first.html != second.html
    slots = {p.slot: p.text for p in first.pieces}
    again = {p.slot: p.text for p in second.pieces}
    changed = [slot for slot in slots.keys() & again.keys() if slots[slot] != again[slot]]
    assert len(changed) >= len(slots) // 2, (slots, again)
    assert any(p.slot == "byline-in" for p in first.pieces)


@pytest.mark.parametrize("mode", chrome.CLASS_MODES)
def test_transplanting_keeps_every_expected_paragraph_and_puts_chrome_inside(
    pages: dict[str, CorpusPage], donors: Donors, mode: str
) -> None:
    """The recipient's article paragraphs read the same, in order, with chrome in the container."""
    page = pages[RECIPIENT]
    before = pagegen.find_article(pagegen.parse(page.html), page.paragraphs)
    wanted = [squash(p.text_content()) for p in before.paragraphs]
    for seed in (3, 4):
        dressed = chrome.dress(page.html, page, donors, seed, mode)
        after = pagegen.find_article(pagegen.parse(dressed.html), page.paragraphs)
        assert [squash(p.text_content()) for p in after.paragraphs] == wanted
        inside = squash(after.container.text_content())
        moved_in = [
            p
            for p in dressed.pieces
            if p.slot in chrome.INSIDE_SLOTS and p.text and squash(p.text) in inside
        ]
        assert len(moved_in) >= 3, dressed.pieces
        assert "data-bench-moved" not in dressed.html


def test_class_modes_hash_stably_or_strip(pages: dict[str, CorpusPage], donors: Donors) -> None:
    """Hashed pages keep their own elements' hashes across rounds; stripped pages have no class."""
    page = pages[RECIPIENT]

    def own_classes(seed: int) -> list[str | None]:
        doc = pagegen.parse(chrome.dress(page.html, page, donors, seed, "hashed").html)
        container = pagegen.find_article(doc, page.paragraphs).container
        return [a.get("class") for a in [container, *container.iterancestors()]]

    first = own_classes(5)
    assert first == own_classes(6)
    tokens = [t for value in first if value for t in value.split()]
    assert tokens and all(t.startswith(("css-", "sc-")) for t in tokens)
    original = pagegen.parse(page.html)
    known = {t for e in original.xpath("//*[@class]") for t in e.get("class").split()}
    assert known.isdisjoint(tokens)
    stripped = pagegen.parse(chrome.dress(page.html, page, donors, 5, "stripped").html)
    assert not stripped.xpath("//*[@class]")
