"""monitor serve's pages, read in a real headless Chromium: the watch list, a watch's
timeline, a diff side by side and inline, and the day's changes, on the reference story
(v1, then v2, served by a local web server and checked by a real monitor)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from browsing import (
    ADDED,
    SEED,
    STORY_NAME,
    Chromium,
    check_story,
    serving,
    write_config,
)
from lxml import html as lxml_html
from servers import PageServer

from monitor.app import Monitor
from monitor.config import load_config
from monitor.history.match import CHANGE_KINDS
from monitor.models import WatchSpec
from monitor.render import BORDERS, CONTEXT_COLOUR, DEL_STYLE, INS_STYLE
from monitor.serve.pages import CHANGE_LABELS, STYLESHEET
from monitor.serve.server import CSP

SCRIPT = "<script>alert(1)</script>"
MISSING = "/missing"
GONE = "/gone"


@dataclass
class Served:
    """``monitor serve`` over a database the reference story was checked into."""

    base: str
    url: str
    story: int
    """The story's watch id."""
    missing: int
    """A watch whose page answers 404: its error."""
    missing_url: str
    gone_url: str
    """A watch whose page was taken down."""


@pytest.fixture
def served(db_url: str, tmp_path: Path, page_server: PageServer) -> Iterator[Served]:
    config = write_config(tmp_path, db_url)
    url = check_story(config, page_server, failing=MISSING, taken_down=GONE)
    monitor = Monitor(load_config(config), read_only=True)
    try:
        ids = {w.url: w.id for w in monitor.watches()}
        with serving(monitor) as base:
            missing = page_server.url(MISSING)
            yield Served(base, url, ids[url], ids[missing], missing, page_server.url(GONE))
    finally:
        monitor.close()


def get(url: str) -> httpx.Response:
    return httpx.get(url, timeout=30, trust_env=False)


def rgb(style: str, prop: str) -> str:
    """A colour of an inline style (``#d7f5dd``) as a browser computes it."""
    found = re.search(rf"(?:^|;){prop}:#(\w\w)(\w\w)(\w\w)", style)
    assert found, (prop, style)
    return "rgb({}, {}, {})".format(*(int(part, 16) for part in found.groups()))


def chrome_texts() -> list[str]:
    """The texts of the reference pages' chrome: header, ad, view counter, sidebar, footer."""
    texts = []
    for name in ("v1.html", "v2.html"):
        tree = lxml_html.fromstring((SEED / name).read_bytes())
        for node in tree.xpath(
            "//header//div | //header//a | //div[@class='ad'] | //span[@class='views']"
            " | //aside//h3 | //aside//a | //footer//p"
        ):
            texts.append(" ".join(node.text_content().split()))
    assert len(texts) > 20
    return texts


def cells(page: Any, selector: str) -> list[list[str]]:
    """The text of each row's cells."""
    return [row.locator("td").all_inner_texts() for row in page.locator(selector).all()]


# -- the pages --------------------------------------------------------------------------


def test_the_watch_list_shows_each_watch_with_its_state_last_change_and_error(
    chromium: Chromium, served: Served
) -> None:
    """/ lists every watch with its state, versions, last check and change, and last error."""
    rows = chromium.visit(f"{served.base}/", lambda page: cells(page, "tr.watch"))
    by_name = {row[0].splitlines()[0]: row for row in rows}
    story, missing, gone = (by_name[k] for k in (STORY_NAME, served.missing_url, served.gone_url))
    # Three versions: the first page with its quick reading, that page read in full, v2.
    assert story[1:3] == ["Active", "3"]
    assert story[3] != "never" and story[4] != "never" and story[5] == ""
    assert missing[2] == "0" and missing[4] == "never"
    assert "404" in missing[5]
    assert gone[1:3] == ["Taken down", "1"]


def test_a_watch_page_is_its_timeline_with_the_kinds_of_edit(
    chromium: Chromium, served: Served
) -> None:
    """/watch/ID lists the versions newest first, each with its label, kinds of edit and
    size, and a link to its diff from the version before."""

    def look(page: Any) -> tuple[str, list[str], list[str], list[list[str]], list[str | None]]:
        versions = page.locator("li.version")
        return (
            page.locator("h1").inner_text(),
            versions.locator(".number").all_inner_texts(),
            versions.locator(".label").all_inner_texts(),
            [v.locator(".kind").all_inner_texts() for v in versions.all()],
            [a.get_attribute("href") for a in versions.locator("a.diff").all()],
        )

    title, numbers, labels, kinds, links = chromium.visit(
        f"{served.base}/watch/{served.story}", look
    )
    assert title == STORY_NAME
    assert numbers == ["3", "2", "1"]
    assert labels == ["Edited", "Read in full", "First version"]
    assert "added" in kinds[0] and kinds[1] == [] and kinds[2] == []
    # The first page read in full is no change of it: nothing to diff.
    assert links == [f"/watch/{served.story}/diff?from=2&to=3"]


def test_the_diff_highlights_the_added_paragraphs_in_the_emails_colours(
    chromium: Chromium, served: Served
) -> None:
    """Side by side, the new version's added paragraphs are marked <ins>, in the email's
    green on the email's text colour; inline, the same paragraphs as the email shows them."""

    def look(page: Any) -> dict[str, Any]:
        marked = page.locator("td.new ins")
        return {
            "new": marked.all_inner_texts(),
            "old": page.locator("td.old ins").count(),
            "inline": page.locator(".inline p.block.added ins").all_inner_texts(),
            "colours": marked.evaluate_all(
                "nodes => nodes.map(n => [getComputedStyle(n).backgroundColor,"
                " getComputedStyle(n).color])"
            ),
        }

    shown = chromium.visit(f"{served.base}/watch/{served.story}/diff?from=2&to=3", look)
    assert shown["new"] == list(ADDED)
    assert shown["inline"] == list(ADDED)
    assert shown["old"] == 0
    green = [rgb(INS_STYLE, "background"), rgb(INS_STYLE, "color")]
    assert shown["colours"] == [green] * len(ADDED)


def test_the_diff_shows_the_article_and_no_chrome(chromium: Chromium, served: Served) -> None:
    """Neither side of the diff, nor the inline view, holds any of the page's chrome."""
    text = chromium.visit(
        f"{served.base}/watch/{served.story}/diff?from=2&to=3",
        lambda page: page.locator("main").inner_text(),
    )
    assert "Turkey will send home Russian military experts" in text
    for chrome in chrome_texts():
        assert chrome not in text, f"chrome {chrome!r} on the diff page"


def test_the_changes_page_lists_todays_changes_by_kind(chromium: Chromium, served: Served) -> None:
    """/changes lists the day's changes across watches, the page taken down among them;
    ?kind= keeps one kind of change, ?since= another time span."""

    def rows(query: str) -> list[list[str]]:
        return chromium.visit(f"{served.base}/changes{query}", lambda p: cells(p, "tr.change"))

    listed = rows("")
    (gone,) = [row for row in listed if row[2] == "Taken down"]
    (change,) = [row for row in listed if row is not gone]
    assert gone[1] == served.gone_url
    label = change[2]
    assert label in ("Silent edit", "Declared edit")
    assert change[1].startswith("Turkey to Send Home Russian S-400")
    assert "added" in change[3]
    kind = "silent" if label == "Silent edit" else "declared"
    assert rows(f"?kind={kind}") == [change]
    assert rows("?kind=gone") == [gone]
    assert rows("?kind=revert") == []
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    assert rows(f"?since={tomorrow}") == []
    assert rows("?since=1w&kind=" + kind) == [change]


def test_every_page_works_without_javascript(chromium: Chromium, served: Served) -> None:
    """With JavaScript disabled, each page shows its content, styled: none has a script."""
    pages = {
        "/": ("Watches", "tr.watch"),
        f"/watch/{served.story}": (STORY_NAME, "li.version"),
        f"/watch/{served.story}/diff?from=2&to=3": (STORY_NAME, "td.new ins"),
        "/changes": ("Changes since", "tr.change"),
    }
    for path, (heading, content) in pages.items():

        def look(page: Any, content: str = content) -> tuple[str, int, int, str]:
            return (
                page.locator("h1").inner_text(),
                page.locator(content).count(),
                page.locator("script").count(),
                page.locator("header.bar").evaluate("n => getComputedStyle(n).display"),
            )

        title, shown, scripts, bar = chromium.visit(served.base + path, look, javascript=False)
        assert title.startswith(heading), path
        assert shown > 0 and scripts == 0, path
        assert bar == "flex", f"{path}: the stylesheet did not apply"


# -- what every page sends -------------------------------------------------------------


ERRORS = [
    ("/watch/999", 404, "There is no watch #999."),
    ("/watch/abc", 404, "A watch is named by its number"),
    ("/watch/{story}/diff?from=1&to=9", 404, "has no version 9"),
    ("/watch/{missing}/diff", 404, "has no two versions to compare yet"),
    ("/watch/{story}/diff?from=one", 400, "is not a version number"),
    ("/changes?since=yesterday", 400, "is not a date"),
    ("/changes?kind=typo", 400, "is none of silent, declared, revert, timestamp, gone"),
    ("/nowhere", 404, "There is no page at /nowhere."),
]


def test_an_unknown_watch_or_version_is_a_clear_error_page(served: Served) -> None:
    """An unknown watch, version or page, or a parameter not understood: an HTML page
    saying so, with the status, the strict CSP and no traceback."""
    for path, status, says in ERRORS:
        response = get(served.base + path.format(story=served.story, missing=served.missing))
        assert response.status_code == status, path
        assert response.headers["Content-Type"] == "text/html; charset=utf-8", path
        assert response.headers["Content-Security-Policy"] == CSP, path
        assert says in response.text and "Traceback" not in response.text, path


def test_pages_escape_page_text_and_send_the_strict_csp(
    storage: Any, db_url: str, tmp_path: Path
) -> None:
    """A watch named like a script is shown as text on every page, each sent with the
    strict Content-Security-Policy and the stylesheet from the package."""
    config = write_config(tmp_path, db_url)
    writer = Monitor(load_config(config))
    try:
        watch = writer.add(WatchSpec(url="https://example.org/a", name=SCRIPT))
    finally:
        writer.close()
    monitor = Monitor(load_config(config), read_only=True)
    try:
        with serving(monitor) as base:
            responses = [get(base + path) for path in ("/", f"/watch/{watch.id}", "/changes")]
            css = get(f"{base}/static/monitor.css")
    finally:
        monitor.close()
    for response in responses:
        assert response.status_code == 200
        assert response.headers["Content-Security-Policy"] == CSP
        assert "<script" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in responses[0].text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in responses[1].text
    assert css.status_code == 200 and css.headers["Content-Type"] == "text/css; charset=utf-8"
    assert css.content == STYLESHEET


def test_the_stylesheet_colours_a_diff_as_the_email_does() -> None:
    """The stylesheet's diff rules are the email's inline styles, word for word."""
    css = STYLESHEET.decode()
    assert f"ins.ins {{ {INS_STYLE} }}" in css
    assert f"del.del {{ {DEL_STYLE} }}" in css
    for kind, colour in BORDERS.items():
        assert re.search(rf"p\.block\.{kind} {{ border-left-color: {colour};", css), kind
    assert (
        f"p.block.equal {{ border-left-color: {BORDERS['equal']}; color: {CONTEXT_COLOUR}; }}"
        in css
    )


def test_the_changes_page_offers_every_kind_of_change() -> None:
    """The changes page has a filter for each kind of change the core tells apart."""
    assert tuple(CHANGE_LABELS) == CHANGE_KINDS
