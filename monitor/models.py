"""Plain data passed between the stages: no I/O, no database, no clock."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from monitor.options import (
    Count,
    Option,
    Switch,
    Text,
    Texts,
    declared,
    dump,
    option,
    patterns_problem,
    schedule_problem,
)

if TYPE_CHECKING:  # diff and edits read Article from here
    from monitor.diff import Summary
    from monitor.edits import Edit
    from monitor.evidence.chain import Content


Headers = tuple[tuple[str, str], ...]
"""HTTP headers as sent or received: (name, value) pairs in order, repeats kept."""


@dataclass(frozen=True)
class WatchOptions:
    """Per-watch controls for what counts as the watched content and as a change (each a
    setting declared once: see ``monitor.options``)."""

    selector: str | None = option(
        None,
        Text(empty_is_none=True),
        "CSS selector (or XPath starting with /) of the part to watch",
    )
    remove: tuple[str, ...] = option(
        (), Texts(), "CSS selector of elements to ignore (repeatable)", metavar="SELECTOR"
    )
    ignore: tuple[str, ...] = option(
        (),
        Texts(),
        "ignore lines matching this regular expression (repeatable)",
        metavar="REGEX",
        check=patterns_problem,
        bad_example=("(unclosed",),
    )
    additions_only: bool = option(False, Switch(), "alert only when text is added")
    min_change: int = option(
        0,
        Count("words"),
        "alert only when at least this many words changed (0 or more; default 0)",
        metavar="WORDS",
    )
    alert_on_timestamp: bool = option(
        False, Switch(), "also alert when only the page's own 'updated' date moved"
    )
    raw: bool = option(False, Switch(), "watch the whole visible text, not just the article")


@dataclass(frozen=True)
class WatchSpec:
    """A watch as declared in the config file or on the command line: its URL, and its
    settings (declared once each: see ``monitor.options``)."""

    url: str
    name: str = option(
        "", Text(), "a label for alerts (default: the page's headline)", in_defaults=False
    )
    every: str = option(
        "1h",
        Text('a string such as "15m" or a cron expression "*/15 * * * *"'),
        "interval ('15m') or cron expression (default 1h)",
        check=schedule_problem,
        example="15m",
        bad_example="1s",
    )
    notify: tuple[str, ...] = option(
        (),
        Texts(),
        "a tag of the config's [notify] targets, or one of their URLs (repeatable)",
        metavar="TAG",
    )
    options: WatchOptions = field(default_factory=WatchOptions)

    def with_settings(self, settings: Mapping[str, Any]) -> WatchSpec:
        """This spec with the settings named in ``settings`` changed (any of ``OPTIONS``),
        the others as they were."""
        unknown = set(settings) - set(OPTIONS)
        if unknown:
            raise ValueError(f"not a watch setting: {', '.join(sorted(unknown))}")
        own = {k: v for k, v in settings.items() if k in _SPEC_OWN}
        options = {k: v for k, v in settings.items() if k not in _SPEC_OWN}
        return replace(self, **own, options=replace(self.options, **options))

    def settings(self) -> dict[str, Any]:
        """Every setting as JSON data, by name (``OPTIONS``' order)."""
        return {**dump(self), **dump(self.options)}


OPTIONS: Mapping[str, Option] = {o.name: o for o in (*declared(WatchSpec), *declared(WatchOptions))}
"""Every setting of a watch, by name: ``WatchSpec``'s own (stored in columns of their
own), then ``WatchOptions`` (stored together)."""
_SPEC_OWN = frozenset(o.name for o in declared(WatchSpec))


@dataclass(frozen=True)
class Watch:
    """A watch as stored, with its bookkeeping."""

    id: int
    spec: WatchSpec
    source: Literal["config", "cli"]
    next_check_at: datetime
    last_check_at: datetime | None
    last_change_at: datetime | None
    last_error: str | None
    etag: str | None
    last_modified: str | None
    versions: int
    state: str = "active"
    """'active', or a lifecycle state: 'gone', 'moved', 'noindex'."""
    hint: dict[str, Any] | None = None
    """What the last extraction learnt about the page (see ``monitor.extract.container``)."""
    lease_until: datetime | None = None
    """While a process is checking it: until when its claim holds."""
    undelivered: int = 0
    """Alerts not (yet) delivered to every target: retrying, or given up."""
    failures: int = 0
    """Checks that failed in a row, up to the last one (0: the last one worked)."""
    unread_version: int | None = None
    """The version stored with its page's quick reading, still to be read in full (a
    first version: see ``Pipeline.read_unread``); None when there is none."""

    @property
    def url(self) -> str:
        return self.spec.url

    @property
    def label(self) -> str:
        return self.spec.name or self.spec.url


@dataclass(frozen=True)
class Article:
    """What the monitor compares: the article's fields, normalised."""

    title: str = ""
    byline: str = ""
    published: str | None = None
    """ISO date the page says it was first published, if found."""
    modified: str | None = None
    """ISO date the page says it was last modified, if found."""
    paragraphs: tuple[str, ...] = ()
    canonical: str | None = None
    noindex: bool = False

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)

    def content_hash(self) -> str:
        """Hash of what an edit can change: headline, byline and body (not dates).

        Worked out once per value and kept with it, pickling included: an extraction
        worker works it out, so the process that stores the version does not."""
        known: str | None = self.__dict__.get("_content_hash")
        if known is not None:
            return known
        from monitor.normalize import comparison_key

        digest = hashlib.sha256()
        for key in map(comparison_key, (self.title, self.byline, *self.paragraphs)):
            digest.update(key.encode("utf-8"))
            digest.update(b"\x00")
        known = digest.hexdigest()
        object.__setattr__(self, "_content_hash", known)  # a memo, not a field
        return known


@dataclass(frozen=True)
class FetchResult:
    """One HTTP exchange, reduced to what the pipeline needs."""

    url: str
    final_url: str
    status: int
    body: bytes
    etag: str | None
    last_modified: str | None
    duration_ms: float
    content_type: str = ""
    retry_after: str | None = None
    """The ``Retry-After`` header, as sent (seconds or an HTTP date), if any."""
    headers: tuple[tuple[str, str], ...] = ()
    """The response's headers as received, in order, repeated names kept."""
    request_headers: tuple[tuple[str, str], ...] = ()
    """The headers of the request that got the response (the last one after redirects)."""
    http_version: str = "HTTP/1.1"

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass(frozen=True)
class StoredVersion:
    """A numbered snapshot as read back from storage."""

    number: int
    created_at: datetime
    article: Article
    content_hash: str
    raw_size: int = 0
    kind: str = "edit"
    """'first', 'edit', 'revert', 'timestamp', 'rebaseline' (the settings changed) or
    'reading' (the page of the version before, a first one, read in full)."""
    revert_of: int | None = None
    summary: Summary | None = None
    """The size of the change from the version before; None for a first version, and for
    versions stored before monitor kept it (``Monitor.history`` works those out)."""
    edits: tuple[Edit, ...] | None = None
    """The kinds of edit from the version before, most newsworthy first; None as above."""


@dataclass(frozen=True)
class Evidence:
    """A version as the evidence commands read it: its chain hash, what the hash covers,
    and the request it answered (the body is read on its own, by ``content.body_sha256``)."""

    number: int
    chain_hash: str
    content: Content | None
    """None: retention forgot the version, and kept only its chain hash."""
    request_headers: Headers | None = None
    http_version: str | None = None
    digests: Mapping[str, str] | None = None
    """The short digest of each field the chain hash covers, as stored."""


@dataclass(frozen=True)
class CheckRecord:
    """One row of a watch's check log."""

    at: datetime
    status: int | None
    duration_ms: float
    outcome: str
    error: str | None = None
    version: int | None = None
    extract_ms: float | None = None
    """Time spent reading the page (extraction, and the confirmation of a change); None
    when the page was not read (an error before it, a 304)."""


# -- what a check writes, and the alert outbox ---------------------------------------


@dataclass(frozen=True)
class Response:
    """The HTTP exchange a version was read from, kept as evidence with it (the body is
    ``NewVersion.raw_html``)."""

    fetched_at: datetime
    """When the fetch began (the check's clock)."""
    status: int
    final_url: str
    """Where the request ended, after redirects."""
    headers: Headers
    request_headers: Headers = ()
    http_version: str = "HTTP/1.1"


@dataclass(frozen=True)
class NewVersion:
    """A version to store, decided by the pipeline."""

    article: Article
    raw_html: bytes
    kind: str
    revert_of: int | None = None
    declared: bool | None = None
    summary: Summary | None = None
    """The size of the change from the previous version (None for a first version)."""
    edits: tuple[Edit, ...] | None = None
    """The kinds of edit from the previous version (None for a first version)."""
    response: Response | None = None
    """The exchange it was read from; None stores the check's time alone."""
    quick: bool = False
    """Its text is the page's quick reading (``extract.quick``): the page is to be read
    in full later, and the watch says so (``Watch.unread_version``)."""


@dataclass(frozen=True)
class Rendered:
    """What an alert says, in every form a target may read: one value from
    ``render`` through the outbox (``schema.AlertRow.rendered``) to ``notify``."""

    subject: str
    text: str
    markdown: str
    html: str


@dataclass(frozen=True)
class AlertDraft:
    """An alert to store in the same transaction as what it reports."""

    kind: str
    rendered: Rendered
    targets: tuple[str, ...]


@dataclass(frozen=True)
class CheckOutcome:
    """Everything one check writes."""

    at: datetime
    outcome: str
    """'first', 'edit', 'revert', 'timestamp', 'unchanged', 'not-modified', 'error', 'gone', ..."""
    next_check_at: datetime
    status: int | None = None
    duration_ms: float = 0.0
    extract_ms: float | None = None
    """Time spent reading the page: its extraction and any confirmation of a change."""
    error: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    version: NewVersion | None = None
    alerts: tuple[AlertDraft, ...] = ()
    state: str | None = None
    """A new lifecycle state for the watch ('gone', 'moved', ...), or None to keep it."""
    hint: dict[str, Any] | None = None
    set_hint: bool = False
    """Replace the watch's hint with ``hint`` (None clears it); False keeps it."""
    retry_after: timedelta | None = None
    """How long the server asked to be left alone (``Retry-After`` on a 429 or 503)."""


@dataclass(frozen=True)
class PendingAlert:
    """An alert waiting for delivery."""

    id: int
    watch_url: str
    kind: str
    rendered: Rendered
    """Empty for a digest, which is rendered when it is sent."""
    targets: tuple[str, ...]
    attempts: int
    version: int | None = None
    """The version the alert reports, if it reports one."""
    watch_name: str = ""


# -- what monitor serve reads ------------------------------------------------------


@dataclass(frozen=True)
class ChangeRecord:
    """A stored version that changed its watch's article, with the version before it
    (None when retention forgot that one) and whether the page declared the edit."""

    watch_id: int
    version: StoredVersion
    previous: StoredVersion | None
    declared: bool | None = None


@dataclass(frozen=True)
class CheckTally:
    """Check-log rows of one watch with one outcome: how many, their fetch time in all,
    and how many took at most each of the bounds asked for (cumulative, in order)."""

    watch_id: int
    outcome: str
    count: int
    duration_ms: float
    within: tuple[int, ...]
    read: int = 0
    """How many of the rows read the page (the others have no extraction time)."""
    extract_ms: float = 0.0
    read_within: tuple[int, ...] = ()
    """Of those, how many read it within each of the extraction bounds asked for."""
