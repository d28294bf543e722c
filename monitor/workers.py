"""The extraction workers: parsing runs in processes, each job under a deadline.

Extraction (lxml, trafilatura, lexbor) is CPU work in C code that holds the GIL, so it
never runs on the event loop's thread, whatever the core count or the concurrency: the
loop keeps fetching, storing and pinging the systemd watchdog while a page is parsed.
Pebble's process pool gives each job a deadline: a job past it has its worker killed and
replaced, and a worker that dies (the OOM killer, a crash in a C extension) is replaced
too; either way only the job it was running fails, as an ``ExtractionError``.
"""

from __future__ import annotations

import asyncio
import ctypes
import multiprocessing
import multiprocessing.forkserver
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from pebble import ProcessExpired, ProcessPool

from monitor.errors import ExtractionError

T = TypeVar("T")


_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _one_line_excepthook(kind: type[BaseException], value: BaseException, _: Any) -> None:
    """The forkserver's, and so its children's: a worker that cannot start (its owner
    ended meanwhile, taking the pool's pipes with it) says so in one line on the
    monitor's stderr, not in a traceback."""
    print(
        f"monitor: an extraction worker could not start: {kind.__name__}: {value}", file=sys.stderr
    )


# The forkserver runs as ``python -c …`` and imports this module first (``_PRELOAD``);
# the monitor's own process, and the tests', keep Python's hook.
if sys.argv == ["-c"] and "multiprocessing.forkserver" in sys.modules:
    sys.excepthook = _one_line_excepthook


def _worker_start(owner: int) -> None:
    # Pebble's SIGTERM handler is Python code, which cannot run while a regex or lxml
    # holds the thread: a worker past its deadline would outlive it by pebble's 3 s
    # grace. The default action ends it at once (it holds nothing worth cleaning up).
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_owner(owner)


def _die_with_owner(owner: int) -> None:
    """End this worker with the process that owns the pool, however that one ends.

    A worker's parent is the forkserver, not the owner. The forkserver exits when the
    last holder of its "alive" pipe closes it: the owner, and every worker, which inherits
    a copy it never uses; closed here, the forkserver ends with the owner (even on SIGKILL).
    The kernel then kills this worker as its parent dies (PR_SET_PDEATHSIG): no Python
    code has to run, so a worker stuck in a regex or in lxml goes too. The resource
    tracker ends when its last client has.
    """
    state = multiprocessing.forkserver._forkserver
    alive = getattr(state, "_forkserver_alive_fd", None)
    if isinstance(alive, int):
        os.close(alive)
        setattr(state, "_forkserver_alive_fd", None)  # noqa: B010 (a private attribute)
    if not sys.platform.startswith("linux"):
        return  # elsewhere a busy worker lives until its job ends or its deadline passes
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    try:
        os.kill(owner, 0)  # the owner died before the line above: nothing would kill us
    except ProcessLookupError:
        os._exit(1)


def _stopped(pool: ProcessPool) -> None:
    """The pool's workers ended, and the forkserver they fork from: it holds what they
    import (trafilatura, lxml), and the next pool starts it again."""
    pool.stop()
    pool.join()
    stop = getattr(multiprocessing.forkserver._forkserver, "_stop", None)
    if callable(stop):  # CPython's own, since 3.8; where absent, the server stays up
        stop()


def _how_it_died(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            return f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exit status {exitcode}"


# What a worker needs (this module, which starts it, and the jobs ``extract`` and
# ``confirm`` with the values they take), imported once by the forkserver: each worker
# forks from it ready (5 ms of CPU) instead of importing it again (0.5 s of CPU per
# worker; a worker still importing when its pool shuts down finds the pool's semaphore
# gone, and prints a traceback), and without the daemon's database, HTTP and
# notification libraries, which no job uses (40 MiB less in the server and each worker).
_PRELOAD = ["monitor.workers", "monitor.extract", "monitor.extract.confirm"]


class ExtractionPool:
    """Worker processes for extraction, as many as there are jobs (at most one per core).

    ``idle``: seconds without a job after which ``release_if_idle`` lets the workers go
    (None: never). A daemon whose pages answer 304, or change nothing but chrome that the
    container reading sees past, needs none, and each holds tens of MiB; they start again
    with the next page to read (about 0.2 s of one core, once).
    """

    def __init__(
        self,
        jobs: int,
        deadline: float,
        *,
        idle: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.workers = max(1, min(jobs, os.cpu_count() or 1))
        self.deadline = deadline
        self.idle = idle
        self._clock = clock
        self._busy = 0
        self._last_job = clock()
        self._pool: ProcessPool | None = None
        self._starting = threading.Lock()

    @property
    def running(self) -> bool:
        """Whether worker processes are up."""
        return self._pool is not None and self._pool.active

    async def release_if_idle(self) -> bool:
        """Stop the workers when no job ran for ``idle`` seconds; whether it did."""
        pool = self._pool
        if (
            self.idle is None
            or pool is None
            or self._busy
            or self._clock() - self._last_job < self.idle
        ):
            return False
        self._pool = None  # the next job starts a new pool; this one is gone for good
        await asyncio.to_thread(self._release, pool)
        return True

    def _release(self, pool: ProcessPool) -> None:
        # Under the start lock: a pool started meanwhile waits until the forkserver it
        # will fork from is not the one being stopped.
        with self._starting:
            _stopped(pool)

    def __enter__(self) -> ExtractionPool:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.stop()  # nothing is waiting for the jobs left: end their workers
            self._pool.join()
            self._pool = None

    async def _running_pool(self) -> ProcessPool:
        """The pool, started on first use (a pass with no page to read starts none), and
        started anew if it broke: pebble gives up on a pool whose idle worker died."""
        pool = self._pool
        if pool is not None and pool.active:
            return pool
        # Starting waits for the forkserver to import monitor (a second, the first
        # time): never on the event loop's thread.
        return await asyncio.to_thread(self._start)

    def _start(self) -> ProcessPool:
        with self._starting:
            if self._pool is not None and self._pool.active:
                return self._pool  # another check started it meanwhile
            broken, self._pool = self._pool, None
            if broken is not None:
                broken.stop()
                broken.join()
            # forkserver: forking a process that runs threads and an event loop is unsafe.
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(_PRELOAD)
            pool = ProcessPool(
                self.workers,
                initializer=_worker_start,
                initargs=[os.getpid()],
                context=context,
            )
            if not pool.active:  # pebble starts a pool, and its workers, on the first look
                raise ExtractionError("the extraction worker processes could not be started")
            self._pool = pool
            return pool

    async def run(self, job: Callable[..., T], *args: Any) -> T:
        """``job(*args)`` in a worker; an ``ExtractionError`` when it passes the deadline
        or its worker dies (the check is tried again when it is next due)."""
        self._busy += 1
        try:
            return await self._run_once_more_if_broken(job, args)
        finally:
            self._busy -= 1
            self._last_job = self._clock()

    async def _run_once_more_if_broken(self, job: Callable[..., T], args: tuple[Any, ...]) -> T:
        try:
            return await self._run(job, args)
        except BrokenProcessPool:
            # The pool broke around the job, not in it (a worker died while none had work,
            # and pebble aborts what is queued): once more on a new pool. Jobs are pure.
            try:
                return await self._run(job, args)
            except BrokenProcessPool as error:
                raise ExtractionError(
                    f"the extraction workers broke down ({error}); they are started anew "
                    "for the next check, and this page is tried again when next due"
                ) from error

    async def _run(self, job: Callable[..., T], args: tuple[Any, ...]) -> T:
        try:
            future = (await self._running_pool()).schedule(job, list(args), timeout=self.deadline)
        except RuntimeError:  # the pool broke between the look and the schedule
            future = (await self._running_pool()).schedule(job, list(args), timeout=self.deadline)
        try:
            return await asyncio.wrap_future(future)
        except TimeoutError as error:
            raise ExtractionError(
                f"extraction took longer than {self.deadline:g} s; the page may be hostile "
                "or huge. It is tried again when next due; if the page is only big, raise "
                "[monitor] extract_timeout"
            ) from error
        except ProcessExpired as error:
            raise ExtractionError(
                f"the extraction worker died ({_how_it_died(error.exitcode)}; out of memory?) "
                "while reading the page; a new worker takes the next check, and this page is "
                "tried again when next due"
            ) from error
