"""Lease owners: who they are, and whether a process of this host that held one died."""

from __future__ import annotations

import os
import subprocess
import sys

from monitor.leases import dead_owners, owner_name, owner_pid, process_alive


def test_an_owner_names_its_host_and_pid() -> None:
    """The owner's name carries the host and pid that a later claim checks."""
    assert owner_pid(owner_name("news-1", 4242), "news-1") == 4242


def test_an_owner_of_another_host_or_named_otherwise_has_no_pid_here() -> None:
    """Another host's pid, or an owner named some other way, says nothing about liveness."""
    assert owner_pid(owner_name("news-2", 4242), "news-1") is None
    assert owner_pid("daemon", "news-1") is None
    assert owner_pid("news-1:x:abcdef", "news-1") is None


def test_dead_owners_are_the_ones_of_this_host_whose_process_ended() -> None:
    """Only owners on this host whose pid no longer runs are dead."""
    owners = [owner_name("news-1", 10), owner_name("news-1", 11), owner_name("news-2", 10), "cli"]
    assert dead_owners(owners, "news-1", alive=lambda pid: pid != 10) == [owners[0]]


def test_a_process_that_ended_is_not_alive_and_this_one_is() -> None:
    """The liveness check tells a reaped child from a running process."""
    child = subprocess.Popen([sys.executable, "-c", ""])
    child.wait(timeout=60)
    assert not process_alive(child.pid)
    assert process_alive(os.getpid())
