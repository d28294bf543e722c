"""Crashes: `monitor check --all` and `monitor run` killed with SIGKILL at random points,
over and over, while the pages change between runs, lose nothing, invent nothing and
alert at least once (twice only in the at-least-once window).

Each cycle serves a new revision of every page, then runs the real command (a
subprocess; `check` and `run` in turn) and kills it after a random delay (seeded, so a
failure can be replayed), or lets a `check` finish. Before a daemon's turn the watches
are made due, as time would. Then, one lease period later (an injected clock, not a wait), a last
check recovers what the killed runs held, and the database and the webhook receiver
are compared with what was served: version numbers without a gap, each version a
revision that was served, in order, none twice, every version a finished run reported
still there, and every alert delivered to each target, once (twice only where a run was
killed between a target's answer and its record).

MONITOR_CRASH_CYCLES sets the number of cycles (CI runs a few; run more by hand:
``MONITOR_CRASH_CYCLES=200 .venv/bin/python -m pytest tests/test_crash.py``), and
MONITOR_CRASH_SEED the seed.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from servers import PageServer, WebhookReceiver
from sqlalchemy import update

from monitor.app import Monitor
from monitor.config import load_config
from monitor.schema import WatchRow
from monitor.storage import Storage

CYCLES = int(os.environ.get("MONITOR_CRASH_CYCLES", "4"))
SEED = int(os.environ.get("MONITOR_CRASH_SEED", "8"))
PAGES = 3
TARGETS = ("/desk", "/night")
"""Two json:// targets on one receiver, told apart by their paths."""
MONITOR = str(Path(sys.executable).with_name("monitor"))
KILL_SHARE = 0.75
"""The share of runs that are killed; the rest finish, and must keep what they report."""
RUN_LIMIT = 60.0

PROSE = (
    "<p>The regional council met on Tuesday evening to discuss the new bridge over the "
    "river, which has divided the town for most of the year.</p>"
    "<p>Residents on both banks spoke for and against the plan in a session that lasted "
    "well past midnight, according to the minutes published the next day.</p>"
)
REVISION = re.compile(r"voted on the plan (\d+) times")


def page(number: int, revision: int) -> str:
    """Page ``number`` as it stands at ``revision``: one sentence counts the revisions."""
    return (
        f"<html><head><title>Bridge story {number}</title></head><body><article>"
        f"<h1>Bridge story {number}</h1>{PROSE}"
        f"<p>The council has voted on the plan {revision} times since the spring, the "
        f"clerk said, and will vote again in the autumn.</p>{PROSE}"
        "</article></body></html>"
    )


@dataclass
class Finished:
    """A run that was not killed: what it reported."""

    revision: int
    versions: dict[str, int] = field(default_factory=dict)
    """The version each watch got in this run, by URL (new versions only)."""


def run_check(config: Path, kill_after: float | None) -> dict[str, int] | None:
    """Run `monitor check --all`; kill it after ``kill_after`` seconds, or let it finish and
    return the new versions it reported. None when it was killed before it finished."""
    proc = subprocess.Popen(
        [MONITOR, "--config", str(config), "check", "--all", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # so whatever it leaves behind can be ended with it
    )
    try:
        out, err = proc.communicate(timeout=kill_after if kill_after is not None else RUN_LIMIT)
    except subprocess.TimeoutExpired:
        if kill_after is None:
            raise
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        out = None
    finally:
        # The workers of a killed run are not what this test is about: end them.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    if out is None:
        return None
    assert b"Traceback" not in err, err.decode(errors="replace")
    reports = json.loads(out)
    return {r["url"]: r["version"] for r in reports if r["version"] is not None}


def run_daemon(config: Path, kill_after: float) -> None:
    """Start `monitor run` and kill it after ``kill_after`` seconds (it never ends alone)."""
    proc = subprocess.Popen(
        [MONITOR, "--config", str(config), "run"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        _, err = proc.communicate(timeout=kill_after)
        raise AssertionError(f"the daemon exited by itself: {err.decode(errors='replace')}")
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        _, err = proc.communicate()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    assert b"Traceback" not in err, err.decode(errors="replace")


def make_due(url: str) -> None:
    """Every watch due now, as if its interval had passed."""
    storage = Storage(url)
    try:
        with storage.engine.begin() as connection:
            connection.execute(
                update(WatchRow).values(next_check_at=datetime(2000, 1, 1, tzinfo=UTC))
            )
    finally:
        storage.close()


def served_revision(text: str) -> int:
    match = REVISION.search(text)
    assert match, text
    return int(match.group(1))


def test_sigkill_loses_no_version_invents_none_and_alerts_each_target_once_or_in_the_window(
    db_url: str, tmp_path: Path, page_server: PageServer, webhook_receiver: WebhookReceiver
) -> None:
    """Killing `monitor check` at random points while pages change leaves gap-free
    versions, each a served revision in order, none lost or invented, and each alert
    delivered to each target once, or twice when the process was killed between the
    target's answer and its record (the README's at-least-once window)."""
    url = db_url
    urls = [page_server.url(f"/story-{n}") for n in range(PAGES)]
    targets = ", ".join(f'"json://{webhook_receiver.netloc}{path}"' for path in TARGETS)
    config = tmp_path / "monitor.toml"
    config.write_text(
        f'[storage]\nurl = "{url}"\n'
        f"[notify]\nurls = [{targets}]\n"
        # The page server is on loopback; a short lease so killed runs hold watches briefly.
        '[monitor]\nallow_internal = ["127.0.0.1"]\nlease = "1s"\ntimeout = "5s"\ntick = "1s"\n'
        # Every revision an alert of its own, however many cycles (not folded in a digest).
        f"alerts_per_hour = {CYCLES + 10}\n"
        + "".join(f'[[watch]]\nurl = "{u}"\nname = "story-{n}"\n' for n, u in enumerate(urls)),
        encoding="utf-8",
    )
    rng = random.Random(SEED)
    # How long a whole run takes here, so kills land anywhere from start-up to delivery.
    for n in range(PAGES):
        page_server.set(f"/story-{n}", page(n, 0))
    started = time.monotonic()
    first = run_check(config, None)
    span = time.monotonic() - started
    assert first is not None and sorted(first) == sorted(urls)
    finished = [Finished(0, first)]
    # Where each killed run's posts begin in the receiver's list (they end where the next
    # run's begin): an alert told twice to a target was told first in one of them.
    killed_from: list[int] = []
    for revision in range(1, CYCLES + 1):
        for n in range(PAGES):
            page_server.set(f"/story-{n}", page(n, revision))
        if revision % 2 == 0:
            make_due(url)
            # The daemon starts like a check, then ticks every second: it is killed
            # anywhere from its start to well after its first checks.
            killed_from.append(len(webhook_receiver.posts))
            run_daemon(config, rng.uniform(0.05, span * 1.5))
            continue
        kill_after = rng.uniform(0.05, span) if rng.random() < KILL_SHARE else None
        posted = len(webhook_receiver.posts)
        versions = run_check(config, kill_after)
        if versions is not None:
            finished.append(Finished(revision, versions))
        else:
            killed_from.append(posted)

    # One lease period (and the alerts' hold) later, whatever the killed runs held is free.
    later = datetime.now(UTC) + timedelta(hours=1)
    recovery = Monitor(load_config(config), clock=lambda: later)
    runs_end = len(webhook_receiver.posts)
    try:
        reports = recovery.check()
    finally:
        recovery.close()
    assert not [r for r in reports if r.outcome in ("error", "busy")], reports

    storage = Storage(url)
    try:
        for watch_url in urls:
            history = storage.history(watch_url)
            numbers = [v.number for v in history]
            assert numbers == list(range(1, len(history) + 1)), numbers
            served = {v.number: served_revision("\n".join(v.article.paragraphs)) for v in history}
            # Each version is a revision that was served, in the order served, none twice
            # (a reading is the first page's, read again), and the last one is what the
            # page says now.
            revisions = [served[v.number] for v in history if v.kind != "reading"]
            assert revisions == sorted(set(revisions)), [
                (v.number, v.kind, served[v.number]) for v in history
            ]
            assert revisions[-1] == CYCLES, revisions
            for run in finished:
                if watch_url in run.versions:
                    number = run.versions[watch_url]
                    assert served[number] == run.revision, (run, served)
            alerts = storage.alerts(watch_url)
            changes = [v.number for v in history[1:] if v.kind != "reading"]
            assert [a[0] for a in alerts] == changes, alerts
            assert all(state == "sent" for _, _, state, _, _ in alerts), alerts
    finally:
        storage.close()

    posts = webhook_receiver.posts
    alerts_made = sum(len(storage_alerts) for storage_alerts in _alert_counts(url, urls))
    first_told: dict[tuple[str, str], int] = {}
    told_again: list[int] = []  # where each alert told twice to a target was told first
    for index, post in enumerate(posts):
        key = (post.path, json.dumps(post.payload, sort_keys=True))
        if key in first_told:
            told_again.append(first_told[key])
        else:
            first_told[key] = index
    # Every alert reached every target.
    assert Counter(path for path, _ in first_told) == dict.fromkeys(TARGETS, alerts_made)
    # At least once, and twice only in the README's window: a process killed after a
    # target accepted the alert and before the database recorded it. So an alert told
    # twice was first told in a run that was then killed, and a killed run leaves one
    # such at most.
    bounds = [*killed_from, runs_end]
    runs = [
        next((k for k in range(len(killed_from)) if bounds[k] <= i < bounds[k + 1]), None)
        for i in told_again
    ]
    assert None not in runs, (told_again, killed_from, runs_end)
    assert len(runs) == len(set(runs)), (told_again, killed_from, runs_end)


def _alert_counts(url: str, urls: list[str]) -> list[list[object]]:
    storage = Storage(url)
    try:
        return [list(storage.alerts(u)) for u in urls]
    finally:
        storage.close()
