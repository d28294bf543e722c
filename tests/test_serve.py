"""monitor serve: Atom feeds and Prometheus metrics over HTTP, read from the database the
checks filled, never written; loopback only unless a credential is configured."""

from __future__ import annotations

import base64
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import feedparser
import httpx
import pytest
from browsing import serving
from fixtures.seed_pages import Chrome, page_v1, page_v2
from prometheus_client.parser import text_string_to_metric_families
from servers import PageServer
from sqlalchemy import text

from monitor.app import Monitor
from monitor.cli import main
from monitor.config import load_config
from monitor.models import WatchSpec
from monitor.serve.server import CSP

SCRIPT = "<script>alert(1)</script>"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_config(tmp_path: Path, db_url: str, serve: str = "") -> Path:
    path = tmp_path / "monitor.toml"
    path.write_text(
        f'[storage]\nurl = "{db_url}"\n'
        # The test pages are served on 127.0.0.1, which is refused unless allowed.
        '[monitor]\nallow_internal = ["127.0.0.1"]\n'
        # A target nobody listens at: its alerts stay in the outbox, to be retried.
        f'[notify]\nurls = [{{ url = "json://127.0.0.1:{closed_port()}/", tags = ["desk"] }}]\n'
        f"{serve}",
        encoding="utf-8",
    )
    return path


def get(url: str, **headers: str) -> httpx.Response:
    return httpx.get(url, headers=headers, timeout=30, trust_env=False)


@dataclass
class Filled:
    """A database filled by real checks of three watched pages."""

    config: Path
    story: str  # first version, then an edit that adds a paragraph with SCRIPT in it
    steady: str  # never changes
    gone: str  # 404: every check an error


@pytest.fixture
def filled(db_url: str, tmp_path: Path, page_server: PageServer) -> Iterator[Filled]:
    config = write_config(tmp_path, db_url)
    story, steady, gone = (page_server.url(p) for p in ("/story", "/steady", "/gone"))
    page_server.set("/story", page_v1(Chrome(1)))
    page_server.set("/steady", page_v1(Chrome(5)))
    page_server.set("/gone", "not here", status=404)
    monitor = Monitor(load_config(config))
    try:
        monitor.add(WatchSpec(url=story, notify=("desk",)))
        monitor.add(WatchSpec(url=steady))
        monitor.add(WatchSpec(url=gone))
        monitor.check()
        escaped = SCRIPT.replace("<", "&lt;").replace(">", "&gt;")
        last = "soared to post-Cold War highs.</p>"
        edited = page_v2(Chrome(1)).replace(
            last,
            f"{last}\n<p>The council said a note reading {escaped} was left on the town hall "
            "door overnight, and that the police had been told.</p>",
        )
        assert edited.count(escaped) == 1
        page_server.set("/story", edited)
        monitor.check()
        monitor.check([steady, gone])
    finally:
        monitor.close()
    yield Filled(config, story, steady, gone)


@contextmanager
def reader(filled: Filled, clock: Callable[[], datetime] | None = None) -> Iterator[Monitor]:
    monitor = Monitor(load_config(filled.config), read_only=True, clock=clock or _utcnow)
    try:
        yield monitor
    finally:
        monitor.close()


def _utcnow() -> datetime:
    return datetime.now(UTC)


def dump(monitor: Monitor) -> list[Any]:
    """Every row of every table, to show nothing was written."""
    with monitor.storage.engine.connect() as connection:
        return [
            list(connection.execute(text(f"SELECT * FROM {table} ORDER BY 1")))
            for table in ("watch", "version", "raw_page", "check_log", "alert")
        ]


def samples(body: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Each sample of a Prometheus text exposition, read by the official client's parser."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body)
        for s in family.samples
    }


# -- metrics ------------------------------------------------------------------------


def test_metrics_count_the_checks_the_database_holds(filled: Filled) -> None:
    """/metrics shows checks by outcome, errors by host, changes, the fetch latency and
    extraction time histograms, the outbox and the schedule lag as the check log and
    tables hold them."""
    later = _utcnow() + timedelta(days=2)
    with reader(filled, clock=lambda: later) as monitor:
        records = [
            c
            for url in (filled.story, filled.steady, filled.gone)
            for c in monitor.storage.checks(url)
        ]
        alerts = [
            a
            for url in (filled.story, filled.steady, filled.gone)
            for a in monitor.storage.alerts(url)
        ]
        with serving(monitor) as base:
            response = get(f"{base}/metrics")
            again = get(f"{base}/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    seen = samples(response.text)
    outcomes: dict[str, int] = {}
    for record in records:
        outcomes[record.outcome] = outcomes.get(record.outcome, 0) + 1
    assert {"first", "edit", "error"} <= set(outcomes)
    assert {
        labels[0][1]: value
        for (name, labels), value in seen.items()
        if name == "monitor_checks_total"
    } == outcomes
    errors = outcomes["error"]
    assert seen[("monitor_check_errors_total", (("host", "127.0.0.1"),))] == errors == 3
    changes = {
        labels[0][1]: value
        for (name, labels), value in seen.items()
        if name == "monitor_changes_total"
    }
    assert sum(changes.values()) == 1 and set(changes) <= {"silent", "declared"}
    assert seen[("monitor_fetch_duration_seconds_count", ())] == len(records)
    assert seen[("monitor_fetch_duration_seconds_sum", ())] == pytest.approx(
        sum(r.duration_ms for r in records) / 1000
    )
    buckets = sorted(
        (float(dict(labels)["le"]), value)
        for (name, labels), value in seen.items()
        if name == "monitor_fetch_duration_seconds_bucket"
    )
    assert buckets[-1] == (float("inf"), len(records))
    assert [v for _, v in buckets] == sorted(v for _, v in buckets)
    read = [r for r in records if r.extract_ms is not None]
    assert read and {r.outcome for r in read} >= {"first", "edit"}
    assert seen[("monitor_extraction_duration_seconds_count", ())] == len(read)
    assert seen[("monitor_extraction_duration_seconds_sum", ())] == pytest.approx(
        sum(r.extract_ms or 0.0 for r in read) / 1000
    )
    reading = sorted(
        (float(dict(labels)["le"]), value)
        for (name, labels), value in seen.items()
        if name == "monitor_extraction_duration_seconds_bucket"
    )
    assert reading[-1] == (float("inf"), len(read))
    assert [v for _, v in reading] == sorted(v for _, v in reading)
    pending = sum(1 for a in alerts if a[2] == "pending")
    assert pending >= 1
    assert seen[("monitor_outbox_alerts", ())] == pending
    assert seen[("monitor_schedule_lag_seconds", ())] > 23 * 3600
    assert samples(again.text) == seen  # a second scrape counts no row twice


def test_metrics_count_each_row_once_across_scrapes(
    filled: Filled, page_server: PageServer
) -> None:
    """Checks made between two scrapes are added once, whether their rows were still
    recent (counted again at each scrape) or settled (counted once and for all)."""
    later = {"now": _utcnow()}
    with reader(filled, clock=lambda: later["now"]) as monitor, serving(monitor) as base:
        before = samples(get(f"{base}/metrics").text)
        writer = Monitor(load_config(filled.config))
        try:
            writer.check([filled.gone])
        finally:
            writer.close()
        recent = samples(get(f"{base}/metrics").text)
        later["now"] += timedelta(hours=1)
        settled = samples(get(f"{base}/metrics").text)
        again = samples(get(f"{base}/metrics").text)
    key = ("monitor_checks_total", (("outcome", "error"),))
    assert recent[key] == before[key] + 1
    assert settled[key] == again[key] == recent[key]


def test_serving_writes_nothing(filled: Filled) -> None:
    """Scraping, reading feeds and reading pages leave every table as it was."""
    with reader(filled) as monitor:
        rows = dump(monitor)
        with serving(monitor) as base:
            for path in (
                "/metrics",
                "/feed.atom",
                "/watch/1/feed.atom",
                "/tag/desk/feed.atom",
                "/",
                "/watch/1",
                "/watch/1/diff?from=1&to=2",
                "/changes",
            ):
                assert get(base + path).status_code == 200, path
        assert dump(monitor) == rows


# -- feeds ---------------------------------------------------------------------------


def test_the_feed_has_an_entry_per_change_with_the_alert_subject_and_the_diff(
    filled: Filled,
) -> None:
    """/feed.atom is valid Atom: one entry for the edit, titled with the alert's subject,
    the text diff as content (page text escaped), the version's time, a tag: id."""
    with reader(filled) as monitor:
        edit = monitor.history(filled.story)[-1]
        pending = monitor.storage.alerts(filled.story)
        with serving(monitor) as base:
            response = get(f"{base}/feed.atom")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    assert response.headers["Content-Security-Policy"] == CSP
    assert SCRIPT.encode() not in response.content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in response.content
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    (entry,) = parsed.entries
    assert entry.title.startswith("[monitor] ") and "edit" in entry.title.lower()
    assert len(pending) == 1  # the edit's alert, whose subject the entry repeats
    assert SCRIPT in entry.content[0].value
    assert "+ The council said a note reading" in entry.content[0].value
    assert entry.content[0].type == "text/plain"
    assert entry.link == filled.story
    assert entry.id.startswith("tag:127.0.0.1,") and entry.id.endswith(
        "/version/3"
    )  # 2: the first page read in full
    assert datetime(*entry.updated_parsed[:6], tzinfo=UTC) == edit.created_at.replace(microsecond=0)


def test_the_entry_title_is_the_alert_subject(filled: Filled) -> None:
    """The entry's title is the subject line the alert of that version was sent with."""
    with reader(filled) as monitor:
        with monitor.storage.engine.connect() as connection:
            subject = connection.execute(
                text("SELECT subject FROM alert WHERE version_number = 3")
            ).scalar_one()
        with serving(monitor) as base:
            parsed = feedparser.parse(get(f"{base}/feed.atom").content)
    assert parsed.entries[0].title == subject


def test_feeds_per_watch_and_per_tag_hold_only_their_changes(filled: Filled) -> None:
    """/watch/ID/feed.atom, ?watch=ID and /tag/TAG/feed.atom show that watch's or tag's
    changes; an unknown watch is a 404."""
    with reader(filled) as monitor:
        ids = {w.url: w.id for w in monitor.watches()}
        with serving(monitor) as base:

            def titles(path: str) -> int:
                response = get(base + path)
                assert response.status_code == 200, path
                parsed = feedparser.parse(response.content)
                assert not parsed.bozo, path
                return len(parsed.entries)

            assert titles(f"/watch/{ids[filled.story]}/feed.atom") == 1
            assert titles(f"/feed.atom?watch={ids[filled.story]}") == 1
            assert titles(f"/watch/{ids[filled.steady]}/feed.atom") == 0
            assert titles("/tag/desk/feed.atom") == 1
            assert titles("/feed.atom?tag=desk") == 1
            assert titles("/tag/sports/feed.atom") == 0
            missing = get(f"{base}/watch/999/feed.atom")
    assert missing.status_code == 404
    assert missing.headers["Content-Security-Policy"] == CSP


# -- the credential ------------------------------------------------------------------


def test_a_request_without_the_token_is_refused(storage: Any, db_url: str, tmp_path: Path) -> None:
    """With [serve] token set, a request without it (or with another) gets 401; with it, 200."""
    config = write_config(tmp_path, db_url, '[serve]\ntoken = "s3cret"\n')
    monitor = Monitor(load_config(config), read_only=True)
    try:
        with serving(monitor) as base:
            bare = get(f"{base}/metrics")
            wrong = get(f"{base}/metrics", Authorization="Bearer nope")
            right = get(f"{base}/metrics", Authorization="Bearer s3cret")
    finally:
        monitor.close()
    assert bare.status_code == wrong.status_code == 401
    assert bare.headers["WWW-Authenticate"].startswith("Bearer")
    assert bare.headers["Content-Security-Policy"] == CSP
    assert right.status_code == 200


def test_basic_auth_guards_the_server(storage: Any, db_url: str, tmp_path: Path) -> None:
    """With [serve] user and password, only that pair gets in."""
    config = write_config(tmp_path, db_url, '[serve]\nuser = "ops"\npassword = "pw"\n')

    def basic(pair: str) -> str:
        return "Basic " + base64.b64encode(pair.encode()).decode()

    monitor = Monitor(load_config(config), read_only=True)
    try:
        with serving(monitor) as base:
            assert get(f"{base}/feed.atom").status_code == 401
            assert get(f"{base}/feed.atom", Authorization=basic("ops:no")).status_code == 401
            assert get(f"{base}/feed.atom", Authorization=basic("ops:pw")).status_code == 200
    finally:
        monitor.close()


def test_serve_refuses_a_public_address_without_a_credential(
    storage: Any, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`monitor serve --listen 0.0.0.0:PORT` with no credential: one line, exit status 2."""
    config = write_config(tmp_path, db_url)
    assert main(["--config", str(config), "serve", "--listen", f"0.0.0.0:{closed_port()}"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "refusing to listen on 0.0.0.0" in err and "[serve] token" in err


def test_a_credential_allows_a_public_address(storage: Any, db_url: str, tmp_path: Path) -> None:
    """With a token configured, serve listens on an address others can reach."""
    config = write_config(tmp_path, db_url, '[serve]\ntoken = "s3cret"\n')
    monitor = Monitor(load_config(config), read_only=True)
    try:
        with serving(monitor, "0.0.0.0:0") as base:
            assert get(f"{base}/metrics").status_code == 401
    finally:
        monitor.close()


@pytest.mark.parametrize(
    ("serve", "message"),
    [
        ('[serve]\nuser = "ops"\n', "[serve] password: basic auth needs both user and password"),
        ('[serve]\ntoken = ""\n', "[serve] token: must not be empty"),
        ("[serve]\ntoken = 5\n", "[serve] token: must be a string"),
        ('[serve]\nport = "80"\n', "[serve] port: unknown key"),
    ],
)
def test_serve_config_errors_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], serve: str, message: str
) -> None:
    """A malformed [serve] table is one line naming the key, exit status 1, no traceback."""
    config = write_config(tmp_path, f"sqlite:///{tmp_path}/m.db", serve)
    assert main(["--config", str(config), "serve"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert message in err, err


def test_serve_wants_a_database_with_a_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """serve writes nothing, not even a new database's schema: it says to migrate."""
    config = write_config(tmp_path, f"sqlite:///{tmp_path}/m.db")
    assert main(["--config", str(config), "serve"]) == 1
    assert "run `monitor migrate`" in capsys.readouterr().err


def test_the_command_serves_until_sigterm(
    storage: Any, db_url: str, tmp_path: Path, hang_guard: None
) -> None:
    """`monitor serve --listen 127.0.0.1:0` says where it listens, answers, and exits 0 on
    SIGTERM."""
    config = write_config(tmp_path, db_url)
    command = [sys.executable, "-m", "monitor.cli", "--config", str(config), "serve"]
    with subprocess.Popen(
        [*command, "--listen", "127.0.0.1:0"], stderr=subprocess.PIPE, text=True
    ) as process:
        assert process.stderr is not None
        line = process.stderr.readline()  # the readiness line; the hang guard bounds it
        match = re.fullmatch(r"monitor: serving on (http://127\.0\.0\.1:\d+/)\n", line)
        assert match, line
        response = get(f"{match.group(1)}metrics")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        rest = process.stderr.read()
    assert response.status_code == 200
    assert "# TYPE monitor_checks_total counter" in response.text
    assert "Traceback" not in rest
