"""The systemd notify protocol, spoken to a real datagram socket standing in for systemd."""

from __future__ import annotations

import logging
import os
import socket
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor import sdnotify
from monitor.sdnotify import Notifier


class FakeSystemd:
    """The receiving end of $NOTIFY_SOCKET, as systemd holds it."""

    def __init__(self, sock: socket.socket, notify_socket: str) -> None:
        self.sock = sock
        self.notify_socket = notify_socket

    def receive(self) -> str:
        """The next datagram; the socket timeout fails the test instead of hanging it."""
        return self.sock.recv(4096).decode("utf-8")

    def nothing_pending(self) -> bool:
        """Whether no datagram is waiting right now."""
        timeout = self.sock.gettimeout()
        self.sock.setblocking(False)
        try:
            self.sock.recv(4096)
        except BlockingIOError:
            return True
        finally:
            self.sock.settimeout(timeout)
        return False


def _bound_socket(address: str) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(address)
    sock.settimeout(5)
    return sock


@pytest.fixture
def systemd() -> Iterator[FakeSystemd]:
    """A socket at a filesystem path; a short temp dir keeps it under the 108-byte limit."""
    with tempfile.TemporaryDirectory(prefix="sdn") as tmp:
        path = str(Path(tmp) / "notify")
        with _bound_socket(path) as sock:
            yield FakeSystemd(sock, path)


@pytest.fixture
def abstract_systemd() -> Iterator[FakeSystemd]:
    """A socket in the abstract namespace, which systemd writes with a leading '@'."""
    name = f"monitor-test-{uuid.uuid4().hex}"
    with _bound_socket("\0" + name) as sock:
        yield FakeSystemd(sock, "@" + name)


def test_ready_sends_ready_1(systemd: FakeSystemd) -> None:
    """ready() sends exactly READY=1 and reports that it was sent."""
    notifier = Notifier({"NOTIFY_SOCKET": systemd.notify_socket})
    assert notifier.ready() is True
    assert systemd.receive() == "READY=1"


def test_watchdog_ping_sends_watchdog_1(systemd: FakeSystemd) -> None:
    """watchdog_ping() sends WATCHDOG=1."""
    assert Notifier({"NOTIFY_SOCKET": systemd.notify_socket}).watchdog_ping() is True
    assert systemd.receive() == "WATCHDOG=1"


def test_stopping_sends_stopping_1(systemd: FakeSystemd) -> None:
    """stopping() sends STOPPING=1."""
    assert Notifier({"NOTIFY_SOCKET": systemd.notify_socket}).stopping() is True
    assert systemd.receive() == "STOPPING=1"


def test_status_sends_the_text(systemd: FakeSystemd) -> None:
    """status(text) sends STATUS= followed by the text, UTF-8 included."""
    Notifier({"NOTIFY_SOCKET": systemd.notify_socket}).status("watching 12 pages — 1 failing")
    assert systemd.receive() == "STATUS=watching 12 pages — 1 failing"


def test_status_folds_newlines_so_no_field_is_injected(systemd: FakeSystemd) -> None:
    """A newline in the status text cannot start a second protocol field such as READY=1."""
    Notifier({"NOTIFY_SOCKET": systemd.notify_socket}).status("fetch failed\nREADY=1")
    assert systemd.receive() == "STATUS=fetch failed READY=1"


def test_reloading_carries_the_monotonic_time(systemd: FakeSystemd) -> None:
    """reloading() sends RELOADING=1 and the CLOCK_MONOTONIC time newer systemd requires."""
    before = time.monotonic_ns() // 1000
    Notifier({"NOTIFY_SOCKET": systemd.notify_socket}).reloading()
    after = time.monotonic_ns() // 1000
    reloading, monotonic = systemd.receive().split("\n")
    assert reloading == "RELOADING=1"
    key, _, usec = monotonic.partition("=")
    assert key == "MONOTONIC_USEC"
    assert before <= int(usec) <= after


def test_notify_sends_several_fields_in_one_datagram(systemd: FakeSystemd) -> None:
    """notify() passes a multi-line state through unchanged, as one datagram."""
    Notifier({"NOTIFY_SOCKET": systemd.notify_socket}).notify("READY=1\nSTATUS=up")
    assert systemd.receive() == "READY=1\nSTATUS=up"


def test_abstract_namespace_address(abstract_systemd: FakeSystemd) -> None:
    """An '@' address reaches the socket of that name in the abstract namespace."""
    notifier = Notifier({"NOTIFY_SOCKET": abstract_systemd.notify_socket})
    assert notifier.ready() is True
    assert abstract_systemd.receive() == "READY=1"


def test_unset_notify_socket_is_a_no_op() -> None:
    """Without NOTIFY_SOCKET every call returns False and nothing is sent."""
    notifier = Notifier({})
    assert notifier.address() is None
    assert notifier.notify("READY=1") is False
    assert notifier.ready() is False
    assert notifier.stopping() is False
    assert notifier.status("x") is False
    assert notifier.watchdog_ping() is False


@pytest.mark.parametrize("value", ["", "@", "relative/path", "vsock:2:1234"])
def test_unsupported_addresses_read_as_unset(value: str) -> None:
    """Empty, bare '@', relative and non-AF_UNIX addresses are treated as no systemd."""
    assert Notifier({"NOTIFY_SOCKET": value}).ready() is False


def test_missing_socket_returns_false_and_logs(caplog: pytest.LogCaptureFixture) -> None:
    """A send that fails (systemd gone) returns False and logs a warning instead of raising."""
    with tempfile.TemporaryDirectory(prefix="sdn") as tmp:
        notifier = Notifier({"NOTIFY_SOCKET": str(Path(tmp) / "gone")})
        with caplog.at_level(logging.WARNING, logger="monitor.sdnotify"):
            assert notifier.watchdog_ping() is False
    assert "could not notify systemd" in caplog.text


def test_environment_is_read_at_each_call(systemd: FakeSystemd) -> None:
    """A Notifier sees later changes to its environment mapping, as it does os.environ."""
    env: dict[str, str] = {}
    notifier = Notifier(env)
    assert notifier.ready() is False
    env["NOTIFY_SOCKET"] = systemd.notify_socket
    assert notifier.ready() is True
    assert systemd.receive() == "READY=1"
    assert systemd.nothing_pending()


def test_module_functions_use_os_environ(
    systemd: FakeSystemd, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The module-level shortcuts follow the process environment."""
    monkeypatch.setenv("NOTIFY_SOCKET", systemd.notify_socket)
    assert sdnotify.status("starting") is True
    assert systemd.receive() == "STATUS=starting"
    monkeypatch.delenv("NOTIFY_SOCKET")
    assert sdnotify.ready() is False


def test_watchdog_interval_is_half_the_period() -> None:
    """WATCHDOG_USEC=60000000 (WatchdogSec=60) asks for a ping every 30 seconds."""
    assert Notifier({"WATCHDOG_USEC": "60000000"}).watchdog_interval() == 30.0


def test_watchdog_interval_for_this_pid() -> None:
    """A WATCHDOG_PID naming this process keeps the watchdog."""
    env = {"WATCHDOG_USEC": "1000000", "WATCHDOG_PID": str(os.getpid())}
    assert Notifier(env).watchdog_interval() == 0.5


def test_watchdog_interval_for_another_pid_is_none() -> None:
    """A WATCHDOG_PID naming another process (our parent's watchdog) means no watchdog for us."""
    env = {"WATCHDOG_USEC": "1000000", "WATCHDOG_PID": str(os.getpid() + 1)}
    assert Notifier(env).watchdog_interval() is None


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"WATCHDOG_USEC": ""},
        {"WATCHDOG_USEC": "0"},
        {"WATCHDOG_USEC": "-5"},
        {"WATCHDOG_USEC": "sixty"},
        {"WATCHDOG_USEC": "1000000", "WATCHDOG_PID": "not-a-pid"},
    ],
)
def test_watchdog_interval_without_a_valid_period_is_none(env: dict[str, str]) -> None:
    """A missing, zero, negative or malformed WATCHDOG_USEC (or malformed PID) means no watchdog."""
    assert Notifier(env).watchdog_interval() is None


def test_a_systemd_that_reads_nothing_never_blocks_the_daemon(systemd: FakeSystemd) -> None:
    """The socket's queue holds 10 datagrams on Linux; past that, a ping is dropped at once
    and a state waits its bounded time, then is dropped: neither blocks for good (the
    daemon's event loop sends them: blocked, it would stop while looking alive)."""
    notifier = Notifier({"NOTIFY_SOCKET": systemd.notify_socket})
    sent = [notifier.watchdog_ping() for _ in range(200)]
    assert sent[0] is True and sent[-1] is False, "the queue filled, and pings were dropped"
    assert notifier.notify("STOPPING=1", wait=0.01) is False
    assert systemd.receive() == "WATCHDOG=1", "what was queued is still there"
