"""The reading commands' fast path: `list`, `history`, `show`, `diff`, `search` and
`changes` read the database with its driver alone (the standard library's sqlite3;
psycopg for PostgreSQL), without SQLAlchemy, whose import was most of their time from
process start.

``Reader`` returns the values ``Storage`` returns (``monitor.rows`` makes both) from a
few statements over the tables ``monitor.schema`` declares (``STATEMENTS``; the tests
hold every table and column they name to it). It takes only the common case:
``Reader.open`` is None for a database it does not read as it is (a URL other than
``sqlite:///PATH`` or ``postgresql+psycopg://``, a file not there yet, a schema behind,
ahead or missing, a driver error), for a config file whose watches the database does not
hold as written (the other path writes them first), and for a watch notifying a target
only Apprise can settle. The command then opens ``Monitor``, which does what it always
did and says what it always said.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from monitor.errors import StorageError, VersionNotFound, WatchNotFound
from monitor.rows import SCHEMA_HEAD, version_of, watch_of

if TYPE_CHECKING:
    from monitor.config import Config
    from monitor.history.reading import Describe, WorkedOut
    from monitor.history.values import Change, ChangeFilter, Found, Search
    from monitor.models import StoredVersion, Watch

WATCH = (
    "id",
    "url",
    "name",
    "every",
    "notify",
    "options",
    "source",
    "state",
    "next_check_at",
    "last_check_at",
    "last_change_at",
    "last_error",
    "etag",
    "last_modified",
    "hint",
    "lease_until",
    "error_count",
    "unread_version",
)
"""The columns of ``watch`` a ``Watch`` is made of (``rows.watch_of``)."""
VERSION = (
    "number",
    "created_at",
    "kind",
    "revert_of",
    "content_hash",
    "raw_size",
    "title",
    "byline",
    "published",
    "modified",
    "canonical",
    "text",
    "summary",
    "edits",
)
"""The columns of ``version`` a ``StoredVersion`` is made of (``rows.version_of``)."""
CONFIG_WATCH = ("url", "name", "every", "notify", "options", "enabled")
"""The columns the config file's watches are compared with (``Storage.sync_watches``)."""

DATETIMES = frozenset(
    {"created_at", "next_check_at", "last_check_at", "last_change_at", "lease_until"}
)
"""Columns of ``schema.UTCDateTime``: naive UTC in the database, aware UTC here."""
JSON = frozenset({"notify", "options", "hint", "summary", "edits"})
"""JSON columns: text on SQLite, read by psycopg itself on PostgreSQL."""
BOOLEANS = frozenset({"enabled", "declared"})
"""Boolean columns: 0 or 1 on SQLite."""

_UNDELIVERED = "state NOT IN ('sent', 'folded')"
STATEMENTS = {
    "revision": "SELECT version_num FROM alembic_version",
    "watches": f"SELECT {', '.join(WATCH)} FROM watch WHERE enabled ORDER BY url",
    "watch": f"SELECT {', '.join(WATCH)} FROM watch WHERE url = ?",
    "config_watches": f"SELECT {', '.join(CONFIG_WATCH)} FROM watch WHERE source = 'config'",
    "versions_per_watch": "SELECT watch_id, count(*) FROM version GROUP BY watch_id",
    "undelivered_per_watch": (
        f"SELECT watch_id, count(*) FROM alert WHERE {_UNDELIVERED} GROUP BY watch_id"
    ),
    "versions_of": "SELECT count(*) FROM version WHERE watch_id = ?",
    "undelivered_of": f"SELECT count(*) FROM alert WHERE watch_id = ? AND {_UNDELIVERED}",
    "watch_id": "SELECT id FROM watch WHERE url = ?",
    "history": f"SELECT {', '.join(VERSION)} FROM version WHERE watch_id = ? ORDER BY number",
    "version": f"SELECT {', '.join(VERSION)} FROM version WHERE watch_id = ? AND number = ?",
    "version_back": (
        f"SELECT {', '.join(VERSION)} FROM version WHERE watch_id = ? "
        "ORDER BY number DESC LIMIT 1 OFFSET ?"
    ),
    "tags": "SELECT id, notify FROM watch",
}
"""Every statement the fast path runs, ``?`` for a parameter (psycopg's ``%s`` there),
but those of `search` and `changes`, which ``search_statements`` and
``change_statements`` make for what they are asked."""
CANDIDATE = ("id", "watch_id", "number", "created_at", "title", "byline", "text")
"""The columns of ``version`` a search reads of each candidate (and its watch's URL)."""
CHANGE = ("number", "created_at", "kind", "declared", "summary", "edits", "title", "url")
"""What `changes` reads of each new version (its watch's URL last)."""
NAMED = {
    "alembic_version": ("version_num",),
    "watch": (*WATCH, *CONFIG_WATCH, "source"),
    "version": (*VERSION, *CANDIDATE, *CHANGE[:-1], "id"),
    "alert": ("watch_id", "state", "kind", "created_at", "id"),
}
"""The tables and columns the statements name (the full-text index's aside)."""


def search_statements(backend: str, terms: bool, since: bool, watches: int) -> tuple[str, str]:
    """The statements of a search (as ``history.queries.Archive`` makes them): its
    candidates, by watch URL and number, the index asked when there are ``terms`` to
    ask it for; then the versions of the watches found (``watches`` of them)."""
    from monitor.history import index

    where = []
    if terms:
        if backend == "postgresql":
            where.append(
                f"version.id IN (SELECT version_id FROM {index.WORDS_TABLE} "
                "WHERE words @@ CAST(? AS tsquery))"
            )
        else:
            where.append(
                f"version.id IN (SELECT rowid FROM {index.FTS_TABLE} "
                f"WHERE {index.FTS_TABLE} MATCH ?)"
            )
    if since:
        where.append("version.created_at >= ?")
    if watches:
        where.append(f"version.watch_id IN ({', '.join('?' * watches)})")
    candidates = (
        f"SELECT {', '.join('version.' + c for c in CANDIDATE)}, watch.url FROM version "
        "JOIN watch ON watch.id = version.watch_id"
        + "".join(f" {'AND' if n else 'WHERE'} {w}" for n, w in enumerate(where))
        + " ORDER BY watch.url, version.number"
    )
    numbers = (
        "SELECT watch_id, number, created_at FROM version WHERE watch_id IN ({watches})"
        + (" AND created_at >= ?" if since else "")
        + " ORDER BY watch_id, number"
    )
    return candidates, numbers


def change_statements(since: bool, watches: int) -> tuple[str, str]:
    """The statements of `changes` (as ``history.queries.Archive`` makes them; ``LIMIT ?``
    added for a limit): the new versions but first ones and re-baselines, newest first;
    the pages taken down (their alerts), newest first."""
    where = ""
    if since:
        where += " AND {table}.created_at >= ?"
    if watches:
        where += f" AND {{table}}.watch_id IN ({', '.join('?' * watches)})"
    versions = (
        f"SELECT {', '.join('version.' + c for c in CHANGE[:-1])}, watch.url FROM version "
        "JOIN watch ON watch.id = version.watch_id "
        "WHERE version.kind NOT IN ('first', 'rebaseline', 'reading')"
        + where.format(table="version")
        + " ORDER BY version.created_at DESC, version.id DESC"
    )
    gone = (
        "SELECT alert.created_at, watch.url FROM alert JOIN watch ON watch.id = alert.watch_id "
        "WHERE alert.kind = 'gone'"
        + where.format(table="alert")
        + " ORDER BY alert.created_at DESC, alert.id DESC"
    )
    return versions, gone


class Reader:
    """The watches and versions of one database, read through its driver, read-only."""

    def __init__(self, connection: Any, backend: str, url: str) -> None:
        self.connection = connection
        self.backend = backend
        """'sqlite' or 'postgresql'."""
        self.url = url

    @classmethod
    def open(cls, config: Config) -> Reader | None:
        """A reader of ``config``'s database, or None where the command must take the
        other path (see the module's docstring)."""
        if config.unsettled_watches():
            return None
        reader = _connect(config.storage_url)
        if reader is None:
            return None
        try:
            if reader._revision() == SCHEMA_HEAD and reader._holds(config):
                return reader
        except StorageError:
            pass  # no schema yet, or not a database: the other path says what to do
        reader.close()
        return None

    def close(self) -> None:
        self.connection.close()

    # -- the Store of monitor.history.reading ---------------------------------------

    def list_watches(self) -> list[Watch]:
        versions = dict(self._rows("versions_per_watch"))
        undelivered = dict(self._rows("undelivered_per_watch"))
        return [
            watch_of(row, versions.get(row.id, 0), undelivered.get(row.id, 0))
            for row in self._decoded(WATCH, self._rows("watches"))
        ]

    def get_watch(self, url: str) -> Watch:
        rows = self._decoded(WATCH, self._rows("watch", url))
        if not rows:
            raise WatchNotFound(url)
        (row,) = rows
        versions = self._rows("versions_of", row.id)[0][0]
        undelivered = self._rows("undelivered_of", row.id)[0][0]
        return watch_of(row, versions, undelivered)

    def history(self, url: str) -> list[StoredVersion]:
        rows = self._rows("history", self._watch_id(url))
        return [version_of(row) for row in self._decoded(VERSION, rows)]

    def version(self, url: str, number: int | None = None) -> StoredVersion:
        """Version ``number`` of a watch (negative counts from the end; None is the latest)."""
        watch_id = self._watch_id(url)
        if number is None or number < 0:
            rows = self._rows("version_back", watch_id, 0 if number is None else -number - 1)
        else:
            rows = self._rows("version", watch_id, number)
        if not rows:
            raise VersionNotFound(url, number if number is not None else 0)
        return version_of(self._decoded(VERSION, rows)[0])

    # -- the Searcher of monitor.history.reading --------------------------------------

    def search(self, search: Search, since: datetime | None) -> list[Found]:
        """As ``Archive.search``, through the driver."""
        from monitor.history import index
        from monitor.history.reading import found_in

        watches = self._searched(search.watch, search.tag)
        if watches == []:
            return []
        terms = search.query.terms
        candidates, numbers = search_statements(
            self.backend, bool(terms), since is not None, len(watches or ())
        )
        asked: list[Any] = []
        if terms:
            postgres = self.backend == "postgresql"
            match = index.tsquery if postgres else index.fts_match
            asked.append(match(terms, search.field))
        moment = [] if since is None else [self._bound(since)]
        rows = self._run(candidates, *asked, *moment, *(watches or ()))
        read = self._decoded((*CANDIDATE, "url"), rows)

        def versions(found: set[int]) -> dict[int, list[tuple[int, datetime]]]:
            out: dict[int, list[tuple[int, datetime]]] = defaultdict(list)
            if not found:
                return out
            which = numbers.format(watches=", ".join("?" * len(found)))
            rows = self._run(which, *found, *moment)
            for row in self._decoded(("watch_id", "number", "created_at"), rows):
                out[row.watch_id].append((row.number, row.created_at))
            return out

        return found_in(search, read, versions)

    def changes(
        self,
        which: ChangeFilter,
        since: datetime | None,
        worked_out: WorkedOut,
        describe: Describe,
    ) -> list[Change]:
        """As ``Archive.changes``, through the driver: the new versions read newest first,
        a batch at a time, as many as the filters decided in SQL leave."""
        from monitor.history.reading import TAKEN_DOWN, listed
        from monitor.history.values import Change

        watches = self._searched(which.watch, which.tag)
        if watches == []:
            return []
        decided_here = which.field or which.silent or which.kinds or which.changes
        limit = which.limit if not decided_here else None
        versions, gone = change_statements(since is not None, len(watches or ()))
        moment = [] if since is None else [self._bound(since)]
        taken_down: list[Change] = []
        asked = which.taken_down and (not which.changes or "gone" in which.changes)
        if asked and not (which.field or which.silent or which.kinds):
            limits = [] if which.limit is None else [which.limit]
            alerts = self._run(gone + " LIMIT ?" * len(limits), *moment, *(watches or ()), *limits)
            taken_down = [
                Change(row.created_at, row.url, None, "gone", None, (), TAKEN_DOWN, "")
                for row in self._decoded(("created_at", "url"), alerts)
            ]
        limits = [] if limit is None else [limit]
        parameters = [*moment, *(watches or ()), *limits]
        with self._streamed(versions + " LIMIT ?" * len(limits), parameters) as rows:
            return listed(which, rows, taken_down, worked_out, describe)

    @contextmanager
    def _streamed(self, sql: str, parameters: Sequence[Any]) -> Iterator[Iterator[Any]]:
        """The rows of ``sql``, decoded, a batch at a time (on PostgreSQL through a
        server-side cursor), so a reader that stops early never reads the rest."""
        try:
            if self.backend == "postgresql":
                cursor = self.connection.cursor(name="changes")
                cursor.itersize = 200
                cursor.execute(sql.replace("?", "%s"), parameters)
            else:
                cursor = self.connection.execute(sql, parameters)
        except _driver_errors() as error:
            raise self._failed(error) from error

        def batches() -> Iterator[Any]:
            try:
                while batch := cursor.fetchmany(200):
                    yield from self._decoded(CHANGE, batch)
            except _driver_errors() as error:
                raise self._failed(error) from error

        try:
            yield batches()
        finally:
            cursor.close()

    def _searched(self, url: str | None, tag: str | None) -> list[int] | None:
        """The watches searched (None: all of them)."""
        if url is not None:
            return [self._watch_id(url)]
        if tag is not None:
            rows = self._decoded(("id", "notify"), self._rows("tags"))
            return [row.id for row in rows if tag in (row.notify or ())]
        return None

    def _bound(self, at: datetime) -> Any:
        """A time as ``schema.UTCDateTime`` stores it: naive UTC, and on SQLite the text
        SQLAlchemy writes (compared as text)."""
        naive = at.astimezone(UTC).replace(tzinfo=None)
        return naive if self.backend == "postgresql" else naive.isoformat(" ", "microseconds")

    # -- reading -------------------------------------------------------------------

    def _watch_id(self, url: str) -> int:
        rows = self._rows("watch_id", url)
        if not rows:
            raise WatchNotFound(url)
        return int(rows[0][0])

    def _revision(self) -> str | None:
        """As ``storage._revision_in``: several rows joined with '+', so they match none."""
        revisions = sorted(row[0] for row in self._rows("revision"))
        return "+".join(revisions) if revisions else None

    def _holds(self, config: Config) -> bool:
        """Whether the config file's watches are the database's enabled config watches, as
        written: then ``Storage.sync_watches``, which every command runs first, would
        change nothing."""
        from monitor.config import target_ref
        from monitor.options import dump

        stored = {row.url: row for row in self._decoded(CONFIG_WATCH, self._rows("config_watches"))}
        wanted = {spec.url: spec for spec in config.watches}
        if any(row.enabled and url not in wanted for url, row in stored.items()):
            return False
        for url, spec in wanted.items():
            row = stored.get(url)
            if row is None or not row.enabled:
                return False
            own = {**dump(spec), "notify": [target_ref(s) for s in spec.notify]}
            if any(getattr(row, name) != value for name, value in own.items()):
                return False
            if row.options != dump(spec.options):
                return False
        return True

    def _rows(self, statement: str, *parameters: Any) -> list[Any]:
        return self._run(STATEMENTS[statement], *parameters)

    def _run(self, sql: str, *parameters: Any) -> list[Any]:
        if self.backend == "postgresql":
            sql = sql.replace("?", "%s")
        try:
            cursor = self.connection.execute(sql, parameters)
            return list(cursor.fetchall())
        except _driver_errors() as error:
            raise self._failed(error) from error

    def _failed(self, error: Exception) -> StorageError:
        return StorageError(
            f"the database {_masked(self.url)} failed: {error}; check that it is "
            "reachable and readable"
        )

    def _decoded(self, names: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[Any]:
        """Rows as objects with the columns as attributes, each value as SQLAlchemy's
        types of ``monitor.schema`` give it."""
        decoders = [self._decoder(name) for name in names]
        typed = [(i, decode) for i, decode in enumerate(decoders) if decode is not None]
        decoded = []
        for row in rows:
            values = list(row)
            for i, decode in typed:
                if values[i] is not None:
                    values[i] = decode(values[i])
            decoded.append(SimpleNamespace(**dict(zip(names, values, strict=True))))
        return decoded

    def _decoder(self, name: str) -> Callable[[Any], Any] | None:
        """How a column's values are read (None: as the driver gives them)."""
        if name in DATETIMES:
            return _utc
        if self.backend != "sqlite":
            return None  # psycopg reads JSON and booleans itself
        if name in JSON:
            return json.loads
        return bool if name in BOOLEANS else None


def _utc(value: str | datetime) -> datetime:
    """A stored time, aware: SQLite keeps SQLAlchemy's 'YYYY-MM-DD HH:MM:SS.ffffff'
    text, PostgreSQL a naive timestamp; both are UTC."""
    at = datetime.fromisoformat(value) if isinstance(value, str) else value
    return at.replace(tzinfo=UTC)


def _connect(url: str) -> Reader | None:
    """A reader of the database at ``url`` (SQLAlchemy's spelling), or None when this
    path does not open that kind of URL, or the database is not there to read."""
    import sqlite3

    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///") :]
        if not path or path.startswith(":memory:") or any(c in path for c in "?%"):
            return None
        try:
            # mode=rw: a database not there yet is the other path's to create.
            connection = sqlite3.connect(
                f"file:{quote(path)}?mode=rw", uri=True, timeout=10, isolation_level=None
            )
        except sqlite3.Error:
            return None
        return Reader(connection, "sqlite", url)
    if url.startswith("postgresql+psycopg://"):
        try:
            import psycopg
        except ImportError:
            return None
        # SQLAlchemy's URL, its driver named, is a libpq URI without the name.
        conninfo = "postgresql://" + url[len("postgresql+psycopg://") :]
        try:
            return Reader(psycopg.connect(conninfo), "postgresql", url)
        except psycopg.Error:
            return None
    return None


def _masked(url: str) -> str:
    """``url`` without its password, as SQLAlchemy shows one."""
    password = urlsplit(url).password
    return url if not password else url.replace(f":{password}@", ":***@", 1)


def _driver_errors() -> tuple[type[Exception], ...]:
    """The errors a driver raises for what it was asked (psycopg's only if it is loaded)."""
    import sqlite3
    import sys

    psycopg = sys.modules.get("psycopg")
    return (sqlite3.Error,) if psycopg is None else (sqlite3.Error, psycopg.Error)
