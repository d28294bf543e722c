"""The database tables, as SQLAlchemy 2 models. Only ``storage`` and the migrations use them.

watch    one row per URL: settings, schedule (next_check_at) and the lease
         that lets several daemons share one database
version  numbered snapshots: extracted text and fields, hashes, and what changed from
         the version before (its size, the kinds of edit)
raw_page the fetched pages, each stored once (versions name them by hash), most as zstd
         deltas of the watch's page before (``monitor.rawpages``)
forgotten the versions retention dropped: number and chain hash, so the chain still holds
check    a compact log of every check: time, HTTP status, duration, outcome
alert    the outbox: written with the version it reports, then delivered

Beside these, the full-text index of the versions (``monitor.history.index``: an FTS5
table on SQLite, a tsvector table on PostgreSQL), which SQLAlchemy has no types for.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, composite, mapped_column

from monitor.models import Rendered


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite has no time zones)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; pass an aware UTC datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON,
        list[str]: JSON,
    }


class WatchRow(Base):
    __tablename__ = "watch"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    name: Mapped[str] = mapped_column(Text, default="")
    every: Mapped[str] = mapped_column(String(100), default="1h")
    notify: Mapped[list[str]] = mapped_column(default=list)
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)
    source: Mapped[str] = mapped_column(String(10), default="cli")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    state: Mapped[str] = mapped_column(String(20), default="active")
    created_at: Mapped[datetime]
    next_check_at: Mapped[datetime]
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None]
    # Servers send validators of any length; they are echoed back verbatim.
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    last_check_at: Mapped[datetime | None]
    last_change_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    hint: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """What the last full extraction found, so the next check can take a fast path."""
    unread_version: Mapped[int | None] = mapped_column(Integer)
    """The version stored with its page's quick reading, whose full reading is still to
    do (``Pipeline.read_unread``); NULL when there is none."""

    __table_args__ = (
        Index("ix_watch_due", "enabled", "next_check_at"),
        Index("ix_watch_unread", "unread_version"),
    )


class VersionRow(Base):
    __tablename__ = "version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    watch_id: Mapped[int] = mapped_column(ForeignKey("watch.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(20))
    """'first', 'edit', 'revert', 'timestamp' (only the page's own date moved),
    'rebaseline' (no alert: how the page is read changed) or 'reading' (the page of the
    version before, a first version stored with its quick reading, read in full)."""
    revert_of: Mapped[int | None] = mapped_column(Integer)
    declared: Mapped[bool | None] = mapped_column(Boolean)
    content_hash: Mapped[str] = mapped_column(String(64))
    raw_hash: Mapped[str] = mapped_column(ForeignKey("raw_page.hash"))
    """The fetched page (``raw_page``), shared by every version that fetched the same bytes."""
    title: Mapped[str] = mapped_column(Text, default="")
    byline: Mapped[str] = mapped_column(Text, default="")
    published: Mapped[str | None] = mapped_column(String(40))
    modified: Mapped[str | None] = mapped_column(String(40))
    canonical: Mapped[str | None] = mapped_column(String(2048))
    text: Mapped[str] = mapped_column(Text, default="")
    """The paragraphs, one per line (normalised paragraphs never contain a newline)."""
    raw_size: Mapped[int] = mapped_column(Integer)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """The size of the change from the version before (words, paragraphs); NULL for a
    first version and for versions stored before this column."""
    edits: Mapped[list[dict[str, str]] | None] = mapped_column(JSON)
    """The kinds of edit from the version before, most newsworthy first: a list of
    {kind, old, new, label}; NULL as ``summary``."""
    # The evidence: the exchange the version was read from (NULL before revision 0007,
    # but fetched_at, which is then the version's time) and its place in the hash chain.
    fetched_at: Mapped[datetime]
    status: Mapped[int | None] = mapped_column(Integer)
    final_url: Mapped[str | None] = mapped_column(String(2048))
    """Where the request ended, after redirects."""
    headers: Mapped[list[list[str]] | None] = mapped_column(JSON)
    """The response headers as received: [name, value] pairs in order."""
    request_headers: Mapped[list[list[str]] | None] = mapped_column(JSON)
    http_version: Mapped[str | None] = mapped_column(String(10))
    chain_hash: Mapped[str] = mapped_column(String(64))
    """SHA-256 over the previous version's chain hash and this version's content
    (``monitor.evidence.chain``)."""
    digests: Mapped[dict[str, str]] = mapped_column(JSON)
    """A short digest of each field the chain hash covers: which one changed, if one did."""

    __table_args__ = (
        UniqueConstraint("watch_id", "number", name="uq_version_watch_number"),
        Index("ix_version_watch_hash", "watch_id", "content_hash"),
        Index("ix_version_raw_hash", "raw_hash"),
        Index("ix_version_created_at", "created_at"),  # `monitor changes --since`
    )


class RawPageRow(Base):
    __tablename__ = "raw_page"

    hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    """SHA-256 of the page as fetched."""
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    """The page, encoded by ``codec``."""
    codec: Mapped[str] = mapped_column(String(12), server_default="zlib")
    """'zlib' (every page stored before revision 0009), 'zstd' (a keyframe) or
    'zstd-delta' (compressed against ``base_hash``'s bytes: ``monitor.rawpages``)."""
    # A foreign key: the database itself refuses to delete a page a delta still needs, even
    # to a daemon that shares it and races this one (retention drops bases once unused).
    base_hash: Mapped[str | None] = mapped_column(ForeignKey("raw_page.hash"))
    """The page a delta is compressed against; NULL for the others."""
    depth: Mapped[int] = mapped_column(Integer, server_default="0")
    """Deltas between this page and its keyframe (0 for a keyframe or a zlib page)."""

    __table_args__ = (Index("ix_raw_page_base", "base_hash"),)


class ForgottenRow(Base):
    """A version retention dropped: its chain hash stays, so the versions after it verify
    and a version deleted any other way shows as missing."""

    __tablename__ = "forgotten"

    watch_id: Mapped[int] = mapped_column(
        ForeignKey("watch.id", ondelete="CASCADE"), primary_key=True
    )
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    chain_hash: Mapped[str] = mapped_column(String(64))


class CheckRow(Base):
    __tablename__ = "check_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    watch_id: Mapped[int] = mapped_column(ForeignKey("watch.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    status: Mapped[int | None] = mapped_column(Integer)
    duration_ms: Mapped[float] = mapped_column(Float)
    outcome: Mapped[str] = mapped_column(String(20))
    error: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int | None] = mapped_column(Integer)
    # Milliseconds spent reading the page (extraction and confirmation); None when not read.
    extract_ms: Mapped[float | None] = mapped_column(Float, nullable=True)

    __table_args__ = (Index("ix_check_watch_at", "watch_id", "at"),)


class AlertRow(Base):
    __tablename__ = "alert"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    watch_id: Mapped[int] = mapped_column(ForeignKey("watch.id", ondelete="CASCADE"))
    version_number: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    markdown: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    rendered: Mapped[Rendered] = composite("subject", "text", "markdown", "html")
    """The four columns as one value: how an alert goes into the outbox and comes out."""
    targets: Mapped[list[str]] = mapped_column(default=list)
    state: Mapped[str] = mapped_column(String(10), default="pending")
    """'pending' until every target took it ('sent') or attempts ran out ('failed')."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    delivered_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    not_before: Mapped[datetime | None]
    """A daemon delivering it holds it until then; after a failure, the retry time."""
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    """The process that last took it for delivery."""
    folded_into: Mapped[int | None] = mapped_column(ForeignKey("alert.id", ondelete="SET NULL"))
    """An alert past the watch's hourly limit ('folded', not sent on its own): the digest
    that reports it."""

    __table_args__ = (Index("ix_alert_state", "state"),)
