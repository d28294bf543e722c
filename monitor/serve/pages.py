"""The HTML pages of ``monitor serve``, built from values: no database, no clock.

Jinja2 templates with autoescape on, so page text is escaped whatever it holds; the
diff's markup is ``monitor.render``'s (the email's, with classes for its colours), which
escapes the text itself. No JavaScript: every page is links and GET forms.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from importlib.resources import files

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from monitor.diff import ArticleDiff
from monitor.edits import classify
from monitor.history.values import Change
from monitor.models import StoredVersion, Watch
from monitor.render import PAGE, change_line, diff_html, event_label, html_sides, read_in_full

STYLESHEET = files("monitor.serve").joinpath("static/monitor.css").read_bytes()
CHANGE_LABELS = {
    "silent": "Silent edits",
    "declared": "Declared edits",
    "revert": "Reverted",
    "timestamp": "Date moved",
    "gone": "Taken down",
}
"""The changes page's filters: ``match.CHANGE_KINDS``, as a reader names them (a test
holds the two together)."""

_templates = Environment(
    loader=PackageLoader("monitor.serve", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def when(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC") if at else "never"


_templates.filters["when"] = when


def _page(template: str, **values: object) -> str:
    return _templates.get_template(template).render(**values)


def watch_list(watches: Sequence[Watch]) -> str:
    """``/``: every watch with its state, last check, last change and error."""
    return _page("watches.html", title="Watches", watches=watches, label=event_label)


@dataclass(frozen=True)
class Step:
    """A version in a watch's timeline."""

    number: int
    at: datetime
    label: str
    kinds: tuple[str, ...]
    summary: str
    before: int | None
    """The version it is diffed against (None: the first one kept)."""


def timeline(watch: Watch, versions: Sequence[StoredVersion]) -> str:
    """``/watch/ID``: the watch's versions, newest first, with their kinds of edit."""
    steps = []
    for before, version in zip([None, *versions], versions, strict=False):
        edits = version.edits or ()
        summary = change_line(version.summary, edits) if version.summary else "first version"
        if version.kind == "revert" and version.revert_of is not None:
            summary += f" (the text of version {version.revert_of} again)"
        if version.kind == "reading":
            # The same page as the version before, read in full: no change of it to diff.
            summary = read_in_full(version.number - 1)
            before = None
        steps.append(
            Step(
                number=version.number,
                at=version.created_at,
                label="First version" if version.kind == "first" else event_label(version.kind),
                kinds=tuple(dict.fromkeys(edit.kind for edit in edits)),
                summary=summary,
                before=before.number if before is not None else None,
            )
        )
    return _page("watch.html", title=watch.label, watch=watch, steps=steps[::-1])


def diff_page(watch: Watch, old: StoredVersion, new: StoredVersion, diff: ArticleDiff) -> str:
    """``/watch/ID/diff``: two versions side by side (the whole article, each side with
    its own changes marked), then inline as the email shows them."""
    fields = [("Headline", diff.title), ("Byline", diff.byline)]
    rows = [
        (label, *map(Markup, html_sides(block)))
        for label, block in fields
        if block.old or block.new
    ]
    rows += [("", *map(Markup, html_sides(block))) for block in diff.blocks]
    inline = [Markup(part) for part in diff_html(diff, look=PAGE)]
    return _page(
        "diff.html",
        title=f"{watch.label}: version {old.number} → {new.number}",
        watch=watch,
        old=old,
        new=new,
        rows=rows,
        inline=inline,
        change=change_line(diff.summary, classify(diff)),
    )


@dataclass(frozen=True)
class Filter:
    """A link of the changes page's filter bar."""

    label: str
    kind: str | None
    chosen: bool


def changes_page(
    changes: Sequence[Change], ids: Mapping[str, int], since: str, kind: str | None
) -> str:
    """``/changes``: the changes since ``since`` across watches, newest first, with
    links to each watch and each diff; ``kind``: the filter applied, if any."""
    filters = [Filter("All", None, kind is None)]
    filters += [Filter(label, k, k == kind) for k, label in CHANGE_LABELS.items()]
    rows = [
        (
            change,
            ids.get(change.url),
            event_label(change.kind, None if change.silent is None else not change.silent),
        )
        for change in changes
    ]
    return _page("changes.html", title="Changes", rows=rows, since=since, filters=filters)


def error_page(status: int, message: str) -> str:
    """A page saying what was not found (or not understood), and where to go instead."""
    title = "Not found" if status == 404 else "Not understood"
    return _page("error.html", title=title, status=status, message=message)
