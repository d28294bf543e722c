"""What the database's rows read as: the values ``storage`` (through SQLAlchemy) and the
read-only commands' fast path (``monitor.readonly``, through the driver alone) both
return, made here once so that the two cannot disagree. No SQLAlchemy here.

A row is anything with the table's columns as attributes, their values decoded: aware
UTC datetimes, JSON columns as Python data, NULL as None.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from monitor.models import Article, StoredVersion, Watch, WatchOptions, WatchSpec
from monitor.options import declared, load

if TYPE_CHECKING:
    from monitor.diff import Summary

SCHEMA_HEAD = "0010"
"""The revision of the newest migration (``migrations/versions``): a database at it is
current, which every command checks at start without loading Alembic. A new migration
moves it (a test holds it to Alembic's head)."""


def watch_of(row: Any, versions: int = 0, undelivered: int = 0) -> Watch:
    """A row of the ``watch`` table as a value."""
    return Watch(
        id=row.id,
        spec=spec_of(row),
        source="config" if row.source == "config" else "cli",
        next_check_at=row.next_check_at,
        last_check_at=row.last_check_at,
        last_change_at=row.last_change_at,
        last_error=row.last_error,
        etag=row.etag,
        last_modified=row.last_modified,
        versions=versions,
        state=row.state,
        hint=row.hint,
        lease_until=row.lease_until,
        undelivered=undelivered,
        failures=row.error_count,
        unread_version=row.unread_version,
    )


def spec_of(row: Any) -> WatchSpec:
    """A watch's settings as stored: ``WatchSpec``'s own each in its column, the options
    together in one JSON column (see ``monitor.options``)."""
    columns = {option.name: getattr(row, option.name) for option in declared(WatchSpec)}
    return load(WatchSpec, columns, url=row.url, options=load(WatchOptions, row.options or {}))


def article_of(row: Any) -> Article:
    """The article of a row of the ``version`` table (its body one paragraph a line)."""
    return Article(
        title=row.title,
        byline=row.byline,
        published=row.published,
        modified=row.modified,
        paragraphs=tuple(row.text.split("\n")) if row.text else (),
        canonical=row.canonical,
    )


def version_of(row: Any) -> StoredVersion:
    """A row of the ``version`` table as a value."""
    from monitor.edits import Edit  # the diffing code, loaded by the commands that read versions

    return StoredVersion(
        number=row.number,
        created_at=row.created_at,
        article=article_of(row),
        content_hash=row.content_hash,
        raw_size=row.raw_size,
        kind=row.kind,
        revert_of=row.revert_of,
        summary=summary_of(row.summary),
        edits=None if row.edits is None else tuple(Edit.from_dict(e) for e in row.edits),
    )


def summary_of(data: dict[str, Any] | None) -> Summary | None:
    """The stored size of a change (keys a later monitor added are left out)."""
    from monitor.diff import Summary

    if data is None:
        return None
    return Summary(**{k: v for k, v in data.items() if k in Summary.__dataclass_fields__})
