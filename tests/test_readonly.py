"""The reading commands' fast path: the database read through its driver alone gives
exactly what storage gives, from statements that follow the declared schema, and leaves
every case it does not read as it is to the other path."""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import JSON, Boolean, Engine, create_engine, event, text

from monitor.cli import main
from monitor.config import Config, Target, load_config
from monitor.diff import diff_articles
from monitor.edits import classify
from monitor.errors import StorageError, VersionNotFound, WatchNotFound
from monitor.history import index
from monitor.history.match import Pattern, Phrase
from monitor.history.queries import Archive
from monitor.history.reading import Reading
from monitor.history.values import ChangeFilter, Search
from monitor.models import (
    AlertDraft,
    Article,
    CheckOutcome,
    NewVersion,
    Rendered,
    WatchOptions,
    WatchSpec,
)
from monitor.readonly import (
    BOOLEANS,
    DATETIMES,
    NAMED,
    STATEMENTS,
    Reader,
    change_statements,
    search_statements,
)
from monitor.readonly import JSON as JSON_COLUMNS
from monitor.schema import Base, UTCDateTime
from monitor.storage import Storage

T0 = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)
HOUR = timedelta(hours=1)
STORY = "https://news.example/story"
GONE = "https://news.example/gone"
ODD = "HTTP://News.example:80/Odd"
"""Stored as written, as migration 0005 leaves two spellings of one page apart."""
TEXTS = (
    ("The council met on Monday.", "Ten people came."),
    ("The council met on Tuesday.", "Ten people came."),
    ("The council met on Tuesday.", "Twelve people came.", "The mayor left."),
    ("The council met on Monday.", "Ten people came."),
)


def article(paragraphs: tuple[str, ...], title: str = "Council") -> Article:
    return Article(
        title=title,
        byline="By A. Reporter",
        published="2026-03-01",
        modified="2026-03-02" if len(paragraphs) > 2 else None,
        paragraphs=paragraphs,
        canonical=STORY,
    )


def alert() -> AlertDraft:
    return AlertDraft("edit", Rendered("s", "t", "m", "h"), ("desk",))


def a_history(storage: Storage) -> None:
    """Watches of every kind the commands show: settings and targets, versions with and
    without their stored change, a revert, alerts, an error, a hint, a lease, a page
    gone, a config watch dropped from the file, a URL stored as written."""
    options = WatchOptions(selector="article", remove=(".ad", ".nav"), ignore=(r"\d+ views",))
    spec = WatchSpec(STORY, name="Story", every="15m", notify=("desk",), options=options)
    story = storage.add_watch(spec, T0)
    for n, paragraphs in enumerate(TEXTS):
        at = T0 + n * HOUR
        before = article(TEXTS[n - 1]) if n else None
        diff = diff_articles(before, article(paragraphs)) if before else None
        # The second version is stored without its change, as before revision 0002.
        keep = diff is not None and n != 1
        version = NewVersion(
            article=article(paragraphs, title="Council" if n < 2 else "Council, again"),
            raw_html=f"<p>{paragraphs}</p>".encode(),
            kind=["first", "edit", "edit", "revert"][n],
            revert_of=1 if n == 3 else None,
            declared=n == 2,
            summary=diff.summary if keep and diff else None,
            edits=classify(diff) if keep and diff else None,
        )
        outcome = CheckOutcome(
            at=at,
            outcome=version.kind,
            next_check_at=at + HOUR,
            version=version,
            alerts=(alert(),) if n else (),
            hint={"container": "article", "depth": 3} if n == 3 else None,
            set_hint=n == 3,
        )
        storage.save_check(story.id, "test", outcome)
    storage.save_check(
        story.id,
        "test",
        CheckOutcome(at=T0 + 5 * HOUR, outcome="error", next_check_at=T0 + 6 * HOUR, error="boom"),
    )
    storage.claim([STORY], "someone", T0 + 6 * HOUR, lease=timedelta(minutes=5))
    gone = storage.add_watch(WatchSpec(GONE), T0)
    first = NewVersion(article=article(TEXTS[0]), raw_html=b"<p>gone</p>", kind="first")
    storage.save_check(gone.id, "t", CheckOutcome(T0, "first", T0 + HOUR, version=first))
    taken_down = AlertDraft("gone", Rendered("s", "t", "m", "h"), ("desk",))
    outcome = CheckOutcome(T0 + HOUR, "gone", T0, status=410, state="gone", alerts=(taken_down,))
    storage.save_check(gone.id, "t", outcome)
    storage.add_watch(WatchSpec(ODD), T0)
    storage.sync_watches([WatchSpec("https://news.example/dropped")], T0)
    storage.sync_watches([], T0)


@pytest.fixture
def reader(storage: Storage) -> Iterator[Reader]:
    """A ``Reader`` of ``storage``'s database holding ``a_history``."""
    a_history(storage)
    opened = Reader.open(Config(path=None, storage_url=storage.url))
    assert opened is not None
    yield opened
    opened.close()


def fast_path(reader: Reader) -> Reading:
    """The history as the fast path reads it."""
    return Reading(reader, reader)


def orm_path(storage: Storage) -> Reading:
    """The history as the path through SQLAlchemy reads it."""
    return Reading(storage, Archive(storage))


# -- the same values as storage's ---------------------------------------------------------


def test_list_reads_the_watches_as_storage_does(storage: Storage, reader: Reader) -> None:
    """`list`: every enabled watch, by URL, with its settings, bookkeeping, versions and
    undelivered alerts, equal to storage's."""
    watches = fast_path(reader).watches()
    assert watches == orm_path(storage).watches()
    assert [w.url for w in watches] == sorted([STORY, GONE, ODD])
    story = next(w for w in watches if w.url == STORY)
    assert (story.versions, story.undelivered, story.failures) == (4, 3, 1)
    assert story.lease_until is not None and story.lease_until.tzinfo is UTC


def test_history_reads_the_versions_as_storage_does(storage: Storage, reader: Reader) -> None:
    """`history`: each watch's versions, each with its change (worked out for a version
    stored without it), equal to storage's; an unknown watch is the same error."""
    for url in (STORY, GONE, ODD):
        assert fast_path(reader).history(url) == orm_path(storage).history(url)
    versions = fast_path(reader).history(STORY)
    assert versions[1].summary is not None and versions[3].revert_of == 1
    with pytest.raises(WatchNotFound) as fast:
        fast_path(reader).history("https://news.example/none")
    with pytest.raises(WatchNotFound) as slow:
        orm_path(storage).history("https://news.example/none")
    assert str(fast.value) == str(slow.value)


@pytest.mark.parametrize("number", [None, -1, -2, -4, 1, 3, 4, 0, 5, -5])
def test_show_reads_a_version_as_storage_does(
    storage: Storage, reader: Reader, number: int | None
) -> None:
    """`show`: the version numbered, counted back, or the latest, equal to storage's; one
    not there is the same error."""
    try:
        expected: Any = orm_path(storage).show(STORY, number)
    except VersionNotFound as error:
        expected = str(error)
    try:
        found: Any = fast_path(reader).show(STORY, number)
    except VersionNotFound as error:
        found = str(error)
    assert found == expected


@pytest.mark.parametrize("pair", [(None, None), (1, 3), (2, None), (4, 1), (1, 9)])
def test_diff_reads_two_versions_as_storage_does(
    storage: Storage, reader: Reader, pair: tuple[int | None, int | None]
) -> None:
    """`diff`: the last two versions, or any two, and their diff, equal to storage's."""
    try:
        expected: Any = orm_path(storage).diff(STORY, *pair)
    except StorageError as error:
        expected = str(error)
    try:
        found: Any = fast_path(reader).diff(STORY, *pair)
    except StorageError as error:
        found = str(error)
    assert found == expected


NOW = T0 + 10 * HOUR
SEARCHES = {
    "phrase": Search(Phrase("council met on")),
    "words in no version": Search(Phrase("budget vote")),
    "regex": Search(Pattern(r"T\w+ people")),
    "regex, no word": Search(Pattern(r"\d")),
    "headline": Search(Phrase("again"), field="headline"),
    "byline": Search(Phrase("reporter"), field="byline"),
    "since a moment": Search(Phrase("council"), since=T0 + HOUR),
    "since a time ago": Search(Phrase("council"), since=timedelta(hours=8)),
    "one watch": Search(Phrase("council"), watch=GONE),
    "a watch as spelled": Search(Phrase("council"), watch="https://NEWS.example:443/story"),
    "a tag": Search(Phrase("council"), tag="desk"),
    "a tag no watch has": Search(Phrase("council"), tag="sports"),
}


@pytest.mark.parametrize("search", SEARCHES.values(), ids=SEARCHES.keys())
def test_search_finds_what_storage_finds(storage: Storage, reader: Reader, search: Search) -> None:
    """`search`: the versions found, their fields, excerpts, and where the text came and
    went in each watch, equal to storage's (the full-text index asked alike)."""
    found = fast_path(reader).search(search, NOW)
    assert found == orm_path(storage).search(search, NOW)
    if search is SEARCHES["phrase"]:
        assert [(f.url, f.version) for f in found] == [
            (GONE, 1),
            *((STORY, n) for n in range(1, 5)),
        ]


FILTERS = {
    "every change": ChangeFilter(),
    "the newest two": ChangeFilter(limit=2),
    "since a moment": ChangeFilter(since=T0 + 2 * HOUR),
    "since a time ago": ChangeFilter(since=timedelta(hours=8), limit=1),
    "headline": ChangeFilter(field="headline"),
    "body, at most one": ChangeFilter(field="body", limit=1),
    "silent": ChangeFilter(silent=True),
    "kinds": ChangeFilter(kinds=("number", "added")),
    "reverts and pages gone": ChangeFilter(changes=("revert", "gone")),
    "declared": ChangeFilter(changes=("declared",)),
    "no page gone": ChangeFilter(taken_down=False),
    "one watch": ChangeFilter(watch=GONE),
    "a tag": ChangeFilter(tag="desk", limit=3),
    "a tag no watch has": ChangeFilter(tag="sports"),
}


@pytest.mark.parametrize("which", FILTERS.values(), ids=FILTERS.keys())
def test_changes_lists_what_storage_lists(
    storage: Storage, reader: Reader, which: ChangeFilter
) -> None:
    """`changes`: the new versions and the pages taken down each filter keeps, newest
    first, with their kinds and summaries (worked out for a version stored without
    them), equal to storage's."""
    listed = fast_path(reader).changes(which, NOW)
    assert listed == orm_path(storage).changes(which, NOW)
    if which is FILTERS["every change"]:
        assert [(c.url, c.version) for c in listed] == [
            *((STORY, n) for n in (4, 3, 2)),
            (GONE, None),
        ]


def test_a_search_of_an_unknown_watch_is_refused_alike(storage: Storage, reader: Reader) -> None:
    """`search --watch` naming no watch: the same error on both paths."""
    search = Search(Phrase("council"), watch="https://news.example/none")
    with pytest.raises(WatchNotFound) as fast:
        fast_path(reader).search(search, NOW)
    with pytest.raises(WatchNotFound) as slow:
        orm_path(storage).search(search, NOW)
    assert str(fast.value) == str(slow.value)


def test_a_diff_of_a_watch_with_one_version_is_refused_alike(
    storage: Storage, reader: Reader
) -> None:
    """A watch with one version: both paths say a diff needs two, in the same words."""
    with pytest.raises(StorageError) as fast:
        fast_path(reader).diff(GONE)
    with pytest.raises(StorageError) as slow:
        orm_path(storage).diff(GONE)
    assert str(fast.value) == str(slow.value) and "a diff needs two" in str(fast.value)


@pytest.mark.parametrize(
    "command",
    [
        ["list"],
        ["list", "--json"],
        ["history", STORY],
        ["history", STORY, "--json"],
        ["show", STORY],
        ["show", STORY, "--version", "-3", "--json"],
        ["diff", STORY],
        ["diff", STORY, "1", "3", "--json"],
        ["diff", STORY, "2", "4", "--format", "html"],
        ["search", "council met"],
        ["search", "--regex", "T[a-z]+", "--field", "body", "--csv"],
        ["search", "people", "--since", "2026-03-01T14:00", "--tag", "desk", "--json"],
        ["changes"],
        ["changes", "--limit", "2", "--jsonl"],
        ["changes", "--field", "body", "--kind", "number,added", "--csv"],
        ["changes", "--since", "2026-03-01T13:30", "--silent", "--json"],
    ],
    ids=" ".join,
)
def test_each_command_prints_the_same_on_either_path(
    storage: Storage,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
) -> None:
    """Each reading command prints, byte for byte, what the path through SQLAlchemy
    prints on the same database."""
    a_history(storage)
    config = tmp_path / "monitor.toml"
    config.write_text(f'[storage]\nurl = "{storage.url}"\n', encoding="utf-8")
    _fast_path_taken(load_config(config))
    assert main(["--config", str(config), *command]) == 0
    fast = capsys.readouterr()
    monkeypatch.setattr(Reader, "open", classmethod(lambda cls, config: None))
    assert main(["--config", str(config), *command]) == 0
    assert capsys.readouterr() == fast


def watches(storage: Storage, numbers: range) -> None:
    """A watch for each of ``numbers``, each with a version and an undelivered alert."""
    for n in numbers:
        watch = storage.add_watch(WatchSpec(f"https://news.example/{n}"), T0)
        version = NewVersion(article(TEXTS[0]), b"<p>x</p>", "first")
        outcome = CheckOutcome(T0, "first", T0, version=version, alerts=(alert(),))
        storage.save_check(watch.id, "t", outcome)


@pytest.mark.parametrize("path", ["fast", "orm"])
def test_list_reads_in_the_same_statements_for_two_hundred_watches_as_for_one(
    storage: Storage,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    path: str,
) -> None:
    """`monitor list`, on either path, start-up included, runs a fixed number of SQL
    statements, never one per watch."""
    config = tmp_path / "monitor.toml"
    config.write_text(f'[storage]\nurl = "{storage.url}"\n', encoding="utf-8")
    seen: list[str] = []

    def counted(self: Reader, sql: str, *parameters: Any) -> list[Any]:
        seen.append(sql)
        return run(self, sql, *parameters)

    def count(*args: Any) -> None:
        seen.append(str(args[2]))

    run = Reader._run
    if path == "fast":
        monkeypatch.setattr(Reader, "_run", counted)
    else:
        monkeypatch.setattr(Reader, "open", classmethod(lambda cls, config: None))
        event.listen(Engine, "before_cursor_execute", count)
    try:
        counts = []
        for numbers in (range(1), range(1, 200)):
            watches(storage, numbers)
            seen.clear()
            assert main(["--config", str(config), "list"]) == 0
            counts.append(len(seen))
    finally:
        if path == "orm":
            event.remove(Engine, "before_cursor_execute", count)
    assert capsys.readouterr().out.count("1 version(s)") == 1 + 200
    assert counts[0] == counts[1] > 0, seen


# -- the schema it reads ------------------------------------------------------------------


def test_every_table_and_column_the_fast_path_names_is_declared_in_the_schema() -> None:
    """Each table and column the statements name is one of ``monitor.schema``'s (but
    Alembic's own revision table), and the columns decoded as times, JSON and booleans
    are exactly those the schema types so."""
    tables = Base.metadata.tables
    for table, columns in NAMED.items():
        if table == "alembic_version":
            continue
        assert table in tables, table
        assert set(columns) <= set(tables[table].columns.keys()), table
        for column in columns:
            kind = tables[table].columns[column].type
            assert (column in DATETIMES) == isinstance(kind, UTCDateTime), column
            assert (column in JSON_COLUMNS) == isinstance(kind, JSON), column
            assert (column in BOOLEANS) == isinstance(kind, Boolean), column


def test_every_statement_compiles_against_the_declared_schema() -> None:
    """Each statement the fast path runs is valid SQL over the tables ``monitor.schema``
    declares: a column renamed or dropped there fails here, not in a user's command."""
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with engine.connect() as connection:
        connection.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32))"))
        connection.execute(text(index.SQLITE_TABLE))
        database = connection.connection.dbapi_connection
        assert isinstance(database, sqlite3.Connection)
        searches = [
            search_statements("sqlite", terms, since, watches)
            for terms in (False, True)
            for since in (False, True)
            for watches in (0, 2)
        ]
        numbers = [found.format(watches="?, ?") for _, found in searches]
        changes = [
            statement + limit
            for since in (False, True)
            for watches in (0, 2)
            for statement in change_statements(since, watches)
            for limit in ("", " LIMIT ?")
        ]
        for statement in [*STATEMENTS.values(), *(c for c, _ in searches), *numbers, *changes]:
            parameters = (1,) * statement.count("?")
            database.execute(f"EXPLAIN {statement}", parameters)  # raises on a name unknown


# -- what it leaves to the other path -----------------------------------------------------


def test_a_database_not_there_yet_is_left_to_the_other_path(tmp_path: Path) -> None:
    """No file yet: the fast path creates nothing (the other path sets the database up)."""
    path = tmp_path / "new.db"
    assert Reader.open(Config(path=None, storage_url=f"sqlite:///{path}")) is None
    assert not path.exists()


@pytest.mark.parametrize(
    "url", ["sqlite://", "sqlite:///:memory:", "postgresql://u@h/db", "mysql://u@h/db", "nope"]
)
def test_a_url_it_does_not_read_is_left_to_the_other_path(url: str) -> None:
    """Other drivers, dialects and in-memory databases take the path through SQLAlchemy,
    which uses or refuses them as it always has."""
    assert Reader.open(Config(path=None, storage_url=url)) is None


def test_a_schema_behind_or_missing_is_left_to_the_other_path(storage: Storage) -> None:
    """A database at another revision, or without one, is the other path's to set up or
    refuse (naming the revisions and what to run)."""
    config = Config(path=None, storage_url=storage.url)
    with storage.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0002'"))
    assert Reader.open(config) is None
    with storage.engine.begin() as connection:
        connection.execute(text("DROP TABLE alembic_version"))
    assert Reader.open(config) is None


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    "problem", ["not a database", "a directory", "unreachable PostgreSQL", "unknown URL"]
)
@pytest.mark.parametrize("command", [["list"], ["history", STORY], ["search", "council"]])
def test_a_database_it_cannot_read_says_what_the_other_path_says(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    problem: str,
    command: list[str],
) -> None:
    """A file that is no database, a directory, a PostgreSQL server that does not answer
    and a URL of no database monitor reads: exit status 1, no traceback, the words of the
    path through SQLAlchemy."""
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not a database, " * 512)
    (tmp_path / "dir.db").mkdir()
    url = {
        "not a database": f"sqlite:///{garbage}",
        "a directory": f"sqlite:///{tmp_path / 'dir.db'}",
        "unreachable PostgreSQL": f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/x",
        "unknown URL": "mysql://u@127.0.0.1/x",
    }[problem]
    config = tmp_path / "monitor.toml"
    config.write_text(f'[storage]\nurl = "{url}"\n', encoding="utf-8")
    assert main(["--config", str(config), *command]) == 1
    fast = capsys.readouterr()
    monkeypatch.setattr(Reader, "open", classmethod(lambda cls, config: None))
    assert main(["--config", str(config), *command]) == 1
    assert capsys.readouterr() == fast
    assert fast.err.startswith("monitor: error: ") and "Traceback" not in fast.err


def test_config_watches_not_stored_as_written_are_left_to_the_other_path(
    storage: Storage,
) -> None:
    """The config file's watches are read through the fast path only once the database
    holds them as written: a watch new, changed, or dropped from the file is written
    first by the other path."""
    spec = WatchSpec("https://news.example/config", every="2h", notify=("desk",))
    desk = (Target("json://127.0.0.1/", ("desk",)),)
    config = Config(path=None, storage_url=storage.url, targets=desk, watches=(spec,))
    assert Reader.open(config) is None  # not stored yet
    storage.sync_watches([spec], T0)
    _fast_path_taken(config)
    for other in (WatchSpec(spec.url, every="2h"), WatchSpec(spec.url, notify=("desk",))):
        assert Reader.open(replace(config, watches=(other,))) is None
    assert Reader.open(replace(config, watches=(spec, WatchSpec(STORY)))) is None
    assert Reader.open(Config(path=None, storage_url=storage.url)) is None  # dropped


def test_the_list_shows_config_watches_the_database_did_not_hold_yet(tmp_path: Path) -> None:
    """`monitor list` with a watch in the config file and none stored shows it (the other
    path stores it), then reads it through the fast path."""
    config = tmp_path / "monitor.toml"
    config.write_text(
        f'[storage]\nurl = "sqlite:///{tmp_path}/m.db"\n[[watch]]\nurl = "{STORY}"\n',
        encoding="utf-8",
    )
    for _ in range(2):
        done = json.loads(_run(["--config", str(config), "list", "--json"]))
        assert [w["url"] for w in done] == [STORY]
    _fast_path_taken(load_config(config))


def _fast_path_taken(config: Config) -> None:
    opened = Reader.open(config)
    assert opened is not None
    opened.close()


def _run(argv: list[str]) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "monitor.cli", *argv], capture_output=True, text=True, check=True
    )
    return done.stdout
