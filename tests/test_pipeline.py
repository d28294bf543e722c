"""A check end to end, by what the user is told: edits, reverts, dates, and an article's fate.

Pages come from a real local web server; alerts go to a real SMTP server through Apprise.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fixtures.seed_pages import Chrome, article_v1, page_v1, page_v2, render_page
from servers import PageServer, SMTPServer

from monitor.cli import main

PATH = "/news/s400-experts"


@pytest.fixture
def setup(tmp_path: Path, page_server: PageServer, smtp_server: SMTPServer) -> tuple[Path, str]:
    url = page_server.url(PATH)
    config = tmp_path / "monitor.toml"
    config.write_text(
        f'[storage]\nurl = "sqlite:///{tmp_path}/m.db"\n'
        f'[notify]\nurls = ["{smtp_server.apprise_url()}"]\n'
        f'[[watch]]\nurl = "{url}"\nname = "story"\n',
        encoding="utf-8",
    )
    return config, url


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
    """v1, v2, then v1's text again: version 3 is stored and the alert names version 1."""
    config, url = setup
    page_server.set(PATH, page_v1(Chrome(1)))
    check(config)
    page_server.set(PATH, page_v2(Chrome(2)))
    check(config)
    page_server.set(PATH, page_v1(Chrome(3)))
    check(config)
    assert subjects(smtp_server)[-1] == "[monitor] Reverted: story"
    assert "again that of version 1" in body(smtp_server)
    capsys.readouterr()
    main(["--config", str(config), "history", url, "--json"])
    assert len(json.loads(capsys.readouterr().out)) == 3


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
    assert len(json.loads(capsys.readouterr().out)) == 2


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


def test_a_dead_alert_target_keeps_the_alert_for_a_retry(
    tmp_path: Path, page_server: PageServer, smtp_server: SMTPServer
) -> None:
    """When the SMTP server is down, the version is stored and the alert waits; it goes later."""
    url = page_server.url(PATH)
    config = tmp_path / "monitor.toml"
    port = smtp_server.port
    config.write_text(
        f'[storage]\nurl = "sqlite:///{tmp_path}/m.db"\n'
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
    assert (version, kind, state, attempts) == (2, "edit", "pending", 1)
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
    config.write_text(config.read_text() + "ignore = ['^Russia delivered']\n", encoding="utf-8")
    page_server.set(PATH, page_v1(Chrome(2)))
    check(config)
    assert smtp_server.messages == []
    capsys.readouterr()
    main(["--config", str(config), "history", url, "--json"])
    history = json.loads(capsys.readouterr().out)
    assert [row["kind"] for row in history] == ["first", "rebaseline"]
    assert "settings changed" in history[1]["summary"]
    page_server.set(PATH, page_v2(Chrome(3)))
    check(config)
    assert len(smtp_server.messages) == 1  # and edits alert again as before
