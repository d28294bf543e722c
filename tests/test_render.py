"""What an alert says, in plain text, Markdown and HTML, and how long diffs are cut."""

from __future__ import annotations

import html as html_module
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from fixtures.edited_pages import CASES, EditCase, corpus_page, seed_page

from monitor.diff import ArticleDiff, diff_articles
from monitor.edits import Edit
from monitor.extract import extract_article
from monitor.models import Article
from monitor.render import (
    CONTEXT_CHARS,
    DEL_STYLE,
    INS_STYLE,
    SUBJECT_EDITS_CHARS,
    AlertContext,
    cut,
    more_hint,
    render_alert,
    subject,
)

URL = "https://example.org/news/turkey-s400"
PAGE = "https://example.org/news/story"
OLD_AT = datetime(2021, 6, 2, 19, 4, tzinfo=UTC)
NEW_AT = datetime(2021, 6, 3, 11, 15, tzinfo=UTC)
LEDE = "Turkey will send home the Russian experts."
DEAL = "Ankara bought the system in a $2.5 billion deal."
GONE = "This paragraph was cut from the story."
KREMLIN = "The Kremlin confirmed the comments on Thursday."


def a_diff(old: tuple[str, ...], new: tuple[str, ...]) -> ArticleDiff:
    return diff_articles(Article(title="T", paragraphs=old), Article(title="T", paragraphs=new))


EDIT = a_diff((LEDE, DEAL, GONE), (LEDE, DEAL.replace("$2.5", "$2.7"), KREMLIN))
KINDS = "system $2.5 → $2.7 billion, 1 sentence removed (+1 more)"
"""EDIT's kinds of edit as a subject says them."""


BASE = AlertContext(
    kind="edit",
    watch_name="S-400 story",
    url=URL,
    old_number=3,
    old_at=OLD_AT,
    new_number=4,
    new_at=NEW_AT,
    diff=EDIT,
    declared=False,
)


def context(diff: ArticleDiff | None = EDIT, **fields: Any) -> AlertContext:
    return replace(BASE, diff=diff, **fields)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        pytest.param(
            {"declared": False}, f"[monitor] Silent edit: {KINDS} — S-400 story", id="silent"
        ),
        pytest.param(
            {"declared": True}, f"[monitor] Declared edit: {KINDS} — S-400 story", id="declared"
        ),
        pytest.param(
            {"declared": None}, f"[monitor] Edited: {KINDS} — S-400 story", id="edit-unknown"
        ),
        pytest.param(
            {"declared": False, "edits": ()}, "[monitor] Silent edit: S-400 story", id="no-kinds"
        ),
        pytest.param(
            {"kind": "revert", "revert_of": 2}, "[monitor] Reverted: S-400 story", id="revert"
        ),
        pytest.param(
            {"kind": "gone", "diff": None}, "[monitor] Taken down: S-400 story", id="gone"
        ),
        pytest.param({"kind": "moved", "diff": None}, "[monitor] Moved: S-400 story", id="moved"),
        pytest.param(
            {"kind": "back", "diff": None}, "[monitor] Back online: S-400 story", id="back"
        ),
        pytest.param(
            {"kind": "novel", "diff": None}, "[monitor] Novel: S-400 story", id="unknown-kind"
        ),
    ],
)
def test_subject(fields: dict[str, Any], expected: str) -> None:
    """The subject names the kind of event (silent or declared for edits, with the kinds of
    edit) and the watch."""
    ctx = context(**fields)
    assert subject(ctx) == expected
    assert render_alert(ctx).subject == expected


def test_text_alert_lists_the_change_with_word_markers() -> None:
    """The text alert has the watch, the versions, the verdict, the counts and a marked-up diff."""
    text = render_alert(context()).text
    assert text.splitlines() == [
        "S-400 story",
        URL,
        "Version 3 (2021-06-02 19:04 UTC) → version 4 (2021-06-03 11:15 UTC)",
        "Silent edit: the page does not say it was changed.",
        "system $2.5 → $2.7 billion, 1 sentence removed, 1 sentence added "
        f"({EDIT.summary.describe()})",
        "",
        f"  {LEDE}",
        "~ Ankara bought the system in a $[-2.5-]{+2.7+} billion deal.",
        f"- {GONE}",
        f"+ {KREMLIN}",
    ]


def test_text_alert_for_a_revert_names_the_version() -> None:
    """A revert alert says which version the text is again."""
    text = render_alert(context(kind="revert", revert_of=2, declared=None)).text
    assert "Reverted: the text is again that of version 2." in text


def test_text_alert_for_a_lifecycle_event_has_its_detail_and_no_diff() -> None:
    """A lifecycle alert carries its detail line and no diff."""
    ctx = context(kind="gone", diff=None, declared=None, detail="the page answers HTTP 410")
    rendered = render_alert(ctx)
    assert "the page answers HTTP 410" in rendered.text
    assert "{+" not in rendered.text and "words" not in rendered.text


def test_text_alert_shows_headline_and_byline_changes() -> None:
    """Headline and byline changes come first, labelled."""
    diff = diff_articles(
        Article(title="Old headline", byline="By A"), Article(title="New headline", byline="By B")
    )
    text = render_alert(context(diff)).text
    assert "~ Headline: [-Old-]{+New+} headline" in text
    assert "~ Byline: By [-A-]{+B+}" in text


HOSTILE = "Officials <script>alert(1)</script> & “friends” said."


@pytest.mark.parametrize(
    "diff",
    [
        pytest.param(a_diff((LEDE,), (LEDE, HOSTILE)), id="added"),
        pytest.param(a_diff((LEDE, HOSTILE), (LEDE,)), id="removed"),
        pytest.param(a_diff((HOSTILE,), (HOSTILE.replace("said", "told us"),)), id="changed"),
    ],
)
def test_html_escapes_page_text(diff: ArticleDiff) -> None:
    """Page text is escaped in the HTML alert: a script tag and an ampersand come out inert."""
    page = render_alert(context(diff)).html
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; “friends”" in page


def test_html_escapes_the_watch_name_and_url() -> None:
    """The watch's name and URL are escaped too."""
    page = render_alert(context(watch_name="<b>Bold</b> & co", url=URL + '?a=1&b="2"')).html
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; co" in page
    assert 'href="https://example.org/news/turkey-s400?a=1&amp;b=&quot;2&quot;"' in page
    assert "<b>" not in page


def test_html_colours_insertions_and_deletions() -> None:
    """Inserted words are in a green <ins>, deleted words in a red <del>."""
    page = render_alert(context()).html
    assert f'<del style="{DEL_STYLE}">2.5</del>' in page
    assert f'<ins style="{INS_STYLE}">2.7</ins>' in page
    assert f'<ins style="{INS_STYLE}">{KREMLIN}</ins>' in page
    assert f'<del style="{DEL_STYLE}">{GONE}</del>' in page


def test_markdown_escapes_formatting_characters() -> None:
    """Markdown control characters from the page are escaped so they print as themselves."""
    diff = a_diff((LEDE,), (LEDE, "a *b* _c_ ~d~ `e`"))
    markdown = render_alert(context(diff, watch_name="my_watch*")).markdown
    assert r"a \*b\* \_c\_ \~d\~ \`e\`" in markdown
    assert r"my\_watch\*" in markdown


def test_markdown_marks_the_change() -> None:
    """In Markdown, added words are bold and deleted words struck through."""
    markdown = render_alert(context()).markdown
    assert markdown.splitlines()[0] == f"*Silent edit: {KINDS} — S-400 story* — <{URL}>"
    assert "$~2.5~*2.7*" in markdown
    assert f"> ➕ {KREMLIN}" in markdown
    assert f"> ➖ ~{GONE}~" in markdown


LONG = a_diff(
    (), tuple(f"Paragraph {n} of a very long live blog, with some words." for n in range(200))
)


@pytest.mark.parametrize("form", ["text", "markdown", "html"])
def test_budget_cuts_a_long_diff_with_a_hint(form: str) -> None:
    """A diff over the budget is cut, ending with how to see all of it with `monitor diff`."""
    full = getattr(render_alert(context(LONG), budget=100_000), form)
    short = getattr(render_alert(context(LONG), budget=1_000), form)
    assert f"monitor diff {URL} 3 4" in short
    assert "monitor diff" not in full
    assert len(short) < len(full) // 5
    assert "Paragraph 0 of" in short and "Paragraph 199 of" not in short


def test_a_single_paragraph_longer_than_the_budget_is_cut() -> None:
    """Even one added paragraph longer than the budget is cut to the budget."""
    huge = a_diff((), ("word " * 20_000,))
    text = render_alert(context(huge), budget=1_000).text
    assert f"monitor diff {URL} 3 4" in text
    assert len(text) < 2_000


def test_more_hint_without_version_numbers() -> None:
    """The hint names the versions when known, and just the URL otherwise."""
    assert more_hint(URL, 3, 4).endswith(f"monitor diff {URL} 3 4")
    assert more_hint(URL, None, None).endswith(f"monitor diff {URL}")


HINT = "… see the rest with: monitor diff URL"


@pytest.mark.parametrize("limit", [10, 38, 40, 41, 60, 100, 199])
def test_cut_fits_the_limit_and_ends_with_the_hint(limit: int) -> None:
    """A cut text is never longer than the limit and ends with (as much as fits of) the hint."""
    text = "\n".join(f"line {n}" for n in range(40))
    out = cut(text, limit, HINT)
    assert len(out) <= limit
    tail = out.rsplit("\n", 1)[-1]
    assert tail and HINT.startswith(tail)
    if limit >= len(HINT) + 2:
        assert out.endswith("\n" + HINT)
        assert text.startswith(out[: -len(HINT) - 1])


@pytest.mark.parametrize("text", ["", "short", "x" * 100], ids=["empty", "short", "exactly"])
def test_cut_leaves_text_that_fits(text: str) -> None:
    """Text within the limit is returned as it is."""
    assert cut(text, 100, HINT) == text


def test_the_email_text_part_made_from_the_html_keeps_the_markers() -> None:
    """Apprise makes an email's text part from its HTML; the change markers survive that."""
    from apprise import NotifyFormat
    from apprise.conversion import convert_between

    text = convert_between(NotifyFormat.HTML, NotifyFormat.TEXT, render_alert(context()).html)
    assert "$[-2.5-]{+2.7+} billion" in text
    assert f"+ {KREMLIN}" in text and f"- {GONE}" in text


def test_each_change_is_placed_by_the_start_of_the_paragraph_before_it() -> None:
    """The unchanged paragraph before a change is shown, shortened, so a reader can find it."""
    long_lede = "Turkey will send home the Russian experts, officials said. " * 4
    diff = a_diff((long_lede, DEAL), (long_lede, DEAL.replace("$2.5", "$2.7")))
    text = render_alert(replace(BASE, diff=diff)).text
    assert f"  {long_lede[:CONTEXT_CHARS]}…" in text.splitlines()


def test_the_subject_is_one_line_whatever_the_title_holds() -> None:
    """A title with line breaks cannot add lines (mail headers) to the alert's subject."""
    ctx = replace(BASE, watch_name="Story\r\nBcc: everyone@example.org")
    assert render_alert(ctx).subject == (
        f"[monitor] Silent edit: {KINDS} — Story Bcc: everyone@example.org"
    )


# -- the kinds of edit ----------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_the_subject_says_the_kind_of_edit_on_a_real_page(case: EditCase) -> None:
    """An edit made in a real page's markup is named in the subject, before the watch."""
    html = corpus_page(case.page)
    diff = diff_articles(extract_article(html, PAGE), extract_article(case.apply(html), PAGE))
    ctx = context(diff, watch_name="The story")
    assert render_alert(ctx).subject == f"[monitor] Silent edit: {case.phrase} — The story"


def test_the_seed_revision_subject_says_sentences_added_and_declared() -> None:
    """The seed story's revision reads 'Declared edit: 4 sentences added' in the subject."""
    old = extract_article(seed_page("v1.html"), PAGE)
    new = extract_article(seed_page("v2.html"), PAGE)
    diff = diff_articles(old, new)
    ctx = context(diff, declared=True, watch_name="S-400 experts story")
    assert render_alert(ctx).subject.startswith("[monitor] Declared edit: 4 sentences added")
    assert render_alert(ctx).subject.endswith(" — S-400 experts story")


def test_every_rendering_says_the_kinds_in_its_summary_line() -> None:
    """Text, Markdown and HTML all carry the one summary line with the kinds and the size."""
    rendered = render_alert(context())
    line = "system $2.5 → $2.7 billion, 1 sentence removed, 1 sentence added (+8 / -8 words"
    assert line in rendered.text
    assert line in rendered.markdown
    assert html_module.escape(line) in rendered.html


def test_page_text_in_the_kinds_is_escaped() -> None:
    """A quotation's words in a label are page text: escaped in HTML and Markdown."""
    old, new = "He said “all is <b>fine</b>” today.", "He said “all is <i>*bad*</i>” today."
    rendered = render_alert(context(a_diff((old,), (new,))))
    assert rendered.subject.startswith("[monitor] Silent edit: quote “b>fine</b” → “i>*bad*</i”")
    assert "quote “b&gt;fine&lt;/b” → “i&gt;*bad*&lt;/i”" in rendered.html
    assert r"quote “b\>fine\</b” → “i\>\*bad\*\</i”" in rendered.markdown


def test_the_kinds_in_a_subject_are_cut_to_their_room() -> None:
    """However many kinds, they take at most SUBJECT_EDITS_CHARS of the one-line subject."""
    many = a_diff(tuple(f"Paragraph {n} says {n}." for n in range(30)), ())
    ctx = context(many, watch_name="Story")
    kinds_part = render_alert(ctx).subject.removeprefix("[monitor] Silent edit: ")
    assert kinds_part.endswith(" — Story") and "\n" not in kinds_part
    assert len(kinds_part.removesuffix(" — Story")) <= SUBJECT_EDITS_CHARS


@pytest.mark.parametrize("kind", ["revert", "timestamp"])
def test_only_an_edit_has_kinds_in_its_subject(kind: str) -> None:
    """A revert or a moved date keeps its plain subject; its body still says the kinds."""
    rendered = render_alert(context(kind=kind, declared=None, revert_of=2))
    assert (
        rendered.subject
        == f"[monitor] {'Reverted' if kind == 'revert' else 'Date moved'}: S-400 story"
    )
    assert "system $2.5 → $2.7 billion" in rendered.text


def test_kinds_given_by_the_caller_are_the_ones_said() -> None:
    """An alert says the kinds it was given (the pipeline's, stored with the version)."""
    given = (Edit("name", "A", "B", "A → B"),)
    rendered = render_alert(context(edits=given))
    assert rendered.subject == "[monitor] Silent edit: A → B — S-400 story"
    assert f"A → B ({EDIT.summary.describe()})" in rendered.text


# -- page text is inert ------------------------------------------------------------------------

PINGS = "@everyone @here @channel <@&123456> <@987654> <!channel>"


def test_mentions_in_page_text_ping_nobody_in_any_rendering() -> None:
    """Mention syntax from the page (@everyone, <@&role>, <!channel>) reaches no rendering
    whole: a zero-width space after its @ or < leaves the words readable."""
    ctx = context(a_diff(("Open.",), (f"Open. {PINGS}",)), watch_name="Story @here")
    rendered = render_alert(ctx)
    for form in (rendered.subject, rendered.text, rendered.markdown, rendered.html):
        for mention in ("@everyone", "@here", "@channel", "<@&123456>", "<@987654>", "<!channel"):
            assert mention not in form
    assert "Story @\u200bhere" in rendered.subject
    assert f"Open. {PINGS}" in rendered.text.replace("\u200b", "")


def test_markdown_escapes_link_syntax_in_page_text() -> None:
    """A Markdown link in the page's text arrives with its brackets escaped: no disguised
    link, the URL readable as text."""
    bait = "[Click to verify](https://evil.example/login)"
    markdown = render_alert(context(a_diff(("Open.",), (f"Open. {bait}",)))).markdown
    assert r"\[Click to verify\](https://evil.example/login)" in markdown
    assert bait not in markdown


def test_the_watch_url_stays_whole_and_linked() -> None:
    """The watch's own URL, even one holding @here, is left as it is: a working link."""
    url = "https://example.org/@here/story"
    rendered = render_alert(context(url=url))
    assert f"<{url}>" in rendered.markdown
    assert f'href="{url}"' in rendered.html


def test_a_password_in_the_watch_url_is_in_no_rendering() -> None:
    """A watch URL with user:password@ is shown without them in every rendering."""
    rendered = render_alert(context(url="https://bob:hunter2pw@example.org/story"))
    for form in (rendered.subject, rendered.text, rendered.markdown, rendered.html):
        assert "hunter2pw" not in form and "bob" not in form
    assert "https://***@example.org/story" in rendered.text
