"""Storage: the only module that knows SQL.

One ``Storage`` per database URL (SQLite by default, PostgreSQL to share work between
daemons). Watches are claimed with a lease on their row, so that several daemons can
poll one database without checking the same URL twice; a check's outcome (its log
row, the new version and the alert that reports it) is written in one transaction.
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime, timedelta
from functools import cache
from importlib.resources import files
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import (
    Connection,
    Engine,
    Row,
    Table,
    Update,
    and_,
    bindparam,
    case,
    create_engine,
    delete,
    event,
    func,
    insert,
    inspect,
    literal,
    null,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.engine import URL, CursorResult, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    IntegrityError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from monitor import leases, rawpages
from monitor.config import target_ref
from monitor.errors import (
    PageUnreadable,
    SchemaNotCurrent,
    StorageError,
    VersionNotFound,
    WatchNotFound,
)
from monitor.evidence.chain import GENESIS, Content, field_digests, link_hash
from monitor.history import index as history_index
from monitor.models import (
    AlertDraft,
    Article,
    CheckOutcome,
    CheckRecord,
    CheckTally,
    Evidence,
    NewVersion,
    PendingAlert,
    Rendered,
    StoredVersion,
    Watch,
    WatchSpec,
)
from monitor.options import dump
from monitor.retention import ALERT_WINDOW, Retention, alerts_allowed, versions_to_drop
from monitor.rows import SCHEMA_HEAD, version_of, watch_of
from monitor.schema import AlertRow, CheckRow, ForgottenRow, RawPageRow, VersionRow, WatchRow

WAL_SWITCH_WAIT = 10.0
"""Seconds a connection waits for another to finish switching a new database to WAL."""


def _switch_to_wal(cursor: Any) -> None:
    """``PRAGMA journal_mode=WAL``, tried again while it reports the database locked:
    processes opening a brand-new database at once (daemons starting together) each try
    the switch, and SQLite answers all but one at once, without its busy timeout, to
    avoid a deadlock. Once one has switched, the switch is a no-op for the others."""
    deadline = time.monotonic() + WAL_SWITCH_WAIT
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the CLI read while the daemon writes; the timeout rides out short locks.
    cursor.execute("PRAGMA busy_timeout=10000")
    _switch_to_wal(cursor)
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


MIGRATION_LOCK = 0x6D6F6E69746F72
"""The PostgreSQL advisory lock that serialises migrations (any number, the same in every
process: 'monitor' in ASCII)."""


def _prepare_sqlite_file(url: URL) -> None:
    """Make a new SQLite database 0600 in a 0700 directory: it holds every page fetched,
    and SQLite itself would create it with the umask's 0644 (its -wal and -shm files
    copy the database file's mode)."""
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database.startswith(":memory:"):
        return
    path = Path(database)
    try:
        if not path.parent.exists():
            path.parent.mkdir(mode=0o700, parents=True)
        if not path.exists():
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    except OSError as error:
        raise StorageError(
            f"cannot create the database {path} ({error.strerror}); "
            "set [storage] url in the config to a writable place"
        ) from error


def _masked(text: str, url: str | None = None) -> str:
    """``text`` (a database URL, or a message quoting ``url``) without the URL's password."""
    try:
        parsed = make_url(url or text)
    except (ArgumentError, ValueError):
        return re.sub(r"//[^/@\s]*@", "//***@", text)  # no URL SQLAlchemy can read
    if not parsed.password:
        return text
    shown = parsed.render_as_string(hide_password=True)
    return shown if url is None else text.replace(str(parsed.password), "***")


class Storage:
    """Typed access to the monitor's database."""

    def __init__(self, url: str, *, echo: bool = False, host: str | None = None) -> None:
        self.url = url
        self.host = host or leases.this_host()
        """Leases held by dead processes of this host are free (see leases.py)."""
        try:
            _prepare_sqlite_file(make_url(url))
            self.engine: Engine = create_engine(url, echo=echo, pool_pre_ping=True)
        except (SQLAlchemyError, ImportError, ValueError) as error:
            # The URL may hold a password, and so may the error that quotes it.
            raise StorageError(
                f"cannot use the database URL {_masked(url)} ({_masked(str(error), url)}); "
                "use sqlite:///PATH or postgresql+psycopg://USER@HOST/DB"
            ) from error
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._pages = _PageCache()

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with self._errors(), self._sessions.begin() as session:
            yield session

    @contextmanager
    def _connection(self) -> Iterator[Connection]:
        """A transaction on a bare connection, for Core statements alone: the ORM's
        session costs more than the two statements of an unchanged check."""
        with self._errors(), self.engine.begin() as connection:
            yield connection

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """The database's errors, said as the monitor's."""
        try:
            yield
        except OperationalError as error:
            raise StorageError(
                f"the database {self.engine.url.render_as_string(hide_password=True)} "
                f"failed: {error.orig}; check that it is reachable and writable"
            ) from error
        except IntegrityError:
            raise  # save_check says what a conflict means
        except DBAPIError as error:
            raise StorageError(
                f"the database refused a write ({type(error.orig).__name__}: {error.orig}); "
                "nothing was written. Please report this with the command that caused it"
            ) from error

    # -- schema ------------------------------------------------------------

    def migrate(self, *, scripts: Path | None = None) -> bool:
        """Create or upgrade the schema to the newest migration; False if it was there.

        At head this costs one read of the revision, and takes no lock. Otherwise the whole
        upgrade is one transaction, under a lock (an advisory lock on PostgreSQL, BEGIN
        IMMEDIATE on SQLite): processes starting at once wait for the first one, then find
        nothing to do, and a crash halfway leaves the schema as it was. ``scripts``: another
        copy of the migration scripts (the tests interrupt one).
        """
        if scripts is None and self._stored_revision() == SCHEMA_HEAD:
            return False
        from alembic import command
        from alembic.migration import MigrationContext
        from alembic.script import ScriptDirectory

        config = _alembic_config(self.url, scripts)
        head = ScriptDirectory.from_config(config).get_current_head()
        engine = self._migration_engine()
        try:
            with self.engine.connect() as connection:
                if MigrationContext.configure(connection).get_current_revision() == head:
                    return False
            with engine.begin() as connection:
                if connection.dialect.name == "postgresql":
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
                    )
                if MigrationContext.configure(connection).get_current_revision() == head:
                    return False  # another process migrated while this one waited
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
            return True
        except SQLAlchemyError as error:
            raise StorageError(
                f"cannot create or upgrade the database schema ({error}); "
                "check the storage URL and that the database is writable"
            ) from error
        finally:
            if engine is not self.engine:
                engine.dispose()

    def require_schema(self, *, scripts: Path | None = None) -> None:
        """What every command but ``run`` and ``migrate`` does at start: a brand-new, empty
        database gets its schema (first use: ``monitor add`` before any daemon ran); one at
        another revision is a ``SchemaNotCurrent`` saying what to do. Upgrading is left to
        ``monitor migrate`` and the daemon, so that a one-off command never changes the
        schema under running daemons.

        A database at ``SCHEMA_HEAD`` costs two small reads; Alembic is loaded only for
        one that is not."""
        current = self._stored_revision()
        if current == SCHEMA_HEAD and scripts is None:
            return
        from alembic.script import ScriptDirectory

        directory = ScriptDirectory.from_config(_alembic_config(self.url, scripts))
        head = directory.get_current_head()
        try:
            with self.engine.connect() as connection:
                empty = current is None and not inspect(connection).get_table_names()
        except SQLAlchemyError as error:
            raise StorageError(
                f"cannot read the database schema ({_masked(str(error), self.url)}); "
                "check the storage URL and that the database is reachable"
            ) from error
        if current == head or head is None:
            return
        if empty:
            self.migrate(scripts=scripts)
            return
        known = current is None or current in {rev.revision for rev in directory.walk_revisions()}
        raise SchemaNotCurrent(current, head, known=known)

    def _stored_revision(self) -> str | None:
        """The revision the database is at, as Alembic records it; None before any."""
        try:
            with self.engine.connect() as connection:
                return _revision_in(connection)
        except SQLAlchemyError as error:
            raise StorageError(
                f"cannot read the database schema ({_masked(str(error), self.url)}); "
                "check the storage URL and that the database is reachable"
            ) from error

    def _migration_engine(self) -> Engine:
        """The engine migrations run on: this one, or on SQLite one whose transactions are
        real (BEGIN IMMEDIATE: DDL included, and the write lock taken at once)."""
        if self.engine.dialect.name != "sqlite":
            return self.engine
        engine = create_engine(self.engine.url, poolclass=NullPool)

        def connect(dbapi_connection: Any, record: Any) -> None:
            # pysqlite's own transactions start only before INSERT/UPDATE/DELETE, so a
            # CREATE TABLE would commit on its own; SQLAlchemy's recipe hands them to us.
            dbapi_connection.isolation_level = None
            _sqlite_pragmas(dbapi_connection, record)

        event.listen(engine, "connect", connect)
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        return engine

    # -- watches -----------------------------------------------------------

    def _watch_of(self, session: Session, row: WatchRow, *, counted: bool = True) -> Watch:
        """The watch as a value; ``counted`` adds its versions and undelivered alerts
        (two queries: the claim path, run for every check, does without)."""
        versions = undelivered = 0
        if counted:
            versions = _count(session, VersionRow, row.id)
            undelivered = _count(
                session, AlertRow, row.id, AlertRow.state.not_in(("sent", "folded"))
            )
        return watch_of(row, versions, undelivered)

    def add_watch(self, spec: WatchSpec, now: datetime, *, source: str = "cli") -> Watch:
        """Add a watch, or update its settings if the URL is already watched."""
        with self._session() as session:
            row = session.scalar(select(WatchRow).where(WatchRow.url == spec.url))
            if row is None:
                row = WatchRow(url=spec.url, created_at=now, next_check_at=now, source=source)
                session.add(row)
            _apply_spec(row, spec)
            row.enabled = True
            session.flush()
            return self._watch_of(session, row)

    def sync_watches(self, specs: Sequence[WatchSpec], now: datetime) -> None:
        """Make the config file's watches the enabled config watches; CLI watches stay."""
        wanted = {spec.url: spec for spec in specs}
        # Only the rows the file may change: a command's start costs nothing per CLI watch.
        mine = or_(WatchRow.source == "config", WatchRow.url.in_(wanted)) if wanted else None
        with self._session() as session:
            query = select(WatchRow).where(WatchRow.source == "config" if mine is None else mine)
            rows = {row.url: row for row in session.scalars(query)}
            for url, spec in wanted.items():
                row = rows.get(url)
                if row is None:
                    row = WatchRow(url=url, created_at=now, next_check_at=now, source="config")
                    session.add(row)
                elif not row.enabled:
                    row.next_check_at = now
                _apply_spec(row, spec)
                row.source = "config"
                row.enabled = True
            for url, row in rows.items():
                # A watch dropped from the file stops, but its history is kept.
                if row.source == "config" and url not in wanted:
                    row.enabled = False

    def remove_watch(self, url: str) -> None:
        """Delete a watch and its whole history."""
        with self._session() as session:
            row = session.scalar(select(WatchRow).where(WatchRow.url == url))
            if row is None:
                raise WatchNotFound(url)
            pages = set(
                session.scalars(select(VersionRow.raw_hash).where(VersionRow.watch_id == row.id))
            )
            for table in (AlertRow, CheckRow, VersionRow, ForgottenRow):
                session.execute(delete(table).where(table.watch_id == row.id))
            session.delete(row)
            _drop_unused_pages(session, pages)

    def get_watch(self, url: str) -> Watch:
        with self._session() as session:
            row = session.scalar(select(WatchRow).where(WatchRow.url == url))
            if row is None:
                raise WatchNotFound(url)
            return self._watch_of(session, row)

    def list_watches(self, *, include_disabled: bool = False, counted: bool = True) -> list[Watch]:
        """``counted``: with their versions and undelivered alerts (a pass over both tables:
        ``monitor serve``'s feeds do without)."""
        with self._session() as session:
            # Plain rows, not ORM objects: at 10,000 watches, loading objects was most of
            # the listing's time.
            query = select(WatchRow.__table__).order_by(WatchRow.url)
            if not include_disabled:
                query = query.where(WatchRow.enabled.is_(True))
            rows = list(session.execute(query))
            if not counted:
                return [watch_of(row) for row in rows]
            # Two grouped counts for the whole list, not two queries per watch.
            versions = _counts(session, VersionRow)
            undelivered = _counts(session, AlertRow, AlertRow.state.not_in(("sent", "folded")))
            return [
                watch_of(row, versions.get(row.id, 0), undelivered.get(row.id, 0)) for row in rows
            ]

    # -- the schedule --------------------------------------------------------

    def claim_due(self, owner: str, now: datetime, *, lease: timedelta, limit: int) -> list[Watch]:
        """Lease up to ``limit`` due watches to ``owner``; others skip them until it ends."""
        with self._connection() as session:
            free = _lease_free(now, self._dead_owners(session, now))
            due = (
                select(WatchRow.id)
                .where(WatchRow.enabled.is_(True), WatchRow.next_check_at <= now, free)
                .order_by(WatchRow.next_check_at)
                .limit(limit)
                # PostgreSQL: concurrent daemons skip rows another one is claiming.
                .with_for_update(skip_locked=True)
            )
            ids = list(session.scalars(due))
            return self._take(session, WatchRow.id.in_(ids), owner, now, lease, free) if ids else []

    def claim(
        self, urls: Sequence[str] | None, owner: str, now: datetime, *, lease: timedelta
    ) -> list[Watch]:
        """Lease the given watches (None: every enabled one) now, due or not (for
        ``monitor check``); the same few queries however many watches there are.

        A watch a daemon is checking right now is left to it (``leased_to_others``).
        """
        with self._connection() as session:
            if urls is None:
                which = WatchRow.enabled.is_(True)
            else:
                which = WatchRow.url.in_(urls)
                known = set(session.scalars(select(WatchRow.url).where(which)))
                missing = [url for url in urls if url not in known]
                if missing:
                    raise WatchNotFound(missing[0])
            free = _lease_free(now, self._dead_owners(session, now))
            return self._take(session, which, owner, now, lease, free)

    def leased_to_others(
        self, urls: Sequence[str] | None, owner: str
    ) -> dict[str, datetime | None]:
        """The given watches (None: every enabled one) that ``owner`` holds no lease on,
        each with the end of the lease another process holds (in one query)."""
        which = WatchRow.enabled.is_(True) if urls is None else WatchRow.url.in_(urls)
        with self._connection() as session:
            rows = session.execute(
                select(WatchRow.url, WatchRow.lease_until)
                .where(which, or_(WatchRow.lease_owner.is_(None), WatchRow.lease_owner != owner))
                .order_by(WatchRow.url)
            )
            return {url: until for url, until in rows}

    def _dead_owners(self, session: Session | Connection, now: datetime) -> list[str]:
        """The owners of running leases that were processes on this host and died."""
        owners = session.scalars(
            select(WatchRow.lease_owner)
            .distinct()
            .where(WatchRow.lease_until >= now, WatchRow.lease_owner.like(f"{self.host}:%"))
        )
        return leases.dead_owners((o for o in owners if o), self.host)

    def _take(
        self,
        session: Session | Connection,
        which: Any,
        owner: str,
        now: datetime,
        lease: timedelta,
        free: Any,
    ) -> list[Watch]:
        # Compare-and-set: the UPDATE itself re-checks that the lease is free, so of two
        # racing claimers (two daemons, or a daemon and `monitor check`) only one wins a row,
        # on SQLite (which reads outside the write transaction) as on PostgreSQL.
        session.execute(
            update(WatchRow)
            .where(which, or_(free, WatchRow.lease_owner == owner))
            .values(lease_owner=owner, lease_until=now + lease)
            .execution_options(synchronize_session=False)
        )
        # Plain rows, as fresh as the UPDATE left them (no ORM identity map to refresh).
        rows = session.execute(
            select(WatchRow.__table__)
            .where(which, WatchRow.lease_owner == owner)
            .order_by(WatchRow.next_check_at)
        )
        return [watch_of(row) for row in rows]

    def renew(self, urls: Sequence[str], owner: str, now: datetime, *, lease: timedelta) -> int:
        """Extend ``owner``'s leases on these watches to ``now + lease`` (the heartbeat of
        the checks it is running); returns how many it still held."""
        if not urls:
            return 0
        with self._connection() as session:
            result = session.execute(
                update(WatchRow)
                .where(WatchRow.url.in_(urls), WatchRow.lease_owner == owner)
                .values(lease_until=now + lease)
            )
            return int(getattr(result, "rowcount", 0) or 0)

    def release_by_url(self, url: str, owner: str) -> None:
        """End ``owner``'s lease on a watch it gave up checking."""
        with self._connection() as session:
            session.execute(
                update(WatchRow)
                .where(WatchRow.url == url, WatchRow.lease_owner == owner)
                .values(lease_owner=None, lease_until=None)
            )

    # -- versions --------------------------------------------------------------

    def latest_version(self, watch_id: int) -> StoredVersion | None:
        with self._connection() as session:
            # A Core row (no ORM object): every check that fetched new bytes reads one.
            row = session.execute(_LATEST_VERSION, {"watch_id": watch_id}).first()
            return version_of(row) if row else None

    def version_numbers_by_hash(self, watch_id: int) -> dict[str, int]:
        """Each content hash seen for this watch, with the first version that had it."""
        with self._session() as session:
            rows = session.execute(
                select(VersionRow.content_hash, func.min(VersionRow.number))
                .where(VersionRow.watch_id == watch_id)
                .group_by(VersionRow.content_hash)
            )
            return {content_hash: number for content_hash, number in rows}

    def save_check(
        self,
        watch_id: int,
        owner: str,
        outcome: CheckOutcome,
        retention: Retention | None = None,
    ) -> int | None:
        """Write a check's outcome in one transaction; returns the new version's number.

        ``retention``: the watch's limits, applied in the same transaction (versions past
        them forgotten, alerts past the hour's limit folded into a digest).
        """
        retention = retention or Retention()
        try:
            # Alerts and forgetting versions are written through the ORM's session; all
            # else by Core statements on a bare connection (no unit of work to run).
            needs_orm = bool(outcome.alerts) or retention.limits_versions
            with self._session() if needs_orm else self._connection() as db:
                # The writes come in the order the ORM's flush gave them (the version
                # first): the watch row is locked (PostgreSQL) only once the version is in.
                number = None
                if outcome.version is not None:
                    if db.scalar(_WATCH_EXISTS, {"watch_id": watch_id}) is None:
                        return None  # removed while it was being checked
                    number = _insert_version(db, watch_id, outcome.version, outcome.at)
                    if isinstance(db, Session):
                        _prune_versions(db, watch_id, retention)
                if not _log_check(db, watch_id, owner, outcome, number):
                    return None  # removed while it was being checked: nothing to log
                if isinstance(db, Session):
                    _add_alerts(db, watch_id, number, outcome.at, outcome.alerts, retention)
                return number
        except IntegrityError as error:
            raise StorageError(
                f"the outcome of a check of watch {watch_id} conflicts with what is stored "
                f"({error.orig}); most likely another process stored a version at the same "
                "time. Nothing was written; the next check will retry"
            ) from error

    def claim_unread(
        self,
        owner: str,
        now: datetime,
        *,
        lease: timedelta,
        limit: int,
        skip: Sequence[int] = (),
    ) -> list[Watch]:
        """Lease up to ``limit`` watches whose latest version still waits for its page's
        full reading (``Watch.unread_version``), those due soonest first; ``skip``: ids
        of watches not to take."""
        with self._connection() as session:
            free = _lease_free(now, self._dead_owners(session, now))
            unread = (
                select(WatchRow.id)
                .where(
                    WatchRow.enabled.is_(True),
                    WatchRow.unread_version.is_not(None),
                    WatchRow.id.not_in(skip),
                    free,
                )
                .order_by(WatchRow.next_check_at)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
            ids = list(session.scalars(unread))
            return self._take(session, WatchRow.id.in_(ids), owner, now, lease, free) if ids else []

    def save_reading(
        self,
        watch_id: int,
        owner: str,
        unread: int,
        article: Article,
        hint: dict[str, Any] | None,
        at: datetime,
        retention: Retention | None = None,
    ) -> int | None:
        """Store the full reading of version ``unread``'s page as the next version (kind
        'reading', a silent baseline: the same fetch, the same page, read in full) and the hint it
        gives, in one transaction; returns its number. None, and nothing written, when
        ``owner`` holds no lease on the watch or the version was read meanwhile.

        Version ``unread`` keeps its quick reading: the chain covers the text, and no
        stored version is ever changed."""
        with self._session() as session:
            done = session.execute(
                update(WatchRow)
                .where(
                    WatchRow.id == watch_id,
                    WatchRow.unread_version == unread,
                    WatchRow.lease_owner == owner,
                )
                .values(unread_version=None, hint=hint if hint is not None else null())
            )
            if not getattr(done, "rowcount", 0):
                return None
            source = session.scalar(
                select(VersionRow).where(
                    VersionRow.watch_id == watch_id, VersionRow.number == unread
                )
            )
            if source is None:
                return None  # forgotten by retention meanwhile: nothing to read it from
            # No summary, no edits: SQL NULL, as a version of this kind always had.
            values = {
                "created_at": at,
                "kind": "reading",
                "raw_hash": source.raw_hash,
                "raw_size": source.raw_size,
                "fetched_at": source.fetched_at,
                "status": source.status,
                "final_url": source.final_url,
                "headers": source.headers,
                "request_headers": source.request_headers,
                "http_version": source.http_version,
            }
            last = _last_link(session, watch_id)
            number = _add_version(session, watch_id, values, article, last)
            _prune_versions(session, watch_id, retention or Retention())
            return number

    def history(self, url: str) -> list[StoredVersion]:
        with self._session() as session:
            watch_id = _watch_id(session, url)
            rows = session.scalars(
                select(VersionRow)
                .where(VersionRow.watch_id == watch_id)
                .order_by(VersionRow.number)
            )
            return [version_of(row) for row in rows]

    def version(self, url: str, number: int | None = None) -> StoredVersion:
        """Version ``number`` of a watch (negative counts from the end; None is the latest)."""
        with self._session() as session:
            return version_of(_version_row(session, url, number))

    def version_or_none(self, url: str, number: int) -> StoredVersion | None:
        """As ``version``, None when there is no such version (never, or forgotten)."""
        try:
            return self.version(url, number)
        except VersionNotFound:
            return None

    def raw_html(self, url: str, number: int | None = None) -> bytes:
        """The page a version was read from, exactly as fetched; ``PageUnreadable`` when
        it cannot be rebuilt or its bytes are not those fetched (its SHA-256 differs)."""
        with self._session() as session:
            row = _version_row(session, url, number)
            raw = _read_page(session, row.raw_hash, self._pages)
        if hashlib.sha256(raw).hexdigest() != row.raw_hash:
            raise PageUnreadable(
                f"the page fetched for version {row.number} of {url} reads back altered (its "
                f"SHA-256 is not {row.raw_hash}); `monitor verify {url}` says where"
            )
        return raw

    def fetched_page(self, url: str, number: int) -> tuple[bytes, str]:
        """The page version ``number`` was read from, exactly as fetched (as ``raw_html``),
        and the URL it was fetched from, after redirects (the watch's URL for versions
        stored before monitor kept it)."""
        with self._session() as session:
            final_url = session.scalar(
                select(VersionRow.final_url).where(
                    VersionRow.watch_id == _watch_id(session, url), VersionRow.number == number
                )
            )
        return self.raw_html(url, number), final_url or url

    def evidence(self, url: str) -> list[Evidence]:
        """A watch's versions as evidence, oldest first, with those retention forgot."""
        with self._session() as session:
            watch_id = _watch_id(session, url)
            rows = session.scalars(select(VersionRow).where(VersionRow.watch_id == watch_id))
            found = [
                Evidence(
                    row.number,
                    row.chain_hash,
                    _content_of(row),
                    _headers_of(row.request_headers),
                    row.http_version,
                    row.digests,
                )
                for row in rows
            ]
            forgotten = session.execute(
                select(ForgottenRow.number, ForgottenRow.chain_hash).where(
                    ForgottenRow.watch_id == watch_id
                )
            )
            found += [Evidence(number, chain_hash, None) for number, chain_hash in forgotten]
            return sorted(found, key=lambda evidence: evidence.number)

    def page(self, digest: str) -> bytes:
        """The fetched page stored under this SHA-256, as it reads now (unchecked: ``monitor
        verify`` compares); ``PageUnreadable`` when it, or a page it is a delta of, is
        missing or corrupt."""
        with self._session() as session:
            return _read_page(session, digest, self._pages)

    def prune_checks(self, before: datetime) -> int:
        """Forget check-log rows older than ``before`` (versions and alerts stay)."""
        with self._session() as session:
            result = session.execute(delete(CheckRow).where(CheckRow.at < before))
            return int(getattr(result, "rowcount", 0) or 0)

    def checks(self, url: str, limit: int = 50) -> list[CheckRecord]:
        with self._session() as session:
            watch_id = _watch_id(session, url)
            rows = session.scalars(
                select(CheckRow)
                .where(CheckRow.watch_id == watch_id)
                .order_by(CheckRow.at.desc(), CheckRow.id.desc())
                .limit(limit)
            )
            return [
                CheckRecord(
                    r.at, r.status, r.duration_ms, r.outcome, r.error, r.version, r.extract_ms
                )
                for r in rows
            ]

    # -- the alert outbox --------------------------------------------------------

    def claim_alerts(
        self, owner: str, now: datetime, *, hold: timedelta, limit: int = 100, after: int = 0
    ) -> list[PendingAlert]:
        """Take up to ``limit`` pending alerts due for delivery, oldest first, holding them
        for ``hold``.

        ``after``: only alerts whose id is higher, so that a deliverer working through the
        outbox batch by batch moves past what it already tried this pass.
        """
        free = or_(AlertRow.not_before.is_(None), AlertRow.not_before <= now)
        with self._session() as session:
            due = (
                select(AlertRow.id)
                .where(AlertRow.state == "pending", AlertRow.id > after, free)
                .order_by(AlertRow.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
            ids = list(session.scalars(due))
            if not ids:
                return []
            # Compare-and-set, as for watches: of two racing deliverers only one sends.
            session.execute(
                update(AlertRow)
                .where(AlertRow.id.in_(ids), free)
                .values(not_before=now + hold, claimed_by=owner)
                .execution_options(synchronize_session=False)
            )
            rows = session.execute(
                select(AlertRow, WatchRow.url, WatchRow.name)
                .join(WatchRow, WatchRow.id == AlertRow.watch_id)
                .where(AlertRow.id.in_(ids), AlertRow.claimed_by == owner)
                .order_by(AlertRow.id)
                .execution_options(populate_existing=True)
            )
            return [
                PendingAlert(
                    id=alert.id,
                    watch_url=url,
                    kind=alert.kind,
                    rendered=alert.rendered,
                    targets=tuple(alert.targets or ()),
                    attempts=alert.attempts,
                    version=alert.version_number,
                    watch_name=name,
                )
                for alert, url, name in rows
            ]

    def delivered_to(self, alert_id: int, target: str) -> None:
        """Record that ``target`` accepted the alert, before its other targets are tried: a
        process killed meanwhile sends it again to those not told yet, not to this one."""
        with self._session() as session:
            row = session.get(AlertRow, alert_id)
            if row is not None and row.targets and target in row.targets:
                row.targets = [t for t in row.targets if t != target]

    def mark_alert(
        self,
        alert_id: int,
        now: datetime,
        *,
        failed_targets: Sequence[str],
        error: str | None,
        retry_at: datetime | None,
    ) -> None:
        """Record a delivery attempt; only the targets that failed are tried again.

        ``retry_at`` None means give up on the failed targets.
        """
        with self._session() as session:
            row = session.get(AlertRow, alert_id)
            if row is None:
                return
            row.attempts += 1
            row.last_error = error
            if not failed_targets:
                row.state, row.delivered_at, row.not_before = "sent", now, None
            elif retry_at is None:
                row.state, row.targets = "failed", list(failed_targets)
            else:
                row.targets, row.not_before = list(failed_targets), retry_at

    def folded(self, digest_id: int) -> list[tuple[datetime, str]]:
        """(time, subject) of each alert a digest reports, oldest first."""
        with self._session() as session:
            rows = session.execute(
                select(AlertRow.created_at, AlertRow.subject)
                .where(AlertRow.folded_into == digest_id)
                .order_by(AlertRow.id)
            )
            return [(at, subject) for at, subject in rows]

    def alerts(self, url: str) -> list[tuple[int | None, str, str, int, str | None]]:
        """(version, kind, state, attempts, last error) of a watch's alerts, oldest first."""
        with self._session() as session:
            watch_id = _watch_id(session, url)
            rows = session.execute(
                select(
                    AlertRow.version_number,
                    AlertRow.kind,
                    AlertRow.state,
                    AlertRow.attempts,
                    AlertRow.last_error,
                )
                .where(AlertRow.watch_id == watch_id)
                .order_by(AlertRow.id)
            )
            return [tuple(row) for row in rows]  # type: ignore[misc]

    # -- what monitor serve reads (never writes) -----------------------------------

    def settled_id(self, table: str, after: int, cutoff: datetime) -> int:
        """The highest id of ``table`` ('check_log' or 'version') below which no row newer
        than ``cutoff`` remains, from ``after`` on: rows up to it can be counted once and
        for all (a PostgreSQL id taken by a transaction still open commits late, but not
        after ``cutoff``). Reads only the ids above ``after``."""
        row, at = (
            (CheckRow, CheckRow.at) if table == "check_log" else (VersionRow, VersionRow.created_at)
        )
        with self._session() as session:
            unsettled = session.scalar(select(func.min(row.id)).where(row.id > after, at > cutoff))
            if unsettled is not None:
                return max(after, unsettled - 1)
            return max(after, session.scalar(select(func.max(row.id))) or 0)

    def check_tally(
        self,
        after: int,
        upto: int | None,
        bounds_ms: Sequence[float],
        read_bounds_ms: Sequence[float] = (),
    ) -> list[CheckTally]:
        """The check-log rows with ``after`` < id <= ``upto`` (None: no upper end), counted
        per watch and outcome, with their fetch times against ``bounds_ms`` and, for those
        that read the page, their extraction times against ``read_bounds_ms``. One pass
        over that id range of the primary key."""
        within = [
            func.sum(case((CheckRow.duration_ms <= bound, 1), else_=0)) for bound in bounds_ms
        ]
        read_within = [
            func.sum(case((CheckRow.extract_ms <= bound, 1), else_=0)) for bound in read_bounds_ms
        ]
        query = select(
            CheckRow.watch_id,
            CheckRow.outcome,
            func.count(),
            func.sum(CheckRow.duration_ms),
            func.count(CheckRow.extract_ms),
            func.sum(CheckRow.extract_ms),
            *within,
            *read_within,
        ).where(CheckRow.id > after)
        query = query.group_by(CheckRow.watch_id, CheckRow.outcome)
        with self._session() as session:
            # Both ends given, or SQLite groups by walking the whole (watch_id, at) index.
            if upto is None:
                upto = session.scalar(select(func.max(CheckRow.id))) or 0
            query = query.where(CheckRow.id <= upto)
            return [
                CheckTally(
                    watch_id=int(row[0]),
                    outcome=str(row[1]),
                    count=int(row[2]),
                    duration_ms=float(row[3] or 0.0),
                    read=int(row[4] or 0),
                    extract_ms=float(row[5] or 0.0),
                    within=tuple(int(n or 0) for n in row[6 : 6 + len(within)]),
                    read_within=tuple(int(n or 0) for n in row[6 + len(within) :]),
                )
                for row in session.execute(query)
            ]

    def version_tally(self, after: int, upto: int | None) -> dict[str, int]:
        """Versions with ``after`` < id <= ``upto`` (None: no upper end) per kind; an edit
        the page declared counts as 'declared', one it did not as 'silent'."""
        kind = case(
            (and_(VersionRow.kind == "edit", VersionRow.declared.is_(True)), "declared"),
            (and_(VersionRow.kind == "edit", VersionRow.declared.is_(False)), "silent"),
            else_=VersionRow.kind,
        )
        query = select(kind, func.count()).where(VersionRow.id > after)
        with self._session() as session:
            if upto is None:
                upto = session.scalar(select(func.max(VersionRow.id))) or 0
            query = query.where(VersionRow.id <= upto)
            return {str(k): int(n) for k, n in session.execute(query.group_by(kind))}

    def watch_urls(self) -> dict[int, str]:
        """Every watch's URL by id (enabled or not), without counting anything."""
        with self._session() as session:
            rows = session.execute(select(WatchRow.id, WatchRow.url))
            return {int(watch_id): str(url) for watch_id, url in rows}

    def oldest_due(self) -> datetime | None:
        """The earliest next-check time of an enabled watch (the ``ix_watch_due`` index)."""
        with self._session() as session:
            return session.scalar(
                select(func.min(WatchRow.next_check_at)).where(WatchRow.enabled.is_(True))
            )

    def outbox_depth(self) -> int:
        """Alerts not yet delivered to every target and still being tried (``ix_alert_state``)."""
        with self._session() as session:
            query = select(func.count()).select_from(AlertRow).where(AlertRow.state == "pending")
            return int(session.scalar(query) or 0)


def _count(session: Session, table: Any, watch_id: int, *where: Any) -> int:
    query = select(func.count()).select_from(table).where(table.watch_id == watch_id, *where)
    return session.scalar(query) or 0


def _counts(session: Session, table: Any, *where: Any) -> dict[int, int]:
    """Rows of ``table`` per watch id (watches with none are absent)."""
    query = select(table.watch_id, func.count()).where(*where).group_by(table.watch_id)
    return {int(watch_id): int(count) for watch_id, count in session.execute(query)}


def _lease_free(now: datetime, dead_owners: Sequence[str] = ()) -> Any:
    free = or_(WatchRow.lease_until.is_(None), WatchRow.lease_until < now)
    return or_(free, WatchRow.lease_owner.in_(dead_owners)) if dead_owners else free


REBASELINE: dict[str, Any] = {"rebaseline": True}
"""The hint of a watch whose settings changed since its last version."""


def _apply_spec(row: WatchRow, spec: WatchSpec) -> None:
    if row.every != spec.every and row.last_check_at is not None:
        row.next_check_at = row.last_check_at  # re-plan at the next tick with the new interval
    for name, value in dump(spec).items():
        setattr(row, name, value)
    row.notify = [target_ref(selector) for selector in spec.notify]  # no secret stored
    options = dump(spec.options)
    if row.id is not None and row.options is not None and row.options != options:
        # What is watched changed (a selector, an ignore rule): the next reading is the new
        # baseline, stored without an alert, not an "edit" made of the settings change.
        row.hint = REBASELINE
    row.options = options


def _watch_id(session: Session, url: str) -> int:
    watch_id = session.scalar(select(WatchRow.id).where(WatchRow.url == url))
    if watch_id is None:
        raise WatchNotFound(url)
    return watch_id


def _version_row(session: Session, url: str, number: int | None) -> VersionRow:
    watch_id = _watch_id(session, url)
    query = select(VersionRow).where(VersionRow.watch_id == watch_id)
    if number is None or number < 0:
        offset = 0 if number is None else -number - 1
        query = query.order_by(VersionRow.number.desc()).offset(offset).limit(1)
    else:
        query = query.where(VersionRow.number == number)
    row = session.scalar(query)
    if row is None:
        raise VersionNotFound(url, number if number is not None else 0)
    return row


def _last_link(session: Session | Connection, watch_id: int) -> Row[int, str, str] | None:
    """The number, chain hash and page hash of the watch's latest version."""
    # Retention never drops the latest version: the previous link is always stored.
    return session.execute(_LAST_LINK, {"watch_id": watch_id}).first()


def _add_version(
    session: Session | Connection,
    watch_id: int,
    values: dict[str, Any],
    article: Article,
    last: Row[int, str, str] | None,
) -> int:
    """Insert a version (``values``: its exchange and page) with ``article``, after
    ``last`` (the watch's latest version, ``_last_link``), linked into its hash chain and
    its full-text index; returns its number.

    A Core INSERT, no ORM object: most first checks and edits store one, and the unit
    of work (an object, its attribute events, a flush) cost more than the row."""
    number, previous = (last[0] + 1, last[1]) if last else (1, GENESIS)
    text = "\n".join(article.paragraphs)
    row = {
        **values,
        "watch_id": watch_id,
        "number": number,
        "content_hash": article.content_hash(),
        "title": article.title,
        "byline": article.byline,
        "published": article.published,
        "modified": article.modified,
        "canonical": article.canonical,
        "text": text,
    }
    content = _content_of(SimpleNamespace(**row))  # the chain's fields, named once
    row["chain_hash"], row["digests"] = link_hash(previous, content), field_digests(content)
    result = cast("CursorResult[Any]", session.execute(insert(_VERSIONS), row))
    inserted = result.inserted_primary_key
    assert inserted is not None
    if _dialect(session) == "postgresql":  # (SQLite's triggers index it)
        history_index.add_version(session, inserted[0], article.title, article.byline, text)
    return number


def _log_check(
    db: Session | Connection, watch_id: int, owner: str, outcome: CheckOutcome, number: int | None
) -> bool:
    """Update the watch's row after a check (its lease ended) and log the check; False
    when the watch is gone (removed while it was being checked), and nothing written."""
    values = _bookkeeping(outcome)
    if outcome.version is not None:
        # A quick reading waits for the full one; any other version is one.
        values["unread_version"] = number if outcome.version.quick else None
    updated = db.execute(
        _bookkeeping_update(tuple(values), outcome.outcome == "error"),
        {"watch_id": watch_id, "owner": owner, **_parameters(values)},
    )
    if not getattr(updated, "rowcount", 1):
        return False
    db.execute(
        insert(_CHECKS),
        {
            "watch_id": watch_id,
            "at": outcome.at,
            "status": outcome.status,
            "duration_ms": round(outcome.duration_ms, 1),
            "extract_ms": None if outcome.extract_ms is None else round(outcome.extract_ms, 1),
            "outcome": outcome.outcome,
            "error": outcome.error.replace("\x00", "") if outcome.error else None,
            "version": number,
        },
    )
    return True


def _insert_version(
    session: Session | Connection, watch_id: int, version: NewVersion, at: datetime
) -> int:
    last = _last_link(session, watch_id)
    response = version.response
    values = {
        "created_at": at,
        "kind": version.kind,
        "revert_of": version.revert_of,
        "declared": version.declared,
        "raw_hash": _store_page(session, version.raw_html, last[2] if last else None),
        "raw_size": len(version.raw_html),
        "summary": asdict(version.summary) if version.summary is not None else None,
        "edits": None if version.edits is None else [edit.as_dict() for edit in version.edits],
        "fetched_at": response.fetched_at if response else at,
        "status": response.status if response else None,
        "final_url": response.final_url if response else None,
        "headers": [list(h) for h in response.headers] if response else None,
        "request_headers": [list(h) for h in response.request_headers] if response else None,
        "http_version": response.http_version if response else None,
    }
    return _add_version(session, watch_id, values, version.article, last)


def _dialect(db: Session | Connection) -> str:
    return db.dialect.name if isinstance(db, Connection) else db.get_bind().dialect.name


def _headers_of(data: list[list[str]] | None) -> tuple[tuple[str, str], ...] | None:
    return None if data is None else tuple((name, value) for name, value in data)


def _content_of(row: Any) -> Content:
    """What the version's chain hash covers (``row``: a version's row, or its columns
    as attributes)."""
    return Content(
        number=row.number,
        fetched_at=row.fetched_at,
        status=row.status,
        final_url=row.final_url,
        headers=_headers_of(row.headers),
        body_sha256=row.raw_hash,
        kind=row.kind,
        title=row.title,
        byline=row.byline,
        published=row.published,
        modified=row.modified,
        canonical=row.canonical,
        text=row.text,
    )


def _store_page(session: Session | Connection, raw: bytes, previous: str | None) -> str:
    """Keep a fetched page once, by its hash (a page fetched again costs nothing more): as
    a delta of ``previous``, the page of the watch's version before, when it can be."""
    digest = hashlib.sha256(raw).hexdigest()
    if session.scalar(_PAGE_STORED, {"digest": digest}) is None:
        encoded = rawpages.encode(raw, _base(session, previous))
        values = {
            "hash": digest,
            "size": len(raw),
            "data": encoded.data,
            "codec": encoded.codec,
            "base_hash": encoded.base_hash,
            "depth": encoded.depth,
        }
        # Another process may store the same page at the same moment (two watches of one
        # page): the second insert is a no-op, not a conflict.
        session.execute(_page_insert(_dialect(session)), values)
    return digest


@cache
def _page_insert(dialect: str) -> Any:
    """An INSERT of a page that does nothing if the page is there, built once per dialect
    (each dialect's insert imported with it: SQLite never loads PostgreSQL's)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(_PAGES).on_conflict_do_nothing()
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(_PAGES).on_conflict_do_nothing()


def _base(session: Session | Connection, previous: str | None) -> rawpages.Base | None:
    """The page a new one may be a delta of: ``previous``, unless there is none, it is at
    the depth limit, or it cannot be read (then the new page is a keyframe, and readable)."""
    if previous is None:
        return None
    depth = session.scalar(_PAGE_DEPTH, {"digest": previous})
    if depth is None or depth >= rawpages.MAX_DEPTH:
        return None
    try:
        raw = _read_page(session, previous)
    except PageUnreadable:
        return None
    return rawpages.Base(previous, raw, depth)


class _PageCache:
    """The last few pages read, by hash: reading a watch's versions in turn (verify,
    export) decodes each delta once, on its base just read, not its whole chain again."""

    SIZE = 4

    def __init__(self) -> None:
        self._pages: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()  # the daemon's storage calls run in threads

    def get(self, digest: str) -> bytes | None:
        with self._lock:
            raw = self._pages.get(digest)
            if raw is not None:
                self._pages.move_to_end(digest)
            return raw

    def put(self, digest: str, raw: bytes) -> None:
        with self._lock:
            self._pages[digest] = raw
            self._pages.move_to_end(digest)
            while len(self._pages) > self.SIZE:
                self._pages.popitem(last=False)


def _read_page(
    session: Session | Connection, digest: str, cache: _PageCache | None = None
) -> bytes:
    """A stored page's bytes, rebuilt through its chain of deltas (unchecked against its
    hash); ``PageUnreadable`` when a page of the chain is missing or corrupt."""
    cached = cache.get(digest) if cache is not None else None
    if cached is not None:
        return cached
    chain = _chain(session, digest)
    if not chain:  # the foreign keys forbid it; a hand-edited database may not
        raise PageUnreadable(f"the page {digest} is missing from the database")
    if chain[-1].base_hash is not None:
        if len(chain) > rawpages.LONGEST_CHAIN:
            raise PageUnreadable(
                f"the page {digest} cannot be rebuilt: its chain of deltas runs past "
                f"{rawpages.LONGEST_CHAIN} pages, which no monitor writes: it was altered"
            )
        raise PageUnreadable(
            f"the page {digest} cannot be rebuilt: the page {chain[-1].base_hash} it is "
            "stored as a delta of is missing from the database"
        )
    # Decoded from the keyframe up, or from the nearest page already in the cache.
    base: bytes | None = None
    start = len(chain)
    if cache is not None:
        for index, link in enumerate(chain[1:], 1):
            base = cache.get(link.hash)
            if base is not None:
                start = index
                break
    for link in reversed(chain[:start]):
        base = rawpages.decode(link.hash, link.codec, link.data, link.size, base)
    assert base is not None
    if cache is not None:
        cache.put(digest, base)
    return base


def _chain(
    session: Session | Connection, digest: str
) -> list[Row[str, str, int, bytes, str | None]]:
    """The page and the pages it is a delta of, down to its keyframe, in one query (a
    recursive CTE, on SQLite as on PostgreSQL). It ends early at a missing page (its last
    row then names a base) or past ``rawpages.LONGEST_CHAIN`` rows (a cycle)."""
    return list(session.execute(_chain_query(), {"digest": digest}))


@cache
def _chain_query() -> Any:
    """``_chain``'s statement, built once (every edit stored reads its base's chain)."""
    page = RawPageRow.__table__
    columns = (page.c.hash, page.c.codec, page.c.size, page.c.data, page.c.base_hash)
    chain = (
        select(*columns, literal(0).label("step"))
        .where(page.c.hash == bindparam("digest"))
        .cte(recursive=True)
    )
    older = page.alias("older")
    chain = chain.union_all(
        select(
            older.c.hash,
            older.c.codec,
            older.c.size,
            older.c.data,
            older.c.base_hash,
            (chain.c.step + 1).label("step"),
        )
        .join_from(chain, older, older.c.hash == chain.c.base_hash)
        .where(chain.c.step < rawpages.LONGEST_CHAIN)
    )
    return select(
        chain.c.hash, chain.c.codec, chain.c.size, chain.c.data, chain.c.base_hash
    ).order_by(chain.c.step)


def _drop_unused_pages(session: Session, hashes: set[str]) -> None:
    """Forget the pages among ``hashes`` that no version names and no other page is a
    delta of; then, in turn, the pages those were deltas of, if now unused."""
    session.flush()
    based = RawPageRow.__table__.alias("dependent")
    while hashes:
        used = select(VersionRow.raw_hash).where(VersionRow.raw_hash.in_(hashes))
        needed = select(based.c.base_hash).where(based.c.base_hash.in_(hashes))
        dropped = session.execute(
            delete(RawPageRow)
            .where(
                RawPageRow.hash.in_(hashes),
                RawPageRow.hash.not_in(used),
                RawPageRow.hash.not_in(needed),
            )
            .returning(RawPageRow.base_hash)
            .execution_options(synchronize_session=False)
        )
        hashes = {base for (base,) in dropped if base is not None}


def _prune_versions(session: Session, watch_id: int, retention: Retention) -> None:
    if not retention.limits_versions:
        return
    session.flush()
    sizes = session.execute(
        select(VersionRow.number, VersionRow.raw_size)
        .where(VersionRow.watch_id == watch_id)
        .order_by(VersionRow.number)
    )
    drop = versions_to_drop([(number, size) for number, size in sizes], retention)
    if not drop:
        return
    which = (VersionRow.watch_id == watch_id, VersionRow.number.in_(drop))
    pages = set(session.scalars(select(VersionRow.raw_hash).where(*which)))
    # Their chain hashes stay: the versions after them still verify, and a version
    # deleted any other way shows as missing.
    for number, chain_hash in session.execute(
        select(VersionRow.number, VersionRow.chain_hash).where(*which)
    ):
        session.add(ForgottenRow(watch_id=watch_id, number=number, chain_hash=chain_hash))
    session.execute(delete(VersionRow).where(*which).execution_options(synchronize_session=False))
    _drop_unused_pages(session, pages)


def _add_alerts(
    session: Session,
    watch_id: int,
    number: int | None,
    at: datetime,
    alerts: Sequence[AlertDraft],
    retention: Retention,
) -> None:
    """Put a check's alerts in the outbox; those past the watch's hourly limit are kept
    'folded', and go out in one digest when the hour is over."""
    allowed = None
    if alerts and retention.alerts_per_hour is not None:
        sent = _count(
            session,
            AlertRow,
            watch_id,
            AlertRow.created_at > at - ALERT_WINDOW,
            AlertRow.state != "folded",
            AlertRow.kind != DIGEST,
        )
        allowed = alerts_allowed(sent, retention)
    for alert in alerts:
        row = _alert_row(watch_id, number, at, alert)
        if allowed is None or allowed > 0:
            allowed = None if allowed is None else allowed - 1
        else:
            row.state, row.folded_into = "folded", _open_digest(session, watch_id, at, alert).id
        session.add(row)


DIGEST = "digest"


def _open_digest(session: Session, watch_id: int, at: datetime, alert: AlertDraft) -> AlertRow:
    """The watch's digest still gathering (not yet due, never tried), or a new one due in
    an hour; it goes to every target its alerts were for."""
    digest = session.scalar(
        select(AlertRow)
        .where(
            AlertRow.watch_id == watch_id,
            AlertRow.kind == DIGEST,
            AlertRow.state == "pending",
            AlertRow.attempts == 0,
            AlertRow.not_before > at,
        )
        .order_by(AlertRow.id.desc())
        .limit(1)
    )
    if digest is None:
        digest = AlertRow(
            watch_id=watch_id,
            created_at=at,
            kind=DIGEST,
            rendered=Rendered("", "", "", ""),  # said when it is sent
            targets=list(alert.targets),
            state="pending",
            attempts=0,
            not_before=at + ALERT_WINDOW,
        )
        session.add(digest)
        session.flush()
    elif set(alert.targets) - set(digest.targets):
        digest.targets = sorted({*digest.targets, *alert.targets})
    return digest


def _alert_row(watch_id: int, number: int | None, at: datetime, alert: AlertDraft) -> AlertRow:
    return AlertRow(
        watch_id=watch_id,
        version_number=number,
        created_at=at,
        kind=alert.kind,
        rendered=alert.rendered,
        targets=list(alert.targets),
        state="pending",
        attempts=0,
    )


_WATCHES = cast(Table, WatchRow.__table__)
_CHECKS = cast(Table, CheckRow.__table__)
_WATCH_EXISTS = select(_WATCHES.c.id).where(_WATCHES.c.id == bindparam("watch_id"))
_VERSIONS = cast(Table, VersionRow.__table__)
_PAGES = cast(Table, RawPageRow.__table__)
_LAST_LINK = (
    select(_VERSIONS.c.number, _VERSIONS.c.chain_hash, _VERSIONS.c.raw_hash)
    .where(_VERSIONS.c.watch_id == bindparam("watch_id"))
    .order_by(_VERSIONS.c.number.desc())
    .limit(1)
)
_LATEST_VERSION = (
    select(_VERSIONS)
    .where(_VERSIONS.c.watch_id == bindparam("watch_id"))
    .order_by(_VERSIONS.c.number.desc())
    .limit(1)
)
_PAGE_STORED = select(RawPageRow.hash).where(RawPageRow.hash == bindparam("digest"))
_PAGE_DEPTH = select(RawPageRow.depth).where(RawPageRow.hash == bindparam("digest"))


def _bookkeeping(outcome: CheckOutcome) -> dict[str, Any]:
    """The watch row's columns a check sets, and their new values (the lease and the
    error count are the UPDATE's: they depend on the row as it was)."""
    values: dict[str, Any] = {"last_check_at": outcome.at, "next_check_at": outcome.next_check_at}
    failed = outcome.outcome == "error"
    values["last_error"] = outcome.error.replace("\x00", "") if failed and outcome.error else None
    if outcome.etag is not None or outcome.last_modified is not None or outcome.status == 200:
        values["etag"], values["last_modified"] = outcome.etag, outcome.last_modified
    if outcome.state is not None:
        values["state"] = outcome.state
    if outcome.set_hint:
        values["hint" if outcome.hint is not None else _NO_HINT] = outcome.hint
    if outcome.version is not None:
        values["last_change_at"] = outcome.at
    return values


_NO_HINT = "no_hint"
"""``_bookkeeping``'s column name for a hint cleared: SQL NULL, not JSON's ``null`` (what
a JSON parameter of None would store)."""


def _parameters(values: dict[str, Any]) -> dict[str, Any]:
    return {f"new_{name}": value for name, value in values.items() if name != _NO_HINT}


@cache
def _bookkeeping_update(columns: tuple[str, ...], failed: bool) -> Update:
    """The UPDATE writing a check's bookkeeping to its watch row (``_bookkeeping``'s
    columns, as ``new_*`` parameters), built once per shape: SQLAlchemy then reuses its
    compiled form instead of building a statement per check."""
    watch = _WATCHES.c
    leased = watch.lease_owner == bindparam("owner")
    sets: dict[str, Any] = {
        name: bindparam(f"new_{name}", type_=watch[name].type)
        for name in columns
        if name != _NO_HINT
    }
    if _NO_HINT in columns:
        sets["hint"] = null()
    # The lease is given back if this process holds it (another may have taken it since).
    sets["lease_owner"] = case((leased, null()), else_=watch.lease_owner)
    sets["lease_until"] = case((leased, null()), else_=watch.lease_until)
    sets["error_count"] = watch.error_count + 1 if failed else 0
    return update(_WATCHES).where(watch.id == bindparam("watch_id")).values(sets)


def _revision_in(connection: Connection) -> str | None:
    """What Alembic's ``get_current_revision`` reads, read without Alembic: the
    ``alembic_version`` row (several rows, from branches monitor never makes, are joined
    with '+', so that they match no revision)."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    revisions = sorted(connection.scalars(text("SELECT version_num FROM alembic_version")))
    return "+".join(revisions) if revisions else None


def _alembic_config(url: str, scripts: Path | None = None) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(scripts or files("monitor.migrations")))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def main(argv: Sequence[str]) -> None:
    """Developer entry: ``python -m monitor.storage revision MESSAGE [URL]``."""
    from alembic import command

    if len(argv) < 2 or argv[0] != "revision":
        sys.exit("usage: python -m monitor.storage revision MESSAGE [DATABASE_URL]")
    url = argv[2] if len(argv) > 2 else "sqlite:///migration-scratch.db"
    Storage(url).migrate()
    command.revision(_alembic_config(url), message=argv[1], autogenerate=True)


if __name__ == "__main__":
    main(sys.argv[1:])
