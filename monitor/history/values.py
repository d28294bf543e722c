"""What ``Monitor.search`` and ``Monitor.changes`` are asked and return: one frozen
dataclass per row.

``monitor.output`` prints any of them as text, JSON, JSON lines or CSV; a field's
``metadata["text"]`` says how the text table shows it: ``"group"`` (a heading line for
the rows that share it), ``"hide"`` (in the data formats only), or a column (default).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from monitor.edits import Edit
from monitor.history.match import ChangeKind, Field, Query, Since

GROUP = {"text": "group"}
HIDE = {"text": "hide"}


@dataclass(frozen=True)
class Search:
    """What ``monitor search`` asks: a phrase or a pattern, where and since when."""

    query: Query
    field: Field | None = None
    """Only this field (default: any of headline, byline, body)."""
    since: Since | None = None
    watch: str | None = None
    """Only this watch's versions (its URL)."""
    tag: str | None = None
    """Only the watches notifying this tag."""


@dataclass(frozen=True)
class Found:
    """A version where the text appears, with where it came and went in its watch."""

    url: str = field(metadata=GROUP)
    first: int = field(metadata=GROUP)
    """The watch's first version holding the text (among those searched)."""
    first_at: datetime = field(metadata=GROUP)
    gone: int | None = field(metadata=GROUP)
    """The version without it after the last one with it; None while it is there."""
    gone_at: datetime | None = field(metadata=GROUP)
    version: int
    at: datetime
    field: Field
    """Where it was found first: headline, byline, then body."""
    excerpt: str


@dataclass(frozen=True)
class ChangeFilter:
    """Which changes ``monitor changes``, the feeds and the changes page list."""

    since: Since | None = None
    field: Field | None = None
    silent: bool = False
    """Only the edits the page did not declare (no new 'updated' date)."""
    kinds: tuple[str, ...] = ()
    """Only the changes with one of these kinds of edit."""
    changes: tuple[ChangeKind, ...] = ()
    """Only the changes of these kinds: silent or declared edits, reverts, dates moved,
    pages taken down."""
    taken_down: bool = True
    """With the pages taken down (False: only the new versions)."""
    watch: str | None = None
    """Only this watch's changes (its URL)."""
    tag: str | None = None
    """Only the changes of the watches notifying this tag."""
    limit: int | None = None
    """At most this many, the newest."""


@dataclass(frozen=True)
class Change:
    """A new version of a watched page, and what kind of edit made it."""

    at: datetime
    url: str
    version: int | None
    """None for a page taken down: no new version."""
    kind: str
    """The version's kind: 'edit', 'revert' or 'timestamp'; 'gone': the page was taken
    down."""
    silent: bool | None
    """True: the page did not say it was updated; None when it could not tell."""
    kinds: tuple[str, ...]
    """The kinds of edit, most newsworthy first."""
    summary: str
    headline: str
    edits: tuple[Edit, ...] = field(default=(), metadata=HIDE)
