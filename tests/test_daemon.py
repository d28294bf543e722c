"""`monitor run` as a real subprocess: it checks due watches, survives failures, obeys signals."""

from __future__ import annotations

import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fixtures.hostile_pages import json_ld_author_bomb
from fixtures.seed_pages import Chrome, page_v1, page_v2
from servers import PageServer, WebhookReceiver
from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.config import Target
from monitor.extract import extract_article
from monitor.notify import Notifier
from monitor.schema import AlertRow, WatchRow
from monitor.storage import Storage

ALLOW_LOOPBACK = 'allow_internal = ["127.0.0.1"]\n'
"""For the [monitor] table: the pages are served on 127.0.0.1, refused unless allowed."""


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_config(path: Path, db: Path, urls: list[str]) -> None:
    watches = "".join(f'\n[[watch]]\nurl = "{url}"\nevery = "1h"\n' for url in urls)
    path.write_text(
        f'[storage]\nurl = "sqlite:///{db}"\n\n[monitor]\n{ALLOW_LOOPBACK}tick = "1s"\n{watches}',
        encoding="utf-8",
    )


def monitor_cli(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor.cli", "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


class Systemd:
    """The daemon's view of systemd: a notify socket the test reads from."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.settimeout(30)

    def pings(self, n: int) -> list[float]:
        """The monotonic times at which the next ``n`` watchdog pings arrive."""
        times: list[float] = []
        while len(times) < n:
            if "WATCHDOG=1" in self.sock.recv(4096).decode().split("\n"):
                times.append(time.monotonic())
        return times

    def wait_for_prefix(self, prefix: str) -> str:
        """Read notifications until a line starts with ``prefix``; returns that line."""
        while True:
            for line in self.sock.recv(4096).decode().split("\n"):
                if line.startswith(prefix):
                    return line

    def wait_for(self, state: str) -> list[str]:
        """Read notifications until one contains ``state``; returns all read."""
        seen = []
        while True:
            message = self.sock.recv(4096).decode()
            seen.append(message)
            if state in message.split("\n"):
                return seen


@pytest.fixture
def systemd(tmp_path: Path) -> Iterator[Systemd]:
    fake = Systemd(tmp_path / "notify.sock")
    yield fake
    fake.sock.close()


def start_daemon(config: Path, systemd: Systemd, **env: str) -> subprocess.Popen[str]:
    env = {**os.environ, "NOTIFY_SOCKET": str(systemd.path), **env}
    return subprocess.Popen(
        [sys.executable, "-m", "monitor.cli", "--config", str(config), "run"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def stop(process: subprocess.Popen[str]) -> tuple[int, str]:
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    return process.returncode, err


def _story_and_dead(page_server: PageServer) -> tuple[str, str]:
    """A served story's URL, and a URL on a closed port."""
    page_server.set("/story", page_v1(Chrome(1)))
    return page_server.url("/story"), f"http://127.0.0.1:{closed_port()}/story"


def _one_pass(
    config: Path,
    systemd: Systemd,
    page_server: PageServer,
    urls: list[str],
    *,
    listed: bool = False,
) -> tuple[int, str]:
    """Run the daemon on ``urls`` until the story is fetched (and, ``listed``, until its
    check is stored), then stop it; its exit status and stderr."""
    write_config(config, config.with_name("monitor.db"), urls)
    process = start_daemon(config, systemd)
    try:
        systemd.wait_for("READY=1")
        page_server.wait_for(1, "/story", timeout=30)
        if listed:
            monitor_cli(config, "list")  # both checks are stored once the listing shows them
    finally:
        code, err = stop(process)
    return code, err


def test_the_daemon_checks_due_watches_survives_a_dead_url_and_stops_on_sigterm(
    tmp_path: Path, page_server: PageServer, systemd: Systemd
) -> None:
    """A due page is checked and stored, a dead URL only marks its watch, SIGTERM exits 0."""
    config, good, dead = tmp_path / "monitor.toml", *_story_and_dead(page_server)
    code, err = _one_pass(config, systemd, page_server, [dead, good])
    assert code == 0, err
    assert "Traceback" not in err
    assert "STOPPING=1" in "\n".join(systemd.wait_for("STOPPING=1"))

    listing = {row["url"]: row for row in json.loads(monitor_cli(config, "list", "--json").stdout)}
    assert listing[good]["versions"] == 1 and listing[good]["error"] is None
    assert "connection refused" in (listing[dead]["error"] or "")
    assert listing[dead]["versions"] == 0


def test_the_daemon_logs_a_line_per_change_or_error_and_warns_of_no_target(
    tmp_path: Path, page_server: PageServer, systemd: Systemd
) -> None:
    """At INFO the journal holds one line per new version and one warning per failed check
    (with its reason), nothing from the HTTP client, and a warning at start that no
    notification target is configured."""
    config, good, dead = tmp_path / "monitor.toml", *_story_and_dead(page_server)
    code, err = _one_pass(config, systemd, page_server, [dead, good], listed=True)
    assert code == 0, err
    lines = err.splitlines()
    assert [line for line in lines if good in line] == [
        f"INFO monitor.daemon: checked {good}: first (version 1)"
    ]
    failures = [line for line in lines if dead in line]
    assert len(failures) == 1, err
    failed = failures[0]
    assert failed.startswith(f"WARNING monitor.pipeline: {dead}: ")
    assert "connection refused" in failed
    assert any("no notification target is configured" in line for line in lines)
    assert not [line for line in lines if "httpx" in line or "HTTP Request" in line]


def test_sighup_reloads_the_config_and_a_new_watch_is_checked(
    tmp_path: Path, page_server: PageServer, systemd: Systemd
) -> None:
    """Adding a watch to the file and sending SIGHUP makes the running daemon check it."""
    page_server.set("/one", page_v1(Chrome(1)))
    page_server.set("/two", page_v1(Chrome(2)))
    config = tmp_path / "monitor.toml"
    write_config(config, tmp_path / "monitor.db", [page_server.url("/one")])

    process = start_daemon(config, systemd)
    try:
        systemd.wait_for("READY=1")
        page_server.wait_for(1, "/one", timeout=30)
        write_config(
            config, tmp_path / "monitor.db", [page_server.url("/one"), page_server.url("/two")]
        )
        process.send_signal(signal.SIGHUP)
        systemd.wait_for("RELOADING=1")
        page_server.wait_for(1, "/two", timeout=30)
    finally:
        code, err = stop(process)
    assert code == 0, err
    assert "config reloaded: 2 watches" in err


def test_alerts_after_sighup_go_to_the_reloaded_targets(
    tmp_path: Path, page_server: PageServer, systemd: Systemd, webhook_receiver: WebhookReceiver
) -> None:
    """A target changed in the file and SIGHUP: the running daemon's next alert (a watch
    added with the reload, failing at once) goes to the new target, not the old one."""
    page_server.set("/one", page_v1(Chrome(1)))
    config = tmp_path / "monitor.toml"

    def write(target: str, urls: list[str]) -> None:
        watches = "".join(f'\n[[watch]]\nurl = "{url}"\nevery = "1h"\n' for url in urls)
        config.write_text(
            f'[storage]\nurl = "sqlite:///{tmp_path / "monitor.db"}"\n\n[monitor]\n'
            f'{ALLOW_LOOPBACK}tick = "1s"\nfailures_before_alert = 1\n\n'
            f'[notify]\nurls = ["json://{webhook_receiver.netloc}/{target}"]\n{watches}',
            encoding="utf-8",
        )

    write("before", [page_server.url("/one")])
    process = start_daemon(config, systemd)
    try:
        systemd.wait_for("READY=1")
        page_server.wait_for(1, "/one", timeout=30)
        write("after", [page_server.url("/one"), f"http://127.0.0.1:{closed_port()}/gone"])
        process.send_signal(signal.SIGHUP)
        systemd.wait_for("RELOADING=1")
        webhook_receiver.wait_for(1, timeout=30)
    finally:
        code, err = stop(process)
    assert code == 0, err
    assert [post.path for post in webhook_receiver.posts] == ["/after"]


def test_a_broken_config_on_reload_keeps_the_daemon_running(
    tmp_path: Path, page_server: PageServer, systemd: Systemd
) -> None:
    """A typo saved while the daemon runs is reported on SIGHUP and the old config stays."""
    page_server.set("/one", page_v1(Chrome(1)))
    config = tmp_path / "monitor.toml"
    write_config(config, tmp_path / "monitor.db", [page_server.url("/one")])

    process = start_daemon(config, systemd)
    try:
        systemd.wait_for("READY=1")
        config.write_text(
            config.read_text() + "\n[[watch]]\nurl = 'https://x.example'\nevry = '1h'\n"
        )
        process.send_signal(signal.SIGHUP)
        systemd.wait_for("READY=1")  # sent again after the reload attempt
    finally:
        code, err = stop(process)
    assert code == 0, err
    assert "reload failed, keeping the previous config" in err
    assert "evry" in err


def daemon_config(path: Path, db: Path, urls: list[str], tick: str = "1s", **monitor: str) -> None:
    settings = "".join(f"{key} = {value}\n" for key, value in monitor.items())
    watches = "".join(f'\n[[watch]]\nurl = "{url}"\nevery = "1h"\n' for url in urls)
    path.write_text(
        f'[storage]\nurl = "sqlite:///{db}"\n\n[monitor]\n{ALLOW_LOOPBACK}tick = "{tick}"\n'
        f"{settings}{watches}",
        encoding="utf-8",
    )


def test_a_check_that_outlasts_its_lease_is_not_started_again_beside_itself(
    tmp_path: Path, page_server: PageServer, systemd: Systemd
) -> None:
    """A watch whose check is still running when its lease runs out is not claimed and
    checked a second time by the same daemon (two checks of one page would store a
    version twice)."""
    page_server.set("/slow", page_v1(Chrome(1)))
    release = page_server.hold("/slow")
    config = tmp_path / "monitor.toml"
    daemon_config(config, tmp_path / "monitor.db", [page_server.url("/slow")], lease='"1s"')
    process = start_daemon(config, systemd)
    try:
        systemd.wait_for("READY=1")
        page_server.wait_for(1, "/slow", timeout=30)
        for _ in range(5):  # five ticks (a status each): the lease is long past
            systemd.wait_for_prefix("STATUS=")
        assert page_server.hits("/slow") == 1
    finally:
        release.set()
        code, err = stop(process)
    assert code == 0, err


def test_sigterm_lets_a_check_in_flight_finish_and_store_its_version(
    tmp_path: Path, page_server: PageServer, systemd: Systemd
) -> None:
    """A page still downloading when SIGTERM arrives is finished and stored before exit."""
    page_server.set("/slow", page_v1(Chrome(1)))
    release = page_server.hold("/slow", stage="body")
    config = tmp_path / "monitor.toml"
    daemon_config(config, tmp_path / "monitor.db", [page_server.url("/slow")], grace='"30s"')
    process = start_daemon(config, systemd)
    try:
        systemd.wait_for("READY=1")
        page_server.wait_for(1, "/slow", timeout=30)
        process.send_signal(signal.SIGTERM)
        systemd.wait_for("STOPPING=1")
        release.set()
        _, err = process.communicate(timeout=60)
    finally:
        release.set()
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    (row,) = json.loads(monitor_cli(config, "list", "--json").stdout)
    assert row["versions"] == 1


def test_a_hostile_page_is_cut_at_its_deadline_while_the_watchdog_hears_the_loop(
    tmp_path: Path, page_server: PageServer, systemd: Systemd
) -> None:
    """Concurrency 1, a page that takes trafilatura 12 s: both first checks store their
    page at once (the quick reading); reading the hostile page in full, while idle, is
    cut at the 2 s deadline while the watchdog pings go on every 0.2 s, and the next
    page is read in full after it. The hostile page's reading waits for its next check."""
    page_server.set("/hostile", json_ld_author_bomb())
    page_server.set("/story", page_v1(Chrome(1)))
    hostile, story = page_server.url("/hostile"), page_server.url("/story")
    config = tmp_path / "monitor.toml"
    daemon_config(
        config, tmp_path / "monitor.db", [hostile, story], concurrency="1", extract_timeout='"2s"'
    )
    process = start_daemon(config, systemd, WATCHDOG_USEC="400000")
    try:
        systemd.wait_for("READY=1")
        page_server.wait_for(1, "/story", timeout=30)
        # From the fetches on, 5 s: the worker's start, the whole deadline, the story.
        pings = [time.monotonic(), *systemd.pings(25)]
        versions = _wait_versions(config, story, 2)
    finally:
        code, err = stop(process)
    assert code == 0, err
    assert "Traceback" not in err
    assert max(later - earlier for earlier, later in itertools.pairwise(pings)) < 1.0
    assert f"{hostile}: could not read the page of version 1: extraction took longer" in err
    listing = {row["url"]: row for row in json.loads(monitor_cli(config, "list", "--json").stdout)}
    assert (listing[hostile]["versions"], listing[hostile]["error"]) == (1, None)
    assert versions == 2 and listing[story]["error"] is None
    assert sorted(seen.path for seen in page_server.requests) == ["/hostile", "/story"]


def _wait_versions(config: Path, url: str, wanted: int, timeout: float = 30.0) -> int:
    """Poll ``monitor list`` until the watch of ``url`` has ``wanted`` versions (or the
    time is up); returns how many it has."""
    deadline = time.monotonic() + timeout
    while True:
        listing = json.loads(monitor_cli(config, "list", "--json").stdout)
        versions = next(row["versions"] for row in listing if row["url"] == url)
        if versions >= wanted or time.monotonic() > deadline:
            return int(versions)
        time.sleep(0.2)


def test_a_first_version_is_read_in_full_while_the_daemon_is_idle(
    tmp_path: Path, page_server: PageServer, systemd: Systemd, webhook_receiver: WebhookReceiver
) -> None:
    """A first check stores the page and its quick reading (version 1); with no check due,
    the daemon reads that stored page in full (version 2, kind 'reading', the same fetch)
    without fetching it again and without an alert; the next check then compares with it,
    and an edit alerts with the edit."""
    page = page_v1(Chrome(1))
    page_server.set("/story", page)
    url = page_server.url("/story")
    config = tmp_path / "monitor.toml"
    config.write_text(
        f'[storage]\nurl = "sqlite:///{tmp_path / "monitor.db"}"\n\n[monitor]\n'
        f'{ALLOW_LOOPBACK}tick = "1s"\n\n[notify]\nurls = ["json://{webhook_receiver.netloc}/a"]\n'
        f'\n[[watch]]\nurl = "{url}"\nevery = "1h"\n',
        encoding="utf-8",
    )
    process = start_daemon(config, systemd)
    try:
        systemd.wait_for("READY=1")
        versions = _wait_versions(config, url, 2)
    finally:
        code, err = stop(process)
    assert code == 0, err
    assert versions == 2 and len(page_server.requests) == 1
    history = json.loads(monitor_cli(config, "history", url, "--json").stdout)
    assert [row["kind"] for row in history] == ["first", "reading"]
    shown = json.loads(monitor_cli(config, "show", url, "--json").stdout)
    assert shown["paragraphs"] == list(extract_article(page, url).paragraphs)

    page_server.set("/story", page_v2(Chrome(2)))
    assert monitor_cli(config, "check", "--all").returncode == 0
    webhook_receiver.wait_for(1, timeout=30)
    assert "[monitor] " in str(webhook_receiver.posts[0].payload["title"])
    history = json.loads(monitor_cli(config, "history", url, "--json").stdout)
    assert [row["kind"] for row in history] == ["first", "reading", "edit"]


def test_sigterm_abandons_a_hung_check_after_the_grace_and_writes_nothing(
    tmp_path: Path, page_server: PageServer, systemd: Systemd
) -> None:
    """A check still hanging after the grace period is abandoned: no version, no lease left."""
    page_server.set("/hung", page_v1(Chrome(1)))
    release = page_server.hold("/hung", stage="headers")
    config = tmp_path / "monitor.toml"
    daemon_config(config, tmp_path / "monitor.db", [page_server.url("/hung")], grace='"1s"')
    process = start_daemon(config, systemd)
    try:
        systemd.wait_for("READY=1")
        page_server.wait_for(1, "/hung", timeout=30)
        code, err = stop(process)
    finally:
        release.set()
    assert code == 0, err
    assert "Traceback" not in err
    (row,) = json.loads(monitor_cli(config, "list", "--json").stdout)
    assert (row["versions"], row["last_check"]) == (0, None)
    # The lease was released: a one-off check can take the watch right away.
    report = json.loads(monitor_cli(config, "check", "--all", "--json").stdout)
    assert [r["outcome"] for r in report] == ["first"]


def test_checks_run_concurrently_up_to_the_bound(
    tmp_path: Path, page_server: PageServer, systemd: Systemd
) -> None:
    """With concurrency = 2, two pages are in flight at once and the third waits its turn."""
    holds = {}
    for name in ("a", "b", "c"):
        page_server.set(f"/{name}", page_v1(Chrome(ord(name))))
        holds[name] = page_server.hold(f"/{name}", stage="headers")
    urls = [page_server.url(f"/{name}") for name in holds]
    config = tmp_path / "monitor.toml"
    daemon_config(config, tmp_path / "monitor.db", urls, concurrency="2", per_host="4")
    process = start_daemon(config, systemd)
    try:
        systemd.wait_for("READY=1")
        first_two = {seen.path for seen in page_server.wait_for(2, timeout=30)}
        # Two whole ticks with both slots taken: a third check would have started by now.
        systemd.wait_for("STATUS=2 checks in flight, 0 done")
        systemd.wait_for("STATUS=2 checks in flight, 0 done")
        assert len(page_server.requests) == 2 and len(first_two) == 2
        for name in holds:
            if f"/{name}" in first_two:
                holds[name].set()
        page_server.wait_for(3, timeout=30)
    finally:
        for event in holds.values():
            event.set()
        code, err = stop(process)
    assert code == 0, err


def test_two_daemons_share_one_database_and_check_each_page_once(
    tmp_path: Path, page_server: PageServer, db_url: str
) -> None:
    """Two daemons on one database split the due watches: every page is checked exactly once."""
    names = [f"/story-{n}" for n in range(8)]
    for n, name in enumerate(names):
        page_server.set(name, page_v1(Chrome(n)))
    config = tmp_path / "monitor.toml"
    watches = "".join(f'\n[[watch]]\nurl = "{page_server.url(n)}"\nevery = "1h"\n' for n in names)
    config.write_text(
        f'[storage]\nurl = "{db_url}"\n\n[monitor]\n{ALLOW_LOOPBACK}tick = "1s"\nconcurrency = 2\n'
        f"per_host = 8\n{watches}",
        encoding="utf-8",
    )
    monitor_cli(config, "list")  # create the schema once, before the race
    fakes = [Systemd(tmp_path / f"notify-{n}.sock") for n in range(2)]
    daemons = [start_daemon(config, fake) for fake in fakes]
    try:
        for fake in fakes:
            fake.wait_for("READY=1")
        page_server.wait_for(len(names), timeout=60)
        for fake in fakes:  # two more ticks each, in which a double check would show
            for _ in range(2):
                _wait_status(fake)
    finally:
        results = [stop(daemon) for daemon in daemons]
        for fake in fakes:
            fake.sock.close()
    assert [code for code, _ in results] == [0, 0], [err for _, err in results]
    assert sorted(seen.path for seen in page_server.requests) == sorted(names)
    listing = json.loads(monitor_cli(config, "list", "--json").stdout)
    # The first version of each, and its page read in full once, while a daemon was idle.
    assert {row["versions"] for row in listing} <= {1, 2}
    for name in names:
        kinds = json.loads(monitor_cli(config, "history", page_server.url(name), "--json").stdout)
        assert [row["kind"] for row in kinds] in (["first"], ["first", "reading"])


def _wait_status(fake: Systemd) -> None:
    while not fake.sock.recv(4096).decode().startswith("STATUS="):
        pass


def test_a_backlog_is_worked_through_without_waiting_for_ticks(
    tmp_path: Path, page_server: PageServer, systemd: Systemd
) -> None:
    """With a one-hour tick, six due watches and two slots are all checked at once, slot by slot."""
    names = [f"/p{n}" for n in range(6)]
    for n, name in enumerate(names):
        page_server.set(name, page_v1(Chrome(n)))
    config = tmp_path / "monitor.toml"
    daemon_config(
        config,
        tmp_path / "monitor.db",
        [page_server.url(n) for n in names],
        tick="1h",
        concurrency="2",
        per_host="4",
    )
    process = start_daemon(config, systemd)
    try:
        systemd.wait_for("READY=1")
        page_server.wait_for(len(names), timeout=30)
    finally:
        code, err = stop(process)
    assert code == 0, err


def leases(db: Path) -> dict[str, datetime]:
    """The watches leased right now, each with its lease's end."""
    store = Storage(f"sqlite:///{db}")
    try:
        with Session(store.engine) as session:
            rows = session.execute(
                select(WatchRow.url, WatchRow.lease_until).where(WatchRow.lease_owner.is_not(None))
            )
            return {url: until for url, until in rows}
    finally:
        store.close()


def test_with_a_backlog_a_claim_takes_watches_ahead_keeps_them_leased_and_hands_them_back(
    tmp_path: Path, page_server: PageServer, systemd: Systemd
) -> None:
    """One slot, seven due watches. The first claim finds as many as it asked for, so the
    next, when that check ends, takes the slot's watch and four more to queue: leased
    (the heartbeat renews them past the one-second lease like the check in flight), and
    started without another claim. A stop hands the queued ones back unchecked."""
    names = [f"/q{n}" for n in range(7)]
    holds = {}
    for n, name in enumerate(names):
        page_server.set(name, page_v1(Chrome(n)))
        holds[name] = page_server.hold(name, stage="headers")
    config = tmp_path / "monitor.toml"
    db = tmp_path / "monitor.db"
    daemon_config(
        config,
        db,
        [page_server.url(n) for n in names],
        tick="1h",
        concurrency="1",
        per_host="4",
        lease='"1s"',
    )
    process = start_daemon(config, systemd)
    try:
        systemd.wait_for("READY=1")
        (first,) = page_server.wait_for(1, timeout=30)
        assert len(leases(db)) == 1  # no backlog known yet: the free slot's watch only
        holds[first.path].set()
        second = page_server.wait_for(2, timeout=30)[1]
        held = leases(db)
        assert len(held) == 5 and page_server.url(first.path) not in held
        # Two lease periods later every queued watch is still leased: renewed, not lapsed.
        ends = lease_ends_of(db, held, each=3)
        assert min(ends.values()) >= 3, ends
        process.send_signal(signal.SIGTERM)
        systemd.wait_for("STOPPING=1")
        holds[second.path].set()  # the check in flight finishes within the grace
        _, err = process.communicate(timeout=60)
        code = process.returncode
    finally:
        for event in holds.values():
            event.set()
        if process.poll() is None:
            code, err = stop(process)
    assert code == 0, err
    assert sorted(seen.path for seen in page_server.requests) == sorted([first.path, second.path])
    assert leases(db) == {}  # handed back at once, not left to run out
    listing = json.loads(monitor_cli(config, "list", "--json").stdout)
    assert sorted(row["versions"] for row in listing) == [0, 0, 0, 0, 0, 1, 1]


def lease_ends_of(db: Path, urls: Iterable[str], each: int, timeout: float = 30) -> dict[str, int]:
    """How many different lease ends each of ``urls`` had, watched until each had
    ``each`` (or the timeout)."""
    seen: dict[str, set[datetime]] = {url: set() for url in urls}
    deadline = time.monotonic() + timeout
    while min(map(len, seen.values())) < each and time.monotonic() < deadline:
        for url, until in leases(db).items():
            if url in seen:
                seen[url].add(until)
        time.sleep(0.05)  # a row has no event to wait on
    return {url: len(ends) for url, ends in seen.items()}


def test_every_waiting_alert_goes_out_at_the_first_tick(
    tmp_path: Path, systemd: Systemd, webhook_receiver: WebhookReceiver
) -> None:
    """With a one-hour tick, 120 waiting alerts (more than one claimed batch) all go out at
    the first tick, each once, and SIGTERM still exits cleanly."""
    target = f"json://{webhook_receiver.netloc}/alerts"
    db = tmp_path / "monitor.db"
    storage = Storage(f"sqlite:///{db}")
    storage.migrate()
    targets = list(Notifier([Target(target)]).targets_for(()))
    now = datetime.now(UTC)
    with Session(storage.engine) as session, session.begin():  # one write: seeding is cheap
        for n in range(120):
            # Not due for an hour: only the outbox has work.
            later = now + timedelta(hours=1)
            watch = WatchRow(url=f"https://news.example/{n}", created_at=now, next_check_at=later)
            session.add(watch)
            session.flush()
            session.add(
                AlertRow(
                    watch_id=watch.id,
                    created_at=now,
                    kind="edit",
                    subject=f"edit {n}",
                    text="text",
                    markdown="md",
                    html="<p>html</p>",
                    targets=targets,
                )
            )
    storage.close()
    config = tmp_path / "monitor.toml"
    config.write_text(
        f'[storage]\nurl = "sqlite:///{db}"\n[monitor]\n{ALLOW_LOOPBACK}tick = "1h"\n'
        f'[notify]\nurls = ["{target}"]\n',
        encoding="utf-8",
    )
    process = start_daemon(config, systemd)
    try:
        systemd.wait_for("READY=1")
        webhook_receiver.wait_for(120, timeout=30)
    finally:
        code, err = stop(process)
    assert code == 0, err
    assert sorted(post.payload["title"] for post in webhook_receiver.posts) == sorted(
        f"edit {n}" for n in range(120)
    )


def test_a_killed_daemon_leaves_no_half_written_version_and_no_lease(
    tmp_path: Path, page_server: PageServer, systemd: Systemd
) -> None:
    """SIGKILL in the middle of a check: the database opens fine, holds nothing partial, and
    the dead daemon's lease holds the watch no longer: the next check takes it at once."""
    page_server.set("/story", page_v1(Chrome(1)))
    release = page_server.hold("/story", stage="body")
    config = tmp_path / "monitor.toml"
    daemon_config(config, tmp_path / "monitor.db", [page_server.url("/story")])
    process = start_daemon(config, systemd)
    try:
        systemd.wait_for("READY=1")
        page_server.wait_for(1, "/story", timeout=30)
        process.kill()
        process.communicate(timeout=30)
    finally:
        release.set()
    listing = monitor_cli(config, "list", "--json")
    assert listing.returncode == 0, listing.stderr
    (row,) = json.loads(listing.stdout)
    assert (row["versions"], row["last_check"]) == (0, None)
    (report,) = json.loads(monitor_cli(config, "check", "--all", "--json").stdout)
    assert report["outcome"] == "first"


def lease_ends(db: Path, seen: int, timeout: float = 30) -> list[datetime]:
    """The first ``seen`` different ends the watch's lease had, read from the database."""
    store = Storage(f"sqlite:///{db}")
    ends: list[datetime] = []
    deadline = time.monotonic() + timeout
    try:
        while len(ends) < seen and time.monotonic() < deadline:
            with Session(store.engine) as session:
                end = session.scalar(select(WatchRow.lease_until))
            if end is not None and end not in ends:
                ends.append(end)
            time.sleep(0.05)  # a row has no event to wait on
    finally:
        store.close()
    return ends


def test_a_check_in_flight_keeps_its_lease_past_the_lease_period(
    tmp_path: Path, page_server: PageServer, systemd: Systemd
) -> None:
    """A lease is short but renewed while its check runs (a heartbeat): a check that takes
    longer than one lease period still holds its watch."""
    page_server.set("/slow", page_v1(Chrome(1)))
    release = page_server.hold("/slow", stage="headers")
    config = tmp_path / "monitor.toml"
    daemon_config(config, tmp_path / "monitor.db", [page_server.url("/slow")], lease='"1s"')
    process = start_daemon(config, systemd)
    try:
        systemd.wait_for("READY=1")
        page_server.wait_for(1, "/slow", timeout=30)
        # The claim's end, then renewals a third of a lease apart; the first may come
        # sooner (the heartbeat starts before the claim), so five make a lease and more.
        ends = lease_ends(tmp_path / "monitor.db", 6)
        hits = page_server.hits("/slow")
    finally:
        release.set()
        code, err = stop(process)
    assert code == 0, err
    assert len(ends) == 6 and ends == sorted(ends)
    assert ends[-1] - ends[0] >= timedelta(seconds=1)
    assert hits == 1  # an expired lease would have let the next tick check it again


def test_with_no_config_the_daemon_runs_on_sqlite_in_the_state_directory(
    tmp_path: Path, systemd: Systemd
) -> None:
    """The README's first command: `monitor run` alone starts on SQLite under XDG_STATE_HOME."""
    env = {
        **os.environ,
        "NOTIFY_SOCKET": str(systemd.path),
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }
    env.pop("MONITOR_CONFIG", None)
    env.pop("STATE_DIRECTORY", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "monitor.cli", "run"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        systemd.wait_for("READY=1")
    finally:
        code, err = stop(process)
    assert code == 0, err
    assert (tmp_path / "state" / "monitor" / "monitor.db").is_file()
    assert "no watches yet" in err
