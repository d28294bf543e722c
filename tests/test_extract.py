"""Extraction: real pages give their article; the watch's options shape what is watched."""

from __future__ import annotations

import json
import random
from functools import cache
from pathlib import Path

import lxml.html
import pytest
from fixtures.seed_pages import (
    BYLINE,
    UPDATED_LINE,
    Chrome,
    article_v1,
    article_v2,
    page_v1,
    page_v2,
)

from monitor.errors import ExtractionError
from monitor.extract import extract_article, visible_lines
from monitor.models import Article, WatchOptions
from monitor.normalize import comparison_key, normalize_paragraphs, normalize_text

CORPUS = Path(__file__).parent / "fixtures" / "corpus"
PAGES = ("ars-1", "lemonde-1", "liberation-1", "medicalnewstoday")
URL = "https://example.org/news/turkey-s400"
CHROME = Chrome(7)
V1_PARAGRAPHS = normalize_paragraphs(article_v1().paragraphs)
V2_PARAGRAPHS = normalize_paragraphs(article_v2().paragraphs)


@cache
def corpus_article(name: str) -> Article:
    return extract_article((CORPUS / name / "source.html").read_bytes(), URL)


def expected_paragraphs(name: str) -> list[str]:
    tree = lxml.html.fromstring((CORPUS / name / "expected.html").read_text(encoding="utf-8"))
    return [comparison_key(p) for p in normalize_paragraphs(visible_lines(tree))]


@pytest.mark.parametrize("name", PAGES)
def test_corpus_title_is_the_headline(name: str) -> None:
    """The extracted title is the page's headline, as a reader-mode extractor finds it."""
    metadata = json.loads((CORPUS / name / "expected-metadata.json").read_text(encoding="utf-8"))
    assert comparison_key(corpus_article(name).title) == comparison_key(metadata["title"])


@pytest.mark.parametrize("name", PAGES)
def test_corpus_article_text_is_found(name: str) -> None:
    """At least 90% of the reference article's paragraphs are in the extracted text."""
    text = "\n".join(comparison_key(p) for p in corpus_article(name).paragraphs)
    expected = expected_paragraphs(name)
    missing = [p for p in expected if p not in text]
    assert len(missing) <= 0.1 * len(expected), missing


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        (
            "ars-1",
            "https://arstechnica.com/information-technology/2015/04/"
            "just-released-minecraft-exploit-makes-it-easy-to-crash-game-servers/",
        ),
        ("medicalnewstoday", "https://www.medicalnewstoday.com/articles/318674.php"),
    ],
)
def test_corpus_canonical_and_robots(name: str, canonical: str) -> None:
    """The page's own canonical URL is read; pages without noindex are indexable."""
    article = corpus_article(name)
    assert (article.canonical, article.noindex) == (canonical, False)


@pytest.mark.parametrize("version", [1, 2])
def test_selector_restricts_to_the_selected_element(version: int) -> None:
    """With a CSS selector, the watched text is the selected element's lines and nothing else."""
    page = page_v1(CHROME) if version == 1 else page_v2(CHROME)
    expected = V1_PARAGRAPHS if version == 1 else (UPDATED_LINE, *V2_PARAGRAPHS)
    article = extract_article(page, URL, WatchOptions(selector=".article__content"))
    assert article.paragraphs == expected


def test_xpath_selector() -> None:
    """A selector starting with '/' is an XPath."""
    options = WatchOptions(selector="//div[@itemprop='articleBody']")
    assert extract_article(page_v1(CHROME), URL, options).paragraphs == V1_PARAGRAPHS


def test_selector_over_several_elements_keeps_document_order() -> None:
    """A selector matching several elements watches all of them, in page order."""
    options = WatchOptions(selector=".site-nav__item, .most-read__item")
    lines = extract_article(page_v1(CHROME), URL, options).paragraphs
    assert lines[:2] == ("News", "Business")
    assert lines[-len(CHROME.most_read) :] == CHROME.most_read


def test_selector_matching_nothing_is_an_error() -> None:
    """A selector that matches nothing is an ExtractionError saying so and what to do."""
    with pytest.raises(ExtractionError, match="matches nothing") as caught:
        extract_article(page_v1(CHROME), URL, WatchOptions(selector=".no-such-class"))
    assert ".no-such-class" in str(caught.value) and URL in str(caught.value)


@pytest.mark.parametrize(
    "options",
    [
        pytest.param(WatchOptions(remove=(".article__update",)), id="article"),
        pytest.param(
            WatchOptions(selector=".article__content", remove=(".article__update",)),
            id="with-selector",
        ),
        pytest.param(WatchOptions(raw=True, remove=(".article__update",)), id="raw"),
    ],
)
def test_remove_drops_elements(options: WatchOptions) -> None:
    """Elements matching a remove selector are gone before the text is read."""
    article = extract_article(page_v2(CHROME), URL, options)
    assert UPDATED_LINE not in article.paragraphs
    assert V2_PARAGRAPHS[0] in article.paragraphs


def test_remove_keeps_the_text_around_the_element() -> None:
    """Removing an inline element keeps the text that followed it."""
    page = "<html><body><p id=x>Total: <span class=n>42</span> visitors today.</p></body></html>"
    options = WatchOptions(selector="#x", remove=(".n",))
    assert extract_article(page, URL, options).paragraphs == ("Total: visitors today.",)


@pytest.mark.parametrize(
    "options",
    [
        pytest.param(WatchOptions(ignore=(r"^Updated at \d",)), id="article"),
        pytest.param(
            WatchOptions(selector=".article__content", ignore=("(?i)^updated at",)),
            id="with-selector",
        ),
        pytest.param(WatchOptions(raw=True, ignore=("^Updated at", "MSK$")), id="raw"),
    ],
)
def test_ignore_drops_matching_lines(options: WatchOptions) -> None:
    """Lines matching an ignore pattern are dropped; the others stay."""
    article = extract_article(page_v2(CHROME), URL, options)
    assert UPDATED_LINE not in article.paragraphs
    assert all(p in article.paragraphs for p in V2_PARAGRAPHS)
    assert CHROME.clock not in article.paragraphs


def test_default_extraction_is_the_article_only() -> None:
    """Without options, the article comes out with its headline and byline, and no chrome."""
    article = extract_article(page_v1(CHROME), URL)
    assert article.title == normalize_text(article_v1().headline)
    assert article.byline == BYLINE
    assert article.paragraphs == V1_PARAGRAPHS
    assert not {*CHROME.values(), "Most read", "Business"} & set(article.paragraphs)


def test_dates_are_read_from_the_page() -> None:
    """The published and modified dates come from the page's metadata."""
    v1, v2 = extract_article(page_v1(CHROME), URL), extract_article(page_v2(CHROME), URL)
    assert (v1.published, v1.modified) == ("2021-06-02", "2021-06-02")
    assert (v2.published, v2.modified) == ("2021-06-02", "2021-06-03")


def test_raw_returns_the_whole_visible_text() -> None:
    """raw watches every visible line of the page: navigation and chrome included."""
    article = extract_article(page_v1(CHROME), URL, WatchOptions(raw=True))
    lines = set(article.paragraphs)
    assert {"Business", "Opinion", "Most read", CHROME.clock, *CHROME.most_read} <= lines
    assert set(V1_PARAGRAPHS) <= lines
    assert not any(CHROME.nonce in line for line in lines)  # scripts are not visible text
    assert article.title == normalize_text(article_v1().headline)


def test_raw_json_is_watched_as_indented_lines() -> None:
    """A JSON document under raw becomes sorted, indented lines, one value per line."""
    article = extract_article(b'{"b": 1, "a": ["x"]}', URL, WatchOptions(raw=True))
    assert article.paragraphs == ("{", '  "a": [', '    "x"', "  ],", '  "b": 1', "}")


SIGNALS = """<html><head>{head}</head><body><article><p>The council approved the budget on
Tuesday after a debate that lasted well into the night, officials said.</p></article></body>
</html>"""


@pytest.mark.parametrize(
    ("head", "canonical", "noindex"),
    [
        pytest.param("", None, False, id="none"),
        pytest.param(f'<link rel="canonical" href="{URL}">', URL, False, id="canonical"),
        pytest.param('<meta name="robots" content="noindex, nofollow">', None, True, id="noindex"),
        pytest.param('<meta name="robots" content="NOINDEX">', None, True, id="noindex-caps"),
        pytest.param('<meta name="googlebot" content="noindex">', None, True, id="googlebot"),
        pytest.param('<meta name="robots" content="index, follow">', None, False, id="index"),
        pytest.param(
            '<link rel="canonical" href="/news/turkey-s400">', URL, False, id="relative-canonical"
        ),
    ],
)
@pytest.mark.parametrize(
    "options", [WatchOptions(), WatchOptions(raw=True)], ids=["article", "raw"]
)
def test_page_signals(
    head: str, canonical: str | None, noindex: bool, options: WatchOptions
) -> None:
    """The canonical URL (made absolute) and a robots noindex are read from the page's head."""
    article = extract_article(SIGNALS.format(head=head), URL, options)
    assert (article.canonical, article.noindex) == (canonical, noindex)


def test_page_without_an_article_falls_back_to_its_visible_text() -> None:
    """A page with no article in it is watched by its whole visible text."""
    page = """<html><body><nav><ul><li><a href="/">Home</a></li></ul></nav>
    <div>Status: all systems operational</div>
    <table><tr><td>API</td><td>OK</td></tr></table></body></html>"""
    article = extract_article(page, URL)
    assert "Status: all systems operational" in article.paragraphs
    assert {"API", "OK"} <= set(article.paragraphs)


GARBAGE = {
    "empty": b"",
    "whitespace": b"  \n\t ",
    "nul-bytes": b"\x00" * 100,
    "random-bytes": random.Random(0).randbytes(5000),
    "png-header": b"\x89PNG\r\n\x1a\n" + bytes(200),
    "plain-text": b"just some words",
    "unclosed-tags": b"<html><body><div><p>Hello <b>world",
    "utf-16": "<html><body><p>h\u00e9llo</p></body></html>".encode("utf-16"),
    "latin-1-no-charset": "<html><body><p>caf\u00e9 cr\u00e8me</p></body></html>".encode("latin-1"),
}


@pytest.mark.parametrize("body", GARBAGE.values(), ids=GARBAGE.keys())
@pytest.mark.parametrize(
    "options", [WatchOptions(), WatchOptions(raw=True)], ids=["article", "raw"]
)
def test_garbage_does_not_crash(body: bytes, options: WatchOptions) -> None:
    """Any bytes give either an Article or an ExtractionError that says the page is not HTML."""
    try:
        article = extract_article(body, URL, options)
    except ExtractionError as error:
        assert "could not be parsed as HTML" in str(error)
    else:
        assert isinstance(article, Article)


@pytest.mark.parametrize(
    "selector", ["div[", "//div[", ":has(", "))", "p::before", "p:first-letter", "li:nth-child(x)"]
)
@pytest.mark.parametrize("option", ["selector", "remove", "remove-raw"])
def test_invalid_selector_is_an_extraction_error(selector: str, option: str) -> None:
    """An invalid selector or remove selector is an ExtractionError quoting it."""
    options = {
        "selector": WatchOptions(selector=selector),
        "remove": WatchOptions(remove=(selector,)),
        "remove-raw": WatchOptions(raw=True, remove=(selector,)),
    }[option]
    with pytest.raises(ExtractionError) as caught:
        extract_article(page_v1(CHROME), URL, options)
    assert repr(selector) in str(caught.value)
