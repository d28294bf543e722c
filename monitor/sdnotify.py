"""The systemd notify protocol, without libsystemd.

Under ``Type=notify`` systemd hands the service a datagram socket in
``$NOTIFY_SOCKET`` and waits for ``READY=1`` before it calls the start done;
with ``WatchdogSec=`` it also expects ``WATCHDOG=1`` more often than
``$WATCHDOG_USEC`` and restarts the service when the pings stop. Outside
systemd the variable is unset and every call is a harmless no-op, so the
daemon can call these unconditionally.

See sd_notify(3) and sd_watchdog_enabled(3).
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Mapping

__all__ = [
    "Notifier",
    "notify",
    "ready",
    "reloading",
    "status",
    "stopping",
    "watchdog_interval",
    "watchdog_ping",
]

log = logging.getLogger(__name__)
SEND_WAIT = 1.0
"""Seconds a notification may wait for room in systemd's queue before it is dropped."""


class Notifier:
    """Sends state changes to the service manager named by an environment.

    The environment is read at each call rather than once, so the default
    (``os.environ``) follows later changes and tests can pass a plain dict.
    """

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self._env: Mapping[str, str] = os.environ if env is None else env

    def address(self) -> str | None:
        """The socket address to send to, or None when not run by systemd.

        A leading ``@`` names a socket in the abstract namespace. Anything
        other than an absolute path or ``@name`` (systemd also knows
        ``vsock:``, for virtual machines) is unsupported and reads as unset.
        """
        raw = self._env.get("NOTIFY_SOCKET", "")
        if raw.startswith("@") and len(raw) > 1:
            return "\0" + raw[1:]
        if raw.startswith("/"):
            return raw
        if raw:
            log.warning("ignoring NOTIFY_SOCKET=%r: not a path or @abstract name", raw)
        return None

    def notify(self, state: str, wait: float = SEND_WAIT) -> bool:
        """Send one notification (``KEY=value`` lines); True if it was sent.

        False when there is no service manager to tell, or when sending
        failed: a daemon must not die because systemd went away, so the
        failure is logged instead of raised. Nor must it hang because systemd
        reads slowly: a datagram socket's queue is short (10 on Linux), and a
        full one blocks the sender, so a send waits ``wait`` seconds at most.
        """
        address = self.address()
        if address is None:
            return False
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                sock.settimeout(wait)
                sock.sendto(state.encode("utf-8"), address)
        except OSError as exc:
            log.warning("could not notify systemd at %r: %s", address.replace("\0", "@"), exc)
            return False
        return True

    def ready(self) -> bool:
        """Tell systemd start-up is complete (``READY=1``)."""
        return self.notify("READY=1")

    def reloading(self) -> bool:
        """Tell systemd a reload began; send ``ready()`` again when it is done.

        Newer systemd (253+) wants the monotonic clock of the request with it.
        """
        return self.notify(f"RELOADING=1\nMONOTONIC_USEC={time.monotonic_ns() // 1000}")

    def stopping(self) -> bool:
        """Tell systemd the service is shutting down (``STOPPING=1``)."""
        return self.notify("STOPPING=1")

    def status(self, text: str) -> bool:
        """Set the one-line status ``systemctl status`` shows.

        Newlines would start a new protocol field, so they become spaces.
        """
        one_line = " ".join(text.splitlines())
        return self.notify(f"STATUS={one_line}")

    def watchdog_ping(self) -> bool:
        """Tell the watchdog the service is alive (``WATCHDOG=1``). Sent from the event
        loop: never waits (a ping that finds systemd's queue full is dropped; the next
        one goes when systemd has read)."""
        return self.notify("WATCHDOG=1", wait=0.0)

    def watchdog_interval(self) -> float | None:
        """Seconds between watchdog pings, or None when no watchdog watches us.

        That is half of ``$WATCHDOG_USEC``, the margin sd_watchdog_enabled(3)
        recommends. When ``$WATCHDOG_PID`` is set the watchdog is ours only if
        it names this process (a child may inherit the environment).
        """
        try:
            usec = int(self._env.get("WATCHDOG_USEC", ""))
            pid = int(self._env.get("WATCHDOG_PID", os.getpid()))
        except ValueError:
            return None
        if pid != os.getpid():
            return None
        if usec <= 0:
            return None
        return usec / 2_000_000


_default = Notifier()


def notify(state: str) -> bool:
    """Send ``state`` to $NOTIFY_SOCKET; False when unset or on failure."""
    return _default.notify(state)


def ready() -> bool:
    """Send ``READY=1``."""
    return _default.ready()


def reloading() -> bool:
    """Send ``RELOADING=1`` with the current monotonic time."""
    return _default.reloading()


def stopping() -> bool:
    """Send ``STOPPING=1``."""
    return _default.stopping()


def status(text: str) -> bool:
    """Send ``STATUS=text``, newlines folded to spaces."""
    return _default.status(text)


def watchdog_ping() -> bool:
    """Send ``WATCHDOG=1``."""
    return _default.watchdog_ping()


def watchdog_interval() -> float | None:
    """Half of $WATCHDOG_USEC in seconds, or None without a watchdog for us."""
    return _default.watchdog_interval()
