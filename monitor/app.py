"""The typed core the CLI drives: one ``Monitor`` per config, owning storage and targets."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import signal
from collections.abc import AsyncIterator, Callable, Collection, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any, BinaryIO, Literal, TypeVar

from monitor.config import TARGET_REF, Config, canonical_url
from monitor.diff import ArticleDiff
from monitor.errors import ConfigError, MonitorError, StorageError, WatchNotFound
from monitor.evidence.chain import Link, Verdict
from monitor.history.queries import Archive
from monitor.history.reading import Reading, with_changes
from monitor.leases import owner_name
from monitor.models import ChangeRecord, Evidence, StoredVersion, Watch, WatchSpec
from monitor.retention import Retention
from monitor.storage import Storage

if TYPE_CHECKING:
    from monitor.evidence.warc import Capture

    # Checking needs the HTTP client, the extractors, the worker pool and Apprise; the
    # commands that only read the history do not, so these load when first needed.
    from monitor.fetch import FetchSettings, PageFetcher
    from monitor.history.values import Change, ChangeFilter, Found, Search
    from monitor.imports import Format, Outcome
    from monitor.notify import Delivery, Notifier
    from monitor.pipeline import CheckReport, Pipeline
    from monitor.serve.metrics import Progress, Readings
    from monitor.workers import ExtractionPool

Clock = Callable[[], datetime]
T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImportRun:
    """What ``monitor import`` did (or, with ``dry_run``, would do): an outcome per job."""

    path: str
    format: Format
    dry_run: bool
    outcomes: list[Outcome]


@dataclass(frozen=True)
class ChainReport:
    """A watch's hash chain, re-hashed by ``Monitor.verify``."""

    url: str
    verdict: Verdict


ExportFormat = Literal["warc", "jsonl"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = ("warc", "jsonl")


@dataclass(frozen=True)
class CheckRun:
    """What ``monitor check`` did: a report per watch asked for, and the signal that
    stopped it early, if one did."""

    reports: list[CheckReport]
    stopped_by: int | None = None


def utcnow() -> datetime:
    return datetime.now(UTC)


async def _until_done_or(stop: asyncio.Event, tasks: Collection[asyncio.Task[T]]) -> None:
    """Wait for every task to end, or for ``stop``, whichever comes first."""
    if not tasks:
        return
    waits: list[asyncio.Future[Any]] = [
        asyncio.ensure_future(stop.wait()),
        asyncio.ensure_future(asyncio.wait(tasks)),
    ]
    await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    for wait in waits:
        wait.cancel()  # the tasks themselves go on


def _no_target(selectors: Sequence[str]) -> str:
    tags = ", ".join(repr(s) for s in selectors)
    return (
        f"{tags} matches no configured notification target, so its alerts would go "
        'nowhere; give a target that tag in the config file ([notify] urls = [{ url = "...", '
        'tags = ["desk"] }]), or name a tag a target has'
    )


def _masked_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _shown(config: Config) -> str | None:
    return str(config.path) if config.path else None


class Monitor:
    """Watches, their history, and checking them."""

    def __init__(
        self,
        config: Config,
        *,
        clock: Clock = utcnow,
        owner: str | None = None,
        migrate: bool = False,
        read_only: bool = False,
    ) -> None:
        """``migrate``: upgrade the schema (the daemon's start); else a database behind is
        an error saying to migrate, and only a new, empty one gets its schema.
        ``read_only`` (``monitor serve``): write nothing, not even the config's watches or
        a new database's schema."""
        self.config = config
        self.clock = clock
        self.owner = owner or owner_name()
        self._check_watch_targets()  # before any write: a watch notifying nobody stops here
        self.storage = Storage(config.storage_url)
        self.reading = Reading(self.storage, Archive(self.storage))
        try:
            if read_only and self.storage._stored_revision() is None:
                raise StorageError(
                    f"the database {_masked_url(config.storage_url)} has no monitor schema "
                    "yet; run `monitor migrate` (or start the daemon) first"
                )
            if migrate:
                self.storage.migrate()
            else:
                self.storage.require_schema()
            if not read_only:
                self.storage.sync_watches(config.watches, clock())
        except MonitorError:
            self.storage.close()
            raise

    @cached_property
    def notifier(self) -> Notifier:
        """The configured targets, built (and Apprise loaded) when first needed."""
        from monitor.notify import Notifier

        notifier = Notifier(self.config.targets, self.config.apprise_config)
        for spec in self.config.watches:
            # Registers per-watch Apprise URLs; a tag no target has is an error now, not
            # alerts marked delivered to nobody later.
            if spec.notify and not notifier.targets_for(spec.notify):
                raise ConfigError(
                    f"[[watch]] {spec.url}: {_no_target(spec.notify)}", path=_shown(self.config)
                )
        return notifier

    def _check_watch_targets(self) -> None:
        """Raise ``ConfigError`` for a config watch whose alerts would reach no target.
        The config's own tags settle most watches without Apprise; a watch naming an
        Apprise URL, or a tag of an Apprise config file, needs the notifier built."""
        unsettled = self.config.unsettled_watches()
        if not unsettled:
            return
        if self.config.apprise_config is None and not any(
            "://" in selector or selector.startswith(TARGET_REF)
            for spec in unsettled
            for selector in spec.notify
        ):
            spec = unsettled[0]
            raise ConfigError(
                f"[[watch]] {spec.url}: {_no_target(spec.notify)}", path=_shown(self.config)
            )
        _ = self.notifier  # raises for the watch it cannot settle

    def unreachable(self, watches: Sequence[Watch] | None = None) -> list[Watch]:
        """The watches (default: every enabled one) whose alerts would reach no target
        (their tags match none, or no target is configured at all)."""
        listed = self.watches() if watches is None else watches
        return [w for w in listed if not self.notifier.targets_for(w.spec.notify)]

    def reload(self, config: Config) -> None:
        """Apply a new config (SIGHUP): watches are synced, targets rebuilt."""
        if config.storage_url != self.config.storage_url:
            raise MonitorError(
                "the storage URL cannot change on reload; restart the daemon to switch databases"
            )
        self.storage.sync_watches(config.watches, self.clock())
        self.config = config
        previous = self.__dict__.pop("notifier", None)  # rebuilt from the new targets
        try:
            self._check_watch_targets()
        except MonitorError:
            if previous is not None:
                self.notifier = previous
            raise

    def close(self) -> None:
        self.storage.close()

    # -- watches ------------------------------------------------------------

    def add(self, spec: WatchSpec) -> Watch:
        from monitor.notify import mask_url

        unknown = [s for s in spec.notify if "://" in s and not self.notifier.knows(s)]
        if unknown:
            # The database keeps no secret: an Apprise URL lives in the config file.
            raise ConfigError(
                f"{mask_url(unknown[0])} is not a configured target; add it to the config "
                'file under [notify] urls, with a tag ({ url = "...", tags = ["desk"] }), '
                "and pass --notify desk"
            )
        if spec.notify and not self.notifier.targets_for(spec.notify):
            raise ConfigError(f"--notify {_no_target(spec.notify)}")
        return self.storage.add_watch(spec, self.clock())

    def add_or_change(
        self, url: str, settings: Mapping[str, Any], *, reset: bool = False
    ) -> tuple[Watch, bool]:
        """Watch ``url`` with ``settings``; on a watched URL change only those (``reset``:
        the others go back to their defaults). Also says whether the watch is new."""
        try:
            existing: Watch | None = self.storage.get_watch(self.named(url))
        except WatchNotFound:
            existing = None
        base = existing.spec if existing is not None and not reset else WatchSpec(url="")
        spec = base.with_settings(settings)
        url = existing.url if existing is not None else canonical_url(url)
        return self.add(replace(spec, url=url)), existing is None

    def named(self, url: str) -> str:
        """The watch a command's URL argument names (see ``Reading.named``)."""
        return self.reading.named(url)

    def import_file(
        self, path: str, *, format: Format | None = None, dry_run: bool = False
    ) -> ImportRun:
        """Add a watch per job of a urlwatch ``urls.yaml``, a changedetection.io backup or
        a list of URLs (the format detected from the content, unless given).

        A URL is checked and spelled as ``add`` does; one watched already, or twice in
        the file, is reported, not added again. ``dry_run``: decide, write nothing.
        Raises ``ImportFileError`` for a file unreadable or in no such format.
        """
        from monitor.addresses import AddressPolicy
        from monitor.config import check_url
        from monitor.errors import ImportFileError
        from monitor.imports import plan, read_entries

        try:
            with open(path, "rb") as file:
                data = file.read()
        except OSError as error:
            raise ImportFileError(
                f"cannot read it ({error.strerror or error}); check the path", path=path
            ) from error
        try:
            chosen, entries = read_entries(data, format)
        except ImportFileError as error:
            raise ImportFileError(error.detail, path=path) from error
        watched = {canonical_url(w.url): w.url for w in self.watches()}
        policy = AddressPolicy(self.config.daemon.allow_internal)
        outcomes = plan(
            entries,
            watched=watched.get,
            target_tags={tag for target in self.config.targets for tag in target.tags},
            check=check_url,
            refusal=policy.url_refusal,
        )
        if not dry_run:
            for outcome in outcomes:
                if outcome.spec is not None:
                    self.storage.add_watch(outcome.spec, self.clock())
        return ImportRun(path, chosen, dry_run, outcomes)

    def watch(self, url: str) -> Watch:
        return self.reading.watch(url)

    def remove(self, url: str) -> None:
        self.storage.remove_watch(self.named(url))

    def watches(self) -> list[Watch]:
        return self.reading.watches()

    # -- history ------------------------------------------------------------

    def history(self, url: str) -> list[StoredVersion]:
        """A watch's versions, each with what changed from the one before."""
        return self.reading.history(url)

    def show(self, url: str, number: int | None = None) -> StoredVersion:
        return self.reading.show(url, number)

    def raw(self, url: str, number: int | None = None) -> bytes:
        return self.storage.raw_html(self.named(url), number)

    def diff(
        self, url: str, old: int | None = None, new: int | None = None
    ) -> tuple[StoredVersion, StoredVersion, ArticleDiff]:
        """Diff two versions; by default the last two."""
        return self.reading.diff(url, old, new)

    def search(self, search: Search) -> list[Found]:
        """Every version where a text (or a pattern) appears, by watch, with the version
        where it first appeared in each watch and the one where it went."""
        return self.reading.search(search, self.clock())

    def changes(self, which: ChangeFilter) -> list[Change]:
        """Every change of every watch (a new version, or the page taken down), newest
        first, with its kinds of edit."""
        return self.reading.changes(which, self.clock())

    # -- evidence -------------------------------------------------------------

    def verify(self, url: str | None = None) -> list[ChainReport]:
        """Re-hash the versions of one watch (every watch when None): every stored body
        against its SHA-256, every version against its chain hash; each watch's first
        break, if any."""
        from monitor.evidence.chain import verify

        urls = [self.watch(url).url] if url is not None else [w.url for w in self.all_watches()]
        return [ChainReport(u, verify(self._links(self.storage.evidence(u)))) for u in urls]

    def _links(self, evidence: Sequence[Evidence]) -> Iterator[Link]:
        bodies: dict[str, tuple[str | None, str | None]] = {}  # versions often share one
        for item in evidence:
            content = item.content
            if content is None:
                yield Link(item.number, item.chain_hash, None)
                continue
            digest = content.body_sha256
            if digest not in bodies:
                try:
                    bodies[digest] = (hashlib.sha256(self.storage.page(digest)).hexdigest(), None)
                except StorageError as error:
                    bodies[digest] = (None, str(error))
            found, problem = bodies[digest]
            yield Link(item.number, item.chain_hash, content, found, problem, item.digests)

    def all_watches(self) -> list[Watch]:
        """Every watch, those the config file dropped (disabled) included."""
        return self.storage.list_watches(include_disabled=True)

    def export(self, url: str | None, format: str, out: BinaryIO) -> int:
        """Write the versions of one watch (every watch when None) to ``out``: WARC 1.1
        (``format`` 'warc') or NewsEdits JSON lines ('jsonl'); returns how many."""
        if format not in EXPORT_FORMATS:
            raise ConfigError(f"unknown export format {format!r}; use warc or jsonl")
        watches = [self.watch(url)] if url is not None else self.all_watches()
        if format == "warc":
            from monitor.evidence.warc import write_warc
            from monitor.fetch import DEFAULT_USER_AGENT

            return write_warc(out, self._captures(watches), software=DEFAULT_USER_AGENT)
        from monitor.evidence.newsedits import records

        written = 0
        for watch in watches:
            versions = with_changes(_articles(self.storage.history(watch.url)))
            for record in records(str(watch.id), watch.url, versions):
                out.write(json.dumps(record, ensure_ascii=False).encode("utf-8") + b"\n")
                written += 1
        return written

    def _captures(self, watches: Sequence[Watch]) -> Iterator[Capture]:
        from monitor.evidence.warc import Capture

        for watch in watches:
            for item in self.storage.evidence(watch.url):
                # A reading is the exchange of the version before, read again: one capture.
                if item.content is not None and item.content.kind != "reading":
                    body = self.storage.page(item.content.body_sha256)
                    yield Capture(watch.url, item, body)

    def recent_changes(
        self, *, watch_id: int | None = None, tag: str | None = None, limit: int = 50
    ) -> tuple[dict[int, Watch], list[ChangeRecord]]:
        """The latest ``limit`` new versions (as ``changes`` lists them, pages taken down
        left out), newest first: of every watch, of one (by id), or of the watches with a
        tag; each with its version and the one before it, and the watches by id. Raises
        ``WatchNotFound`` for an id no watch has."""
        from monitor.history.values import ChangeFilter

        listed = self.storage.list_watches(include_disabled=True, counted=False)
        watches = {w.id: w for w in listed}
        by_url = {w.url: w for w in listed}
        url = None
        if watch_id is not None:
            if watch_id not in watches:
                raise WatchNotFound(f"#{watch_id}")
            url = watches[watch_id].url
        records = []
        which = ChangeFilter(watch=url, tag=tag, limit=limit, taken_down=False)
        for change in self.changes(which):
            if change.version is None or change.url not in by_url:
                continue  # a removal took it since the list was read
            version = self.storage.version_or_none(change.url, change.version)
            if version is None:
                continue  # and retention this one
            previous = self.storage.version_or_none(change.url, change.version - 1)
            declared = None if change.silent is None else not change.silent
            records.append(ChangeRecord(by_url[change.url].id, version, previous, declared))
        return watches, records

    def watch_numbered(self, watch_id: int) -> Watch:
        """The watch with this id (``monitor serve`` names watches by number), disabled
        ones included. Raises ``WatchNotFound``."""
        for watch in self.all_watches():
            if watch.id == watch_id:
                return watch
        raise WatchNotFound(f"#{watch_id}")

    def metrics(self, progress: Progress) -> tuple[Readings, Progress]:
        """What ``/metrics`` shows, and the counts to start from next time: the check-log
        and version rows past ``progress`` are read (rows older than a few minutes once
        and for all, newer ones again at each call, as a transaction still open may add
        some), never the whole history."""
        from monitor.serve.metrics import (
            LATENCY_BOUNDS_MS,
            READ_BOUNDS_MS,
            SETTLE,
            Progress,
            Readings,
            fold,
            host_of,
        )

        storage = self.storage
        now = self.clock()
        cutoff = now - SETTLE
        checks_upto = storage.settled_id("check_log", progress.checks_upto, cutoff)
        versions_upto = storage.settled_id("version", progress.versions_upto, cutoff)
        bounds = (LATENCY_BOUNDS_MS, READ_BOUNDS_MS)
        settling = storage.check_tally(progress.checks_upto, checks_upto, *bounds)
        recent = storage.check_tally(checks_upto, None, *bounds)
        failed = {t.watch_id for t in (*settling, *recent) if t.outcome == "error"}
        urls = storage.watch_urls() if failed else {}
        hosts = {watch_id: host_of(url) for watch_id, url in urls.items() if watch_id in failed}
        settled = fold(
            progress.totals,
            settling,
            storage.version_tally(progress.versions_upto, versions_upto),
            hosts,
        )
        shown = fold(settled, recent, storage.version_tally(versions_upto, None), hosts)
        due = storage.oldest_due()
        lag = max(0.0, (now - due).total_seconds()) if due is not None else 0.0
        readings = Readings(shown, lag, storage.outbox_depth())
        return readings, Progress(checks_upto, versions_upto, settled)

    def serve(self, listen: str | None = None) -> None:
        """Serve the feeds and metrics over HTTP until SIGINT or SIGTERM (see
        ``monitor.serve.server``). Raises ``ServeError`` for an address open to others
        with no credential configured, or one that cannot be bound."""
        from monitor.serve.server import serve_forever

        serve_forever(self, listen or self.config.serve.listen)

    # -- checking -------------------------------------------------------------

    def fetch_settings(self) -> FetchSettings:
        from monitor.fetch import FetchSettings

        daemon = self.config.daemon
        settings = FetchSettings(
            timeout=daemon.timeout_seconds,
            read_timeout=daemon.timeout_seconds,
            connect_timeout=min(10.0, daemon.timeout_seconds),
            max_bytes=daemon.max_bytes,
            per_host=daemon.per_host,
            transport="httpx" if daemon.transport == "httpx" else "aiohttp",
            allow_internal=daemon.allow_internal,
        )
        if daemon.user_agent:
            settings = FetchSettings(**{**settings.__dict__, "user_agent": daemon.user_agent})
        return settings

    def extraction_pool(self, jobs: int, *, idle: float | None = None) -> ExtractionPool:
        """Worker processes for ``jobs`` checks at a time, with the configured deadline;
        ``idle``: seconds without a page to read after which they may be let go."""
        from monitor.workers import ExtractionPool

        return ExtractionPool(jobs, self.config.daemon.extract_timeout_seconds, idle=idle)

    def pipeline(self, fetcher: PageFetcher, extraction: ExtractionPool) -> Pipeline:
        from monitor.pipeline import Pipeline, PipelineSettings

        daemon = self.config.daemon
        return Pipeline(
            self.storage,
            fetcher,
            self.notifier,
            clock=self.clock,
            owner=self.owner,
            extraction=extraction,
            settings=PipelineSettings(
                max_alert_chars=daemon.max_alert_chars,
                alert_attempts=daemon.alert_attempts,
                failures_before_alert=daemon.failures_before_alert,
                max_backoff=timedelta(seconds=daemon.max_backoff_seconds),
                retention=Retention(
                    versions=daemon.keep_versions,
                    version_bytes=daemon.keep_versions_bytes,
                    alerts_per_hour=daemon.alerts_per_hour,
                ),
            ),
        )

    def lease(self) -> timedelta:
        return timedelta(seconds=self.config.daemon.lease_seconds)

    @asynccontextmanager
    async def heartbeat(self, held: Callable[[], Collection[str]]) -> AsyncIterator[None]:
        """While the block runs, renew the leases on the watches ``held()`` names every
        third of a lease: a lease can then be short (a vanished owner's frees soon) while a
        slow check keeps its own."""

        async def beat() -> None:
            while True:
                await asyncio.sleep(self.lease().total_seconds() / 3)
                urls = list(held())
                try:
                    await asyncio.to_thread(
                        self.storage.renew, urls, self.owner, self.clock(), lease=self.lease()
                    )
                except MonitorError as error:  # the next beat tries again
                    log.warning("cannot renew the leases of the checks running: %s", error)

        task = asyncio.create_task(beat(), name="heartbeat")
        try:
            yield
        finally:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task

    def read(self) -> tuple[int, int]:
        """Read in full the pages first checks stored with their quick reading, as the
        daemon does while idle (every watch waiting for it that no other process holds),
        ``concurrency`` at a time; returns how many were read, and how many could not be
        (those make their next version a silent baseline, at their next check)."""
        return asyncio.run(self._read())

    async def _read(self) -> tuple[int, int]:
        from monitor.fetch import Fetcher
        from monitor.storage import REBASELINE

        watches = self.storage.claim_unread(
            self.owner, self.clock(), lease=self.lease(), limit=_READ_ALL
        )
        if not watches:
            return 0, 0
        async with Fetcher(self.fetch_settings()) as fetcher:  # the pipeline's; never used
            with self.extraction_pool(len(watches)) as extraction:
                pipeline = self.pipeline(fetcher, extraction)
                limit = asyncio.Semaphore(self.config.daemon.concurrency)

                async def one(watch: Watch) -> bool:
                    try:
                        async with limit:
                            read = await pipeline.read_unread(watch)
                        return read.hint != REBASELINE
                    finally:
                        await asyncio.to_thread(self.storage.release_by_url, watch.url, self.owner)

                done = await asyncio.gather(*(one(watch) for watch in watches))
        return sum(done), len(done) - sum(done)

    def check(self, urls: Sequence[str] | None = None) -> list[CheckReport]:
        """Check the given watches (all enabled ones when None) now, then deliver alerts."""
        return self.check_run(urls).reports

    def check_run(
        self,
        urls: Sequence[str] | None = None,
        *,
        stop_signals: Sequence[int] = (),
        progress: Callable[[CheckReport, int], None] | None = None,
    ) -> CheckRun:
        """``check``, stopped early by any of ``stop_signals`` (the CLI's SIGINT and SIGTERM):
        the checks finished are reported, the others as stopped, their leases freed.
        ``progress`` hears each check as it ends, with the number of checks claimed."""
        return asyncio.run(self._check(urls, stop_signals, progress))

    async def _check(
        self,
        urls: Sequence[str] | None,
        stop_signals: Sequence[int],
        progress: Callable[[CheckReport, int], None] | None = None,
    ) -> CheckRun:
        from monitor.fetch import Fetcher

        stopped_by: list[int] = []
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()

        def stopped(signum: int) -> None:
            stopped_by.append(signum)
            stop.set()

        for signum in stop_signals:
            loop.add_signal_handler(signum, stopped, signum)
        now = self.clock()
        # Claimed by one UPDATE, and what another process holds read in one query: no
        # query per watch before the first fetch, however many watches --all takes.
        chosen = None if urls is None else [self.named(url) for url in urls]
        watches: list[Watch] = []
        held: dict[str, datetime | None] = {}
        if chosen is None or chosen:
            watches = self.storage.claim(chosen, self.owner, now, lease=self.lease())
            held = self.storage.leased_to_others(chosen, self.owner)
        taken = {watch.url for watch in watches}
        busy_urls = list(held) if chosen is None else [url for url in chosen if url not in taken]
        async with Fetcher(self.fetch_settings()) as fetcher:
            with self.extraction_pool(len(watches)) as extraction:
                pipeline = self.pipeline(fetcher, extraction)
                limit = asyncio.Semaphore(self.config.daemon.concurrency)
                running = {watch.url for watch in watches}

                async def one(watch: Watch) -> CheckReport:
                    try:
                        async with limit:
                            report = await pipeline.check(watch)
                        if progress is not None:
                            progress(report, len(watches))
                        return report
                    finally:
                        running.discard(watch.url)

                tasks = [asyncio.create_task(one(w), name=w.url) for w in watches]
                async with self.heartbeat(lambda: running):
                    await _until_done_or(stop, tasks)
                reports = [await self._finished(task, stopped_by) for task in tasks]
                if not stopped_by:
                    await pipeline.deliver_pending()
        busy = [self._busy(url, held.get(url)) for url in busy_urls]
        return CheckRun(reports + busy, stopped_by[0] if stopped_by else None)

    async def _finished(
        self, task: asyncio.Task[CheckReport], stopped_by: list[int]
    ) -> CheckReport:
        """The task's report; a check still running when a signal came is abandoned (its
        writes are one transaction: all or nothing) and its watch freed for the next one."""
        if task.done():
            return task.result()
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
        from monitor.pipeline import CheckReport

        await asyncio.to_thread(self.storage.release_by_url, task.get_name(), self.owner)
        name = signal.Signals(stopped_by[0]).name
        return CheckReport(task.get_name(), "stopped", error=f"stopped by {name} before it ended")

    def _busy(self, url: str, until: datetime | None) -> CheckReport:
        from monitor.pipeline import CheckReport

        when = f" until {until:%H:%M:%S} UTC" if until else ""
        return CheckReport(
            url,
            "busy",
            error=f"another monitor process is checking it now (its lease runs{when}, "
            "renewed while the check runs); if that process died on another host, the "
            "watch frees itself then",
        )

    def notify_test(self) -> list[Delivery]:
        """Send a test alert to every configured target; report each one."""
        from monitor.notify import Message
        from monitor.render import AlertContext, render_alert

        ctx = AlertContext(
            kind="test",
            watch_name="monitor notify-test",
            url="https://example.org/",
            detail="This is a test alert from monitor: if you read it, this target works.",
        )
        return self.notifier.deliver(Message(render_alert(ctx)), self.notifier.targets_for(()))


_READ_ALL = 1_000_000_000
"""``monitor read`` takes every watch waiting for its reading."""


def _articles(versions: Sequence[StoredVersion]) -> list[StoredVersion]:
    """The versions that hold the article: less a first version's quick reading of its
    page once that page was read in full (the next version, kind 'reading')."""
    following = [*versions[1:], None]
    return [
        version
        for version, after in zip(versions, following, strict=True)
        if not (
            after is not None and after.kind == "reading" and after.number == version.number + 1
        )
    ]
