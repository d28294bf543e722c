"""Delivery through Apprise: each target gets the rendering it reads best, cut to its
limit; a failing target is reported on its own; targets are chosen by tag or URL."""

from __future__ import annotations

import re
import socket
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from apprise import NotifyFormat
from apprise.plugins.custom_json import NotifyJSON
from servers import DiscordReceiver, SlackReceiver, SMTPServer, WebhookReceiver

from monitor.config import Target
from monitor.diff import diff_articles
from monitor.errors import NotifyError
from monitor.models import Article
from monitor.notify import Message, Notifier
from monitor.render import AlertContext, render_alert

URL = "https://example.org/news/budget"
HINT = re.compile(r"… diff cut here; see all of it with: monitor diff (\S+)( \d+ \d+)?$")


def an_alert(old: tuple[str, ...], new: tuple[str, ...]) -> Message:
    """The alert the pipeline would send for an edit from ``old`` to ``new`` paragraphs."""
    ctx = AlertContext(
        kind="edit",
        watch_name="Budget story",
        url=URL,
        old_number=3,
        old_at=datetime(2021, 6, 2, 19, 4, tzinfo=UTC),
        new_number=4,
        new_at=datetime(2021, 6, 3, 11, 15, tzinfo=UTC),
        diff=diff_articles(Article(title="T", paragraphs=old), Article(title="T", paragraphs=new)),
        declared=False,
    )
    return Message(render_alert(ctx), URL)


EDIT = an_alert(
    ("The minister spoke on Monday about the budget.",),
    ("The minister spoke on Tuesday about the budget.",),
)
SCRIPT = "<script>alert(1)</script> & co"
HOSTILE = an_alert(("Comments are open.",), (f"Comments are open: {SCRIPT}.",))
MONDAYS = tuple(f"Paragraph {i}: the minister spoke on Monday about the budget." for i in range(40))
LONG = an_alert(MONDAYS, tuple(p.replace("Monday", "Tuesday") for p in MONDAYS))


def json_url(receiver: WebhookReceiver, path: str = "/alerts") -> str:
    return f"json://{receiver.netloc}{path}"


def misskey_url(receiver: WebhookReceiver) -> str:
    """Misskey: text only, no title, 512 characters at most (Apprise's limits)."""
    return f"misskey://t0ken@{receiver.netloc}"


def rocketchat_url(receiver: WebhookReceiver) -> str:
    """Rocket.Chat in webhook mode: Markdown, no title, 1,000 characters at most."""
    return f"rocket://hookid/hooktoken@{receiver.netloc}"


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def displays(notifier: Notifier, keys: tuple[str, ...]) -> list[str]:
    shown = dict(notifier.describe())
    return [shown[key] for key in keys]


def unescape_markdown(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


# -- each target gets the rendering it reads best ------------------------------------------


def test_email_gets_the_html_rendering_with_a_text_alternative(smtp_server: SMTPServer) -> None:
    """Email arrives as multipart/alternative: the HTML rendering (with <ins> and <del>) and a
    text part."""
    notifier = Notifier([Target(smtp_server.apprise_url())])
    [delivery] = notifier.deliver(EDIT, notifier.targets_for(()))
    assert delivery.ok, delivery.error
    [mail] = smtp_server.wait_for(1)
    assert mail["Subject"] == EDIT.rendered.subject
    assert mail.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in mail.iter_parts()] == ["text/plain", "text/html"]
    html = mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "<del" in html and ">Monday</del>" in html
    assert "<ins" in html and ">Tuesday</ins>" in html
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "[-Monday-]{+Tuesday+}" in text


def test_page_text_is_html_escaped_in_the_email(smtp_server: SMTPServer) -> None:
    """Markup in the page's text arrives escaped in the email's HTML, never as live tags."""
    notifier = Notifier([Target(smtp_server.apprise_url())])
    notifier.deliver(HOSTILE, notifier.targets_for(()))
    [mail] = smtp_server.wait_for(1)
    html = mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html
    assert "<script" not in html


def test_slack_gets_the_markdown_rendering(slack_receiver: SlackReceiver) -> None:
    """Slack gets the Markdown rendering: quoted paragraphs, struck deletions, a link to the
    page, and none of the plain text's [- -] {+ +} markers."""
    notifier = Notifier([Target(slack_receiver.apprise_url)])
    [delivery] = notifier.deliver(EDIT, notifier.targets_for(()))
    assert delivery.ok, delivery.error
    [payload] = slack_receiver.wait_for_payloads(1)
    [attachment] = payload["attachments"]
    assert attachment["title"] == EDIT.rendered.subject
    assert f"<{URL}>" in attachment["text"]
    assert "> ✏️ The minister spoke on ~Monday~" in attachment["text"]
    assert "Tuesday" in attachment["text"]
    assert "[-" not in attachment["text"] and "{+" not in attachment["text"]


def test_page_text_cannot_mention_people_on_slack(slack_receiver: SlackReceiver) -> None:
    """Slack control sequences in the page's text (<!channel>, <@user>) arrive escaped, so an
    edited page cannot ping a whole channel."""
    alert = an_alert(("Comments are open.",), ("Comments are open. <!channel> <@U024BE7LH>",))
    notifier = Notifier([Target(slack_receiver.apprise_url)])
    notifier.deliver(alert, notifier.targets_for(()))
    [payload] = slack_receiver.wait_for_payloads(1)
    text = payload["attachments"][0]["text"]
    assert "<!channel>" not in text
    assert "<@U024BE7LH>" not in text


PINGS = "@everyone @here <@&123456> <@987654> <!channel> <!here>"
LINKS = "[Click to verify](https://evil.example/login) <https://evil.example/x|your account>"
BAIT = an_alert(("Comments are open.",), (f"Comments are open. {PINGS} {LINKS}",))
MARKDOWN_LINK = re.compile(r"(?<!\\)\[[^\]]*(?<!\\)\]\(")
"""A Markdown link [label](url), its brackets not escaped (Discord draws it as a link)."""
SLACK_LINK = re.compile(r"<https?://evil")
"""Slack's links, <url|label> (it draws no Markdown link)."""
MENTION = re.compile(r"@(everyone|here)\b|<@&?\d+>|<!(channel|here)")


def test_page_text_cannot_ping_or_disguise_links_on_slack(slack_receiver: SlackReceiver) -> None:
    """Mentions in the page's text reach Slack as plain words, and its link syntax
    ([label](url), <url|label>) as text, while the watch's own URL stays a link."""
    notifier = Notifier([Target(slack_receiver.apprise_url)])
    [delivery] = notifier.deliver(BAIT, notifier.targets_for(()))
    assert delivery.ok, delivery.error
    [payload] = slack_receiver.wait_for_payloads(1)
    text = payload["attachments"][0]["text"]
    assert "Click to verify" in text and "everyone" in text
    assert MENTION.search(text) is None, text
    assert SLACK_LINK.search(text) is None, text
    assert f"<{URL}>" in text


def test_page_text_cannot_ping_or_disguise_links_on_discord(
    discord_receiver: DiscordReceiver,
) -> None:
    """Discord, which draws Markdown in whatever it gets, gets the escaped Markdown rendering:
    no @everyone, role or user mention and no [label](url) link from the page."""
    notifier = Notifier([Target(discord_receiver.apprise_url)])
    [delivery] = notifier.deliver(BAIT, notifier.targets_for(()))
    assert delivery.ok, delivery.error
    [post] = discord_receiver.wait_for(1)
    content = post.payload["content"]
    assert "Click to verify" in content and "everyone" in content
    assert MENTION.search(content) is None, content
    assert MARKDOWN_LINK.search(content) is None, content
    assert "allowed_mentions" not in post.payload or post.payload["allowed_mentions"] == {
        "parse": []
    }


def test_a_json_webhook_gets_the_rendering_of_its_declared_format(
    webhook_receiver: WebhookReceiver,
) -> None:
    """A plain JSON webhook gets the rendering for the first format Apprise's JSON plugin
    declares (text, in Apprise 2.x), unchanged."""
    declared = NotifyJSON.notify_format
    default = NotifyFormat(declared[0] if isinstance(declared, (tuple, list)) else declared)
    expected = {
        NotifyFormat.TEXT: EDIT.rendered.text,
        NotifyFormat.MARKDOWN: EDIT.rendered.markdown,
        NotifyFormat.HTML: EDIT.rendered.html,
    }[default]
    notifier = Notifier([Target(json_url(webhook_receiver))])
    [delivery] = notifier.deliver(EDIT, notifier.targets_for(()))
    assert delivery.ok, delivery.error
    [post] = webhook_receiver.wait_for(1)
    assert post.path == "/alerts"
    # Apprise trims the body's trailing newline, nothing else.
    assert post.payload["title"] == EDIT.rendered.subject
    assert post.payload["message"] == expected.strip()


# -- bodies over a target's limit -----------------------------------------------------------


def test_a_body_over_the_limit_is_cut_ending_with_the_monitor_diff_hint(
    webhook_receiver: WebhookReceiver,
) -> None:
    """A text target with a small limit (Misskey, 512) gets the text rendering cut to the
    limit, ending with the command that shows the whole diff."""
    notifier = Notifier([Target(misskey_url(webhook_receiver))])
    [delivery] = notifier.deliver(LONG, notifier.targets_for(()))
    assert delivery.ok, delivery.error
    [post] = webhook_receiver.wait_for(1)
    text = post.payload["text"]
    # Misskey has no title field: Apprise puts the subject in front of the body.
    assert text.startswith(LONG.rendered.subject)
    assert LONG.rendered.text[:100] in text
    assert len(text) < len(LONG.rendered.text)
    hint = HINT.search(text)
    assert hint is not None and hint[1] == URL, text[-120:]


def test_a_markdown_target_too_small_for_the_alert_gets_the_text_cut(
    webhook_receiver: WebhookReceiver,
) -> None:
    """A Markdown target with a small limit (Rocket.Chat, 1,000) gets the plain text cut to
    fit, since cut Markdown could leave markup open, ending with the hint."""
    notifier = Notifier([Target(rocketchat_url(webhook_receiver))])
    [delivery] = notifier.deliver(LONG, notifier.targets_for(()))
    assert delivery.ok, delivery.error
    [post] = webhook_receiver.wait_for(1)
    assert post.path == "/hooks/hookid/hooktoken"
    # Apprise escapes the text's punctuation to send it as Markdown.
    text = unescape_markdown(post.payload["text"])
    assert "[-Monday-]{+Tuesday+}" in text
    assert "✏️" not in text
    hint = HINT.search(text)
    assert hint is not None and hint[1] == URL, text[-120:]


@pytest.mark.parametrize(
    ("make_url", "limit"),
    [
        pytest.param(misskey_url, 512, id="misskey-text-no-title"),
        pytest.param(rocketchat_url, 1000, id="rocketchat-markdown-no-title"),
    ],
)
def test_what_a_small_limit_target_receives_fits_its_limit(
    webhook_receiver: WebhookReceiver, make_url: Callable[[WebhookReceiver], str], limit: int
) -> None:
    """The whole message a small-limit target receives, title included, is within the limit
    Apprise declares for it."""
    notifier = Notifier([Target(make_url(webhook_receiver))])
    notifier.deliver(LONG, notifier.targets_for(()))
    [post] = webhook_receiver.wait_for(1)
    assert len(post.payload["text"]) <= limit


# -- failing targets ----------------------------------------------------------------


def test_a_failing_target_is_reported_and_the_others_still_get_the_alert(
    slack_receiver: SlackReceiver, smtp_server: SMTPServer, webhook_receiver: WebhookReceiver
) -> None:
    """A webhook answering 500 yields a failed Delivery with a readable reason; the email and
    JSON targets after it still get the alert."""
    slack_receiver.fail = True
    notifier = Notifier(
        [
            Target(slack_receiver.apprise_url),
            Target(smtp_server.apprise_url()),
            Target(json_url(webhook_receiver)),
        ]
    )
    slack, email, hook = notifier.deliver(EDIT, notifier.targets_for(()))
    assert not slack.ok
    assert slack.error is not None and "500" in slack.error
    assert (email.ok, hook.ok) == (True, True)
    assert len(slack_receiver.wait_for(1)) == 1
    assert len(smtp_server.wait_for(1)) == 1
    assert len(webhook_receiver.wait_for(1)) == 1


def test_an_unreachable_smtp_server_is_a_failed_delivery(
    webhook_receiver: WebhookReceiver,
) -> None:
    """Email to a closed port is a failed Delivery saying the connection failed, not an
    exception; the next target still gets the alert."""
    dead = f"mailto://127.0.0.1:{closed_port()}?mode=insecure&from=m@example.org&to=d@example.org"
    notifier = Notifier([Target(dead), Target(json_url(webhook_receiver))])
    email, hook = notifier.deliver(EDIT, notifier.targets_for(()))
    assert not email.ok
    assert email.error is not None and "connection" in email.error.lower()
    assert hook.ok
    assert len(webhook_receiver.wait_for(1)) == 1


def test_a_crashing_plugin_is_a_failed_delivery(
    webhook_receiver: WebhookReceiver, smtp_server: SMTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A plugin that raises is reported with the exception's type and message; delivery goes
    on to the next target."""

    def crash(*args: object, **kwargs: object) -> bool:
        raise RuntimeError("plugin bug")

    monkeypatch.setattr(NotifyJSON, "send", crash)
    notifier = Notifier([Target(json_url(webhook_receiver)), Target(smtp_server.apprise_url())])
    hook, email = notifier.deliver(EDIT, notifier.targets_for(()))
    assert (hook.ok, hook.error) == (False, "RuntimeError: plugin bug")
    assert email.ok
    assert len(smtp_server.wait_for(1)) == 1


def test_a_target_no_longer_configured_fails_without_raising(
    webhook_receiver: WebhookReceiver,
) -> None:
    """An alert queued for a target since removed from the config fails with 'no longer
    configured'; the targets still configured get it."""
    kept, dropped = json_url(webhook_receiver, "/kept"), json_url(webhook_receiver, "/dropped")
    keys = Notifier([Target(kept), Target(dropped)]).targets_for(())
    notifier = Notifier([Target(kept)])
    first, second = notifier.deliver(EDIT, keys)
    assert first.ok
    assert not second.ok
    assert second.error is not None and "no longer configured" in second.error
    assert [post.path for post in webhook_receiver.wait_for(1)] == ["/kept"]


# -- choosing targets --------------------------------------------------------------------

DESK = "json://127.0.0.1:9/desk"
NIGHT = "json://127.0.0.1:9/night"
EVERYONE = "json://127.0.0.1:9/everyone"


@pytest.fixture
def tagged() -> Notifier:
    return Notifier(
        [
            Target(DESK, tags=("desk",)),
            Target(NIGHT, tags=("night", "desk")),
            Target(EVERYONE),
        ]
    )


def test_no_selectors_select_every_target(tagged: Notifier) -> None:
    """A watch that names no targets is sent to all of them, in configuration order."""
    assert displays(tagged, tagged.targets_for(())) == [DESK, NIGHT, EVERYONE]


@pytest.mark.parametrize(
    ("selectors", "expected"),
    [
        pytest.param(("desk",), [DESK, NIGHT], id="shared-tag"),
        pytest.param(("night",), [NIGHT], id="one-target"),
        pytest.param(("night", "desk"), [NIGHT, DESK], id="no-duplicates"),
        pytest.param(("sports",), [], id="unknown-tag"),
    ],
)
def test_tags_select_the_tagged_targets(
    tagged: Notifier, selectors: tuple[str, ...], expected: list[str]
) -> None:
    """A tag selects each target carrying it, once; an unknown tag selects nothing."""
    assert displays(tagged, tagged.targets_for(selectors)) == expected


def test_a_raw_apprise_url_selector_is_added_and_selected(tagged: Notifier) -> None:
    """An Apprise URL given as a selector becomes a target of its own, selected with the
    tagged ones; naming it again does not add it twice."""
    extra = "json://127.0.0.1:9/extra"
    keys = tagged.targets_for(("night", extra))
    assert displays(tagged, keys) == [NIGHT, extra]
    assert len(tagged) == 4
    assert tagged.targets_for((extra,)) == keys[1:]
    assert len(tagged) == 4


def test_a_raw_url_selector_for_a_configured_target_selects_it(tagged: Notifier) -> None:
    """An Apprise URL that is already configured selects that target, not a copy of it."""
    assert displays(tagged, tagged.targets_for((DESK,))) == [DESK]
    assert len(tagged) == 3


# -- Apprise config files --------------------------------------------------------------


def test_an_apprise_config_file_adds_its_urls_with_their_tags(
    tmp_path: Path, smtp_server: SMTPServer, webhook_receiver: WebhookReceiver
) -> None:
    """The URLs of an Apprise YAML config become targets, selectable by the tags it gives
    them, next to the targets of monitor's own config."""
    config = tmp_path / "apprise.yml"
    config.write_text(
        "urls:\n"
        f'  - "{smtp_server.apprise_url()}":\n'
        "      tag: desk, night\n"
        f"  - {json_url(webhook_receiver, '/from-file')}\n"
    )
    notifier = Notifier([Target(json_url(webhook_receiver, "/own"))], apprise_config=config)
    assert len(notifier) == 3
    [desk] = notifier.targets_for(("desk",))
    assert notifier.targets_for(("night",)) == (desk,)
    [delivery] = notifier.deliver(EDIT, (desk,))
    assert delivery.ok, delivery.error
    [mail] = smtp_server.wait_for(1)
    assert mail["Subject"] == EDIT.rendered.subject
    assert webhook_receiver.posts == []


def test_a_missing_apprise_config_file_is_an_error_saying_so(tmp_path: Path) -> None:
    """A config file that does not exist raises NotifyError naming it and saying it cannot
    be read (not that it declares nothing)."""
    missing = tmp_path / "nowhere.yml"
    with pytest.raises(NotifyError) as caught:
        Notifier(apprise_config=missing)
    assert str(missing) in str(caught.value)
    assert "cannot read" in str(caught.value)


def test_an_empty_apprise_config_file_is_an_error_saying_so(tmp_path: Path) -> None:
    """A config file with no usable URL raises NotifyError naming it and pointing at the
    format's documentation."""
    empty = tmp_path / "apprise.yml"
    empty.write_text("")
    with pytest.raises(NotifyError) as caught:
        Notifier(apprise_config=empty)
    message = str(caught.value)
    assert str(empty) in message
    assert "no usable URL" in message
    assert "https://github.com/caronc/apprise/wiki/config" in message


# -- invalid URLs and secrets --------------------------------------------------------------

SECRET = "hunter2s3cretT0ken"


@pytest.mark.parametrize(
    ("url", "scheme"),
    [
        pytest.param(f"slack://{SECRET}/too-short", "slack://", id="malformed-slack"),
        pytest.param(f"misskey://{SECRET}@", "misskey://", id="misskey-without-host"),
        pytest.param(f"nosuch://{SECRET}@example.org", "nosuch://", id="unknown-scheme"),
    ],
)
def test_an_invalid_url_is_an_error_naming_the_scheme_not_the_secret(url: str, scheme: str) -> None:
    """An unusable Apprise URL raises NotifyError that names its scheme and points at the
    syntax, without the URL's secret."""
    with pytest.raises(NotifyError) as caught:
        Notifier([Target(url)])
    message = str(caught.value)
    assert scheme in message
    assert "apprise/wiki" in message
    assert SECRET not in message


def test_an_invalid_url_selector_is_an_error_too(tagged: Notifier) -> None:
    """A watch's unusable Apprise URL raises NotifyError when its targets are chosen."""
    with pytest.raises(NotifyError, match="slack://") as caught:
        tagged.targets_for((f"slack://{SECRET}/too-short",))
    assert SECRET not in str(caught.value)


@pytest.mark.parametrize(
    ("url", "secrets"),
    [
        pytest.param(
            f"slack://{SlackReceiver.token}", SlackReceiver.token.split("/"), id="slack-token"
        ),
        pytest.param(
            "mailto://mon:hunter2pw@127.0.0.1:2525?from=m@example.org&to=d@example.org",
            ["hunter2pw"],
            id="email-password",
        ),
        pytest.param(
            "json://127.0.0.1:9/x?+Authorization=Bearer%20s3cr3tt0ken",
            ["s3cr3tt0ken"],
            id="header-token",
        ),
        pytest.param(
            "json://127.0.0.1:9/hooks/s3cr3tT0kenAbCdEf", ["s3cr3tT0kenAbCdEf"], id="path-token"
        ),
        pytest.param("ntfy://127.0.0.1/alertsTopicS3cret", ["alertsTopicS3cret"], id="ntfy-topic"),
        pytest.param(
            f"discord://{DiscordReceiver.webhook_id}/{DiscordReceiver.webhook_token}",
            [DiscordReceiver.webhook_id, DiscordReceiver.webhook_token],
            id="discord-token",
        ),
    ],
)
def test_describe_masks_secrets(url: str, secrets: list[str]) -> None:
    """The display string of a target keeps its service and host but none of its secrets."""
    [(key, display)] = Notifier([Target(url)]).describe()
    assert display.startswith(url.split("://")[0] + "://")
    for secret in secrets:
        assert secret not in display
        assert secret not in key
