"""The reads behind ``monitor search`` and ``monitor changes`` (and ``monitor serve``'s
feeds and pages): SQL for candidates and changes on either database; every decision is
``match``'s."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Integer, Row, Select, column, select, text
from sqlalchemy.exc import SQLAlchemyError

from monitor.errors import StorageError, WatchNotFound
from monitor.history import index
from monitor.history.reading import TAKEN_DOWN, Describe, WorkedOut, found_in, listed
from monitor.history.values import Change, ChangeFilter, Found, Search
from monitor.schema import AlertRow, VersionRow, WatchRow
from monitor.storage import Storage

_VERSION = VersionRow.__table__
_ALERT = AlertRow.__table__
_WATCH = WatchRow.__table__


class Archive:
    """Searches and lists the versions of every watch in one database."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.engine = storage.engine

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        try:
            with self.engine.connect() as connection:
                yield connection
        except SQLAlchemyError as error:
            raise StorageError(
                f"cannot read the history ({error}); check that the database is reachable"
            ) from error

    def _streamed(self, query: Select[Any]) -> Generator[Row[Any]]:
        """The rows of ``query`` as the database sends them, a batch at a time (PostgreSQL
        through a server-side cursor), so that a reader that stops early never holds the
        rest; closing the generator closes the connection."""
        with self._reading() as connection:
            streaming = connection.execution_options(stream_results=True, yield_per=200)
            result = streaming.execute(query)
            try:
                yield from result
            finally:
                result.close()  # a reader that stopped early: the server's cursor too

    # -- search ------------------------------------------------------------------------

    def search(self, search: Search, since: datetime | None) -> list[Found]:
        """Every version ``search`` finds (by watch URL, then version), each with where the
        text first appeared in its watch and where it went."""
        with self._reading() as connection:
            watches = self._watch_ids(connection, search.watch, search.tag)
            query = self._candidates(connection, search, since, watches)
            return found_in(
                search,
                connection.execute(query),
                lambda hit: self._numbers(connection, hit, since),
            )

    def _watch_ids(
        self, connection: Connection, url: str | None, tag: str | None
    ) -> list[int] | None:
        """The watches searched (None: all of them)."""
        if url is not None:
            found = connection.scalar(select(_WATCH.c.id).where(_WATCH.c.url == url))
            if found is None:
                raise WatchNotFound(url)
            return [found]
        if tag is not None:
            rows = connection.execute(select(_WATCH.c.id, _WATCH.c.notify))
            return [watch_id for watch_id, notify in rows if tag in (notify or ())]
        return None

    def _candidates(
        self,
        connection: Connection,
        search: Search,
        since: datetime | None,
        watches: list[int] | None,
    ) -> Select[Any]:
        v = _VERSION.c
        query = (
            select(v.id, v.watch_id, v.number, v.created_at, v.title, v.byline, v.text)
            .add_columns(_WATCH.c.url)
            .join(_WATCH, _WATCH.c.id == v.watch_id)
            .order_by(_WATCH.c.url, v.number)
        )
        terms = search.query.terms
        if terms:
            if connection.dialect.name == "postgresql":
                matching = text(
                    f"SELECT version_id FROM {index.WORDS_TABLE} "
                    "WHERE words @@ CAST(:terms AS tsquery)"
                ).bindparams(terms=index.tsquery(terms, search.field))
            else:
                matching = text(
                    f"SELECT rowid FROM {index.FTS_TABLE} WHERE {index.FTS_TABLE} MATCH :terms"
                ).bindparams(terms=index.fts_match(terms, search.field))
            query = query.where(v.id.in_(matching.columns(column("id", Integer))))
        if since is not None:
            query = query.where(v.created_at >= since)
        if watches is not None:
            query = query.where(v.watch_id.in_(watches))
        return query

    def _numbers(
        self, connection: Connection, watches: set[int], since: datetime | None
    ) -> dict[int, list[tuple[int, datetime]]]:
        """Each watch's versions (number, time) since ``since``, oldest first."""
        v = _VERSION.c
        numbers: dict[int, list[tuple[int, datetime]]] = defaultdict(list)
        if not watches:
            return numbers
        query = select(v.watch_id, v.number, v.created_at).where(v.watch_id.in_(watches))
        if since is not None:
            query = query.where(v.created_at >= since)
        for watch_id, number, at in connection.execute(query.order_by(v.watch_id, v.number)):
            numbers[watch_id].append((number, at))
        return numbers

    # -- changes -------------------------------------------------------------------------

    def changes(
        self,
        which: ChangeFilter,
        since: datetime | None,
        worked_out: WorkedOut,
        describe: Describe,
    ) -> list[Change]:
        """Every new version of every watch but first ones and re-baselines, and every page
        taken down, newest first, that ``which`` keeps. ``worked_out(url, number)``: the
        version with its change from the one before worked out, for versions stored before
        monitor kept it (revision 0002); ``describe``: the summary line of a change."""
        v = _VERSION.c
        query = (
            select(v.number, v.created_at, v.kind, v.declared, v.summary, v.edits, v.title)
            .add_columns(_WATCH.c.url)
            .join(_WATCH, _WATCH.c.id == v.watch_id)
            .where(v.kind.not_in(("first", "rebaseline", "reading")))
            .order_by(v.created_at.desc(), v.id.desc())
        )
        if since is not None:
            query = query.where(v.created_at >= since)
        # Only the filters decided in Python leave the limit to the loop below.
        decided_here = which.field or which.silent or which.kinds or which.changes
        if which.limit is not None and not decided_here:
            query = query.limit(which.limit)
        with self._reading() as connection:
            watches = self._watch_ids(connection, which.watch, which.tag)
            if watches == []:
                return []
            if watches is not None:
                query = query.where(v.watch_id.in_(watches))
            gone = self._taken_down(connection, which, since, watches)
        rows = self._streamed(query)
        try:
            return listed(which, rows, gone, worked_out, describe)
        finally:
            rows.close()

    def _taken_down(
        self,
        connection: Connection,
        which: ChangeFilter,
        since: datetime | None,
        watches: list[int] | None,
    ) -> list[Change]:
        """The pages taken down that ``which`` keeps, newest first. No version records
        them: the alert each one raised does (alerts are kept; the check log is pruned)."""
        asked = which.taken_down and (not which.changes or "gone" in which.changes)
        if not asked or which.field or which.silent or which.kinds:
            return []  # a page taken down has no kinds of edit, in no field
        a = _ALERT.c
        query = (
            select(a.created_at, _WATCH.c.url)
            .join(_WATCH, _WATCH.c.id == a.watch_id)
            .where(a.kind == "gone")
            .order_by(a.created_at.desc(), a.id.desc())
            .limit(which.limit)
        )
        if since is not None:
            query = query.where(a.created_at >= since)
        if watches is not None:
            query = query.where(a.watch_id.in_(watches))
        return [
            Change(at, url, None, "gone", None, (), TAKEN_DOWN, "")
            for at, url in connection.execute(query)
        ]
