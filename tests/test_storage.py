"""Storage against real databases: every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from fixtures.edited_pages import corpus_page
from sqlalchemy import delete, event, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from monitor import rawpages
from monitor.config import target_ref
from monitor.diff import Summary
from monitor.edits import Edit
from monitor.errors import PageUnreadable, StorageError, VersionNotFound, WatchNotFound
from monitor.leases import owner_name
from monitor.models import (
    AlertDraft,
    Article,
    CheckOutcome,
    NewVersion,
    Rendered,
    Watch,
    WatchOptions,
    WatchSpec,
)
from monitor.retention import Retention
from monitor.schema import AlertRow, Base, CheckRow, RawPageRow, VersionRow, WatchRow
from monitor.storage import SCHEMA_HEAD, Storage

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
LEASE = timedelta(minutes=5)
URL = "https://news.example/2026/03/01/story"
OTHER = "https://news.example/2026/03/01/other-story"
ONLY_POSTGRES = pytest.mark.parametrize(
    "db_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)


# -- helpers ------------------------------------------------------------------------------


def spec(url: str = URL, **settings: Any) -> WatchSpec:
    return WatchSpec(url=url, **settings)


def article(*paragraphs: str, title: str = "Council votes on the budget") -> Article:
    return Article(
        title=title,
        byline="By A. Reporter",
        published="2026-03-01",
        modified=None,
        paragraphs=paragraphs or ("The council met on Monday.",),
        canonical=URL,
    )


def alert(
    kind: str = "edit", targets: tuple[str, ...] = ("mailto://desk@news.example",)
) -> AlertDraft:
    return AlertDraft(
        kind=kind,
        rendered=Rendered(
            f"{kind}: Council votes on the budget",
            "The story changed.",
            "The story *changed*.",
            "<p>The story changed.</p>",
        ),
        targets=targets,
    )


def unchanged(at: datetime, **fields: Any) -> CheckOutcome:
    return CheckOutcome(at=at, outcome="unchanged", next_check_at=at + HOUR, status=200, **fields)


def changed(
    at: datetime,
    *paragraphs: str,
    raw: bytes = b"<html>page</html>",
    kind: str = "edit",
    alerts: tuple[AlertDraft, ...] = (),
) -> CheckOutcome:
    version = NewVersion(article=article(*paragraphs), raw_html=raw, kind=kind)
    return CheckOutcome(
        at=at,
        outcome=kind,
        next_check_at=at + HOUR,
        status=200,
        duration_ms=12.34,
        version=version,
        alerts=alerts,
    )


def failed(at: datetime, error: str = "connection refused") -> CheckOutcome:
    return CheckOutcome(at=at, outcome="error", next_check_at=at + HOUR, error=error)


def row(storage: Storage, url: str = URL) -> WatchRow:
    """The watch's row as stored, for the bookkeeping ``Watch`` does not show."""
    with Session(storage.engine) as session:
        found = session.scalar(select(WatchRow).where(WatchRow.url == url))
        assert found is not None
        return found


def count(storage: Storage, table: type[Base]) -> int:
    with Session(storage.engine) as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


def urls(watches: Any) -> list[str]:
    return [watch.url for watch in watches]


@pytest.fixture
def watch_id(storage: Storage) -> int:
    """The id of one watch on URL, added at T0 from the command line."""
    return storage.add_watch(spec(), T0).id


@pytest.fixture
def second(storage: Storage) -> Iterator[Storage]:
    """Another ``Storage`` on the same database, as a second daemon would have."""
    other = Storage(storage.url)
    try:
        yield other
    finally:
        other.close()


# -- the schema ---------------------------------------------------------------------------


def test_migrate_creates_the_schema_in_an_empty_database(db_url: str) -> None:
    """migrate() on an empty database creates every table; the new storage then works."""
    storage = Storage(db_url)
    try:
        storage.migrate()
        assert storage.list_watches() == []
        storage.add_watch(spec(), T0)
        assert urls(storage.list_watches()) == [URL]
    finally:
        storage.close()


def test_migrate_twice_keeps_data_and_stays_at_head(storage: Storage, watch_id: int) -> None:
    """Running migrate() again is harmless: the data stays and alembic_version has one head."""
    storage.migrate()
    with storage.engine.connect() as connection:
        versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    assert versions == [(SCHEMA_HEAD,)]
    assert storage.get_watch(URL).id == watch_id


def test_a_new_sqlite_database_is_private_to_its_owner(tmp_path: Path) -> None:
    """A database created outside systemd is 0600 in a new 0700 directory (with its -wal
    file), not readable by the other users of the machine."""
    path = tmp_path / "state" / "monitor" / "monitor.db"
    storage = Storage(f"sqlite:///{path}")
    try:
        storage.migrate()
        storage.add_watch(spec(), T0)
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in path.parent.iterdir()}
    finally:
        storage.close()
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert modes["monitor.db"] == 0o600
    assert set(modes.values()) == {0o600}, modes


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("postgresql+nosuchdriver://monitor:hunter2pw@127.0.0.1/test", id="driver"),
        pytest.param("nosuchdb://monitor:hunter2pw@127.0.0.1/test", id="dialect"),
        pytest.param("postgresql://monitor:hunter2pw@127.0.0.1:port/test", id="bad-port"),
    ],
)
def test_an_unusable_database_url_is_an_error_without_its_password(url: str) -> None:
    """A database URL that cannot be used raises StorageError that names the URL and what to
    write, with its password masked."""
    with pytest.raises(StorageError) as caught:
        Storage(url)
    message = str(caught.value)
    assert "hunter2pw" not in message
    assert "127.0.0.1" in message
    assert "sqlite:///PATH" in message


# -- watches ------------------------------------------------------------------------------


def test_add_watch_stores_the_spec_and_makes_it_due_now(storage: Storage) -> None:
    """A new watch keeps its name, interval, targets and options, and is due at once."""
    options = WatchOptions(selector="article", remove=(".ad", "nav"), ignore=(r"^\d+ views$",))
    wanted = spec(name="Budget story", every="15m", notify=("desk",), options=options)
    added = storage.add_watch(wanted, T0)
    assert added == storage.get_watch(URL)
    assert (added.spec, added.source, added.state) == (wanted, "cli", "active")
    assert (added.next_check_at, added.last_check_at, added.versions) == (T0, None, 0)


def test_add_watch_on_a_watched_url_updates_it(storage: Storage, watch_id: int) -> None:
    """Adding a URL again updates its settings in place: same id, still one watch."""
    updated = storage.add_watch(spec(name="Renamed", every="2h"), T0 + HOUR)
    assert updated.id == watch_id
    assert (updated.spec.name, updated.spec.every) == ("Renamed", "2h")
    assert updated.next_check_at == T0
    assert len(storage.list_watches(include_disabled=True)) == 1


def test_get_watch_of_an_unknown_url_raises_watch_not_found(storage: Storage) -> None:
    """An unknown URL is a WatchNotFound that names it."""
    with pytest.raises(WatchNotFound) as caught:
        storage.get_watch(URL)
    assert caught.value.url == URL


def test_list_watches_sorts_by_url(storage: Storage) -> None:
    """Watches are listed by URL, whatever order they were added in."""
    for url in (OTHER, URL, "https://a.example/"):
        storage.add_watch(spec(url), T0)
    assert urls(storage.list_watches()) == sorted([OTHER, URL, "https://a.example/"])


def test_listing_watches_costs_the_same_queries_for_one_watch_or_thirty(
    storage: Storage,
) -> None:
    """Each listed watch carries its version and undelivered-alert counts, read with a
    fixed number of queries however long the list (not two more per watch)."""

    def statements_listing() -> tuple[int, list[tuple[int, int]]]:
        seen: list[str] = []

        def count(*args: Any) -> None:
            seen.append(str(args[2]))

        event.listen(storage.engine, "before_cursor_execute", count)
        try:
            listed = storage.list_watches()
        finally:
            event.remove(storage.engine, "before_cursor_execute", count)
        return len(seen), [(w.versions, w.undelivered) for w in listed]

    first = storage.add_watch(spec("https://a.example/0"), T0).id
    storage.save_check(first, "d1", changed(T0, "One.", alerts=(alert(),)))
    storage.save_check(first, "d1", changed(T0 + HOUR, "Two."))
    one, counts = statements_listing()
    assert counts == [(2, 1)]
    for n in range(1, 30):
        storage.add_watch(spec(f"https://a.example/{n}"), T0)
    thirty, counts = statements_listing()
    assert thirty == one
    assert counts == [(2, 1)] + [(0, 0)] * 29


def test_remove_watch_deletes_its_whole_history(storage: Storage, watch_id: int) -> None:
    """Removing a watch deletes its versions, checks and alerts, and nobody else's."""
    other_id = storage.add_watch(spec(OTHER), T0).id
    for ident in (watch_id, other_id):
        storage.save_check(ident, "d1", changed(T0, alerts=(alert(),)))
    storage.remove_watch(URL)
    with pytest.raises(WatchNotFound):
        storage.get_watch(URL)
    assert urls(storage.list_watches(include_disabled=True)) == [OTHER]
    assert [count(storage, table) for table in (VersionRow, CheckRow, AlertRow)] == [1, 1, 1]
    assert storage.history(OTHER)[0].number == 1


def test_remove_watch_of_an_unknown_url_raises_watch_not_found(storage: Storage) -> None:
    """Removing a URL nobody watches is a WatchNotFound."""
    with pytest.raises(WatchNotFound):
        storage.remove_watch(URL)


# -- the config file ----------------------------------------------------------------------


def test_sync_creates_the_config_watches(storage: Storage) -> None:
    """Each watch of the config file is created, from 'config', due now."""
    storage.sync_watches([spec(URL, name="Story"), spec(OTHER)], T0)
    watches = storage.list_watches()
    assert urls(watches) == [OTHER, URL]
    assert {(w.source, w.next_check_at) for w in watches} == {("config", T0)}
    assert storage.get_watch(URL).spec.name == "Story"


def test_sync_updates_changed_settings(storage: Storage) -> None:
    """A watch whose settings changed in the file is updated in place."""
    storage.sync_watches([spec(name="Old", notify=("a",))], T0)
    before = storage.get_watch(URL)
    storage.sync_watches([spec(name="New", notify=("b", "c"))], T0 + HOUR)
    after = storage.get_watch(URL)
    assert after.id == before.id
    assert (after.spec.name, after.spec.notify) == ("New", ("b", "c"))


def test_sync_disables_watches_dropped_from_the_file_and_keeps_history(storage: Storage) -> None:
    """A watch dropped from the file is disabled (not listed, not due) but keeps its versions."""
    storage.sync_watches([spec(URL), spec(OTHER)], T0)
    storage.save_check(storage.get_watch(URL).id, "d1", changed(T0))
    storage.sync_watches([spec(OTHER)], T0 + HOUR)
    assert urls(storage.list_watches()) == [OTHER]
    assert urls(storage.list_watches(include_disabled=True)) == [OTHER, URL]
    assert [v.number for v in storage.history(URL)] == [1]
    assert urls(storage.claim_due("d1", T0 + 2 * HOUR, lease=LEASE, limit=10)) == [OTHER]


def test_sync_leaves_command_line_watches_alone(storage: Storage) -> None:
    """Watches added from the command line stay enabled when the file does not list them."""
    storage.add_watch(spec(OTHER, name="mine"), T0)
    storage.sync_watches([spec(URL)], T0)
    storage.sync_watches([], T0 + HOUR)
    [kept] = storage.list_watches()
    assert (kept.url, kept.source, kept.spec.name) == (OTHER, "cli", "mine")


def test_sync_re_enables_a_watch_back_in_the_file(storage: Storage) -> None:
    """A dropped watch that returns to the file is enabled again, due now, history intact."""
    storage.sync_watches([spec()], T0)
    storage.save_check(storage.get_watch(URL).id, "d1", changed(T0))
    storage.sync_watches([], T0 + HOUR)
    storage.sync_watches([spec()], T0 + 3 * HOUR)
    back = storage.get_watch(URL)
    assert urls(storage.list_watches()) == [URL]
    assert (back.next_check_at, back.versions) == (T0 + 3 * HOUR, 1)


# -- the schedule -------------------------------------------------------------------------


def test_claim_due_takes_only_due_enabled_unleased_watches(storage: Storage) -> None:
    """Only watches that are due, enabled and not leased are claimed."""
    storage.sync_watches([spec("https://x.example/due"), spec("https://x.example/dropped")], T0)
    storage.sync_watches([spec("https://x.example/due")], T0)
    storage.add_watch(spec("https://x.example/later"), T0 + HOUR)
    storage.add_watch(spec("https://x.example/leased"), T0)
    storage.claim(["https://x.example/leased"], "d2", T0, lease=LEASE)
    claimed = storage.claim_due("d1", T0, lease=LEASE, limit=10)
    assert urls(claimed) == ["https://x.example/due"]


def test_claim_due_respects_the_limit_earliest_due_first(storage: Storage) -> None:
    """At most ``limit`` watches are claimed, the longest overdue first."""
    for minutes in (30, 10, 20, 40):
        storage.add_watch(spec(f"https://x.example/{minutes}"), T0 + timedelta(minutes=minutes))
    claimed = storage.claim_due("d1", T0 + HOUR, lease=LEASE, limit=2)
    assert sorted(urls(claimed)) == ["https://x.example/10", "https://x.example/20"]
    rest = storage.claim_due("d1", T0 + HOUR, lease=LEASE, limit=10)
    assert sorted(urls(rest)) == ["https://x.example/30", "https://x.example/40"]


def test_a_leased_watch_is_skipped_until_its_lease_ends(
    storage: Storage, second: Storage, watch_id: int
) -> None:
    """Another owner cannot claim a leased watch until the lease has run out."""
    assert urls(storage.claim_due("d1", T0, lease=LEASE, limit=10)) == [URL]
    assert storage.claim_due("d1", T0, lease=LEASE, limit=10) == []
    assert second.claim_due("d2", T0 + LEASE - timedelta(seconds=1), lease=LEASE, limit=10) == []
    assert second.claim_due("d2", T0 + LEASE, lease=LEASE, limit=10) == []
    later = T0 + LEASE + timedelta(seconds=1)
    assert urls(second.claim_due("d2", later, lease=LEASE, limit=10)) == [URL]
    stored = row(storage)
    assert (stored.lease_owner, stored.lease_until) == ("d2", later + LEASE)


def test_claim_due_goes_by_the_given_now_not_the_wall_clock(storage: Storage) -> None:
    """Due-ness is judged against the ``now`` passed in, never the real time."""
    past, future = datetime(2001, 1, 1, tzinfo=UTC), datetime(2999, 1, 1, tzinfo=UTC)
    storage.add_watch(spec("https://x.example/2001"), past)
    storage.add_watch(spec("https://x.example/2999"), future)
    assert storage.claim_due("d1", past - HOUR, lease=LEASE, limit=10) == []
    assert urls(storage.claim_due("d1", past, lease=LEASE, limit=10)) == ["https://x.example/2001"]
    assert urls(storage.claim_due("d2", future, lease=LEASE, limit=1)) == ["https://x.example/2001"]
    assert urls(storage.claim_due("d2", future, lease=LEASE, limit=1)) == ["https://x.example/2999"]


def test_claim_takes_the_named_watches_due_or_not(storage: Storage) -> None:
    """claim() leases the watches named, even if not due, but not one another owner holds."""
    storage.add_watch(spec(URL), T0 + 10 * HOUR)
    storage.add_watch(spec(OTHER), T0)
    assert urls(storage.claim_due("daemon", T0, lease=LEASE, limit=10)) == [OTHER]
    claimed = storage.claim([URL, OTHER], "cli", T0, lease=LEASE)
    assert urls(claimed) == [URL]
    assert row(storage, URL).lease_owner == "cli"
    assert urls(storage.claim([OTHER], "daemon", T0 + HOUR, lease=LEASE)) == [OTHER]


def test_claim_of_none_takes_every_enabled_watch_no_other_process_holds(
    storage: Storage,
) -> None:
    """claim(None), `monitor check --all`: every enabled watch, due or not, but not a
    disabled one nor one another owner holds."""
    for url in (URL, OTHER, "https://a.example/later", "https://a.example/held"):
        storage.add_watch(spec(url), T0 + 10 * HOUR if url.endswith("later") else T0)
    storage.claim(["https://a.example/held"], "daemon", T0, lease=LEASE)
    storage.sync_watches([spec("https://a.example/config")], T0)
    storage.sync_watches([], T0)  # the config watch dropped from the file: disabled
    claimed = storage.claim(None, "cli", T0, lease=LEASE)
    assert sorted(urls(claimed)) == sorted([URL, OTHER, "https://a.example/later"])


def test_leased_to_others_says_until_when_another_process_holds_each_watch(
    storage: Storage,
) -> None:
    """leased_to_others() maps each watch the caller does not hold to the end of the lease
    another holds (None when nobody does), by URL; None asks about every enabled watch."""
    for url in (URL, OTHER, "https://a.example/mine"):
        storage.add_watch(spec(url), T0)
    storage.claim([OTHER], "daemon", T0, lease=LEASE)
    storage.claim(["https://a.example/mine"], "cli", T0, lease=LEASE)
    assert storage.leased_to_others(None, "cli") == {OTHER: T0 + LEASE, URL: None}
    assert storage.leased_to_others([OTHER], "cli") == {OTHER: T0 + LEASE}
    assert storage.leased_to_others(["https://a.example/mine"], "cli") == {}


def test_claiming_every_watch_costs_the_same_queries_for_one_or_two_hundred(
    storage: Storage,
) -> None:
    """`monitor check --all` claims every watch, and reads which ones another process
    holds, in a fixed number of statements: none per watch before the first fetch."""

    def statements_claiming(owner: str) -> tuple[int, int]:
        seen: list[str] = []

        def count(*args: Any) -> None:
            seen.append(str(args[2]))

        event.listen(storage.engine, "before_cursor_execute", count)
        try:
            claimed = storage.claim(None, owner, T0, lease=LEASE)
            storage.leased_to_others(None, owner)
        finally:
            event.remove(storage.engine, "before_cursor_execute", count)
        return len(seen), len(claimed)

    storage.add_watch(spec("https://a.example/0"), T0)
    one = statements_claiming("cli-1")
    for n in range(1, 200):
        storage.add_watch(spec(f"https://a.example/{n}"), T0)
    many = statements_claiming("cli-2")  # cli-1 still holds the first: 199 to take
    assert (one[1], many[1]) == (1, 199)
    assert many[0] == one[0]


def test_claim_of_an_unknown_url_raises_watch_not_found(storage: Storage, watch_id: int) -> None:
    """claim() names the first unknown URL, and leases nothing."""
    with pytest.raises(WatchNotFound) as caught:
        storage.claim([URL, OTHER], "cli", T0, lease=LEASE)
    assert caught.value.url == OTHER
    assert row(storage).lease_owner is None


def test_release_by_url_ends_only_the_owners_lease(storage: Storage, watch_id: int) -> None:
    """release_by_url frees the watch for its owner, and is a no-op for anyone else."""
    storage.claim_due("d1", T0, lease=LEASE, limit=10)
    storage.release_by_url(URL, "d2")
    assert row(storage).lease_owner == "d1"
    storage.release_by_url(URL, "d1")
    assert urls(storage.claim_due("d2", T0, lease=LEASE, limit=10)) == [URL]


@pytest.fixture
def dead_pid() -> int:
    """The pid of a process of this host that has ended (and been reaped)."""
    process = subprocess.Popen([sys.executable, "-c", ""])
    process.wait(timeout=60)
    return process.pid


def test_a_lease_whose_owner_died_on_this_host_is_free_at_once(
    storage: Storage, watch_id: int, dead_pid: int
) -> None:
    """A crashed process's lease (its host and pid in the owner's name) is taken by the next
    claim, by a daemon as by `monitor check`, long before it runs out."""
    dead = owner_name(storage.host, dead_pid)
    assert urls(storage.claim([URL], dead, T0, lease=LEASE)) == [URL]
    assert urls(storage.claim_due("d2", T0 + timedelta(seconds=1), lease=LEASE, limit=10)) == [URL]
    storage.release_by_url(URL, "d2")
    storage.claim([URL], dead, T0, lease=LEASE)
    assert urls(storage.claim([URL], "cli", T0 + timedelta(seconds=1), lease=LEASE)) == [URL]


def test_a_lease_of_a_live_process_or_of_another_host_is_kept(
    storage: Storage, second: Storage, dead_pid: int
) -> None:
    """A live owner's lease, and one of another host (whose pids say nothing here), hold
    until they run out."""
    storage.add_watch(spec(URL), T0)
    storage.add_watch(spec(OTHER), T0)
    storage.claim([URL], owner_name(storage.host, os.getpid()), T0, lease=LEASE)
    storage.claim([OTHER], owner_name(f"elsewhere-{storage.host}", dead_pid), T0, lease=LEASE)
    assert second.claim_due("d2", T0 + LEASE - timedelta(seconds=1), lease=LEASE, limit=10) == []
    assert second.claim([URL, OTHER], "cli", T0, lease=LEASE) == []


def test_renew_extends_only_the_owners_own_leases(storage: Storage) -> None:
    """The heartbeat moves the end of the leases its owner holds, and no one else's."""
    storage.add_watch(spec(URL), T0)
    storage.add_watch(spec(OTHER), T0)
    storage.claim([URL], "d1", T0, lease=LEASE)
    storage.claim([OTHER], "d2", T0, lease=LEASE)
    later = T0 + LEASE - timedelta(seconds=1)
    assert storage.renew([URL, OTHER], "d1", later, lease=LEASE) == 1
    assert row(storage, URL).lease_until == later + LEASE
    assert row(storage, OTHER).lease_until == T0 + LEASE
    after = T0 + LEASE + timedelta(seconds=1)
    assert urls(storage.claim_due("d3", after, lease=LEASE, limit=10)) == [OTHER]


@contextmanager
def rival_at_lease_write(
    storage: Storage, rival: Callable[[], list[Watch]]
) -> Iterator[list[list[Watch] | BaseException]]:
    """Run ``rival`` in a thread just as ``storage`` is about to write a lease.

    The rival gets half a second: one that correctly waits for this claim's transaction
    is still waiting then; one that does not has already claimed what it found.
    """
    results: list[list[Watch] | BaseException] = []
    threads: list[threading.Thread] = []

    def run() -> None:
        try:
            results.append(rival())
        except BaseException as error:
            results.append(error)

    def start_rival(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not threads and statement.startswith("UPDATE watch SET lease_owner"):
            threads.append(threading.Thread(target=run))
            threads[0].start()
            threads[0].join(timeout=0.5)

    event.listen(storage.engine, "before_cursor_execute", start_rival)
    try:
        yield results
    finally:
        event.remove(storage.engine, "before_cursor_execute", start_rival)
        for thread in threads:
            thread.join(timeout=20)


def one_winner(
    storage: Storage,
    mine: list[Watch],
    rival: list[list[Watch] | BaseException],
    names: tuple[str, str],
) -> None:
    """Exactly one of two racing claimers holds the watch, and the row says which."""
    (theirs,) = rival
    assert isinstance(theirs, list), theirs
    assert sorted([urls(mine), urls(theirs)]) == [[], [URL]]
    assert row(storage).lease_owner == (names[0] if mine else names[1])


def test_two_daemons_racing_for_a_watch_never_both_get_it(
    storage: Storage, second: Storage, watch_id: int
) -> None:
    """A daemon claiming while another daemon's claim is in flight: one of them wins, not both."""

    def other_daemon() -> list[Watch]:
        return second.claim_due("d2", T0, lease=LEASE, limit=10)

    with rival_at_lease_write(storage, other_daemon) as rival:
        mine = storage.claim_due("d1", T0, lease=LEASE, limit=10)
    one_winner(storage, mine, rival, ("d1", "d2"))


def test_monitor_check_and_a_daemon_never_both_take_a_watch(
    storage: Storage, second: Storage, watch_id: int
) -> None:
    """claim() (for `monitor check`) racing a daemon's claim: one of them wins, not both."""

    def monitor_check() -> list[Watch]:
        return second.claim([URL], "cli", T0, lease=LEASE)

    with rival_at_lease_write(storage, monitor_check) as rival:
        mine = storage.claim_due("daemon", T0, lease=LEASE, limit=10)
    one_winner(storage, mine, rival, ("daemon", "cli"))


@ONLY_POSTGRES
def test_two_daemons_claiming_at_once_never_share_a_watch(
    storage: Storage, second: Storage
) -> None:
    """Two daemons on one PostgreSQL database, claiming together, split the watches."""
    total = 300
    storage.sync_watches([spec(f"https://x.example/{n}") for n in range(total)], T0)
    start = threading.Barrier(2, timeout=10)
    claimed: dict[str, list[str]] = {"d1": [], "d2": []}
    errors: list[BaseException] = []

    def daemon(store: Storage, owner: str) -> None:
        try:
            start.wait()
            while batch := store.claim_due(owner, T0, lease=LEASE, limit=7):
                claimed[owner].extend(urls(batch))
        except BaseException as error:
            errors.append(error)

    threads = [
        threading.Thread(target=daemon, args=(store, owner))
        for store, owner in ((storage, "d1"), (second, "d2"))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert not set(claimed["d1"]) & set(claimed["d2"])
    assert len(claimed["d1"]) + len(claimed["d2"]) == total
    assert claimed["d1"] and claimed["d2"], "both daemons should have had a share"


# -- saving a check -----------------------------------------------------------------------


def test_save_check_writes_the_check_the_version_and_its_alerts(
    storage: Storage, watch_id: int
) -> None:
    """One save stores the check log row, the new version and the alert that reports it."""
    number = storage.save_check(watch_id, "d1", changed(T0, "First.", alerts=(alert(),)))
    assert number == 1
    [record] = storage.checks(URL)
    assert (record.at, record.status, record.outcome, record.version) == (T0, 200, "edit", 1)
    assert record.duration_ms == pytest.approx(12.3)
    version = storage.version(URL, 1)
    assert (version.number, version.created_at, version.article) == (1, T0, article("First."))
    assert storage.alerts(URL) == [(1, "edit", "pending", 0, None)]


def test_versions_are_numbered_one_two_three(storage: Storage, watch_id: int) -> None:
    """Each stored version gets the next number; checks without a version get none."""
    numbers = [
        storage.save_check(watch_id, "d1", changed(T0, "One.")),
        storage.save_check(watch_id, "d1", unchanged(T0 + HOUR)),
        storage.save_check(watch_id, "d1", changed(T0 + 2 * HOUR, "Two.")),
        storage.save_check(watch_id, "d1", changed(T0 + 3 * HOUR, "Three.")),
    ]
    assert numbers == [1, None, 2, 3]
    assert [v.number for v in storage.history(URL)] == [1, 2, 3]
    assert storage.get_watch(URL).versions == 3


def test_raw_html_round_trips_byte_for_byte(storage: Storage, watch_id: int) -> None:
    """The fetched page comes back exactly, whatever its bytes and size."""
    raw = (
        b"<html><meta charset=latin-1><p>caf\xe9 \x00\xff</p>"
        + "“Ünïcode” ✓".encode()
        + bytes(range(256)) * 400
    )
    storage.save_check(watch_id, "d1", changed(T0, raw=raw))
    assert storage.raw_html(URL) == raw
    assert storage.raw_html(URL, 1) == raw
    assert storage.version(URL).raw_size == len(raw)


def test_the_content_hash_is_stored(storage: Storage, watch_id: int) -> None:
    """A version carries its article's content hash."""
    storage.save_check(watch_id, "d1", changed(T0, "Body."))
    assert storage.version(URL).content_hash == article("Body.").content_hash()


def test_save_check_is_all_or_nothing(storage: Storage, watch_id: int) -> None:
    """When the alert cannot be inserted, neither the version nor the check row is kept."""
    _reject_alerts_of_kind(storage, "poison")
    storage.claim_due("d1", T0, lease=LEASE, limit=10)
    with pytest.raises(StorageError):
        storage.save_check(watch_id, "d1", changed(T0, alerts=(alert(), alert("poison"))))
    assert [count(storage, table) for table in (VersionRow, CheckRow, AlertRow)] == [0, 0, 0]
    stored = row(storage)
    assert (stored.last_check_at, stored.last_change_at, stored.lease_owner) == (None, None, "d1")
    assert storage.save_check(watch_id, "d1", changed(T0, alerts=(alert(),))) == 1


def _reject_alerts_of_kind(storage: Storage, kind: str) -> None:
    """Make the database itself refuse alerts of ``kind``, as a constraint would."""
    if storage.engine.dialect.name == "sqlite":
        statements = [
            f"CREATE TRIGGER reject_alert BEFORE INSERT ON alert WHEN NEW.kind = '{kind}' "
            "BEGIN SELECT RAISE(ABORT, 'alert rejected'); END"
        ]
    else:
        statements = [
            "CREATE FUNCTION reject_alert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF NEW.kind = '{kind}' THEN RAISE EXCEPTION 'alert rejected' "
            "USING ERRCODE = 'check_violation'; END IF; RETURN NEW; END $$",
            "CREATE TRIGGER reject_alert BEFORE INSERT ON alert "
            "FOR EACH ROW EXECUTE FUNCTION reject_alert()",
        ]
    with storage.engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))


# Only PostgreSQL lets two writers interleave like this; SQLite should serialise them.
@ONLY_POSTGRES
def test_a_version_saved_concurrently_makes_the_other_save_fail_cleanly(
    storage: Storage, second: Storage, watch_id: int
) -> None:
    """If another daemon stores the same version number first, this save writes nothing."""
    storage.save_check(watch_id, "d1", changed(T0, "One."))
    raced = False

    def other_daemon_first(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        nonlocal raced
        if statement.startswith("INSERT INTO version ") and not raced:
            raced = True  # between reading the last number and inserting the next one
            second.save_check(watch_id, "d2", changed(T0 + HOUR, "Theirs.", alerts=(alert(),)))

    event.listen(storage.engine, "before_cursor_execute", other_daemon_first)
    try:
        with pytest.raises(StorageError, match="at the same time"):
            storage.save_check(watch_id, "d1", changed(T0 + HOUR, "Ours.", alerts=(alert(),)))
    finally:
        event.remove(storage.engine, "before_cursor_execute", other_daemon_first)
    assert raced
    assert [v.article.paragraphs for v in storage.history(URL)] == [("One.",), ("Theirs.",)]
    assert [c.version for c in storage.checks(URL)] == [2, 1]
    assert storage.alerts(URL) == [(2, "edit", "pending", 0, None)]


def test_save_check_for_a_removed_watch_stores_nothing(storage: Storage, watch_id: int) -> None:
    """A watch removed while it was being checked gets no rows and no error, whether the
    check found a version or nothing new (a 304: no log row for a watch that is gone)."""
    storage.remove_watch(URL)
    assert storage.save_check(watch_id, "d1", changed(T0, alerts=(alert(),))) is None
    assert storage.save_check(watch_id, "d1", unchanged(T0)) is None
    assert [count(storage, table) for table in (VersionRow, CheckRow, AlertRow)] == [0, 0, 0]


# -- bookkeeping --------------------------------------------------------------------------


def test_a_check_updates_the_schedule_and_releases_the_lease(
    storage: Storage, watch_id: int
) -> None:
    """After a check the watch records when it ran, when it is due next, and is unleased."""
    storage.claim_due("d1", T0, lease=LEASE, limit=10)
    storage.save_check(watch_id, "d1", unchanged(T0 + timedelta(seconds=3)))
    watch = storage.get_watch(URL)
    assert (watch.last_check_at, watch.next_check_at) == (
        T0 + timedelta(seconds=3),
        T0 + timedelta(seconds=3) + HOUR,
    )
    assert watch.last_change_at is None
    assert (row(storage).lease_owner, row(storage).lease_until) == (None, None)


def test_a_check_by_another_owner_keeps_the_current_lease(storage: Storage, watch_id: int) -> None:
    """Saving a check does not end a lease some other owner holds."""
    storage.claim_due("d1", T0, lease=LEASE, limit=10)
    storage.save_check(watch_id, "d2", unchanged(T0))
    assert row(storage).lease_owner == "d1"


def test_a_new_version_sets_last_change_at(storage: Storage, watch_id: int) -> None:
    """last_change_at is the time of the last check that stored a version."""
    storage.save_check(watch_id, "d1", changed(T0))
    storage.save_check(watch_id, "d1", unchanged(T0 + HOUR))
    watch = storage.get_watch(URL)
    assert (watch.last_change_at, watch.last_check_at) == (T0, T0 + HOUR)


def test_errors_are_counted_until_a_check_succeeds(storage: Storage, watch_id: int) -> None:
    """An error keeps its text and bumps the count; the next good check clears both."""
    storage.save_check(watch_id, "d1", failed(T0, "timed out"))
    storage.save_check(watch_id, "d1", failed(T0 + HOUR, "connection refused"))
    stored = row(storage)
    assert (stored.last_error, stored.error_count) == ("connection refused", 2)
    assert storage.get_watch(URL).last_error == "connection refused"
    assert storage.checks(URL, limit=1)[0].error == "connection refused"
    storage.save_check(watch_id, "d1", unchanged(T0 + 2 * HOUR))
    stored = row(storage)
    assert (stored.last_error, stored.error_count) == (None, 0)


def test_validators_are_kept_until_a_full_response_replaces_them(
    storage: Storage, watch_id: int
) -> None:
    """ETag and Last-Modified survive errors; a 200 replaces them, even with none."""
    stamp = "Sun, 01 Mar 2026 12:00:00 GMT"
    storage.save_check(watch_id, "d1", unchanged(T0, etag='"v1"', last_modified=stamp))
    storage.save_check(watch_id, "d1", failed(T0 + HOUR))
    watch = storage.get_watch(URL)
    assert (watch.etag, watch.last_modified) == ('"v1"', stamp)
    storage.save_check(watch_id, "d1", unchanged(T0 + 2 * HOUR))
    watch = storage.get_watch(URL)
    assert (watch.etag, watch.last_modified) == (None, None)


def test_an_over_long_validator_never_stops_a_check_being_saved(
    storage: Storage, watch_id: int
) -> None:
    """A server's very long ETag or Last-Modified is kept whole and does not lose the check."""
    etag, stamp = '"' + "e" * 600 + '"', "x" * 150
    storage.save_check(watch_id, "d1", unchanged(T0, etag=etag))
    storage.save_check(watch_id, "d1", unchanged(T0 + HOUR, last_modified=stamp))
    assert [c.outcome for c in storage.checks(URL)] == ["unchanged", "unchanged"]
    watch = storage.get_watch(URL)
    assert watch.last_check_at == T0 + HOUR
    assert watch.etag in (etag, None)  # never a truncated ETag: it would match nothing
    assert watch.last_modified in (stamp, None)


def test_a_check_can_set_the_lifecycle_state(storage: Storage, watch_id: int) -> None:
    """An outcome's lifecycle state is kept on the watch; a later None leaves it."""
    storage.save_check(watch_id, "d1", unchanged(T0, state="gone"))
    storage.save_check(watch_id, "d1", unchanged(T0 + HOUR))
    assert storage.get_watch(URL).state == "gone"


def test_the_extraction_hint_changes_only_when_the_check_sets_it(
    storage: Storage, watch_id: int
) -> None:
    """A hint is stored when set_hint says so, kept otherwise, and cleared by setting None."""
    hint = {"path": [["article", "main", 0]], "lines": ["abc"]}
    storage.save_check(watch_id, "d1", unchanged(T0, hint=hint, set_hint=True))
    storage.save_check(watch_id, "d1", unchanged(T0 + HOUR, hint={"ignored": True}))
    assert storage.get_watch(URL).hint == hint
    storage.save_check(watch_id, "d1", unchanged(T0 + 2 * HOUR, hint=None, set_hint=True))
    assert storage.get_watch(URL).hint is None


def test_a_cleared_hint_is_stored_as_no_hint_at_all(storage: Storage, watch_id: int) -> None:
    """A hint cleared by a check is SQL NULL, as on a watch never read, not JSON's null."""
    storage.save_check(watch_id, "d1", unchanged(T0, hint={"lines": ["abc"]}, set_hint=True))
    storage.save_check(watch_id, "d1", unchanged(T0 + HOUR, hint=None, set_hint=True))
    with Session(storage.engine) as session:
        cleared = session.scalar(select(func.count()).where(WatchRow.hint.is_(None)))
    assert cleared == 1


# -- reading versions back ----------------------------------------------------------------


@pytest.fixture
def three_versions(storage: Storage, watch_id: int) -> None:
    """Versions 1, 2, 3 of URL, an hour apart; 3 has the same text as 1."""
    storage.save_check(watch_id, "d1", changed(T0, "A.", kind="first"))
    storage.save_check(watch_id, "d1", changed(T0 + HOUR, "B."))
    storage.save_check(watch_id, "d1", changed(T0 + 2 * HOUR, "A.", kind="revert"))


@pytest.mark.usefixtures("three_versions")
def test_history_lists_versions_oldest_first(storage: Storage) -> None:
    """history() returns every version in order, with its time and article."""
    history = storage.history(URL)
    assert [(v.number, v.created_at) for v in history] == [
        (1, T0),
        (2, T0 + HOUR),
        (3, T0 + 2 * HOUR),
    ]
    assert [v.article.paragraphs for v in history] == [("A.",), ("B.",), ("A.",)]


@pytest.mark.usefixtures("three_versions")
def test_version_by_number_and_from_the_end(storage: Storage) -> None:
    """version(n) is number n; None and -1 are the latest, -2 the one before."""
    assert storage.version(URL, 2).number == 2
    assert storage.version(URL).number == 3
    assert storage.version(URL, -1).number == 3
    assert storage.version(URL, -2).number == 2
    assert storage.version(URL, -3).number == 1


@pytest.mark.usefixtures("three_versions")
@pytest.mark.parametrize("number", [0, 4, -4])
def test_a_missing_version_raises_version_not_found(storage: Storage, number: int) -> None:
    """Asking for a version that does not exist is a VersionNotFound naming it."""
    with pytest.raises(VersionNotFound) as caught:
        storage.version(URL, number)
    assert (caught.value.url, caught.value.number) == (URL, number)
    with pytest.raises(VersionNotFound):
        storage.raw_html(URL, number)


def test_a_watch_without_versions_has_no_latest(storage: Storage, watch_id: int) -> None:
    """A watch never saved has an empty history and no latest version."""
    assert storage.history(URL) == []
    assert storage.latest_version(watch_id) is None
    with pytest.raises(VersionNotFound):
        storage.version(URL)


def test_reading_versions_of_an_unknown_url_raises_watch_not_found(storage: Storage) -> None:
    """history, version and checks of a URL nobody watches are WatchNotFound."""
    for read in (storage.history, storage.version, storage.checks, storage.alerts):
        with pytest.raises(WatchNotFound):
            read(URL)


@pytest.mark.usefixtures("three_versions")
def test_latest_version_is_the_highest_number(storage: Storage, watch_id: int) -> None:
    """latest_version() is the newest version, as the pipeline compares against it."""
    latest = storage.latest_version(watch_id)
    assert latest is not None
    assert (latest.number, latest.article.paragraphs) == (3, ("A.",))


@pytest.mark.usefixtures("three_versions")
def test_version_numbers_by_hash_give_the_first_version_of_each_text(
    storage: Storage, watch_id: int
) -> None:
    """Each content hash maps to the first version that had it, to recognise a revert."""
    assert storage.version_numbers_by_hash(watch_id) == {
        article("A.").content_hash(): 1,
        article("B.").content_hash(): 2,
    }


def test_a_version_keeps_the_size_and_kinds_of_its_change(storage: Storage, watch_id: int) -> None:
    """A version's summary and edits, unicode and all, read back as they were saved."""
    edits = (
        Edit("number", "12", "15", "death toll 12 → 15"),
        Edit("quote", "nous restons", "nous partons", "quote “restons” → “partons”"),
    )
    summary = Summary(words_added=1, words_removed=1, paragraphs_changed=2)
    first = changed(T0, "A.", kind="first")
    second = changed(T0 + HOUR, "B.")
    assert second.version is not None
    second = replace(second, version=replace(second.version, summary=summary, edits=edits))
    storage.save_check(watch_id, "d1", first)
    storage.save_check(watch_id, "d1", second)
    stored = storage.history(URL)
    assert [(v.summary, v.edits) for v in stored] == [(None, None), (summary, edits)]
    assert storage.version(URL).edits == edits


def test_the_check_log_is_newest_first_and_limited(storage: Storage, watch_id: int) -> None:
    """checks() lists the latest checks first, at most ``limit`` of them."""
    storage.save_check(watch_id, "d1", changed(T0))
    storage.save_check(watch_id, "d1", failed(T0 + HOUR, "boom"))
    storage.save_check(watch_id, "d1", unchanged(T0 + 2 * HOUR))
    log = storage.checks(URL)
    assert [(c.at, c.outcome, c.error, c.version) for c in log] == [
        (T0 + 2 * HOUR, "unchanged", None, None),
        (T0 + HOUR, "error", "boom", None),
        (T0, "edit", None, 1),
    ]
    assert [c.at for c in storage.checks(URL, limit=2)] == [T0 + 2 * HOUR, T0 + HOUR]


# -- the alert outbox ---------------------------------------------------------------------

HOLD = timedelta(minutes=2)


@pytest.fixture
def two_alerts(storage: Storage, watch_id: int) -> list[int]:
    """Two pending alerts on URL (versions 1 and 2); returns their ids, oldest first."""
    storage.save_check(watch_id, "d1", changed(T0, "A.", alerts=(alert("first"),)))
    targets = ("mailto://a@x.example", "slack://T/B/C")
    storage.save_check(watch_id, "d1", changed(T0 + HOUR, "B.", alerts=(alert(targets=targets),)))
    with Session(storage.engine) as session:
        return list(session.scalars(select(AlertRow.id).order_by(AlertRow.id)))


def test_claim_alerts_takes_pending_alerts_oldest_first(
    storage: Storage, two_alerts: list[int]
) -> None:
    """Pending alerts come with their watch's URL, message and targets, in creation order."""
    first, second = storage.claim_alerts("d1", T0 + HOUR, hold=HOLD)
    assert [first.id, second.id] == two_alerts
    assert (first.watch_url, first.kind, first.attempts) == (URL, "first", 0)
    assert second.targets == ("mailto://a@x.example", "slack://T/B/C")
    assert second.rendered == alert().rendered


def test_claimed_alerts_are_held_from_a_second_claim(
    storage: Storage, second: Storage, two_alerts: list[int]
) -> None:
    """A claimed alert is not handed out again until its hold runs out."""
    assert len(storage.claim_alerts("d1", T0, hold=HOLD)) == 2
    assert second.claim_alerts("d2", T0 + HOLD - timedelta(seconds=1), hold=HOLD) == []
    assert [a.id for a in second.claim_alerts("d2", T0 + HOLD, hold=HOLD)] == two_alerts


def test_an_alert_in_the_outbox_columns_is_claimed_as_one_rendering(
    storage: Storage, watch_id: int
) -> None:
    """An alert written column by column, as monitors before the one ``Rendered`` value
    wrote their outbox, is claimed with its subject, text, Markdown and HTML."""
    with storage.engine.begin() as connection:
        connection.execute(
            AlertRow.__table__.insert().values(
                watch_id=watch_id,
                created_at=T0,
                kind="edit",
                subject="s",
                text="t",
                markdown="m",
                html="h",
                targets=["x"],
                state="pending",
                attempts=0,
            )
        )
    (claimed,) = storage.claim_alerts("d1", T0, hold=HOLD)
    assert (claimed.rendered, claimed.targets) == (Rendered("s", "t", "m", "h"), ("x",))


def test_claim_alerts_respects_the_limit(storage: Storage, two_alerts: list[int]) -> None:
    """At most ``limit`` alerts are claimed; the rest stay for the next claim."""
    assert [a.id for a in storage.claim_alerts("d1", T0, hold=HOLD, limit=1)] == two_alerts[:1]
    assert [a.id for a in storage.claim_alerts("d1", T0, hold=HOLD, limit=1)] == two_alerts[1:]


def test_claim_alerts_after_an_id_takes_only_newer_alerts(
    storage: Storage, two_alerts: list[int]
) -> None:
    """``after`` skips the alerts up to that id, so a pass can move on batch by batch."""
    assert [a.id for a in storage.claim_alerts("d1", T0, hold=HOLD, after=two_alerts[0])] == (
        two_alerts[1:]
    )
    assert storage.claim_alerts("d1", T0 + HOUR, hold=HOLD, after=two_alerts[1]) == []


def test_a_sent_alert_is_not_claimed_again(storage: Storage, two_alerts: list[int]) -> None:
    """An alert every target took is marked sent and leaves the outbox."""
    storage.mark_alert(two_alerts[0], T0, failed_targets=[], error=None, retry_at=None)
    assert [a.id for a in storage.claim_alerts("d1", T0 + HOUR, hold=HOLD)] == two_alerts[1:]
    assert storage.alerts(URL)[0] == (1, "first", "sent", 1, None)
    with Session(storage.engine) as session:
        assert session.get(AlertRow, two_alerts[0]).delivered_at == T0  # type: ignore[union-attr]


def test_failed_targets_are_retried_at_retry_at(storage: Storage, two_alerts: list[int]) -> None:
    """Only the targets that failed are kept, and the alert waits until retry_at."""
    retry_at = T0 + 10 * HOUR
    storage.mark_alert(
        two_alerts[1], T0, failed_targets=["slack://T/B/C"], error="slack: 500", retry_at=retry_at
    )
    assert [
        a.id for a in storage.claim_alerts("d1", retry_at - timedelta(seconds=1), hold=HOLD)
    ] == [two_alerts[0]]
    [retried] = storage.claim_alerts("d1", retry_at, hold=HOLD)
    assert (retried.id, retried.targets, retried.attempts) == (
        two_alerts[1],
        ("slack://T/B/C",),
        1,
    )
    assert storage.alerts(URL)[1] == (2, "edit", "pending", 1, "slack: 500")


def test_an_alert_given_up_on_is_failed(storage: Storage, two_alerts: list[int]) -> None:
    """With no retry_at the alert is marked failed and never claimed again."""
    storage.mark_alert(
        two_alerts[0], T0, failed_targets=["mailto://x"], error="smtp: refused", retry_at=None
    )
    assert two_alerts[0] not in [
        a.id for a in storage.claim_alerts("d1", T0 + 99 * HOUR, hold=HOLD)
    ]
    assert storage.alerts(URL)[0] == (1, "first", "failed", 1, "smtp: refused")


def test_marking_an_unknown_alert_is_a_no_op(storage: Storage) -> None:
    """Marking an alert that no longer exists (its watch was removed) does nothing."""
    storage.mark_alert(12345, T0, failed_targets=[], error=None, retry_at=None)


# -- time ---------------------------------------------------------------------------------


def test_datetimes_come_back_aware_utc(storage: Storage) -> None:
    """An aware datetime in any zone is stored as the same instant and read back in UTC."""
    paris = datetime(2026, 3, 1, 13, 0, 0, 123456, tzinfo=timezone(timedelta(hours=1)))
    utc = paris.astimezone(UTC)
    watch_id = storage.add_watch(spec(), paris).id
    storage.save_check(watch_id, "d1", replace(changed(paris), next_check_at=paris + HOUR))
    watch = storage.get_watch(URL)
    stamps = [
        watch.next_check_at - HOUR,
        watch.last_check_at,
        watch.last_change_at,
        storage.version(URL).created_at,
        storage.checks(URL)[0].at,
    ]
    for stamp in stamps:
        assert stamp == utc
        assert stamp is not None and stamp.tzinfo is UTC


def test_a_naive_datetime_is_refused(storage: Storage) -> None:
    """A naive datetime never reaches the database, where its zone would be a guess."""
    with pytest.raises(Exception, match="naive datetime"):
        storage.add_watch(spec(), datetime(2026, 3, 1, 12, 0))
    assert storage.list_watches(include_disabled=True) == []


def test_long_names_and_control_characters_are_stored(storage: Storage) -> None:
    """A 500-character watch name and a NUL byte in an error message do not break a save."""
    storage.add_watch(WatchSpec(url=URL, name="n" * 500), T0)
    watch_id = storage.get_watch(URL).id
    storage.save_check(
        watch_id,
        "d1",
        CheckOutcome(at=T0, outcome="error", next_check_at=T0 + HOUR, error="bad\x00byte"),
    )
    watch = storage.get_watch(URL)
    assert (len(watch.spec.name), watch.last_error) == (500, "badbyte")


def test_two_deliverers_racing_for_an_alert_never_both_send_it(
    storage: Storage, second: Storage, two_alerts: list[int]
) -> None:
    """A daemon and `monitor check` claiming alerts at the same moment share them, never both."""
    results: list[list[int]] = []

    def rival_at_write(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not results and statement.startswith("UPDATE alert SET"):
            results.append([a.id for a in second.claim_alerts("d2", T0, hold=HOLD)])

    event.listen(storage.engine, "before_cursor_execute", rival_at_write)
    try:
        mine = [a.id for a in storage.claim_alerts("d1", T0, hold=HOLD)]
    finally:
        event.remove(storage.engine, "before_cursor_execute", rival_at_write)
    (theirs,) = results
    assert sorted(mine + theirs) == sorted(two_alerts)


def test_pruning_forgets_old_checks_and_keeps_versions(storage: Storage, watch_id: int) -> None:
    """prune_checks drops log rows older than the cut-off; versions and newer rows stay."""
    storage.save_check(watch_id, "d1", unchanged(T0))
    storage.save_check(watch_id, "d1", unchanged(T0 + 2 * HOUR))
    assert storage.prune_checks(T0 + HOUR) == 1
    assert [c.at for c in storage.checks(URL)] == [T0 + 2 * HOUR]


def test_a_watch_notifying_an_apprise_url_stores_a_reference_to_it(storage: Storage) -> None:
    """The database keeps a watch's tags as they are and its Apprise URLs as 'target:' and a
    hash, so no token or password is stored."""
    url = "mailto://mon:hunter2pw@smtp.example.org?to=desk@example.org"
    storage.add_watch(spec(notify=("desk", url)), T0)
    desk, reference = storage.get_watch(URL).spec.notify
    assert desk == "desk"
    assert reference == target_ref(url) and reference.startswith("target:")
    with storage.engine.connect() as connection:
        assert "hunter2pw" not in str(connection.execute(text("SELECT notify FROM watch")).all())


# -- retention: pages stored once, versions and alerts bounded --------------------------------


def pages(storage: Storage) -> int:
    """Fetched pages stored, all watches together."""
    with Session(storage.engine) as session:
        return session.scalar(select(func.count()).select_from(RawPageRow)) or 0


def test_a_page_fetched_again_is_stored_once(storage: Storage, watch_id: int) -> None:
    """Three versions of the same bytes (a changed date header aside, say) keep one page."""
    for hour, words in enumerate(("One.", "Two.", "Three.")):
        storage.save_check(watch_id, "d1", changed(T0 + hour * HOUR, words, raw=b"<p>same</p>"))
    assert pages(storage) == 1
    assert [storage.raw_html(URL, n) for n in (1, 2, 3)] == [b"<p>same</p>"] * 3


def test_removing_a_watch_forgets_its_pages_but_not_those_another_watch_shares(
    storage: Storage, watch_id: int
) -> None:
    """Two watches fetched the same page: removing one keeps it for the other; its own
    page goes with it."""
    other = storage.add_watch(spec("https://news.example/other"), T0).id
    storage.save_check(watch_id, "d1", changed(T0, "One.", raw=b"<p>shared</p>"))
    storage.save_check(watch_id, "d1", changed(T0 + HOUR, "Two.", raw=b"<p>own</p>"))
    storage.save_check(other, "d1", changed(T0, "One.", raw=b"<p>shared</p>"))
    storage.remove_watch(URL)
    assert pages(storage) == 1
    assert storage.raw_html("https://news.example/other") == b"<p>shared</p>"


def test_versions_past_the_limit_go_oldest_first_keeping_the_first_and_numbers(
    storage: Storage, watch_id: int
) -> None:
    """Keeping 3: after six versions, 1, 5 and 6 are left, and the next is number 7."""
    keep = Retention(versions=3)
    for n in range(1, 7):
        raw = f"<p>{n}</p>".encode()
        storage.save_check(watch_id, "d1", changed(T0 + n * HOUR, f"Text {n}.", raw=raw), keep)
    assert [v.number for v in storage.history(URL)] == [1, 5, 6]
    assert pages(storage) == 3
    assert storage.save_check(watch_id, "d1", changed(T0 + 8 * HOUR, "Text 7."), keep) == 7


def test_versions_past_the_bytes_limit_go_oldest_first(storage: Storage, watch_id: int) -> None:
    """1,000 bytes for 400-byte pages: the first and the latest two are left."""
    keep = Retention(version_bytes=1000)
    for n in range(1, 5):
        raw = f"<p>{n}</p>".encode().ljust(400)
        storage.save_check(watch_id, "d1", changed(T0 + n * HOUR, f"Text {n}.", raw=raw), keep)
    assert [v.number for v in storage.history(URL)] == [1, 4]


def test_alerts_past_the_hourly_limit_are_folded_into_one_digest(
    storage: Storage, watch_id: int
) -> None:
    """Two an hour, five edits in 40 minutes: two are sent on their own, three are folded
    into one digest, which is due an hour after the first of them."""
    limit = Retention(alerts_per_hour=2)
    for n in range(5):
        at = T0 + n * timedelta(minutes=10)
        storage.save_check(watch_id, "d1", changed(at, f"Text {n}.", alerts=(alert(),)), limit)
    kinds = [(kind, state) for _, kind, state, *_ in storage.alerts(URL)]
    assert kinds == [("edit", "pending")] * 2 + [("digest", "pending")] + [("edit", "folded")] * 3
    assert [a.kind for a in storage.claim_alerts("d", T0 + HOUR, hold=HOUR)] == ["edit", "edit"]
    (digest,) = storage.claim_alerts("d", T0 + 80 * timedelta(minutes=1), hold=HOUR)
    assert digest.kind == "digest"
    assert [at for at, _ in storage.folded(digest.id)] == [
        T0 + timedelta(minutes=m) for m in (20, 30, 40)
    ]
    assert storage.get_watch(URL).undelivered == 3  # two edits and the digest, not the folded


def test_an_hour_later_alerts_go_out_on_their_own_again(storage: Storage, watch_id: int) -> None:
    """The limit counts the last hour: an edit 61 minutes after two others is sent."""
    limit = Retention(alerts_per_hour=2)
    for minutes in (0, 1, 62):
        at = T0 + timedelta(minutes=minutes)
        storage.save_check(watch_id, "d1", changed(at, f"T {minutes}.", alerts=(alert(),)), limit)
    assert [state for _, _, state, *_ in storage.alerts(URL)] == ["pending"] * 3


# -- raw pages: zstd deltas of the page before ----------------------------------------------


def page_history(count: int, name: str = "heise") -> list[bytes]:
    """``count`` versions of a real page as a site serves it hour after hour: a readers
    counter re-rolled in its chrome every time, and a sentence added mid-page every third."""
    page = corpus_page(name).encode()
    versions = []
    for n in range(count):
        if n and n % 3 == 0:
            middle = len(page) // 2
            page = page[:middle] + f" Sentence {n} added.".encode() + page[middle:]
        body = page.index(b"<body")
        versions.append(page[:body] + f"<div>{7_000 + 37 * n} readers</div>".encode() + page[body:])
    return versions


def store_history(
    storage: Storage, watch_id: int, raws: list[bytes], retention: Retention | None = None
) -> None:
    for n, raw in enumerate(raws):
        outcome = changed(T0 + n * HOUR, f"Text {n}.", raw=raw)
        storage.save_check(watch_id, "d1", outcome, retention)


def stored_pages(storage: Storage) -> dict[str, tuple[str, str | None, int, int]]:
    """Each stored page by hash: (codec, base hash, depth, bytes on disk)."""
    with Session(storage.engine) as session:
        rows = session.execute(
            select(
                RawPageRow.hash,
                RawPageRow.codec,
                RawPageRow.base_hash,
                RawPageRow.depth,
                func.length(RawPageRow.data),
            )
        )
        return {digest: (codec, base, depth, size) for digest, codec, base, depth, size in rows}


def sha(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


@pytest.fixture
def shallow(monkeypatch: pytest.MonkeyPatch) -> int:
    """Chains of deltas cut at depth 3, so that a short history crosses keyframes."""
    monkeypatch.setattr(rawpages, "MAX_DEPTH", 3)
    return 3


def test_each_new_page_is_a_delta_of_the_watch_s_page_before(
    storage: Storage, watch_id: int
) -> None:
    """A real page's next versions are each stored as a zstd delta of the version before,
    one deeper each time, at under 1% of the first page's keyframe."""
    raws = page_history(4)
    store_history(storage, watch_id, raws)
    stored = stored_pages(storage)
    assert [stored[sha(raw)][:3] for raw in raws] == [
        ("zstd", None, 0),
        ("zstd-delta", sha(raws[0]), 1),
        ("zstd-delta", sha(raws[1]), 2),
        ("zstd-delta", sha(raws[2]), 3),
    ]
    keyframe = stored[sha(raws[0])][3]
    assert all(stored[sha(raw)][3] * 100 < keyframe for raw in raws[1:])


def test_every_version_reads_back_exact_across_keyframes(
    storage: Storage, watch_id: int, second: Storage
) -> None:
    """Past ``MAX_DEPTH`` deltas a keyframe starts a new chain; every version of a real
    page, read in turn or alone by another process, is its exact bytes."""
    limit = rawpages.MAX_DEPTH
    raws = page_history(limit + 4)  # one chain to its end, and a keyframe's
    store_history(storage, watch_id, raws)
    depths = [stored_pages(storage)[sha(raw)][2] for raw in raws]
    assert depths == [n % (limit + 1) for n in range(len(raws))]
    assert [storage.raw_html(URL, n) for n in range(1, len(raws) + 1)] == raws
    deepest = depths.index(limit) + 1
    assert second.raw_html(URL, deepest) == raws[deepest - 1]  # no page cached there
    assert second.page(sha(raws[-1])) == raws[-1]


def test_retention_drops_old_versions_and_the_newer_still_read_back_exact(
    storage: Storage, watch_id: int, shallow: int
) -> None:
    """Keeping 3 of 12 versions (keyframes at 1, 5 and 9): versions 1, 11 and 12 read back
    exact; of the dropped ones' pages, only 9's and 10's stay, as 11's chain needs them,
    and the chain from 1 to 8 goes, last page first."""
    raws = page_history(12)
    store_history(storage, watch_id, raws, Retention(versions=3))
    assert [v.number for v in storage.history(URL)] == [1, 11, 12]
    assert set(stored_pages(storage)) == {sha(raws[n - 1]) for n in (1, 9, 10, 11, 12)}
    assert [storage.raw_html(URL, n) for n in (1, 11, 12)] == [raws[0], raws[10], raws[11]]


def test_removing_a_watch_leaves_no_page_behind(
    storage: Storage, watch_id: int, shallow: int
) -> None:
    """A watch's whole history, chains of deltas and keyframes, goes with it."""
    store_history(storage, watch_id, page_history(9))
    storage.remove_watch(URL)
    assert stored_pages(storage) == {}


def test_a_page_shared_with_another_watch_keeps_the_chain_it_needs(
    storage: Storage, watch_id: int
) -> None:
    """Watch B fetched the page watch A stored as a delta: removing A keeps that page and
    its base for B, which reads it exact; removing B then leaves nothing behind."""
    raws = page_history(3)
    store_history(storage, watch_id, raws)
    other = storage.add_watch(spec(OTHER), T0).id
    storage.save_check(other, "d1", changed(T0, "Shared.", raw=raws[2]))
    storage.remove_watch(URL)
    assert set(stored_pages(storage)) == {sha(raw) for raw in raws}
    assert storage.raw_html(OTHER) == raws[2]
    storage.remove_watch(OTHER)
    assert stored_pages(storage) == {}


def test_the_database_refuses_to_delete_a_page_a_delta_needs(
    storage: Storage, watch_id: int
) -> None:
    """The base of a delta is held by a foreign key: deleting it by hand is refused."""
    raws = page_history(2)
    store_history(storage, watch_id, raws)
    with pytest.raises(IntegrityError), storage.engine.begin() as connection:
        connection.execute(delete(RawPageRow).where(RawPageRow.hash == sha(raws[0])))


def test_a_delta_whose_base_is_gone_says_so(storage: Storage, watch_id: int) -> None:
    """With the foreign keys off, a base deleted behind monitor's back: reading the delta
    is a ``PageUnreadable`` naming the missing page, not a traceback or other bytes."""
    raws = page_history(2)
    store_history(storage, watch_id, raws)
    base = sha(raws[0])
    if storage.engine.dialect.name == "sqlite":
        assert storage.engine.url.database is not None
        with closing(sqlite3.connect(storage.engine.url.database)) as connection:
            connection.execute("DELETE FROM raw_page WHERE hash = ?", (base,))  # keys off
            connection.commit()
    else:
        with storage.engine.begin() as connection:
            connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
            connection.execute(delete(RawPageRow).where(RawPageRow.hash == base))
    with pytest.raises(PageUnreadable, match=f"the page {sha(raws[0])} it is stored as a delta"):
        storage.raw_html(URL, 2)


@ONLY_POSTGRES
def test_two_daemons_storing_one_new_page_at_once_keep_one_readable_copy(
    storage: Storage, second: Storage
) -> None:
    """Two watches of one story, on two daemons, fetch the same new page at the same moment,
    each after a different page before: the second insert waits for the first and stores
    nothing; one row, a delta of the first daemon's page, which both read back exact."""
    a = storage.add_watch(spec(URL), T0).id
    b = storage.add_watch(spec(OTHER), T0).id
    raws = page_history(3)
    storage.save_check(a, "d1", changed(T0, "One.", raw=raws[0]))
    second.save_check(b, "d2", changed(T0, "One.", raw=raws[1]))
    results: list[int | BaseException | None] = []
    threads: list[threading.Thread] = []

    def rival() -> None:
        try:
            results.append(second.save_check(b, "d2", changed(T0 + HOUR, "Two.", raw=raws[2])))
        except BaseException as error:
            results.append(error)

    def start_rival(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not threads and statement.startswith("INSERT INTO raw_page"):
            threads.append(threading.Thread(target=rival))
            threads[0].start()
            threads[0].join(timeout=0.5)
            assert threads[0].is_alive(), "the rival waits for this transaction"

    event.listen(storage.engine, "after_cursor_execute", start_rival)
    try:
        storage.save_check(a, "d1", changed(T0 + HOUR, "Two.", raw=raws[2]))
    finally:
        event.remove(storage.engine, "after_cursor_execute", start_rival)
        for thread in threads:
            thread.join(timeout=20)
    assert results == [2]
    assert stored_pages(storage)[sha(raws[2])][:2] == ("zstd-delta", sha(raws[0]))
    assert storage.raw_html(URL, 2) == second.raw_html(OTHER, 2) == raws[2]


# -- first versions waiting for their page's full reading -----------------------------------


def quick_first(storage: Storage, url: str, owner: str = "d1") -> int:
    """A watch of ``url`` whose first check stored its page's quick reading; its id."""
    watch = storage.add_watch(spec(url), T0)
    storage.claim([url], owner, T0, lease=LEASE)
    outcome = changed(T0, "Menu", "The council met on Monday.", kind="first")
    assert outcome.version is not None
    outcome = replace(outcome, version=replace(outcome.version, quick=True))
    assert storage.save_check(watch.id, owner, outcome) == 1
    return watch.id


def test_a_quick_first_version_marks_the_watch_and_the_next_version_clears_it(
    storage: Storage,
) -> None:
    """A version stored with its quick reading is named by the watch as unread; any other
    version stored after it is a full reading, and clears the mark."""
    watch_id = quick_first(storage, URL)
    assert storage.get_watch(URL).unread_version == 1
    storage.claim([URL], "d1", T0, lease=LEASE)
    storage.save_check(watch_id, "d1", changed(T0 + HOUR, "The council met on Tuesday."))
    assert storage.get_watch(URL).unread_version is None


def test_claim_unread_leases_only_free_watches_waiting_for_a_reading(storage: Storage) -> None:
    """Watches with no unread version, leased to another process, or given to skip are
    not taken; the others are, up to the limit."""
    quick_first(storage, URL)
    skipped = quick_first(storage, OTHER)
    quick_first(storage, "https://x.example/leased")
    storage.claim(["https://x.example/leased"], "d2", T0, lease=LEASE)
    storage.add_watch(spec("https://x.example/never-checked"), T0)
    claimed = storage.claim_unread("d1", T0, lease=LEASE, limit=10, skip=(skipped,))
    assert urls(claimed) == [URL]


def test_a_reading_is_the_next_version_of_the_same_fetch_chained_after_the_quick_one(
    storage: Storage,
) -> None:
    """``save_reading`` stores the full reading as the next version, kind 'reading', with
    the first version's exchange and page, sets the hint and clears the mark; version 1
    keeps its quick text, and the chain verifies."""
    watch_id = quick_first(storage, URL)
    storage.claim([URL], "d1", T0, lease=LEASE)
    full = article("The council met on Monday.")
    number = storage.save_reading(watch_id, "d1", 1, full, {"k": 1}, T0 + HOUR)
    assert number == 2
    first, reading = storage.history(URL)
    assert (first.kind, reading.kind) == ("first", "reading")
    assert first.article.paragraphs == ("Menu", "The council met on Monday.")
    assert reading.article == full
    assert storage.raw_html(URL, 2) == storage.raw_html(URL, 1)
    evidence = storage.evidence(URL)
    assert evidence[1].content is not None and evidence[0].content is not None
    assert evidence[1].content.fetched_at == evidence[0].content.fetched_at
    watch = storage.get_watch(URL)
    assert (watch.unread_version, watch.hint) == (None, {"k": 1})


def test_a_reading_is_refused_without_the_lease_or_once_done(storage: Storage) -> None:
    """Another process's lease, or a reading stored already: nothing is written."""
    watch_id = quick_first(storage, URL)
    storage.claim([URL], "d2", T0, lease=LEASE)
    assert storage.save_reading(watch_id, "d1", 1, article(), None, T0) is None
    assert storage.save_reading(watch_id, "d2", 1, article(), None, T0) == 2
    assert storage.save_reading(watch_id, "d2", 1, article(), None, T0) is None
    assert [v.number for v in storage.history(URL)] == [1, 2]
