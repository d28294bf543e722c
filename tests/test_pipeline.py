"""A check end to end, by what the user is told: edits, reverts, dates, and an article's fate.

Pages come from a real local web server, but for the tests of what a check makes of an
answer (a failing watch, retention), which script them through the fetcher seam
(``fetchers.FakeFetcher``); alerts go to a real SMTP server or a real JSON webhook
through Apprise.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import socketserver
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fetchers import FakeFetcher
from fixtures.hostile_pages import json_ld_author_bomb
from fixtures.seed_pages import Chrome, article_v1, page_v1, page_v2, render_page
from servers import PageServer, SMTPServer, WebhookReceiver

from monitor.cli import main
from monitor.config import Target
from monitor.errors import PageUnreadable
from monitor.models import AlertDraft, CheckOutcome, Rendered, Watch, WatchSpec
from monitor.notify import Delivery, Message, Notifier
from monitor.pipeline import Pipeline, PipelineSettings
from monitor.retention import Retention
from monitor.storage import Storage
from monitor.workers import ExtractionPool

PATH = "/news/s400-experts"
ALLOW_LOOPBACK = '[monitor]\nallow_internal = ["127.0.0.1"]\n'
"""The pages are served on 127.0.0.1, which is refused unless the config allows it."""


@pytest.fixture
def setup(tmp_path: Path, page_server: PageServer, smtp_server: SMTPServer) -> tuple[Path, str]:
    url = page_server.url(PATH)
    config = tmp_path / "monitor.toml"
    config.write_text(
        f'[storage]\nurl = "sqlite:///{tmp_path}/m.db"\n'
        f"{ALLOW_LOOPBACK}"
        f'[notify]\nurls = ["{smtp_server.apprise_url()}"]\n'
        f'[[watch]]\nurl = "{url}"\nname = "story"\n',
        encoding="utf-8",
    )
    return config, url


def one_watch(tmp_path: Path, url: str, monitor: str = "") -> Path:
    """A config watching ``url`` on a SQLite database, loopback allowed, plus ``monitor``
    lines in its [monitor] table; returns its path."""
    config = tmp_path / "monitor.toml"
    config.write_text(
        f'[storage]\nurl = "sqlite:///{tmp_path}/m.db"\n{ALLOW_LOOPBACK}{monitor}'
        f'[[watch]]\nurl = "{url}"\n',
        encoding="utf-8",
    )
    return config


def check(config: Path) -> None:
    assert main(["--config", str(config), "check", "--all"]) in (0, 2)


def subjects(smtp: SMTPServer) -> list[str]:
    return [str(message["Subject"]) for message in smtp.messages]


def body(smtp: SMTPServer, index: int = -1) -> str:
    part = smtp.messages[index].get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def edited_v1(old: str, new: str, *, modified: str | None = None) -> str:
    headline, byline, date, paragraphs = article_v1()
    changed = tuple(p.replace(old, new) for p in paragraphs)
    return render_page(changed, headline, byline, date, Chrome(9), modified=modified)


def test_a_silent_edit_is_called_silent(
    setup: tuple[Path, str], page_server: PageServer, smtp_server: SMTPServer
) -> None:
    """One changed figure, no 'updated' note, no date moved: the alert says 'Silent edit',
    and which figure."""
    config, _ = setup
    page_server.set(PATH, page_v1(Chrome(1)))
    check(config)
    page_server.set(PATH, edited_v1("$2.5 billion", "$2.7 billion"))
    check(config)
    assert subjects(smtp_server) == ["[monitor] Silent edit: reported $2.5 → $2.7 billion — story"]
    assert "{+2.7+}" in body(smtp_server) or "$2.7 billion" in body(smtp_server)


def test_a_revision_with_an_update_line_is_called_declared(
    setup: tuple[Path, str], page_server: PageServer, smtp_server: SMTPServer
) -> None:
    """The seed revision says 'Updated at ...' and moves its date: 'Declared edit', of four
    sentences added."""
    config, _ = setup
    page_server.set(PATH, page_v1(Chrome(1)))
    check(config)
    page_server.set(PATH, page_v2(Chrome(2)))
    check(config)
    assert subjects(smtp_server) == ["[monitor] Declared edit: 4 sentences added — story"]


def test_a_flip_back_is_reported_as_a_revert_to_that_version(
    setup: tuple[Path, str],
    page_server: PageServer,
    smtp_server: SMTPServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """v1, v2, then v1's text again: a version is stored and the alert names version 2,
    the first page read in full (version 1 holds its quick reading)."""
    config, url = setup
    page_server.set(PATH, page_v1(Chrome(1)))
    check(config)
    page_server.set(PATH, page_v2(Chrome(2)))
    check(config)
    page_server.set(PATH, page_v1(Chrome(3)))
    check(config)
    assert subjects(smtp_server)[-1] == "[monitor] Reverted: story"
    assert "again that of version 2" in body(smtp_server)
    capsys.readouterr()
    main(["--config", str(config), "history", url, "--json"])
    kinds = [row["kind"] for row in json.loads(capsys.readouterr().out)]
    assert kinds == ["first", "reading", "edit", "revert"]


def _with_label_over_last_paragraph(page: str, label: str) -> str:
    at = page.rindex("<p", 0, page.index("</p>\n</div>\n</article>"))
    return page[:at] + f"<h3>{label}</h3>\n" + page[at:]


def test_a_revert_with_a_new_label_beside_it_is_a_revert_and_the_label_waits(
    setup: tuple[Path, str], page_server: PageServer, smtp_server: SMTPServer
) -> None:
    """v1, v2, then v1's text again with a promo's heading come from nothing among its
    paragraphs: the alert says "Reverted" (the label does not make it an edit), and the
    label, still there at the next check, is reported then (seed 18's open pages: "Tag
    Cloud", "Explore the BBC" beside a restored paragraph turned reverts into edits)."""
    config, _ = setup
    page_server.set(PATH, page_v1(Chrome(1)))
    check(config)
    page_server.set(PATH, page_v2(Chrome(2)))
    check(config)
    page_server.set(PATH, _with_label_over_last_paragraph(page_v1(Chrome(3)), "Tag Cloud"))
    check(config)
    assert subjects(smtp_server)[-1] == "[monitor] Reverted: story"
    assert "Tag Cloud" not in body(smtp_server)
    page_server.set(PATH, _with_label_over_last_paragraph(page_v1(Chrome(4)), "Tag Cloud"))
    check(config)
    assert len(smtp_server.messages) == 3
    assert "+ Tag Cloud" in body(smtp_server)


def _without_last_paragraph(page: str) -> str:
    end = page.index("</p>\n</div>\n</article>") + len("</p>")
    return page[: page.rindex("<p", 0, end)] + page[end:]


def test_a_paragraph_restored_under_a_new_label_is_a_revert(
    setup: tuple[Path, str], page_server: PageServer, smtp_server: SMTPServer
) -> None:
    """v1, v1 less its last paragraph, then v1 again with a promo's heading come from
    nothing right over the restored paragraph: the alert says "Reverted" at once. The
    heading does not make the paragraph a new section, nor the restored paragraph a
    sentence from nothing to hold: the page had it (seed 32's open pages: "Gmail:
    Predictable, Scriptable Responses from Humans" over a restored quotation held the
    revert, and it was never reported)."""
    config, _ = setup
    page_server.set(PATH, page_v1(Chrome(1)))
    check(config)
    page_server.set(PATH, _without_last_paragraph(page_v1(Chrome(2))))
    check(config)
    assert len(smtp_server.messages) == 1
    page_server.set(PATH, _with_label_over_last_paragraph(page_v1(Chrome(3)), "Tag Cloud"))
    check(config)
    assert len(smtp_server.messages) == 2
    assert subjects(smtp_server)[-1] == "[monitor] Reverted: story"
    assert "Tag Cloud" not in body(smtp_server)


def test_a_revert_with_a_sentence_from_nothing_beside_it_is_a_revert(
    setup: tuple[Path, str], page_server: PageServer, smtp_server: SMTPServer
) -> None:
    """v1, v2 (which owns up: its date moved), then v1 again with a radio plug set among
    its paragraphs for one load. Going back, the date moves again, so the page "owns
    up", yet the page is v1's: the alert says "Reverted", without the plug, and the plug
    gone at the next load reports nothing (seed 24's open pages: a wiki's footer lines
    come with a revert made it "2 sentences removed, 4 sentences added")."""
    config, _ = setup
    page_server.set(PATH, page_v1(Chrome(1)))
    check(config)
    page_server.set(PATH, page_v2(Chrome(2)))
    check(config)
    page_server.set(PATH, _after_first_paragraph(page_v1(Chrome(3)), PLUG))
    check(config)
    assert subjects(smtp_server)[-1] == "[monitor] Reverted: story"
    assert "Newsbeat" not in body(smtp_server)
    page_server.set(PATH, page_v1(Chrome(4)))
    check(config)
    assert len(smtp_server.messages) == 2, subjects(smtp_server)


MOZILLA_ROUNDS = Path(__file__).parent / "fixtures" / "web" / "mozilla-1-dressed"


def test_a_new_baseline_keeps_the_labels_it_reads(
    setup: tuple[Path, str], page_server: PageServer, smtp_server: SMTPServer
) -> None:
    """A new baseline holds back nothing, labels included. Seed 17's open pages: a
    product page read through the extractor's text until its container was found (a
    silent new baseline), whose section headings ("Add-ons", "Awesome Bar") were held
    out of that baseline as labels from nowhere, and reported as added at the next
    check, though only chrome had changed in all four rounds."""
    config, _ = setup
    for round_ in range(4):
        page = gzip.decompress((MOZILLA_ROUNDS / f"r{round_:02d}.html.gz").read_bytes())
        page_server.set(PATH, page.decode("utf-8"))
        check(config)
    assert subjects(smtp_server) == []


def test_taking_back_part_of_the_last_change_is_a_revert_of_it(
    setup: tuple[Path, str], page_server: PageServer, smtp_server: SMTPServer
) -> None:
    """v2 changes a figure and a name; v3 puts the figure back: the text is v1's nowhere,
    but what changed is again as it was, and the alert says 'Reverted'."""
    config, _ = setup
    headline, byline, date, paragraphs = article_v1()

    def page(figure: str, name: str) -> str:
        changed = tuple(p.replace("$2.5", figure).replace("Wendy", name) for p in paragraphs)
        return render_page(changed, headline, byline, date, Chrome(9))

    page_server.set(PATH, page("$2.5", "Wendy"))
    check(config)
    page_server.set(PATH, page("$2.7", "Wanda"))
    check(config)
    page_server.set(PATH, page("$2.5", "Wanda"))
    check(config)
    assert subjects(smtp_server)[-1].startswith("[monitor] Reverted: ")
    assert "Reverted: what version 3 changed is again as in version 2." in body(smtp_server)


def test_a_paragraph_shown_all_along_and_read_only_now_is_no_addition(
    setup: tuple[Path, str], page_server: PageServer, smtp_server: SMTPServer
) -> None:
    """A paragraph in a wrapper the reader leaves out is read once the wrapper goes (an
    A/B layout): the page showed it at every check, so nothing was added; an edit made
    later is reported alone."""
    config, _ = setup
    headline, byline, date, paragraphs = article_v1()
    *body_lines, last = paragraphs
    wrapped = f'<div class="css-4f2a1"><p>{last}</p></div>'

    def page(wrap: bool, figure: str = "$2.5") -> str:
        lines = tuple(line.replace("$2.5", figure) for line in body_lines)
        html = render_page((*lines, last), headline, byline, date, Chrome(9))
        return html.replace(f"<p>{last}</p>", wrapped) if wrap else html

    page_server.set(PATH, page(wrap=True))
    check(config)
    page_server.set(PATH, page(wrap=False))
    check(config)
    assert subjects(smtp_server) == []
    page_server.set(PATH, page(wrap=False, figure="$2.7"))
    check(config)
    assert subjects(smtp_server) == ["[monitor] Silent edit: reported $2.5 → $2.7 billion — story"]


def test_an_alert_with_no_target_to_go_to_stays_undelivered(
    tmp_path: Path, page_server: PageServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """With no notification target configured, an edit's alert is not marked sent to
    nobody: `monitor list` counts it as not delivered, saying what to configure."""
    page_server.set(PATH, page_v1(Chrome(1)))
    config = one_watch(tmp_path, page_server.url(PATH))
    check(config)
    page_server.set(PATH, edited_v1("$2.5 billion", "$2.7 billion"))
    check(config)
    capsys.readouterr()
    assert main(["--config", str(config), "list", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["undelivered_alerts"] == 1
    storage = Storage(f"sqlite:///{tmp_path}/m.db")
    try:
        [(_, _, state, _, error)] = storage.alerts(page_server.url(PATH))
    finally:
        storage.close()
    assert state == "failed" and error is not None
    assert error.startswith("no notification target is configured")


def test_a_date_only_change_is_recorded_without_an_alert(
    setup: tuple[Path, str],
    page_server: PageServer,
    smtp_server: SMTPServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Only the page's 'modified' date moves: a version is kept, nobody is alerted."""
    config, url = setup
    page_server.set(PATH, edited_v1("x", "x", modified="2021-06-02T10:00:00+03:00"))
    check(config)
    page_server.set(PATH, edited_v1("x", "x", modified="2021-06-05T09:00:00+03:00"))
    check(config)
    assert smtp_server.messages == []
    capsys.readouterr()
    main(["--config", str(config), "history", url, "--json"])
    kinds = [row["kind"] for row in json.loads(capsys.readouterr().out)]
    assert kinds == ["first", "reading", "timestamp"]


def test_a_taken_down_article_alerts_once_and_keeps_its_last_version(
    setup: tuple[Path, str],
    page_server: PageServer,
    smtp_server: SMTPServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """404 is 'Taken down' (once), not an error nor an empty version; its return is noticed."""
    config, _url = setup
    page_server.set(PATH, page_v1(Chrome(1)))
    check(config)
    page_server.set(PATH, "<h1>Not found</h1>", status=404)
    check(config)
    check(config)
    assert subjects(smtp_server) == ["[monitor] Taken down: story"]
    assert "HTTP 404" in body(smtp_server) and "version 1 is kept" in body(smtp_server)
    capsys.readouterr()
    main(["--config", str(config), "list", "--json"])
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["state"], row["versions"], row["error"]) == ("gone", 1, None)

    page_server.set(PATH, page_v1(Chrome(2)))
    check(config)
    assert subjects(smtp_server)[-1] == "[monitor] Back online: story"


def test_a_410_is_taken_down_too(
    setup: tuple[Path, str], page_server: PageServer, smtp_server: SMTPServer
) -> None:
    """410 Gone is reported like 404."""
    config, _ = setup
    page_server.set(PATH, page_v1(Chrome(1)))
    check(config)
    page_server.set(PATH, "gone", status=410)
    check(config)
    assert subjects(smtp_server) == ["[monitor] Taken down: story"]


def test_a_redirect_elsewhere_is_moved_to_its_new_address(
    setup: tuple[Path, str], page_server: PageServer, smtp_server: SMTPServer
) -> None:
    """A redirect to another article is 'Moved', naming where, and stores nothing new."""
    config, _ = setup
    page_server.set(PATH, page_v1(Chrome(1)))
    check(config)
    page_server.set("/archive/2021/s400", page_v2(Chrome(2)))
    page_server.redirect(PATH, "/archive/2021/s400")
    check(config)
    assert subjects(smtp_server) == ["[monitor] Moved: story"]
    assert "/archive/2021/s400" in body(smtp_server)


def test_a_new_canonical_url_is_reported_as_moved(
    setup: tuple[Path, str], page_server: PageServer, smtp_server: SMTPServer
) -> None:
    """The page names another canonical address: 'Moved', once."""
    config, url = setup
    page_server.set(PATH, page_v1(Chrome(1), canonical=url))
    check(config)
    page_server.set(PATH, page_v1(Chrome(2), canonical="https://elsewhere.example/s400"))
    check(config)
    check(config)
    assert subjects(smtp_server) == ["[monitor] Moved: story"]
    assert "elsewhere.example/s400" in body(smtp_server)


def test_noindex_is_reported_as_hidden_from_search(
    setup: tuple[Path, str], page_server: PageServer, smtp_server: SMTPServer
) -> None:
    """A page that starts asking search engines to forget it is reported, once."""
    config, _ = setup
    page_server.set(PATH, page_v1(Chrome(1)))
    check(config)
    hidden = page_v1(Chrome(2)).replace(
        "<head>", '<head><meta name="robots" content="noindex, nofollow">', 1
    )
    page_server.set(PATH, hidden)
    check(config)
    page_server.set(
        PATH,
        page_v1(Chrome(3)).replace(
            "<head>", '<head><meta name="robots" content="noindex, nofollow">', 1
        ),
    )
    check(config)
    assert subjects(smtp_server) == ["[monitor] Hidden from search: story"]


def test_an_unchanged_page_takes_the_conditional_path(
    setup: tuple[Path, str], page_server: PageServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """The second check sends the ETag back; the server's 304 is 'not-modified'."""
    config, _ = setup
    page_server.set(PATH, page_v1(Chrome(1)))
    check(config)
    capsys.readouterr()
    main(["--config", str(config), "check", "--all", "--json"])
    (report,) = json.loads(capsys.readouterr().out)
    assert report["outcome"] == "not-modified"
    assert page_server.requests[-1].headers.get("if-none-match")


def test_the_check_log_keeps_how_long_a_check_read_its_page(
    setup: tuple[Path, str], page_server: PageServer
) -> None:
    """A check that read its page logs the time it took (for /metrics' extraction
    histogram); a 304 read nothing, and logs none."""
    config, url = setup
    page_server.set(PATH, page_v1(Chrome(1)))
    check(config)
    check(config)
    storage = Storage(f"sqlite:///{config.parent}/m.db")
    try:
        not_modified, first = storage.checks(url)
    finally:
        storage.close()
    assert (first.outcome, not_modified.outcome) == ("first", "not-modified")
    assert first.extract_ms is not None and first.extract_ms > 0
    assert not_modified.extract_ms is None


def test_a_dead_alert_target_keeps_the_alert_for_a_retry(
    tmp_path: Path, page_server: PageServer, smtp_server: SMTPServer
) -> None:
    """When the SMTP server is down, the version is stored and the alert waits; it goes later."""
    url = page_server.url(PATH)
    config = tmp_path / "monitor.toml"
    port = smtp_server.port
    config.write_text(
        f'[storage]\nurl = "sqlite:///{tmp_path}/m.db"\n'
        f"{ALLOW_LOOPBACK}"
        f'[notify]\nurls = ["mailto://127.0.0.1:1?from=m@example.org&to=d@example.org", '
        f'"{smtp_server.apprise_url()}"]\n'
        f'[[watch]]\nurl = "{url}"\nname = "story"\n',
        encoding="utf-8",
    )
    page_server.set(PATH, page_v1(Chrome(1)))
    check(config)
    page_server.set(PATH, page_v2(Chrome(2)))
    check(config)
    # One target works, one is dead: the working one got it, the dead one waits for a retry.
    assert len(smtp_server.messages) == 1
    from monitor.config import load_config
    from monitor.storage import Storage

    storage = Storage(load_config(config).storage_url)
    ((version, kind, state, attempts, error),) = storage.alerts(url)
    assert (version, kind, state, attempts) == (3, "edit", "pending", 1)
    assert error and "127.0.0.1" in error
    assert storage.get_watch(url).undelivered == 1  # `monitor list` tells the user
    assert port


def test_a_pdf_is_an_error_saying_what_the_url_serves(
    setup: tuple[Path, str], page_server: PageServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """A URL that serves a PDF is not a page: the watch's error says so; nothing is stored."""
    config, _ = setup
    page_server.set(PATH, b"%PDF-1.7 binary", content_type="application/pdf")
    capsys.readouterr()
    main(["--config", str(config), "check", "--all", "--json"])
    (report,) = json.loads(capsys.readouterr().out)
    assert report["outcome"] == "error"
    assert "serves application/pdf, not a web page" in report["error"]


def test_changing_what_a_watch_watches_rebaselines_without_an_alert(
    setup: tuple[Path, str],
    page_server: PageServer,
    smtp_server: SMTPServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A new ignore rule changes the reading: the next version is a silent new baseline."""
    config, url = setup
    page_server.set(PATH, page_v1(Chrome(1)))
    check(config)
    page_server.set(PATH, page_v1(Chrome(4)))
    check(config)  # version 1's page read in full, with the settings of then
    config.write_text(config.read_text() + "ignore = ['^Russia delivered']\n", encoding="utf-8")
    page_server.set(PATH, page_v1(Chrome(2)))
    check(config)
    assert smtp_server.messages == []
    capsys.readouterr()
    main(["--config", str(config), "history", url, "--json"])
    history = json.loads(capsys.readouterr().out)
    assert [row["kind"] for row in history] == ["first", "reading", "rebaseline"]
    assert "settings changed" in history[2]["summary"]
    page_server.set(PATH, page_v2(Chrome(3)))
    check(config)
    assert len(smtp_server.messages) == 1  # and edits alert again as before


# -- a watch's first check: the baseline, never an alert ------------------------------------

NOINDEX = '<head><meta name="robots" content="noindex, nofollow">'


def listing(config: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    capsys.readouterr()
    main(["--config", str(config), "list", "--json"])
    (row,) = json.loads(capsys.readouterr().out)
    assert isinstance(row, dict)
    return row


def test_a_page_hidden_from_search_from_its_first_check_is_its_baseline(
    setup: tuple[Path, str],
    page_server: PageServer,
    smtp_server: SMTPServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """noindex on the first fetch stores version 1 quietly; dropping and re-adding it alerts."""
    config, _ = setup
    page_server.set(PATH, page_v1(Chrome(1)).replace("<head>", NOINDEX, 1))
    check(config)
    check(config)
    assert smtp_server.messages == []
    row = listing(config, capsys)
    assert (row["state"], row["versions"], row["error"]) == ("noindex", 1, None)

    page_server.set(PATH, page_v1(Chrome(2)))
    check(config)
    page_server.set(PATH, page_v1(Chrome(3)).replace("<head>", NOINDEX, 1))
    check(config)
    assert subjects(smtp_server) == [
        "[monitor] Back online: story",
        "[monitor] Hidden from search: story",
    ]
    assert "no longer asks search engines not to index it" in body(smtp_server, 0)


def test_a_page_hidden_from_search_from_the_start_is_read_as_any_other(
    setup: tuple[Path, str],
    page_server: PageServer,
    smtp_server: SMTPServer,
    tmp_path: Path,
) -> None:
    """The reference story behind noindex: its chrome moves and nothing alerts, the
    revision alerts once, and its container is read directly (the fast path) throughout."""
    config, _ = setup
    # A label over the last paragraph, inside the article (over nothing, it is chrome
    # by its place alone, and nothing is learnt).
    page = page_v1(Chrome(2))
    at = page.rindex("<p", 0, page.index("</p>\n</div>\n</article>"))
    promo = page[:at] + "<h3>Explore the BBC</h3>\n" + page[at:]
    for html in (page_v1(Chrome(1)), promo, page_v2(Chrome(3)), page_v2(Chrome(4))):
        page_server.set(PATH, html.replace("<head>", NOINDEX, 1))
        check(config)
    assert subjects(smtp_server) == ["[monitor] Declared edit: 4 sentences added — story"]
    with sqlite3.connect(tmp_path / "m.db") as db:
        hint = json.loads(db.execute("SELECT hint FROM watch").fetchone()[0])
    assert hint["flips"], "what the watch learnt (the promo) stayed with it: no fresh reading"


@pytest.mark.parametrize("status", [404, 410])
def test_a_url_missing_at_its_first_check_is_an_error_on_the_watch(
    status: int,
    setup: tuple[Path, str],
    page_server: PageServer,
    smtp_server: SMTPServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """404/410 before any version is the watch's error (check the URL), not 'Taken down'."""
    config, _ = setup
    page_server.set(PATH, "<h1>Not found</h1>", status=status)
    capsys.readouterr()
    assert main(["--config", str(config), "check", "--all", "--json"]) == 2
    (report,) = json.loads(capsys.readouterr().out)
    assert report["outcome"] == "error"
    assert f"the URL answers {status}" in report["error"]
    assert "check the URL" in report["error"]
    row = listing(config, capsys)
    assert (row["state"], row["versions"]) == ("active", 0)
    assert f"answers {status}" in str(row["error"])

    page_server.set(PATH, page_v1(Chrome(1)))  # published at last: its first version
    check(config)
    assert listing(config, capsys)["versions"] == 1
    assert smtp_server.messages == []
    page_server.set(PATH, "<h1>Not found</h1>", status=status)
    check(config)
    assert subjects(smtp_server) == ["[monitor] Taken down: story"]


def test_a_url_that_redirects_from_its_first_check_stores_where_it_lands_without_an_alert(
    setup: tuple[Path, str],
    page_server: PageServer,
    smtp_server: SMTPServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A redirect on the first check is no 'Moved': the page it lands on is version 1."""
    config, url = setup
    page_server.set("/archive/2021/s400", page_v1(Chrome(1)))
    page_server.redirect(PATH, "/archive/2021/s400")
    check(config)
    check(config)
    assert smtp_server.messages == []
    row = listing(config, capsys)
    assert (row["state"], row["versions"], row["error"]) == ("moved", 1, None)
    capsys.readouterr()
    main(["--config", str(config), "show", url])
    assert "Russia delivered" in capsys.readouterr().out


# -- delivery: every alert of a pass, in that pass -------------------------------------------

MANY = 120  # more than one batch of claimed alerts (100)


def tiny_page(n: int, verdict: str) -> str:
    return (
        f"<html><head><title>Story {n}</title></head><body><article><h1>Story {n}</h1>"
        f"<p>The council voted {verdict} on the budget for next year, after a long debate.</p>"
        "</article></body></html>"
    )


def test_monitor_check_all_delivers_every_alert_in_the_same_run(
    tmp_path: Path, page_server: PageServer, webhook_receiver: WebhookReceiver
) -> None:
    """120 pages edited at once: `monitor check --all` delivers all 120 alerts before it exits."""
    urls = [page_server.url(f"/s/{n}") for n in range(MANY)]
    for n in range(MANY):
        page_server.set(f"/s/{n}", tiny_page(n, "yes"))
    config = tmp_path / "monitor.toml"
    config.write_text(
        f'[storage]\nurl = "sqlite:///{tmp_path}/m.db"\n'
        f"{ALLOW_LOOPBACK}"
        # One local host serves every page; raw: tiny pages need no article extraction.
        "concurrency = 32\nper_host = 32\n[defaults]\nraw = true\n"
        f'[notify]\nurls = ["json://{webhook_receiver.netloc}/alerts"]\n'
        + "".join(f'[[watch]]\nurl = "{url}"\nname = "{n}"\n' for n, url in enumerate(urls)),
        encoding="utf-8",
    )
    assert main(["--config", str(config), "check", "--all"]) == 0
    assert webhook_receiver.posts == []
    for n in range(MANY):
        page_server.set(f"/s/{n}", tiny_page(n, "no"))
    assert main(["--config", str(config), "check", "--all"]) == 0
    assert sorted(post.payload["title"] for post in webhook_receiver.posts) == sorted(
        f"[monitor] Silent edit: 1 sentence rewritten — {n}" for n in range(MANY)
    )


def outbox(storage: Storage, notifier: Notifier, clock: Callable[[], datetime], n: int) -> None:
    """``n`` watches with an edit alert each, waiting for delivery to every target."""
    for i in range(n):
        watch = storage.add_watch(WatchSpec(f"https://news.example/{i}"), clock())
        said = Rendered(f"edit {i}", "text", "md", "<p>html</p>")
        draft = AlertDraft("edit", said, notifier.targets_for(()))
        later = clock() + timedelta(days=1)
        storage.save_check(watch.id, "t", CheckOutcome(clock(), "edit", later, alerts=(draft,)))


def deliver(
    storage: Storage,
    notifier: Notifier,
    clock: Callable[[], datetime],
    settings: PipelineSettings | None = None,
) -> int:
    """One delivery pass, as `monitor check` and the daemon run it; returns its deliveries."""

    async def one_pass() -> int:
        with ExtractionPool(1, deadline=20) as extraction:  # started only if a page is read
            pipeline = Pipeline(
                storage,
                FakeFetcher(),  # delivering fetches nothing
                notifier,
                clock=clock,
                owner="t",
                extraction=extraction,
                settings=settings,
            )
            return len(await pipeline.deliver_pending())

    return asyncio.run(one_pass())


def stepping_clock(step: timedelta) -> Callable[[], datetime]:
    """A clock that moves ``step`` on at every reading."""
    readings = iter(range(1_000_000))
    start = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    return lambda: start + next(readings) * step


def test_one_pass_delivers_every_due_alert_batch_after_batch(
    storage: Storage, webhook_receiver: WebhookReceiver
) -> None:
    """12 alerts waiting, claimed 5 at a time: one pass delivers them all, each once."""
    notifier = Notifier([Target(f"json://{webhook_receiver.netloc}/alerts")])
    clock = stepping_clock(timedelta(0))
    outbox(storage, notifier, clock, 12)
    settings = PipelineSettings(alert_batch=5)
    assert deliver(storage, notifier, clock, settings) == 12
    assert sorted(p.payload["title"] for p in webhook_receiver.posts) == sorted(
        f"edit {i}" for i in range(12)
    )
    assert deliver(storage, notifier, clock, settings) == 0
    assert {watch.undelivered for watch in storage.list_watches()} == {0}


class _Killed(BaseException):
    """The process dying where it is (no handler of the monitor's catches it)."""


class _DiesBeforeTheSecondTarget(Notifier):
    """A notifier whose process dies once, after the first target accepted an alert and
    before the second is tried (where SIGKILL landed in tests/test_crash.py)."""

    died = False

    def deliver(self, message: Message, keys: Sequence[str]) -> list[Delivery]:
        if keys and keys[0] == self.targets_for(())[1] and not self.died:
            self.died = True
            raise _Killed
        return super().deliver(message, keys)


def test_a_process_killed_between_two_targets_tells_the_first_one_once(
    storage: Storage, webhook_receiver: WebhookReceiver
) -> None:
    """The desk accepted the alert, then the process died before the night shift was told:
    the next pass (once the alert's hold is over) tells the night shift only, so each
    target hears of the edit once."""
    notifier = _DiesBeforeTheSecondTarget(
        [Target(f"json://{webhook_receiver.netloc}{path}") for path in ("/desk", "/night")]
    )
    clock = stepping_clock(timedelta(hours=1))  # past the alert's hold at each reading
    outbox(storage, notifier, clock, 1)
    with pytest.raises(_Killed):
        deliver(storage, notifier, clock)
    assert [p.path for p in webhook_receiver.posts] == ["/desk"]
    assert deliver(storage, notifier, clock) == 1
    assert [p.path for p in webhook_receiver.posts] == ["/desk", "/night"]
    assert [state for _, _, state, _, _ in storage.alerts("https://news.example/0")] == ["sent"]


def test_an_alert_that_fails_is_tried_once_per_pass_not_again_and_again(
    storage: Storage, webhook_receiver: WebhookReceiver
) -> None:
    """A dead target gets each of 12 alerts (3 batches) once per pass, even when the pass
    outlasts their retry delay; the next pass delivers them all."""
    notifier = Notifier([Target(f"json://{webhook_receiver.netloc}/alerts")])
    clock = stepping_clock(timedelta(minutes=10))  # past a first retry delay at each reading
    outbox(storage, notifier, clock, 12)
    settings = PipelineSettings(alert_batch=5)
    webhook_receiver.fail = True
    assert deliver(storage, notifier, clock, settings) == 12
    assert len(webhook_receiver.posts) == 12
    webhook_receiver.fail = False
    assert deliver(storage, notifier, clock, settings) == 12
    assert sorted(p.payload["title"] for p in webhook_receiver.posts[12:]) == sorted(
        f"edit {i}" for i in range(12)
    )


def test_an_upgrade_of_the_reading_rules_gives_a_silent_baseline_not_an_alert(
    setup: tuple[Path, str],
    page_server: PageServer,
    smtp_server: SMTPServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A watch read under older rules (a counter line in its text) is re-read silently."""
    config, url = setup
    page_server.set(PATH, page_v1(Chrome(1)))
    check(config)
    page_server.set(PATH, page_v1(Chrome(2)))
    check(config)  # the page of version 1 read in full: version 2, and a hint
    # What an older monitor stored: a view counter read as a line, and its hint's rules.
    with sqlite3.connect(tmp_path / "m.db") as db:
        db.execute(
            "UPDATE version SET text = '56200 views' || char(10) || text, content_hash = 'old'"
        )
        hint = json.loads(db.execute("SELECT hint FROM watch").fetchone()[0])
        hint["rules"] = 1
        db.execute("UPDATE watch SET hint = ?", (json.dumps(hint),))
    page_server.set(PATH, page_v1(Chrome(3)))
    check(config)
    assert smtp_server.messages == []
    capsys.readouterr()
    assert main(["--config", str(config), "history", url, "--json"]) == 0
    kinds = [row["kind"] for row in json.loads(capsys.readouterr().out)]
    assert kinds == ["first", "reading", "rebaseline"]


def test_a_label_that_comes_and_goes_inside_the_article_never_alerts(
    setup: tuple[Path, str], page_server: PageServer, smtp_server: SMTPServer
) -> None:
    """A promo heading inside the article's element, coming and going: the full extractor
    keeps it in neither page, so the change is not confirmed and the label is learnt."""
    config, _ = setup
    plain = page_v1(Chrome(1))
    end = "</p>\n</div>\n</article>"  # after the last paragraph, inside the article
    promo = plain.replace(end, "</p>\n<h3>Explore the BBC</h3>\n</div>\n</article>", 1)
    assert promo != plain
    for html in (plain, promo, plain, promo, plain, promo):
        page_server.set(PATH, html)
        check(config)
    assert smtp_server.messages == [], subjects(smtp_server)


def test_a_new_subheading_that_stays_is_reported_at_the_next_check(
    setup: tuple[Path, str], page_server: PageServer, smtp_server: SMTPServer
) -> None:
    """A label alone may be a rotating promo: held while new, reported once it stays."""
    config, _ = setup
    plain = page_v1(Chrome(1))
    first_end = "</p>"
    subheading = plain.replace(first_end, "</p>\n<h2>What happens next</h2>", 1)
    assert subheading != plain
    page_server.set(PATH, plain)
    check(config)
    page_server.set(PATH, subheading)
    check(config)
    assert smtp_server.messages == [], "held: new since the last check"
    check(config)
    assert len(smtp_server.messages) == 1, subjects(smtp_server)
    assert "What happens next" in smtp_server.messages[0].as_string()
    check(config)
    assert len(smtp_server.messages) == 1


def test_a_label_read_at_the_first_check_only_goes_without_an_alert(
    setup: tuple[Path, str],
    page_server: PageServer,
    smtp_server: SMTPServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A promo heading that the first check read and the second no longer finds came and
    went with the chrome: the page without it is the new baseline, silently."""
    config, url = setup
    plain = page_v1(Chrome(1))
    promo = plain.replace("</p>", "</p>\n<h2>Explore the BBC</h2>", 1)
    assert promo != plain
    for html in (promo, plain, plain):
        page_server.set(PATH, html)
        check(config)
    assert smtp_server.messages == [], subjects(smtp_server)
    capsys.readouterr()
    assert main(["--config", str(config), "history", url, "--json"]) == 0
    kinds = [row["kind"] for row in json.loads(capsys.readouterr().out)]
    assert kinds == ["first", "reading", "rebaseline"]


# BBC Newsbeat's radio plug and another story's headline, as benchmark rounds set them
# inside other sites' articles for one load: sentences, with nothing of the story in them.
PLUG = "<p>Listen to Newsbeat live at 12:45 and 17:45 weekdays - or listen back here.</p>"
OTHER_HEADLINE = "<p>Did Schiff Unfairly Squelch Stefanik at Impeachment Hearing?</p>"
ADDED = (
    "<p>The ministry said on Thursday that a further 40 of the experts had been flown to "
    "Moscow for treatment, and that none of them was in a serious condition.</p>"
)


def _after_first_paragraph(page: str, markup: str) -> str:
    body = page.index('<div class="article__content"')
    at = page.index("</p>", body) + len("</p>")
    return page[:at] + "\n" + markup + page[at:]


def test_a_sentence_shown_at_one_check_only_never_alerts(
    setup: tuple[Path, str],
    page_server: PageServer,
    smtp_server: SMTPServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A rotating insert set among the paragraphs for one load, the page owning up to no
    edit, is held and then gone: nothing is reported, nothing stored."""
    config, url = setup
    plain = page_v1(Chrome(1))
    for html in (
        plain,
        _after_first_paragraph(plain, PLUG),
        plain,
        _after_first_paragraph(plain, OTHER_HEADLINE),
        plain,
    ):
        page_server.set(PATH, html)
        check(config)
    assert smtp_server.messages == [], subjects(smtp_server)
    capsys.readouterr()
    assert main(["--config", str(config), "history", url, "--json"]) == 0
    kinds = [row["kind"] for row in json.loads(capsys.readouterr().out)]
    assert kinds == ["first", "reading"]


def test_a_silent_paragraph_that_stays_is_reported_at_the_next_check(
    setup: tuple[Path, str], page_server: PageServer, smtp_server: SMTPServer
) -> None:
    config, _ = setup
    plain = page_v1(Chrome(1))
    page_server.set(PATH, plain)
    check(config)
    page_server.set(PATH, _after_first_paragraph(plain, ADDED))
    check(config)
    assert smtp_server.messages == [], "held: new since the last check"
    check(config)
    assert subjects(smtp_server) == ["[monitor] Silent edit: 1 sentence added — story"]
    assert "a further 40 of the experts" in body(smtp_server)
    check(config)
    assert len(smtp_server.messages) == 1


def test_a_rotating_insert_beside_a_silent_edit_is_held_apart_from_it(
    setup: tuple[Path, str], page_server: PageServer, smtp_server: SMTPServer
) -> None:
    """The edit is reported at once, without the insert that came with it; the insert
    gone at the next load was never the story's, so its going reports nothing."""
    config, _ = setup
    page_server.set(PATH, page_v1(Chrome(1)))
    check(config)
    edited = edited_v1("$2.5 billion", "$2.7 billion")
    page_server.set(PATH, _after_first_paragraph(edited, PLUG))
    check(config)
    assert subjects(smtp_server) == ["[monitor] Silent edit: reported $2.5 → $2.7 billion — story"]
    assert "Newsbeat" not in body(smtp_server)
    page_server.set(PATH, edited)
    check(config)
    assert len(smtp_server.messages) == 1, subjects(smtp_server)


def test_a_sentence_held_apart_from_an_edit_is_reported_if_it_stays(
    setup: tuple[Path, str], page_server: PageServer, smtp_server: SMTPServer
) -> None:
    config, _ = setup
    page_server.set(PATH, page_v1(Chrome(1)))
    check(config)
    edited = _after_first_paragraph(edited_v1("$2.5 billion", "$2.7 billion"), ADDED)
    page_server.set(PATH, edited)
    check(config)
    assert "a further 40 of the experts" not in body(smtp_server)
    check(config)
    assert subjects(smtp_server)[1:] == ["[monitor] Silent edit: 1 sentence added — story"]
    assert "a further 40 of the experts" in smtp_server.messages[1].as_string()
    check(config)
    assert len(smtp_server.messages) == 2


def test_a_paragraph_added_under_an_update_line_outside_the_article_is_reported_at_once(
    setup: tuple[Path, str], page_server: PageServer, smtp_server: SMTPServer
) -> None:
    """The update line sits in the page's header, where the reading takes it for the
    site's clock; the page still owns up to an edit, so nothing waits."""
    config, _ = setup
    plain = page_v1(Chrome(1))
    page_server.set(PATH, plain)
    check(config)
    main_at = plain.index('<main class="col-main" id="content">')
    stamped = plain[:main_at] + "<p>Updated at 3:40 p.m. on June 3, 2021.</p>\n" + plain[main_at:]
    page_server.set(PATH, _after_first_paragraph(stamped, ADDED))
    check(config)
    assert len(smtp_server.messages) == 1, "reported at once"
    assert "a further 40 of the experts" in body(smtp_server)


def test_a_stored_page_that_cannot_be_read_again_holds_nothing_back(
    tmp_path: Path,
    setup: tuple[Path, str],
    page_server: PageServer,
    smtp_server: SMTPServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Whether the page owns up to an edit is asked of the stored page too: damaged in the
    database, it cannot say, and a sentence come from nothing is reported at once."""
    config, _ = setup
    plain = page_v1(Chrome(1))
    page_server.set(PATH, plain)
    check(config)
    assert main(["--config", str(config), "read"]) == 0  # the full reading, stored
    with sqlite3.connect(tmp_path / "m.db") as db:
        db.execute("UPDATE raw_page SET data = x'00', codec = 'zlib'")
    page_server.set(PATH, _after_first_paragraph(plain, ADDED))
    with caplog.at_level(logging.INFO, logger="monitor.pipeline"):
        check(config)
    assert len(smtp_server.messages) == 1, "reported at once"
    assert "could not compare the pages' update lines" in caplog.text


def test_a_subheading_shown_at_two_checks_then_dropped_is_reported(
    setup: tuple[Path, str], page_server: PageServer, smtp_server: SMTPServer
) -> None:
    config, _ = setup
    plain = page_v1(Chrome(1))
    subheading = plain.replace("</p>", "</p>\n<h2>What happens next</h2>", 1)
    for html in (subheading, subheading, plain, plain):
        page_server.set(PATH, html)
        check(config)
    assert len(smtp_server.messages) == 1, subjects(smtp_server)
    assert "What happens next" in smtp_server.messages[0].as_string()


# -- a broken server: one line in the log, not a traceback ------------------------------------


class _NulHeader(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        while self.rfile.readline() not in (b"\r\n", b""):
            pass
        self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Bad: a\x00b\r\nContent-Length: 2\r\n\r\nhi")


@pytest.fixture
def nul_header_server() -> Iterator[str]:
    """A server on 127.0.0.1 whose every answer has a NUL byte in a header; yields a URL."""
    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), _NulHeader) as server:
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}/story"
        finally:
            server.shutdown()


@pytest.mark.parametrize("transport", ["aiohttp", "httpx"])
def test_a_malformed_response_is_an_error_of_its_watch_logged_in_one_line(
    tmp_path: Path,
    nul_header_server: str,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    transport: str,
) -> None:
    """A header with a NUL byte makes the check an error saying the response was malformed,
    logged as one warning line with no traceback."""
    config = tmp_path / "monitor.toml"
    config.write_text(
        f'[storage]\nurl = "sqlite:///{tmp_path}/m.db"\n{ALLOW_LOOPBACK}'
        f'transport = "{transport}"\n[[watch]]\nurl = "{nul_header_server}"\n',
        encoding="utf-8",
    )
    with caplog.at_level(logging.WARNING):
        assert main(["--config", str(config), "check", "--all", "--json"]) == 2
    [report] = json.loads(capsys.readouterr().out)
    assert report["error"].startswith("the server sent a malformed HTTP response (")
    assert [r.exc_info for r in caplog.records] == [None]
    assert caplog.records[0].getMessage() == f"{nul_header_server}: {report['error']}"


def test_a_page_past_its_extraction_deadline_is_an_error_read_again_at_its_next_check(
    tmp_path: Path, page_server: PageServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """The hostile page is stored at its first check (its quick reading is lexbor's
    alone); its full reading, at the next check that fetches it, fails at the 1 s deadline
    with a message saying why; no validator is kept, so the check after reads the page
    again instead of taking a 304."""
    hostile = json_ld_author_bomb()
    page_server.set(PATH, hostile)
    config = one_watch(tmp_path, page_server.url(PATH), 'extract_timeout = "1s"\n')
    assert main(["--config", str(config), "check", "--all"]) == 0
    page_server.set(PATH, hostile + b"<!-- again -->")
    assert main(["--config", str(config), "check", "--all"]) == 2
    assert main(["--config", str(config), "check", "--all"]) == 2
    capsys.readouterr()
    main(["--config", str(config), "list", "--json"])
    (row,) = json.loads(capsys.readouterr().out)
    assert row["error"].startswith("extraction took longer than 1 s; the page may be hostile")
    validators = [seen.headers.get("if-none-match") for seen in page_server.requests]
    assert (validators[0], validators[2]) == (None, None)


@pytest.mark.parametrize(
    "html",
    [
        "<html><body><article><h1>Deep</h1>{prose}"
        + "<span>" * 5000
        + "deep text"
        + "</span>" * 5000
        + "</article></body></html>",
        '<html><head><script type="application/ld+json">{{"@type": "NewsArticle", '
        '"author": {{"name": "Jane \\"JJ\\" Doe"}}}}</script></head>'
        "<body><article><h1>Quoted</h1>{prose}</article></body></html>",
        "<html><body><article><h1>Lone \ud800 surrogate</h1>{prose}"
        "<p>A sentence with a lone \udc80 surrogate in the middle of it, long enough.</p>"
        "</article></body></html>",
    ],
    ids=["5000-nested-spans", "json-ld-escaped-quote", "lone-surrogates"],
)
def test_a_malformed_page_is_stored_like_any_other(
    tmp_path: Path, page_server: PageServer, html: str
) -> None:
    """Pages that once raised RecursionError, JSONDecodeError or UnicodeEncodeError in the
    middle of a check get their first version, with no error."""
    prose = "<p>A sentence of the article, long enough to read as prose, and then some.</p>" * 5
    page_server.set(PATH, html.format(prose=prose).encode("utf-8", "surrogatepass"))
    config = one_watch(tmp_path, page_server.url(PATH))
    assert main(["--config", str(config), "check", "--all"]) == 0
    assert main(["--config", str(config), "show", page_server.url(PATH)]) == 0


# -- a failing watch -------------------------------------------------------------------------

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
STORY = "https://news.example/s400-experts"


@pytest.fixture
def pages() -> FakeFetcher:
    """Scripted answers: these tests are about what a check does with them, not HTTP."""
    return FakeFetcher()


def check_at(
    storage: Storage,
    pages: FakeFetcher,
    notifier: Notifier,
    url: str,
    at: datetime,
    settings: PipelineSettings | None = None,
    jitter: float = 0.0,
) -> Watch:
    """One check of ``url`` and one delivery pass, at ``at``; the watch as stored after."""

    async def one() -> None:
        with ExtractionPool(1, deadline=20) as extraction:
            pipeline = Pipeline(
                storage,
                pages,
                notifier,
                clock=lambda: at,
                owner="t",
                extraction=extraction,
                settings=settings,
                jitter=lambda: jitter,
            )
            (watch,) = storage.claim([url], "t", at, lease=timedelta(minutes=1))
            await pipeline.check(watch)
            await pipeline.deliver_pending()

    asyncio.run(one())
    return storage.get_watch(url)


@pytest.fixture
def failing(
    storage: Storage, pages: FakeFetcher, webhook_receiver: WebhookReceiver
) -> tuple[str, Notifier]:
    """A watch every 10 minutes, named 'story', of a page that answers 500."""
    url = STORY
    storage.add_watch(WatchSpec(url, name="story", every="10m"), T0)
    pages.set(url, "<h1>down</h1>", status=500)
    return url, Notifier([Target(f"json://{webhook_receiver.netloc}/alerts")])


def titles(receiver: WebhookReceiver) -> list[str]:
    return [str(post.payload["title"]) for post in receiver.posts]


def test_a_watch_failing_n_times_in_a_row_says_so_once_then_once_when_it_works_again(
    storage: Storage,
    pages: FakeFetcher,
    webhook_receiver: WebhookReceiver,
    failing: tuple[str, Notifier],
) -> None:
    """500 four times, then 200 twice: one 'Stopped working' alert at the third failure
    (quoting the error), one 'Working again' at the first success, nothing else."""
    url, notifier = failing
    at = T0
    for _ in range(4):
        at = check_at(storage, pages, notifier, url, at).next_check_at
    assert titles(webhook_receiver) == ["[monitor] Stopped working: story"]
    assert "HTTP 500" in str(webhook_receiver.posts[0].payload["message"])
    pages.set(url, page_v1(Chrome(1)))
    at = check_at(storage, pages, notifier, url, at).next_check_at
    check_at(storage, pages, notifier, url, at)
    assert titles(webhook_receiver) == [
        "[monitor] Stopped working: story",
        "[monitor] Working again: story",
    ]
    assert [(v, kind, state) for v, kind, state, *_ in storage.alerts(url)] == [
        (None, "failing", "sent"),
        (1, "recovered", "sent"),  # written with the first version, in its transaction
    ]
    # The first version, and its page read in full at the check after.
    assert [v.kind for v in storage.history(url)] == ["first", "reading"]


def test_the_number_of_failures_before_an_alert_is_a_setting(
    storage: Storage, webhook_receiver: WebhookReceiver, failing: tuple[str, Notifier]
) -> None:
    """With failures_before_alert 1, the first failure alerts."""
    url, notifier = failing
    check_at(storage, pages, notifier, url, T0, PipelineSettings(failures_before_alert=1))
    assert titles(webhook_receiver) == ["[monitor] Stopped working: story"]


def test_a_failing_watch_backs_off_exponentially_up_to_sixteen_intervals(
    storage: Storage, failing: tuple[str, Notifier]
) -> None:
    """A 10-minute watch that keeps failing waits 10, 20, 40, 80, 160, then 160 minutes."""
    url, notifier = failing
    at, waits = T0, []
    for _ in range(6):
        due = check_at(storage, pages, notifier, url, at).next_check_at
        waits.append((due - at) / timedelta(minutes=1))
        at = due
    assert waits == [10, 20, 40, 80, 160, 160]


def test_the_backoff_is_spread_by_the_injected_jitter(
    storage: Storage, failing: tuple[str, Notifier]
) -> None:
    """A second failure waits 20 minutes, up to a quarter longer by the jitter (0.5: 22.5)."""
    url, notifier = failing
    due = check_at(storage, pages, notifier, url, T0).next_check_at
    later = check_at(storage, pages, notifier, url, due, jitter=0.5).next_check_at
    assert later - due == timedelta(minutes=22.5)


def test_a_check_sends_the_stored_validators_and_a_304_stores_nothing(
    storage: Storage, pages: FakeFetcher
) -> None:
    """The second check asks with the first answer's ETag; the 304 leaves one version."""
    storage.add_watch(WatchSpec(STORY, every="10m"), T0)
    pages.set(STORY, tiny_story(1), headers={"ETag": '"v1"'})
    notifier = Notifier([])
    at = check_at(storage, pages, notifier, STORY, T0).next_check_at
    watch = check_at(storage, pages, notifier, STORY, at)
    assert [(r.etag, r.last_modified) for r in pages.requests] == [(None, None), ('"v1"', None)]
    assert (watch.versions, watch.last_error) == (1, None)


def test_a_429_with_retry_after_is_left_alone_that_long(
    storage: Storage, pages: FakeFetcher, failing: tuple[str, Notifier]
) -> None:
    """'Retry-After: 7200' on a 429 puts the next check of a 10-minute watch 2 hours on."""
    url, notifier = failing
    pages.set(url, "slow down", status=429, headers={"Retry-After": "7200"})
    assert check_at(storage, pages, notifier, url, T0).next_check_at == T0 + timedelta(hours=2)


# -- retention -------------------------------------------------------------------------------


def tiny_story(n: int) -> str:
    paragraphs = "".join(
        f"<p>Paragraph {i} of the story, long enough to read as prose, in version {n}.</p>"
        for i in range(6)
    )
    return f"<html><body><article><h1>Story</h1>{paragraphs}</article></body></html>"


def test_edits_past_the_hourly_limit_arrive_as_one_digest(
    storage: Storage, pages: FakeFetcher, webhook_receiver: WebhookReceiver
) -> None:
    """One alert an hour, a page edited at every check for 40 minutes: the first edit is
    sent, the next four arrive together in one digest once the hour is over."""
    url = STORY
    storage.add_watch(WatchSpec(url, name="story", every="10m"), T0)
    notifier = Notifier([Target(f"json://{webhook_receiver.netloc}/alerts")])
    settings = PipelineSettings(retention=Retention(alerts_per_hour=1))
    for n in range(6):
        pages.set(url, tiny_story(n))
        check_at(storage, pages, notifier, url, T0 + n * timedelta(minutes=10), settings)
    assert len(webhook_receiver.posts) == 1
    check_at(storage, pages, notifier, url, T0 + timedelta(minutes=80), settings)
    assert titles(webhook_receiver)[1] == "[monitor] Digest: 4 alerts in an hour — story"
    digest = str(webhook_receiver.posts[1].payload["message"])
    assert "12:20 " in digest and "12:50 " in digest
    assert f"monitor history {url}" in digest


def test_a_revert_past_a_forgotten_version_is_still_checked(
    storage: Storage, pages: FakeFetcher, webhook_receiver: WebhookReceiver
) -> None:
    """Keeping 2 versions, the one before the latest is forgotten: the next edit is
    reported as an edit, not an internal error."""
    url = STORY
    storage.add_watch(WatchSpec(url, name="story", every="10m"), T0)
    notifier = Notifier([Target(f"json://{webhook_receiver.netloc}/alerts")])
    settings = PipelineSettings(retention=Retention(versions=2))
    for n in range(4):
        pages.set(url, tiny_story(n))
        watch = check_at(storage, pages, notifier, url, T0 + n * timedelta(minutes=10), settings)
        assert watch.last_error is None
    assert [v.number for v in storage.history(url)] == [1, 5]  # 2 is read from 1's page
    assert len(webhook_receiver.posts) == 3


AEB = Path(__file__).parent / "fixtures" / "aeb"


def test_an_edit_that_lets_the_article_be_found_is_reported_not_swallowed(
    tmp_path: Path, page_server: PageServer, smtp_server: SMTPServer
) -> None:
    """A Brazilian racing calendar (AEB, 2019) is read through the extractor's text: too
    little of it is prose to find the article's element. A paragraph added to it makes
    the element findable; the stored page is then read through it too, so the paragraph
    is reported, not taken for a change of reading and stored silently."""
    sys.path.insert(0, str(Path(__file__).parents[1] / "bench"))
    import pagegen

    page = next(p for p in pagegen.load_corpus(AEB) if p.name == "aeb-cc03ddb5ef")
    edited, marker = pagegen.apply_edit(page.html, page, "update", seed=5)
    page_server.set(PATH, page.html)
    config = one_watch(tmp_path, page_server.url(PATH))
    config.write_text(
        config.read_text() + f'[notify]\nurls = ["{smtp_server.apprise_url()}"]\n', "utf-8"
    )
    check(config)
    page_server.set(PATH, edited)
    check(config)
    assert len(smtp_server.messages) == 1
    assert marker.split(pagegen.MARKER_OR)[0][:40] in body(smtp_server)


# -- a first check stores the page at once; its full reading is done later ----------------


class RecordingPool(ExtractionPool):
    """The extraction workers, recording the name of each job they are given."""

    def __init__(self) -> None:
        super().__init__(1, deadline=20)
        self.jobs: list[str] = []

    async def run(self, job: Callable[..., Any], *args: Any) -> Any:
        self.jobs.append(job.__name__)
        return await super().run(job, *args)


def checked(
    storage: Storage, pages: FakeFetcher, notifier: Notifier, at: datetime
) -> tuple[Watch, list[str]]:
    """One check of ``STORY`` and a delivery pass at ``at``: the watch as stored after, and
    the extraction jobs the check ran."""

    async def one() -> list[str]:
        with RecordingPool() as extraction:
            pipeline = Pipeline(
                storage, pages, notifier, clock=lambda: at, owner="t", extraction=extraction
            )
            (watch,) = storage.claim([STORY], "t", at, lease=timedelta(minutes=1))
            await pipeline.check(watch)
            await pipeline.deliver_pending()
            return extraction.jobs

    jobs = asyncio.run(one())
    return storage.get_watch(STORY), jobs


@pytest.fixture
def story(storage: Storage, webhook_receiver: WebhookReceiver) -> Notifier:
    """A watch of ``STORY`` named 'story'; the notifier posting to the webhook."""
    storage.add_watch(WatchSpec(STORY, name="story", every="10m"), T0)
    return Notifier([Target(f"json://{webhook_receiver.netloc}/alerts")])


def test_a_first_check_stores_the_page_and_its_quick_reading_without_the_full_one(
    storage: Storage, pages: FakeFetcher, story: Notifier, webhook_receiver: WebhookReceiver
) -> None:
    """The first check runs only the quick reading (no extractor): version 1 holds the
    page's exact bytes and its headings and paragraphs, chrome included; the watch waits
    for the full reading, and nobody is alerted."""
    page = page_v1(Chrome(1))
    pages.set(STORY, page, headers={"ETag": '"v1"'})
    watch, jobs = checked(storage, pages, story, T0)
    assert jobs == ["quick_read"]
    assert (watch.versions, watch.unread_version, watch.hint) == (1, 1, None)
    version = storage.version(STORY, 1)
    assert version.kind == "first"
    assert storage.raw_html(STORY, 1) == page.encode("utf-8")
    assert any("cookie policy" in line for line in version.article.paragraphs)  # chrome
    assert webhook_receiver.posts == []


def test_a_304_at_the_second_check_leaves_the_page_unread_and_reads_nothing(
    storage: Storage, pages: FakeFetcher, story: Notifier
) -> None:
    """A 304 stays the cheap check it is: no reading, no version; the watch still waits."""
    pages.set(STORY, page_v1(Chrome(1)), headers={"ETag": '"v1"'})
    checked(storage, pages, story, T0)
    watch, jobs = checked(storage, pages, story, T0 + timedelta(minutes=10))
    assert jobs == []
    assert (watch.versions, watch.unread_version) == (1, 1)


def test_chrome_alone_changed_before_the_second_check_alerts_nobody(
    storage: Storage, pages: FakeFetcher, story: Notifier, webhook_receiver: WebhookReceiver
) -> None:
    """The second check reads the stored page in full first (version 2, 'reading': the
    same fetch, its exact bytes), then the new page through the container found there:
    only the chrome changed, so nothing is stored or alerted."""
    page = page_v1(Chrome(1))
    pages.set(STORY, page)
    checked(storage, pages, story, T0)
    pages.set(STORY, page_v1(Chrome(2)))
    watch, jobs = checked(storage, pages, story, T0 + timedelta(minutes=10))
    assert jobs[0] == "extract" and "quick_read" not in jobs
    assert [v.kind for v in storage.history(STORY)] == ["first", "reading"]
    assert storage.raw_html(STORY, 2) == page.encode("utf-8")
    assert watch.unread_version is None and watch.hint is not None
    assert webhook_receiver.posts == []
    evidence = storage.evidence(STORY)
    assert [e.content.fetched_at for e in evidence if e.content] == [T0, T0]


def test_an_edit_made_before_the_second_check_is_alerted_with_the_edit(
    storage: Storage, pages: FakeFetcher, story: Notifier, webhook_receiver: WebhookReceiver
) -> None:
    """The article edited between the first check and the second: the edit is reported
    against the first page's full reading, with the edit in the alert (an edit: the
    quick reading before is no change for it to take back)."""
    pages.set(STORY, page_v1(Chrome(1)))
    checked(storage, pages, story, T0)
    pages.set(STORY, page_v2(Chrome(2)))
    checked(storage, pages, story, T0 + timedelta(minutes=10))
    assert [v.kind for v in storage.history(STORY)] == ["first", "reading", "edit"]
    assert titles(webhook_receiver) == ["[monitor] Declared edit: 4 sentences added — story"]
    message = str(webhook_receiver.posts[0].payload["message"])
    assert "Version 2 (" in message and "→ version 3 (" in message
    added = set(storage.version(STORY, 3).article.paragraphs) - set(
        storage.version(STORY, 2).article.paragraphs
    )
    assert added and all(line[:40] in message for line in added)


def test_a_stored_page_that_cannot_be_read_again_makes_a_silent_baseline(
    storage: Storage,
    pages: FakeFetcher,
    story: Notifier,
    webhook_receiver: WebhookReceiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The first page's stored bytes no longer read back as fetched: its full reading is
    given up, and the next page is stored as a silent baseline, never compared with the
    quick reading (which would look like an edit of every line)."""
    pages.set(STORY, page_v1(Chrome(1)))
    checked(storage, pages, story, T0)

    def unreadable(url: str, number: int) -> tuple[bytes, str]:
        raise PageUnreadable(f"the page fetched for version {number} of {url} reads back altered")

    monkeypatch.setattr(storage, "fetched_page", unreadable)
    pages.set(STORY, page_v2(Chrome(2)))
    watch, _ = checked(storage, pages, story, T0 + timedelta(minutes=10))
    assert [v.kind for v in storage.history(STORY)] == ["first", "rebaseline"]
    assert watch.unread_version is None
    assert webhook_receiver.posts == []
