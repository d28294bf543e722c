"""The acceptance story, end to end through the CLI: the newsroom revises the article.

A real local web server serves the article inside changing page chrome; alerts go
through Apprise to a real SMTP server and a real Slack webhook receiver.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fixtures.seed_pages import ADDED_IN_REVISION, UPDATED_LINE, Chrome, page_v1, page_v2
from servers import PageServer, SlackReceiver, SMTPServer

from monitor.cli import main

PATH = "/2021/06/02/turkey-to-send-home-russian-s-400-missile-system-experts-a74078"
CHROME = [Chrome(seed) for seed in (11, 12, 13)]


def chrome_values() -> list[str]:
    return [value for chrome in CHROME for value in chrome.values()]


@pytest.fixture
def story(
    tmp_path: Path, page_server: PageServer, smtp_server: SMTPServer, slack_receiver: SlackReceiver
) -> tuple[Path, str]:
    """A config watching the story, alerting one mailbox and one Slack channel."""
    url = page_server.url(PATH)
    config = tmp_path / "monitor.toml"
    config.write_text(
        f"""
[storage]
url = "sqlite:///{tmp_path}/monitor.db"

[monitor]
allow_internal = ["127.0.0.1"]  # the page server's address, refused unless allowed

[notify]
urls = ["{smtp_server.apprise_url()}", "{slack_receiver.apprise_url}"]

[[watch]]
url = "{url}"
name = "S-400 experts story"
every = "15m"
""",
        encoding="utf-8",
    )
    return config, url


def run(config: Path, *args: str) -> int:
    return main(["--config", str(config), *args])


def email_parts(smtp_server: SMTPServer) -> tuple[str, str]:
    (message,) = smtp_server.messages
    plain = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert plain is not None and html is not None
    return plain.get_content(), html.get_content()


def test_the_revision_is_caught_and_alerted_once_and_chrome_never(
    story: tuple[Path, str],
    page_server: PageServer,
    smtp_server: SMTPServer,
    slack_receiver: SlackReceiver,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Version 1 alerts nobody; the revision alerts email and Slack once; chrome alone is silent."""
    config, url = story

    page_server.set(PATH, page_v1(CHROME[0]))
    assert run(config, "check", "--all") == 0
    assert smtp_server.messages == [] and slack_receiver.posts == []

    page_server.set(PATH, page_v2(CHROME[1]))
    assert run(config, "check", "--all") == 0
    assert len(smtp_server.messages) == 1
    assert len(slack_receiver.posts) == 1

    plain, html = email_parts(smtp_server)
    slack = json.dumps(slack_receiver.payloads[0], ensure_ascii=False)
    for body in (plain, html, slack):
        assert UPDATED_LINE.rstrip(".") in body
        for opening in ADDED_IN_REVISION:
            assert _loose(opening) in _loose(body)
        for value in chrome_values():
            assert value not in body, f"chrome value {value!r} leaked into an alert"
    assert "<ins" in html, "the email's HTML colours the insertions"
    assert "S-400 experts story" in smtp_server.messages[0]["Subject"]

    page_server.set(PATH, page_v2(CHROME[2]))
    assert run(config, "check", "--all") == 0
    assert len(smtp_server.messages) == 1 and len(slack_receiver.posts) == 1

    capsys.readouterr()
    assert run(config, "history", url, "--json") == 0
    history = json.loads(capsys.readouterr().out)
    assert [row["kind"] for row in history] == ["first", "reading", "edit"]
    assert history[2]["change"]["paragraphs_added"] == 4  # the update line and three paragraphs

    assert run(config, "diff", url) == 0
    diff = capsys.readouterr().out
    assert f"+ {UPDATED_LINE}" in diff
    for opening in ADDED_IN_REVISION:
        assert _loose(f"+ {opening}") in _loose(diff)


def test_the_diff_is_available_in_every_format(
    story: tuple[Path, str], page_server: PageServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """`monitor diff` renders the revision as text, Markdown, HTML and JSON."""
    config, url = story
    page_server.set(PATH, page_v1(CHROME[0]))
    run(config, "check", "--all")
    page_server.set(PATH, page_v2(CHROME[1]))
    run(config, "check", "--all")
    capsys.readouterr()

    # Version 1 is the first page's quick reading, version 2 its full reading.
    assert run(config, "diff", url, "2", "3", "--format", "html") == 0
    assert "<ins" in capsys.readouterr().out
    assert run(config, "diff", url, "2", "3", "--format", "markdown") == 0
    assert "➕" in capsys.readouterr().out
    assert run(config, "diff", url, "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["from"], data["to"]) == (2, 3)
    assert data["summary"]["paragraphs_added"] == 4
    assert [block["kind"] for block in data["blocks"]] == ["added"] * 4

    assert run(config, "show", url, "--version", "2", "--json") == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["version"] == 2
    assert not any(UPDATED_LINE in p for p in shown["paragraphs"])


def _loose(text: str) -> str:
    """Compare across quote styles: a target may render quotes its own way."""
    for curly, straight in (("’", "'"), ("“", '"'), ("”", '"'), ("&#x27;", "'"), ("&quot;", '"')):
        text = text.replace(curly, straight)
    return text


READER_PAGES = Path(__file__).parent / "fixtures" / "seed" / "pages"


def test_the_pages_a_reader_gets_alert_once_for_the_revision_and_never_for_the_counter(
    story: tuple[Path, str],
    page_server: PageServer,
    smtp_server: SMTPServer,
    slack_receiver: SlackReceiver,
) -> None:
    """The story as served (a view counter in its byline line): v1, a chrome-only reload,
    the revision, and another reload make exactly one alert, with the four added lines."""
    config, _ = story
    added = (READER_PAGES / "added.txt").read_text(encoding="utf-8").splitlines()
    for name, alerts in (("v1", 0), ("v1-chrome", 0), ("v2", 1), ("v2-chrome", 1)):
        page_server.set(PATH, (READER_PAGES / f"{name}.html").read_bytes())
        assert run(config, "check", "--all") == 0
        assert (len(smtp_server.messages), len(slack_receiver.posts)) == (alerts, alerts), name

    plain, html = email_parts(smtp_server)
    slack = json.dumps(slack_receiver.payloads[0], ensure_ascii=False)
    for body in (plain, html, slack):
        for line in added:
            assert _loose(line.rstrip(".")) in _loose(body)
        for chrome in ("views", "56200", "55256", "Most read", "Advertisement", "24°C", "6:58"):
            assert chrome not in body, f"chrome {chrome!r} leaked into an alert"
