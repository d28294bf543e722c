"""Who holds a watch's lease, and whether that process still lives.

A lease names its owner ``host:pid:tag``. Its expiry bounds how long a watch stays taken
when its owner vanished on another host; on this host, the owner's pid says at once
whether it died (a crash, SIGKILL, the OOM killer), and a dead owner's lease is free.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable, Iterable


def this_host() -> str:
    return socket.gethostname()


def owner_name(host: str | None = None, pid: int | None = None) -> str:
    """This process's name in leases: host and pid (so that a dead owner is known for
    one), and a tag telling apart two monitors in one process (the tests)."""
    return f"{host or this_host()}:{pid or os.getpid()}:{uuid.uuid4().hex[:6]}"


def owner_pid(owner: str, host: str) -> int | None:
    """The pid of ``owner`` when it is a process on ``host``; None for another host's, or
    an owner named some other way (then only its expiry frees its leases)."""
    parts = owner.rsplit(":", 2)
    if len(parts) != 3 or parts[0] != host or not parts[1].isdigit():
        return None
    return int(parts[1])


def process_alive(pid: int) -> bool:
    """Whether a process ``pid`` exists (a reused pid counts as alive: the lease then
    lasts its period, as on another host)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def dead_owners(
    owners: Iterable[str], host: str, alive: Callable[[int], bool] = process_alive
) -> list[str]:
    """The owners among ``owners`` that were processes on ``host`` and have died."""
    dead = []
    for owner in owners:
        pid = owner_pid(owner, host)
        if pid is not None and not alive(pid):
            dead.append(owner)
    return dead
