"""``monitor run``: the long-running daemon.

APScheduler drives a short tick; each tick claims the watches that are due from the
database (a lease on each row, so several daemons can share one PostgreSQL database)
and checks them concurrently up to a bound, on one event loop with one shared HTTP
client. SIGTERM stops claiming, lets in-flight checks finish for a grace period and
abandons the rest (a check's writes are one transaction: all or nothing). SIGHUP
reloads the config. systemd hears READY, STATUS and watchdog pings.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections import deque
from collections.abc import Callable, Sequence
from contextlib import suppress
from datetime import timedelta
from functools import partial

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from monitor import memory, sdnotify
from monitor.app import Monitor
from monitor.config import Config
from monitor.errors import MonitorError
from monitor.fetch import Fetcher
from monitor.models import Watch
from monitor.pipeline import CheckReport, Pipeline
from monitor.storage import REBASELINE

log = logging.getLogger(__name__)

RELEASE_MEMORY_SECONDS = 60
"""How often the daemon gives the C heap's free pages back (see ``memory``)."""
READINGS_PER_TICK = 20
"""At most this many first versions' pages are read in full in one idle tick, one at a
time (``Daemon._read_unread``)."""
CLAIM_AHEAD = 4
"""With a backlog (the last claim found as many due watches as it asked for), a claim
takes, beyond the free slots, up to this many times the concurrency in due watches,
queued (leased, and renewed by the heartbeat like the checks in flight) until a slot
frees: a finished check starts the next one without a query, and a claim's transaction
is shared by dozens of checks rather than made for each. Without one, a claim takes
only what the free slots can start, leaving the rest to other daemons."""
WORKERS_IDLE_SECONDS = 300
"""Seconds with no page to read (every check answered 304, or failed) after which the
extraction workers are let go: the next page to read starts them again."""


def _not_cancelled(record: logging.LogRecord) -> bool:
    """Drop the log of a job cancelled by the scheduler's own shutdown."""
    return not (record.exc_info and isinstance(record.exc_info[1], asyncio.CancelledError))


class Daemon:
    """Runs the monitor until told to stop."""

    def __init__(
        self,
        monitor: Monitor,
        *,
        reload_config: Callable[[], Config] | None = None,
        systemd: sdnotify.Notifier | None = None,
    ) -> None:
        self.monitor = monitor
        self.reload_config = reload_config
        self.systemd = systemd or sdnotify.Notifier()
        self._inflight: set[asyncio.Task[CheckReport]] = set()
        self._queued: deque[Watch] = deque()
        """Due watches claimed for this daemon and not started yet (see ``CLAIM_AHEAD``)."""
        self._backlog = False
        """Did the last claim find as many due watches as it asked for?"""
        self._stop = asyncio.Event()
        self._delivery: asyncio.Task[None] | None = None
        self._filling = False
        self._background: set[asyncio.Task[None]] = set()
        self.checked = 0
        self.read = 0
        """First versions' pages read in full while idle."""
        self._pipeline: Pipeline | None = None
        self._reading: asyncio.Task[None] | None = None
        self._reading_url: str | None = None
        self._unreadable: set[int] = set()
        """Watches whose page could not be read while idle: left to their next check."""

    def run(self) -> None:
        memory.tune_heap()  # before the first thread
        asyncio.run(self.serve())

    async def serve(self) -> None:
        loop = asyncio.get_running_loop()
        for signum, handler in (
            (signal.SIGTERM, self.stop),
            (signal.SIGINT, self.stop),
            (signal.SIGHUP, self.reload),
        ):
            loop.add_signal_handler(signum, handler)
        async with Fetcher(self.monitor.fetch_settings()) as fetcher:
            with self.monitor.extraction_pool(
                self.monitor.config.daemon.concurrency, idle=WORKERS_IDLE_SECONDS
            ) as pool:
                pipeline = self.monitor.pipeline(fetcher, pool)
                self._pipeline = pipeline
                async with self.monitor.heartbeat(self._held):
                    await self._loop(pipeline)

    def _held(self) -> list[str]:
        """The watches this daemon holds leases on: those it checks, those claimed and
        queued, and the one it reads."""
        held = [task.get_name() for task in self._inflight]
        held += [watch.url for watch in self._queued]
        return held if self._reading_url is None else [*held, self._reading_url]

    async def _loop(self, pipeline: Pipeline) -> None:
        settings = self.monitor.config.daemon
        scheduler = AsyncIOScheduler(timezone="UTC")
        scheduler.add_job(
            self._tick,
            "interval",
            seconds=settings.tick_seconds,
            args=[pipeline],
            next_run_time=self.monitor.clock(),
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
            id="tick",
        )
        # The check log is for debugging a watch, not an archive: it would grow by a row
        # per check for as long as the daemon runs. Versions and alerts are kept.
        scheduler.add_job(
            self._prune,
            "interval",
            hours=1,
            next_run_time=self.monitor.clock(),
            id="prune",
            max_instances=1,
            coalesce=True,
        )
        if memory.can_release():
            # Without it the daemon's resident size creeps up: glibc keeps what is freed,
            # in fragmented heaps (bench/soak.py, README "Soak").
            scheduler.add_job(
                self._release_memory,
                "interval",
                seconds=RELEASE_MEMORY_SECONDS,
                id="release-memory",
                max_instances=1,
                coalesce=True,
            )
        watchdog = self.systemd.watchdog_interval()
        if watchdog:
            # Pinged from the event loop itself: a blocked loop means no ping, and a restart.
            scheduler.add_job(
                self.systemd.watchdog_ping, "interval", seconds=watchdog, id="watchdog"
            )
        # One listing (a few queries, whatever the number of watches) serves the start's
        # log line and its warnings, read off the event loop's thread before any tick.
        listed = await asyncio.to_thread(self.monitor.watches)
        scheduler.start()
        watches = len(listed)
        log.info(
            "monitor started: %d watches, tick every %ss, database %s",
            watches,
            settings.tick_seconds,
            self.monitor.storage.engine.url.render_as_string(hide_password=True),
        )
        if not watches:
            log.info("no watches yet: add one with `monitor add URL` or in the config file")
        self._warn_of_alerts_to_nobody(listed)
        self.systemd.ready()
        self.systemd.status(f"watching {watches} pages")
        try:
            await self._stop.wait()
        finally:
            self.systemd.stopping()
            # No new ticks; one the scheduler started just now sees the stop and returns.
            # Shutting down still cancels a job about to start, which APScheduler would log
            # as a crash: that record is dropped.
            scheduler.pause()
            await asyncio.sleep(0)
            logging.getLogger("apscheduler.executors.default").addFilter(_not_cancelled)
            scheduler.shutdown(wait=False)
            await self._drain()
            log.info("monitor stopped after %d checks", self.checked)

    def _warn_of_alerts_to_nobody(self, watches: Sequence[Watch]) -> None:
        if not len(self.monitor.notifier):
            log.warning(
                "no notification target is configured: changes are stored, but no alert is "
                "sent; add Apprise URLs under [notify] urls in the config file"
            )
            return
        for watch in self.monitor.unreachable(watches):
            log.warning(
                "%s notifies %s, which matches no configured target: its alerts go nowhere; "
                "fix the tag with `monitor add %s --notify TAG`, or give a target that tag",
                watch.url,
                ", ".join(watch.spec.notify),
                watch.url,
            )

    async def _tick(self, pipeline: Pipeline) -> None:
        await self._fill(pipeline)
        if not self._inflight and not self._queued:
            self._start_reading(pipeline)
        if await pipeline.extraction.release_if_idle():
            log.info(
                "no page to read for %d s: the extraction workers stopped", WORKERS_IDLE_SECONDS
            )
        # What `systemctl status monitor` shows, refreshed every tick.
        self.systemd.status(f"{len(self._inflight)} checks in flight, {self.checked} done")
        self._start_delivery(pipeline)

    async def _fill(self, pipeline: Pipeline) -> None:
        """Start queued watches in every free slot; claim more due watches (and some to
        queue) for the slots still free."""
        if self._stop.is_set() or self._filling:
            return
        self._filling = True
        try:
            self._start_queued(pipeline)
            concurrency = self.monitor.config.daemon.concurrency
            free = concurrency - len(self._inflight)
            if free <= 0:
                return
            limit = free + (CLAIM_AHEAD * concurrency if self._backlog else 0)
            try:
                due = await asyncio.to_thread(
                    self.monitor.storage.claim_due,
                    self.monitor.owner,
                    self.monitor.clock(),
                    lease=self.monitor.lease(),
                    limit=limit,
                )
            except MonitorError as error:
                log.error("cannot claim due watches: %s", error)
                return
            self._backlog = len(due) >= limit
            queued = {watch.url for watch in self._queued}
            self._queued.extend(watch for watch in due if watch.url not in queued)
            if self._stop.is_set():  # stopped while claiming: hand the watches back
                self._release_queued()
                return
            self._start_queued(pipeline)
        finally:
            self._filling = False

    def _start_queued(self, pipeline: Pipeline) -> None:
        """Start checks of queued watches while a slot is free."""
        concurrency = self.monitor.config.daemon.concurrency
        running = {task.get_name() for task in self._inflight}
        while self._queued and len(self._inflight) < concurrency:
            watch = self._queued.popleft()
            if watch.url in running:
                # Its check outlasted the lease: a second one beside it would store
                # the same page twice. The running check's save releases the row.
                continue
            task = asyncio.create_task(pipeline.check(watch), name=watch.url)
            self._inflight.add(task)
            running.add(watch.url)
            task.add_done_callback(partial(self._done, pipeline))

    def _release_queued(self) -> None:
        """Hand back the leases of the watches claimed and not started."""
        while self._queued:
            with suppress(MonitorError):
                self.monitor.storage.release_by_url(self._queued.popleft().url, self.monitor.owner)

    def _start_reading(self, pipeline: Pipeline) -> None:
        """With no check due or in flight, read the pages that first checks stored with
        their quick reading, in the background (one pass at a time)."""
        if self._stop.is_set() or (self._reading is not None and not self._reading.done()):
            return
        self._reading = asyncio.create_task(self._read_unread(pipeline), name="read")

    async def _read_unread(self, pipeline: Pipeline) -> None:
        """Read first versions' pages in full, one at a time, at most ``READINGS_PER_TICK``,
        and only while no check is in flight: a check that comes due is claimed by the
        next tick as ever, and shares the extraction workers with one reading at most
        (its deadline bounds it). Each watch is leased while it is read, so no check of
        it runs meanwhile, here or in another daemon."""
        storage, owner = self.monitor.storage, self.monitor.owner
        for _ in range(READINGS_PER_TICK):
            if self._stop.is_set() or self._inflight:
                return
            try:
                claimed = await asyncio.to_thread(
                    storage.claim_unread,
                    owner,
                    self.monitor.clock(),
                    lease=self.monitor.lease(),
                    limit=1,
                    skip=tuple(self._unreadable),
                )
            except MonitorError as error:
                log.error("cannot claim pages to read: %s", error)
                return
            if not claimed:
                return
            watch = claimed[0]
            self._reading_url = watch.url
            try:
                read = await pipeline.read_unread(watch)
                if read.unread_version is None and read.hint == REBASELINE:
                    self._unreadable.add(watch.id)
                else:
                    self.read += 1
            except MonitorError as error:
                log.error("cannot read the page of %s: %s", watch.url, error)
                self._unreadable.add(watch.id)
            finally:
                self._reading_url = None
                with suppress(MonitorError):
                    await asyncio.to_thread(storage.release_by_url, watch.url, owner)

    async def _prune(self) -> None:
        keep = timedelta(seconds=self.monitor.config.daemon.keep_checks_seconds)
        try:
            removed = await asyncio.to_thread(
                self.monitor.storage.prune_checks, self.monitor.clock() - keep
            )
        except MonitorError as error:
            log.error("cannot prune the check log: %s", error)
            return
        if removed:
            log.info("pruned %d check-log rows older than %s", removed, keep)

    async def _release_memory(self) -> None:
        await asyncio.to_thread(memory.release_free_memory)

    def _done(self, pipeline: Pipeline, task: asyncio.Task[CheckReport]) -> None:
        self._inflight.discard(task)
        if task.cancelled():
            return
        if not self._stop.is_set():
            # A freed slot takes the next due watch now, not at the next tick: with a
            # backlog, throughput is bounded by the concurrency, not by the tick interval.
            self._start_queued(pipeline)
            if not self._queued:
                refill = asyncio.get_running_loop().create_task(self._fill(pipeline))
                self._background.add(refill)
                refill.add_done_callback(self._background.discard)
        self.checked += 1
        error = task.exception()
        if error is not None:
            log.error("check %s crashed: %s", task.get_name(), error)
            return
        report = task.result()
        # Thousands of quiet checks a day would bury the journal: only news is INFO (a
        # failed check's WARNING is the pipeline's, with its reason).
        quiet = report.outcome in ("unchanged", "not-modified", "error")
        log.log(
            logging.DEBUG if quiet else logging.INFO,
            "checked %s: %s%s",
            report.url,
            report.outcome,
            f" (version {report.version})" if report.version else "",
        )

    def _start_delivery(self, pipeline: Pipeline) -> None:
        """Work through the outbox in the background, one pass at a time: a long outbox
        never holds up the ticks that claim due watches."""
        if self._stop.is_set() or (self._delivery is not None and not self._delivery.done()):
            return
        self._delivery = asyncio.create_task(self._deliver(pipeline), name="deliver")

    async def _deliver(self, pipeline: Pipeline) -> None:
        try:
            await pipeline.deliver_pending(stop=self._stop.is_set)
        except MonitorError as error:
            log.error("cannot deliver alerts: %s", error)
        except Exception:  # a delivery bug must not stop the daemon; the next tick retries
            log.exception("delivering alerts failed unexpectedly")

    async def _drain(self) -> None:
        self._release_queued()
        # The delivery pass ends after the alert it is sending (it sees the stop).
        if self._reading is not None and not self._reading.done():
            # A reading is one transaction, and waits for the next idle tick or check.
            self._reading.cancel()
            with suppress(asyncio.CancelledError, Exception):
                await self._reading
        delivery = {self._delivery} if self._delivery and not self._delivery.done() else set()
        if not self._inflight and not delivery:
            return
        grace = self.monitor.config.daemon.grace_seconds
        log.info(
            "waiting up to %ss for %d checks in flight%s",
            grace,
            len(self._inflight),
            " and the alert being sent" if delivery else "",
        )
        _, pending = await asyncio.wait({*self._inflight, *delivery}, timeout=grace)
        for task in pending:
            task.cancel()
        for task in pending:
            with suppress(asyncio.CancelledError, Exception):
                await task
        # An abandoned check wrote all of its outcome or nothing (one transaction, finished by
        # its thread even when cancelled); free the rows for the next daemon at once.
        for task in pending - delivery:
            with suppress(MonitorError):
                self.monitor.storage.release_by_url(task.get_name(), self.monitor.owner)

    def stop(self) -> None:
        log.info("stop requested")
        self._stop.set()

    def reload(self) -> None:
        if self.reload_config is None:
            return
        self.systemd.reloading()
        try:
            self.monitor.reload(self.reload_config())
        except MonitorError as error:
            log.error("reload failed, keeping the previous config: %s", error)
        else:
            if self._pipeline is not None:
                # The checks to come draft and deliver to the new targets.
                self._pipeline.notifier = self.monitor.notifier
            log.info("config reloaded: %d watches", len(self.monitor.watches()))
        self.systemd.ready()
