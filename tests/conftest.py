"""Shared fixtures: real local servers for HTTP pages, SMTP, the Slack webhook and other
JSON webhooks, and the databases (SQLite, PostgreSQL) that storage runs on."""

from __future__ import annotations

import functools
import importlib
import os
import secrets
import shutil
import signal
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

import psycopg
import pytest
from apprise.plugins.discord import NotifyDiscord
from apprise.plugins.slack import NotifySlack
from browsing import REQUIRE, Chromium, chromium_problem
from servers import DiscordReceiver, PageServer, SlackReceiver, SMTPServer, WebhookReceiver

from monitor.storage import Storage

# Apprise's email plugin imports imghdr (for PGPy), deprecated since Python 3.11: under
# warnings-as-errors the first test that loads apprise's plugins would fail. Importing it
# once here, quietly, keeps every other warning an error.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    importlib.import_module("imghdr")

HANG_GUARD_S = 120
"""Seconds a test using ``hang_guard`` may run before it fails: a guard against a hang
(a regular expression gone quadratic on a big input), never a measure of speed."""


@pytest.fixture
def hang_guard() -> Iterator[None]:
    """Fail the test, instead of hanging the suite, if it runs past ``HANG_GUARD_S``."""

    def expired(signum: int, frame: FrameType | None) -> None:
        pytest.fail(f"still running after {HANG_GUARD_S} s: a hang, not a slow machine")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(HANG_GUARD_S)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Chromium]:
    """Debian's headless Chromium, one for the whole run; it not starting skips the page
    tests, or fails them where MONITOR_REQUIRE_CHROMIUM=1 says they must run (CI)."""
    try:
        browser = Chromium()
    except Exception as error:
        if os.environ.get(REQUIRE) == "1":
            pytest.fail(f"{chromium_problem(error)}. {REQUIRE}=1 says these tests must run", False)
        pytest.skip(chromium_problem(error))
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture
def page_server() -> Iterator[PageServer]:
    """A web server on 127.0.0.1 serving whatever pages the test sets."""
    with PageServer() as server:
        yield server


@pytest.fixture
def smtp_server() -> Iterator[SMTPServer]:
    """An SMTP server on 127.0.0.1 collecting every message it is sent."""
    with SMTPServer() as server:
        yield server


@pytest.fixture
def slack_receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[SlackReceiver]:
    """A Slack webhook on 127.0.0.1; Apprise's slack:// URLs post to it for this test."""
    with SlackReceiver() as receiver:
        # Apprise hard-codes the webhook host; this class attribute is the only way in.
        monkeypatch.setattr(NotifySlack, "webhook_url", receiver.webhook_url)
        yield receiver


@pytest.fixture
def discord_receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[DiscordReceiver]:
    """A Discord webhook on 127.0.0.1; Apprise's discord:// URLs post to it for this test."""
    with DiscordReceiver() as receiver:
        # As for Slack: Apprise hard-codes the host in this class attribute.
        monkeypatch.setattr(NotifyDiscord, "notify_url", receiver.webhook_url)
        yield receiver


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    """A JSON webhook on 127.0.0.1 collecting every POST (json://, Misskey, Rocket.Chat)."""
    with WebhookReceiver() as receiver:
        yield receiver


# -- databases ----------------------------------------------------------------------------

POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
POSTGRES_START = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"


@functools.cache
def _postgres_problem() -> str | None:
    """Why PostgreSQL cannot be used, or None when it answers (asked once per run)."""
    try:
        with psycopg.connect(_libpq_url(), connect_timeout=3) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as error:
        return f"PostgreSQL at 127.0.0.1:5432 (database 'test') does not answer: {error}"
    return None


def _libpq_url() -> str:
    return POSTGRES_URL.replace("+psycopg", "")


@contextmanager
def _postgres_schema() -> Iterator[str]:
    """A fresh schema, so each test starts from an empty database; dropped afterwards."""
    problem = _postgres_problem()
    if problem is not None:
        if os.environ.get("MONITOR_REQUIRE_POSTGRES") == "1":
            pytest.fail(
                f"{problem}. MONITOR_REQUIRE_POSTGRES=1 says these tests must run: "
                f"start it with `{POSTGRES_START}`",
                pytrace=False,
            )
        pytest.skip(f"{problem}; start it with `{POSTGRES_START}`")
    schema = f"t_{secrets.token_hex(6)}"
    with psycopg.connect(_libpq_url(), autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
        try:
            yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
        finally:
            # A connection a test left inside a transaction would block the drop forever.
            admin.execute("SET lock_timeout = '10s'")
            admin.execute(f"DROP SCHEMA {schema} CASCADE")


BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/monitor.db"
        return
    with _postgres_schema() as url:
        yield url


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database migrated once per run, copied for each test (migrating is slower)."""
    path = tmp_path_factory.mktemp("template") / "monitor.db"
    template = Storage(f"sqlite:///{path}")
    template.migrate()
    template.close()
    return path


@pytest.fixture
def storage(db_url: str, request: pytest.FixtureRequest) -> Iterator[Storage]:
    """A migrated, empty ``Storage`` on each backend."""
    if db_url.startswith("sqlite:///"):
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), db_url[len("sqlite:///") :])
        store = Storage(db_url)
    else:
        store = Storage(db_url)
        store.migrate()
    try:
        yield store
    finally:
        store.close()
