"""The extraction workers: real processes, a deadline per page, workers that die and are
replaced, and an event loop that keeps running while a page is read."""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable
from pathlib import Path
from typing import TypeVar

import psutil
import pytest
from fixtures.hostile_pages import json_ld_author_bomb
from fixtures.seed_pages import Chrome, page_v1

from monitor.errors import ExtractionError
from monitor.extract import Extraction, extract
from monitor.models import WatchOptions
from monitor.workers import ExtractionPool

T = TypeVar("T")
URL = "https://example.org/news/story"
HOSTILE = json_ld_author_bomb()


def report_pid_and_wait(port: int) -> int:
    """A job that tells the test its worker's pid over a socket, then waits for a hang-up."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(f"{os.getpid()}\n".encode())
        sock.recv(1)
    return os.getpid()


class Rendezvous:
    """A socket on 127.0.0.1 where jobs say which worker runs them."""

    def __init__(self) -> None:
        self.arrivals: asyncio.Queue[tuple[int, asyncio.StreamWriter]] = asyncio.Queue()
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []

    async def __aenter__(self) -> Rendezvous:
        self._server = await asyncio.start_server(self._arrived, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for writer in self._writers:
            writer.close()
            await writer.wait_closed()
        await self._server.wait_closed()

    async def _arrived(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.append(writer)
        self.arrivals.put_nowait((int(await reader.readline()), writer))


def run(coroutine: Awaitable[T]) -> T:
    async def main() -> T:
        return await coroutine

    return asyncio.run(main())


def read(pool: ExtractionPool, html: bytes) -> Awaitable[Extraction]:
    return pool.run(extract, html, URL, WatchOptions(), None)


def test_a_single_job_runs_in_a_worker_process() -> None:
    """With one job (concurrency 1, or one core) the page is still read in another process."""

    async def scenario() -> int:
        with ExtractionPool(1, deadline=20) as pool:
            return await pool.run(os.getpid)

    assert run(scenario()) != os.getpid()


def test_a_page_past_its_deadline_is_a_clear_error_and_the_next_page_is_read() -> None:
    """The hostile page is cut at the deadline with a message saying so; the next page reads."""

    async def scenario() -> tuple[float, str, Extraction]:
        with ExtractionPool(1, deadline=1) as pool:
            await pool.run(os.getpid)  # the worker is up: the deadline is the job's alone
            started = time.monotonic()
            with pytest.raises(ExtractionError) as error:
                await read(pool, HOSTILE)
            took = time.monotonic() - started
            return took, str(error.value), await read(pool, page_v1(Chrome(1)).encode())

    took, message, after = run(scenario())
    assert took < 1 + 1.5
    assert message.startswith("extraction took longer than 1 s; the page may be hostile or huge")
    assert after.article is not None and after.article.paragraphs


def test_a_worker_killed_mid_job_fails_that_job_and_the_next_one_runs() -> None:
    """SIGKILL to the worker reading a page (the OOM killer) is that check's error only."""

    async def scenario() -> tuple[int, str, int]:
        with ExtractionPool(1, deadline=20) as pool:
            async with Rendezvous() as rendezvous:
                job = asyncio.ensure_future(pool.run(report_pid_and_wait, rendezvous.port))
                pid, _ = await rendezvous.arrivals.get()
                os.kill(pid, signal.SIGKILL)
                with pytest.raises(ExtractionError) as error:
                    await job
            return pid, str(error.value), await pool.run(os.getpid)

    killed, message, next_worker = run(scenario())
    assert "the extraction worker died (killed by SIGKILL" in message
    assert next_worker not in (killed, os.getpid())


def test_a_worker_killed_while_idle_leaves_the_pool_working() -> None:
    """An idle worker's death, which breaks a pebble pool for good, costs no check."""

    async def scenario() -> tuple[int, int]:
        with ExtractionPool(1, deadline=20) as pool:
            idle = await pool.run(os.getpid)
            os.kill(idle, signal.SIGKILL)
            return idle, await pool.run(os.getpid)

    idle, next_worker = run(scenario())
    assert next_worker != idle


def test_the_event_loop_runs_while_a_hostile_page_is_read() -> None:
    """With one worker, the loop keeps turning while the pool starts and a page holds the
    parser for seconds."""

    async def scenario() -> list[float]:
        loop = asyncio.get_running_loop()
        turns: list[float] = []
        done = False

        def turn() -> None:
            turns.append(loop.time())
            if not done:
                loop.call_soon(turn)

        with ExtractionPool(1, deadline=1.5) as pool:
            turn()  # from before the pool starts: starting it does not hold the loop either
            with pytest.raises(ExtractionError):
                await read(pool, HOSTILE)
            done = True
        return turns

    turns = run(scenario())
    assert turns[-1] - turns[0] >= 1.5
    assert max(later - earlier for earlier, later in itertools.pairwise(turns)) < 0.5


OWNER = """
import asyncio, sys
from fixtures.jobs import report_pid_then_hold_the_gil
from monitor.workers import ExtractionPool

async def main():
    with ExtractionPool(2, deadline=600) as pool:
        await pool.run(report_pid_then_hold_the_gil, int(sys.argv[1]))

if __name__ == "__main__":
    asyncio.run(main())
"""


@pytest.mark.parametrize(
    "signum", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT], ids=["KILL", "TERM", "INT"]
)
def test_workers_die_with_the_process_that_owns_them(signum: int, tmp_path: Path) -> None:
    """However the owner ends (SIGKILL included), its forkserver, its workers (one stuck in
    a regex that holds the GIL) and its resource tracker end with it."""
    script = tmp_path / "owner.py"
    script.write_text(OWNER, encoding="utf-8")
    tests = Path(__file__).parent
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.settimeout(60)
        owner = subprocess.Popen(
            [sys.executable, str(script), str(server.getsockname()[1])],
            env={**os.environ, "PYTHONPATH": str(tests)},
        )
        try:
            connection, _ = server.accept()
            with connection:
                busy = int(connection.makefile().readline())
            family = psutil.Process(owner.pid).children(recursive=True)
            assert busy in {child.pid for child in family}
            owner.send_signal(signum)
            owner.wait(timeout=60)
        finally:
            owner.kill()
    _, alive = psutil.wait_procs(family, timeout=30)
    for left in alive:  # a failing run leaves nothing behind either
        left.kill()
    assert alive == []


class Clock:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_idle_workers_are_let_go_and_the_next_page_starts_them_again() -> None:
    """After ``idle`` seconds with no page to read (a daemon whose pages answer 304), the
    workers and their forkserver end; the next page is read by new ones."""
    clock = Clock()

    async def scenario() -> tuple[bool, bool, int, list[int], int]:
        with ExtractionPool(1, deadline=20, idle=300, clock=clock) as pool:
            first = await pool.run(os.getpid)
            clock.now += 299
            early = await pool.release_if_idle()
            server = psutil.Process(first).ppid()  # the forkserver the worker came from
            clock.now += 1
            released = await pool.release_if_idle()
            gone = [pid for pid in (first, server) if psutil.pid_exists(pid)]
            return early, released and not pool.running, first, gone, await pool.run(os.getpid)

    early, released, first, alive, next_worker = run(scenario())
    assert not early, "299 s idle: the workers stay"
    assert released
    assert alive == [], "the worker and the forkserver ended"
    assert next_worker not in (first, os.getpid())


def test_a_pool_reading_a_page_is_never_idle() -> None:
    """A job in flight, however long it has run, keeps the workers."""
    clock = Clock()

    async def scenario() -> bool:
        with ExtractionPool(1, deadline=20, idle=1, clock=clock) as pool:
            async with Rendezvous() as rendezvous:
                job = asyncio.ensure_future(pool.run(report_pid_and_wait, rendezvous.port))
                _, writer = await rendezvous.arrivals.get()
                clock.now += 3600
                released = await pool.release_if_idle()
                writer.close()
                await job
            return released

    assert run(scenario()) is False


def test_a_worker_that_cannot_start_says_so_in_one_line_not_a_traceback() -> None:
    """The forkserver (``python -c``, monitor.workers imported first) prints an error of a
    worker it forks in one line: under load, a worker forked as `check --all` ended had
    printed a traceback on the monitor's stderr."""
    script = (
        "import multiprocessing.forkserver, sys; import monitor.workers; "
        "raise FileNotFoundError(2, 'No such file or directory')"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert "Traceback" not in run.stderr
    assert run.stderr.strip() == (
        "monitor: an extraction worker could not start: FileNotFoundError: "
        "[Errno 2] No such file or directory"
    )
