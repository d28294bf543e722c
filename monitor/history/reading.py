"""A watch's history as the reading commands see it: the watches, a watch's versions,
one version, two of them diffed, and the versions a search finds.

Written once over any ``Store``: ``monitor.storage.Storage`` (SQLAlchemy, for every
command) or ``monitor.readonly.Reader`` (the DB-API driver alone, the fast path of
`list`, `history`, `show`, `diff` and `search`), so both paths name watches, count back
from the latest version, refuse a diff of one version and decide what a search found
the same way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from monitor.errors import StorageError, WatchNotFound

if TYPE_CHECKING:
    from monitor.diff import ArticleDiff
    from monitor.edits import Edit
    from monitor.history.match import Field
    from monitor.history.values import Change, ChangeFilter, Found, Search
    from monitor.models import StoredVersion, Watch


class Store(Protocol):
    """What reading a history needs of a database."""

    def get_watch(self, url: str) -> Watch: ...

    def list_watches(self) -> list[Watch]: ...

    def history(self, url: str) -> list[StoredVersion]: ...

    def version(self, url: str, number: int | None = None) -> StoredVersion: ...


WorkedOut = Callable[[str, int], "StoredVersion"]
"""A watch's version (URL, number) with its change from the one before worked out."""
Describe = Callable[["Mapping[str, Any] | None", "Sequence[Edit]"], str]
"""The summary line of a change (its stored size, and its kinds of edit)."""


class Searcher(Protocol):
    """What `search` and `changes` need of a database (``history.queries.Archive``, or
    ``Reader``)."""

    def search(self, search: Search, since: datetime | None) -> list[Found]: ...

    def changes(
        self,
        which: ChangeFilter,
        since: datetime | None,
        worked_out: WorkedOut,
        describe: Describe,
    ) -> list[Change]: ...


Numbers = dict[int, list[tuple[int, datetime]]]
"""Each watch's versions (number, time), oldest first."""
_COLUMN: dict[Field, str] = {"headline": "title", "byline": "byline", "body": "text"}


def found_in(
    search: Search, candidates: Iterable[Any], numbers: Callable[[set[int]], Numbers]
) -> list[Found]:
    """The versions ``search`` finds among ``candidates`` (rows read by watch URL, then
    number: the index's, which may hold the text), each with where the text first
    appeared in its watch and where it went; ``numbers(watches)``: those watches'
    versions, of the time searched."""
    from monitor.history.match import FIELDS, appearance
    from monitor.history.values import Found

    fields = (search.field,) if search.field else FIELDS
    hits: list[tuple[Any, Field, str]] = []
    for row in candidates:
        for field in fields:
            value = getattr(row, _COLUMN[field])
            if search.query.found_in(value):
                hits.append((row, field, search.query.excerpt(value)))
                break
    versions = numbers({row.watch_id for row, _, _ in hits})
    holding: dict[int, set[int]] = defaultdict(set)
    for row, _, _ in hits:
        holding[row.watch_id].add(row.number)
    seen = {w: appearance(versions[w], holding[w]) for w in holding}
    return [
        Found(
            url=row.url,
            first=seen[row.watch_id].first,
            first_at=seen[row.watch_id].first_at,
            gone=seen[row.watch_id].gone,
            gone_at=seen[row.watch_id].gone_at,
            version=row.number,
            at=row.created_at,
            field=field,
            excerpt=excerpt,
        )
        for row, field, excerpt in hits
    ]


def with_changes(versions: Sequence[StoredVersion]) -> list[StoredVersion]:
    """The versions, each with its change from the one before: versions stored before
    monitor kept that (schema revision 0002) get it worked out here, on reading."""
    from monitor.diff import diff_articles
    from monitor.edits import classify

    out: list[StoredVersion] = []
    for before, version in zip([None, *versions], versions, strict=False):
        # A reading is no change of the page: the same page as the version before, read in full.
        reading = version.kind == "reading"
        if (
            before is not None
            and not reading
            and (version.summary is None or version.edits is None)
        ):
            diff = diff_articles(before.article, version.article)
            version = replace(version, summary=diff.summary, edits=classify(diff))
        out.append(version)
    return out


TAKEN_DOWN = "taken down: the page answers 404 or 410"
"""What `changes` says of a page taken down."""


def describe_change(summary: Mapping[str, Any] | None, edits: Sequence[Edit]) -> str:
    """The summary line of a change, from its stored size (None: its edits alone)."""
    from monitor.diff import Summary
    from monitor.edits import describe
    from monitor.render import change_line

    if summary is None:
        return describe(edits) if edits else ""
    known = {k: v for k, v in summary.items() if k in Summary.__dataclass_fields__}
    return change_line(Summary(**known), edits)


def listed(
    which: ChangeFilter,
    rows: Iterable[Any],
    gone: Sequence[Change],
    worked_out: WorkedOut,
    describe: Describe,
) -> list[Change]:
    """The changes ``which`` keeps among ``rows`` (new versions read newest first, each
    with its watch's URL, as many as the database was asked for), and ``gone`` (the
    pages taken down ``which`` keeps), newest first, at most ``which.limit``."""
    from monitor.edits import Edit
    from monitor.history.match import shows_change
    from monitor.history.values import Change

    changes: list[Change] = []
    for row in rows:
        if which.limit is not None and len(changes) >= which.limit:
            break
        summary: Mapping[str, Any] | None = row.summary
        if row.edits is None:
            version = worked_out(row.url, row.number)
            edits = version.edits or ()
            summary = None if version.summary is None else vars(version.summary)
        else:
            edits = tuple(Edit.from_dict(edit) for edit in row.edits)
        kinds = tuple(dict.fromkeys(edit.kind for edit in edits))
        if not shows_change(
            kinds,
            row.declared,
            field=which.field,
            silent=which.silent,
            kinds=which.kinds,
            kind=row.kind,
            changes=which.changes,
        ):
            continue
        changes.append(
            Change(
                at=row.created_at,
                url=row.url,
                version=row.number,
                kind=row.kind,
                silent=None if row.declared is None else not row.declared,
                kinds=kinds,
                summary=describe(summary, edits),
                headline=row.title,
                edits=edits,
            )
        )
    if gone:
        changes = sorted([*changes, *gone], key=lambda change: change.at, reverse=True)
    return changes[: which.limit]


class Reading:
    """The reading commands' questions, answered from ``store``."""

    def __init__(self, store: Store, searcher: Searcher) -> None:
        self.store = store
        self.searcher = searcher

    def named(self, url: str) -> str:
        """The watch a command's URL argument names: its canonical spelling (see
        ``config.canonical_url``), or the URL as written for a watch stored so (two
        spellings of one page that migration 0005 left apart)."""
        from monitor.config import canonical_url

        canonical = canonical_url(url)
        if canonical == url:
            return url
        try:
            return self.store.get_watch(url).url
        except WatchNotFound:
            return canonical

    def watch(self, url: str) -> Watch:
        return self.store.get_watch(self.named(url))

    def watches(self) -> list[Watch]:
        """The enabled watches, by URL, with their versions and undelivered alerts."""
        return self.store.list_watches()

    def history(self, url: str) -> list[StoredVersion]:
        """A watch's versions, each with what changed from the one before."""
        return with_changes(self.store.history(self.named(url)))

    def show(self, url: str, number: int | None = None) -> StoredVersion:
        """Version ``number`` (negative counts back from the latest; None: the latest)."""
        return self.store.version(self.named(url), number)

    def search(self, search: Search, now: datetime) -> list[Found]:
        """Every version where a text (or a pattern) appears, by watch, with the version
        where it first appeared in each watch and the one where it went (``now``: what a
        time ago is counted back from)."""
        from monitor.history.match import since_moment

        if search.watch is not None:
            search = replace(search, watch=self.named(search.watch))
        return self.searcher.search(search, since_moment(search.since, now))

    def changes(self, which: ChangeFilter, now: datetime) -> list[Change]:
        """Every change of every watch (a new version, or the page taken down), newest
        first, with its kinds of edit (``now``: what a time ago is counted back from)."""
        from monitor.history.match import since_moment

        histories: dict[str, dict[int, StoredVersion]] = {}

        def worked_out(url: str, number: int) -> StoredVersion:
            if url not in histories:
                histories[url] = {v.number: v for v in self.history(url)}
            return histories[url][number]

        since = since_moment(which.since, now)
        return self.searcher.changes(which, since, worked_out, describe_change)

    def diff(
        self, url: str, old: int | None = None, new: int | None = None
    ) -> tuple[StoredVersion, StoredVersion, ArticleDiff]:
        """Diff two versions; by default the last two."""
        from monitor.diff import diff_articles

        url = self.named(url)
        store = self.store
        if old is None and new is None:
            count = store.get_watch(url).versions
            if count < 2:
                raise StorageError(
                    f"{url} has {count} version{'' if count == 1 else 's'} so far; a diff needs "
                    "two. `monitor show URL` prints the one there is"
                )
            newer, older = store.version(url, -1), store.version(url, -2)
        else:
            older = store.version(url, old)
            newer = store.version(url, new) if new is not None else store.version(url)
        return older, newer, diff_articles(older.article, newer.article)
