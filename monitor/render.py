"""What an alert (or ``monitor diff``) says: plain text, Markdown and HTML renderings.

Pure functions. Long diffs are cut to a character budget, with a note saying how to
see the rest with ``monitor diff``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from monitor.diff import ArticleDiff, Block, Segment, Summary
from monitor.edits import Edit, classify, describe
from monitor.models import Rendered

INS_STYLE = "background:#d7f5dd;color:#0b3d17;text-decoration:none"
DEL_STYLE = "background:#fde2e1;color:#7d0a0a;text-decoration:line-through"
# Hidden in mail clients (mso-hide for Outlook), kept by HTML-to-text conversion.
HIDDEN_STYLE = "display:none;font-size:0;max-height:0;overflow:hidden;mso-hide:all"

_KIND_LABEL = {
    "edit": "Edited",
    "revert": "Reverted",
    "timestamp": "Date moved",
    "reading": "Read in full",
    "gone": "Taken down",
    "moved": "Moved",
    "noindex": "Hidden from search",
    "back": "Back online",
    "failing": "Stopped working",
    "recovered": "Working again",
    "digest": "Digest",
    "test": "Test",
}


@dataclass(frozen=True)
class AlertContext:
    """Everything an alert talks about."""

    kind: str
    watch_name: str
    url: str
    old_number: int | None = None
    old_at: datetime | None = None
    new_number: int | None = None
    new_at: datetime | None = None
    diff: ArticleDiff | None = None
    declared: bool | None = None
    declared_by: str = ""
    revert_of: int | None = None
    detail: str = ""
    edits: tuple[Edit, ...] | None = None
    """The kinds of edit, most newsworthy first; None: classify ``diff``."""


def _when(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC") if at else "?"


SUBJECT_EDITS_CHARS = 60
"""Room for the kinds of edit in a subject: the watch's name must still fit where a
target cuts titles short, and a reader triages from the first words."""


def _edits(ctx: AlertContext) -> tuple[Edit, ...]:
    if ctx.edits is not None:
        return ctx.edits
    return classify(ctx.diff) if ctx.diff is not None else ()


def event_label(kind: str, declared: bool | None = None) -> str:
    """'Silent edit', 'Reverted', 'Taken down': what happened, in an alert's words."""
    if kind == "edit" and declared is not None:
        return "Declared edit" if declared else "Silent edit"
    return _KIND_LABEL.get(kind, kind.capitalize())


def subject(ctx: AlertContext) -> str:
    """'[monitor] Silent edit: death toll 12 → 15 — <name>': the event, for an edit its
    kinds (most newsworthy first), and the watch."""
    label = event_label(ctx.kind, ctx.declared)
    name = ctx.watch_name
    edits = _edits(ctx) if ctx.kind == "edit" else ()
    if edits:
        name = f"{describe(edits, SUBJECT_EDITS_CHARS)} — {name}"
    # One line whatever the page holds: a newline in a mail header is an injection.
    return f"[monitor] {label}: {' '.join(name.split())}"


def read_in_full(of: int) -> str:
    """What a version of kind ``reading`` is, in one line: the article of the page that
    version ``of`` stored with its quick reading, read in full."""
    return f"the article, read in full from the page of version {of} (no alert)"


def change_line(summary: Summary, edits: Sequence[Edit]) -> str:
    """'4 sentences added (+52 / -0 words; 4 paragraphs added)': the kinds, then the size."""
    size = summary.describe()
    return f"{describe(edits)} ({size})" if edits else size


def _versions_line(ctx: AlertContext) -> str:
    if ctx.old_number is None or ctx.new_number is None:
        return ""
    return (
        f"Version {ctx.old_number} ({_when(ctx.old_at)}) → "
        f"version {ctx.new_number} ({_when(ctx.new_at)})"
    )


def _headline(ctx: AlertContext) -> list[str]:
    lines = []
    if ctx.kind == "edit" and ctx.declared is not None:
        said = ctx.declared_by or "the page says it was updated"
        lines.append(
            f"Declared edit: {said}{'' if said.endswith(('.', '”')) else '.'}"
            if ctx.declared
            else "Silent edit: the page does not say it was changed."
        )
    if ctx.kind == "revert" and ctx.revert_of is not None:
        # ``detail``: a change taken back while the rest of the page moved on.
        said = ctx.detail or f"the text is again that of version {ctx.revert_of}"
        lines.append(f"Reverted: {said}.")
    elif ctx.detail:
        lines.append(ctx.detail)
    if ctx.diff is not None:
        lines.append(change_line(ctx.diff.summary, _edits(ctx)))
    return lines


def more_hint(url: str, old: int | None, new: int | None) -> str:
    versions = f" {old} {new}" if old is not None and new is not None else ""
    return f"… diff cut here; see all of it with: monitor diff {url}{versions}"


CONTEXT_CHARS = 90
"""How much of the unchanged paragraph before a change is shown, to say where it is."""


def _context(block: Block) -> Block:
    text = block.new if len(block.new) <= CONTEXT_CHARS else block.new[:CONTEXT_CHARS] + "…"
    return Block("equal", text, text, (Segment("equal", text),))


def _field_blocks(diff: ArticleDiff, limit: int | None = None) -> list[tuple[str, Block]]:
    labelled: list[tuple[str, Block]] = []
    if diff.title.kind != "equal":
        labelled.append(("Headline", diff.title))
    if diff.byline.kind != "equal":
        labelled.append(("Byline", diff.byline))
    previous: Block | None = None
    for block in diff.blocks:
        if block.kind != "equal":
            if previous is not None:
                labelled.append(("", _context(previous)))
            labelled.append(("", block))
        previous = block if block.kind == "equal" else None
    if limit is not None:
        labelled = [(label, _clip(block, limit)) for label, block in labelled]
    return labelled


def _budgeted(parts: list[str], budget: int, hint: str) -> list[str]:
    """Whole parts while they fit, then the hint; parts are rendered blocks."""
    kept, used = [], 0
    for part in parts:
        if used + len(part) > budget:
            kept.append(hint)
            break
        kept.append(part)
        used += len(part)
    return kept


def _clip(block: Block, limit: int) -> Block:
    """A block whose text is cut to ``limit`` characters (the text, so markup stays valid)."""
    segments, left = [], limit
    for seg in block.segments:
        if left <= 0:
            break
        segments.append(Segment(seg.op, seg.text[:left] + ("…" if len(seg.text) > left else "")))
        left -= len(seg.text)
    return Block(block.kind, block.old[:limit], block.new[:limit], tuple(segments))


# -- plain text --------------------------------------------------------------


def text_segments(segments: tuple[Segment, ...]) -> str:
    out = []
    for seg in segments:
        if seg.op == "insert":
            out.append(f"{{+{seg.text}+}}")
        elif seg.op == "delete":
            out.append(f"[-{seg.text}-]")
        else:
            out.append(seg.text)
    return "".join(out)


def text_block(label: str, block: Block) -> str:
    prefix = {"added": "+ ", "removed": "- ", "changed": "~ ", "equal": "  "}[block.kind]
    body = (
        block.new
        if block.kind == "added"
        else block.old
        if block.kind == "removed"
        else (text_segments(block.segments))
    )
    return f"{prefix}{label + ': ' if label else ''}{body}"


def diff_text(diff: ArticleDiff, limit: int | None = None) -> list[str]:
    return [text_block(label, block) for label, block in _field_blocks(diff, limit)]


# -- Markdown (Slack and other chat targets) ----------------------------------------------


def _md_escape(text: str) -> str:
    # < and > too: on Slack, page text like <!channel> would otherwise ping everyone, and
    # <https://evil|Click> a link; [ and ]: [Click](https://evil) would be a disguised link.
    for char in "\\*_`~<>[]":
        text = text.replace(char, "\\" + char)
    return text


def md_block(label: str, block: Block) -> str:
    head = f"*{label}:* " if label else ""
    if block.kind == "equal":
        return f"> {_md_escape(block.new)}"
    if block.kind == "added":
        return f"> ➕ {head}{_md_escape(block.new)}"
    if block.kind == "removed":
        return f"> ➖ {head}~{_md_escape(block.old)}~"
    parts = []
    for seg in block.segments:
        text = _md_escape(seg.text)
        if seg.op == "insert" and text.strip():
            parts.append(f"*{text.strip()}*" + (" " if text.endswith(" ") else ""))
        elif seg.op == "delete" and text.strip():
            parts.append(f"~{text.strip()}~" + (" " if text.endswith(" ") else ""))
        else:
            parts.append(text)
    return f"> ✏️ {head}{''.join(parts)}"


def diff_markdown(diff: ArticleDiff, limit: int | None = None) -> list[str]:
    return [md_block(label, block) for label, block in _field_blocks(diff, limit)]


# -- HTML (email, and monitor serve's pages) ------------------------------------------

BORDERS = {"added": "#2da44e", "removed": "#cf222e", "changed": "#bf8700", "equal": "#d0d7de"}
"""The colour of a paragraph's left border, by the kind of its change."""
CONTEXT_COLOUR = "#57606a"
"""The text of an unchanged paragraph shown for context."""


@dataclass(frozen=True)
class Look:
    """How the HTML marks a change: the attributes of ``<ins>``, ``<del>`` and a block's
    paragraph (by kind), and of the hidden text markers (None: no markers)."""

    ins: str
    delete: str
    block: Callable[[str], str]
    hidden: str | None


def _email_block(kind: str) -> str:
    grey = f";color:{CONTEXT_COLOUR}" if kind == "equal" else ""
    return f'style="margin:0 0 12px;padding-left:10px;border-left:3px solid {BORDERS[kind]}{grey}"'


EMAIL = Look(
    f'style="{INS_STYLE}"', f'style="{DEL_STYLE}"', _email_block, f'style="{HIDDEN_STYLE}"'
)
"""Inline styles: a mail client keeps no stylesheet."""
PAGE = Look('class="ins"', 'class="del"', lambda kind: f'class="block {kind}"', None)
"""Classes, coloured by ``monitor serve``'s stylesheet (its CSP refuses inline styles);
a browser keeps the colours, so no text markers."""


def _hidden(marker: str, look: Look) -> str:
    """Text only a plain-text rendering shows: an email's text part is made from the HTML
    (by Apprise), and there the colours are gone, so the text markers must carry it."""
    if look.hidden is None:
        return ""
    return f"<span {look.hidden}>{html.escape(marker)}</span>"


def html_segments(segments: tuple[Segment, ...], *, marked: bool = True, look: Look = EMAIL) -> str:
    out = []
    for seg in segments:
        text = html.escape(seg.text)
        if seg.op == "insert":
            ins = f"<ins {look.ins}>{text}</ins>"
            out.append(f"{_hidden('{+', look)}{ins}{_hidden('+}', look)}" if marked else ins)
        elif seg.op == "delete":
            dele = f"<del {look.delete}>{text}</del>"
            out.append(f"{_hidden('[-', look)}{dele}{_hidden('-]', look)}" if marked else dele)
        else:
            out.append(text)
    return "".join(out)


def html_block(label: str, block: Block, look: Look = EMAIL) -> str:
    head = f"<strong>{html.escape(label)}:</strong> " if label else ""
    if block.kind == "equal":  # context: where the change is
        return f"<p {look.block('equal')}>{_hidden('  ', look)}{html.escape(block.new)}</p>"
    prefix = {"added": "+ ", "removed": "- ", "changed": "~ "}.get(block.kind, "")
    # Whole added or removed paragraphs need no inner markers: the prefix says it.
    segments = html_segments(block.segments, marked=block.kind == "changed", look=look)
    return f"<p {look.block(block.kind)}>{_hidden(prefix, look)}{head}{segments}</p>"


def diff_html(diff: ArticleDiff, limit: int | None = None, look: Look = EMAIL) -> list[str]:
    return [html_block(label, block, look) for label, block in _field_blocks(diff, limit)]


def html_sides(block: Block, look: Look = PAGE) -> tuple[str, str]:
    """The block as its old text with the deletions marked and its new text with the
    insertions marked: the two sides of a side-by-side view."""
    old = tuple(seg for seg in block.segments if seg.op != "insert")
    new = tuple(seg for seg in block.segments if seg.op != "delete")
    if block.kind == "equal":
        old = new = (Segment("equal", block.new),)
    return html_segments(old, marked=False, look=look), html_segments(new, marked=False, look=look)


# -- what page text must not do ---------------------------------------------------------

_MENTION = re.compile(r"(?<=@)(?=(?:everyone|here|channel|all|room|[!&]?\d+)\b)|(?<=<)(?=!)", re.I)
"""Where a chat service reads a mention: @everyone, @here (Discord, Slack, Mattermost),
@channel, @all, @room (Matrix), <@123> and <@&123> (a user, a role), <!channel>."""

_CREDENTIALS = re.compile(r"(?<=://)[^/?#@\s]+@")


def defuse_mentions(text: str) -> str:
    """``text`` with a zero-width space after each mention's @ (or <): it reads the same and
    pings nobody, as discord.py's escape_mentions does, whatever the target's format."""
    return _MENTION.sub("\u200b", text)


def redact_credentials(text: str) -> str:
    """Every URL in ``text`` without its user and password (``https://***@host/``)."""
    return _CREDENTIALS.sub("***@", text)


def _inert(text: str, url: str) -> str:
    """Page text in a rendering made harmless; the watch's own URL is left as it is."""
    return url.join(defuse_mentions(part) for part in text.split(url)) if url else text


# -- the alert ------------------------------------------------------------------


def render_alert(ctx: AlertContext, budget: int = 20_000) -> Rendered:
    """Render an alert in the three formats, each cut to ``budget`` characters of diff."""
    # Kinds classified once, said in every format; a password in the URL is said in none.
    ctx = replace(ctx, edits=_edits(ctx), url=redact_credentials(ctx.url))
    hint = more_hint(ctx.url, ctx.old_number, ctx.new_number)
    head = [line for line in (ctx.watch_name, ctx.url, _versions_line(ctx)) if line]
    head += _headline(ctx)

    def body(render: Callable[[ArticleDiff, int | None], list[str]]) -> list[str]:
        if ctx.diff is None:
            return []
        # No single paragraph may take more than the budget, whatever its markup costs.
        limit = budget // 2
        parts = _budgeted(render(ctx.diff, limit), budget, hint)
        blocks = (ctx.diff.title, ctx.diff.byline, *ctx.diff.changed_blocks)
        if parts[-1:] != [hint] and any(max(len(b.old), len(b.new)) > limit for b in blocks):
            parts.append(hint)
        return parts

    text = "\n".join([*head, "", *body(diff_text)]).rstrip() + "\n"
    markdown = (
        "\n".join(
            [
                f"*{_md_escape(subject(ctx).removeprefix('[monitor] '))}* — <{ctx.url}>",
                *(_md_escape(line) for line in head[2:]),
                "",
                *body(diff_markdown),
            ]
        ).rstrip()
        + "\n"
    )
    html_head = (
        f'<h2 style="margin:0 0 4px">{html.escape(ctx.watch_name)}</h2>'
        f'<p style="margin:0 0 4px"><a href="{html.escape(ctx.url, quote=True)}">'
        f"{html.escape(ctx.url)}</a></p>"
        + "".join(f'<p style="margin:0 0 4px">{html.escape(line)}</p>' for line in head[2:])
    )
    html_body = "".join(
        part if part.startswith("<") else f"<p><em>{html.escape(part)}</em></p>"
        for part in body(diff_html)
    )
    html_doc = (
        '<div style="font-family:Georgia,serif;font-size:15px;line-height:1.5;max-width:720px">'
        f'{html_head}<hr style="border:0;border-top:1px solid #ddd">{html_body}</div>'
    )
    url = ctx.url
    return Rendered(
        _inert(subject(ctx), url),
        _inert(text, url),
        _inert(markdown, url),
        _inert(html_doc, html.escape(url, quote=True)),
    )


DIGEST_ITEMS = 20
"""Alerts a digest names one by one; it counts the rest."""


def render_digest(
    watch_name: str, url: str, folded: Sequence[tuple[datetime, str]], budget: int = 20_000
) -> Rendered:
    """The alert that reports, at the end of the hour, the alerts past the watch's hourly
    limit: when each came, and what its subject said."""
    items = [
        f"{at:%H:%M} {subject_line.removeprefix('[monitor] ')}"
        for at, subject_line in folded[:DIGEST_ITEMS]
    ]
    if len(folded) > DIGEST_ITEMS:
        items.append(f"and {len(folded) - DIGEST_ITEMS} more")
    count = f"{len(folded)} alert{'' if len(folded) == 1 else 's'}"
    detail = (
        f"{count} past this watch's hourly limit (alerts_per_hour), each stored: "
        + "; ".join(items)
        + f". See them with: monitor history {url}"
    )
    name = f"{count} in an hour — {watch_name}"
    return render_alert(
        AlertContext(kind="digest", watch_name=name, url=url, detail=detail), budget
    )


def cut(text: str, limit: int, hint: str) -> str:
    """Fit ``text`` in ``limit`` characters, ending with ``hint`` when cut."""
    if len(text) <= limit:
        return text
    room = max(limit - len(hint) - 2, 0)
    return text[:room].rstrip() + "\n" + hint[: limit - room - 1]
