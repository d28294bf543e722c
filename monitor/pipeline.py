"""One check of one watch: fetch, extract, decide, store, then deliver.

The same pipeline serves ``monitor run`` and ``monitor check``. I/O happens here and
at the edges it calls (fetcher, storage, notifier); the decisions are ``detect``'s
and the wording is ``render``'s. Extraction is CPU work and runs in worker processes
(``workers``), off the event loop, each page under a deadline. A version and the
alerts that report it are written in one transaction, and delivered afterwards from
that outbox.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from http import HTTPStatus
from typing import Any

from monitor.detect import (
    Decision,
    LifecycleEvent,
    decide,
    failure_event,
    first_state,
    lifecycle,
    same_page,
    taken_back,
)
from monitor.errors import ExtractionError, FetchError, StorageError
from monitor.extract import Extraction, extract, hint_is_stale, without_volatile
from monitor.extract.confirm import (
    LOST_CHECKS,
    Confirmation,
    already_shown,
    byline_held,
    byline_kept,
    confirm,
    confirmable,
    container_found,
    container_lost,
    held,
    labels_held,
    missed,
    needs_previous_page,
    owned_up_since,
    passing,
    recheck,
    settled,
    unmodified,
)
from monitor.extract.quick import deferrable, quick_read
from monitor.fetch import PageFetcher, status_reason
from monitor.models import (
    AlertDraft,
    Article,
    CheckOutcome,
    FetchResult,
    NewVersion,
    PendingAlert,
    Response,
    StoredVersion,
    Watch,
)
from monitor.notify import Delivery, Message, Notifier
from monitor.render import AlertContext, render_alert, render_digest
from monitor.retention import Retention
from monitor.schedule import BACKOFF_CAP, backoff_due, next_due, parse_retry_after
from monitor.storage import DIGEST, REBASELINE, Storage
from monitor.workers import ExtractionPool

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class CheckReport:
    """What one check did, for the CLI and the logs."""

    url: str
    outcome: str
    version: int | None = None
    alerts: int = 0
    error: str | None = None


@dataclass(frozen=True)
class PipelineSettings:
    max_alert_chars: int = 20_000
    alert_attempts: int = 10
    alert_hold: timedelta = timedelta(minutes=5)
    alert_batch: int = 100
    """Alerts claimed at a time: a pass takes batches until nothing is due."""
    failures_before_alert: int = 3
    """Failed checks in a row that make a 'stopped working' alert."""
    max_backoff: timedelta = BACKOFF_CAP
    """The longest a failing watch waits between checks (unless its interval is longer)."""
    retention: Retention = field(default_factory=Retention)
    """Versions kept and alerts sent per watch (no limit unless configured)."""


NO_TARGET = (
    "no notification target is configured: add one under [notify] in the config, "
    "then `monitor notify-test`"
)


def alert_draft(ctx: AlertContext, targets: tuple[str, ...], budget: int) -> AlertDraft:
    return AlertDraft(kind=ctx.kind, rendered=render_alert(ctx, budget), targets=targets)


def _rebaselining(watch: Watch) -> bool:
    """The watch's settings, or the monitor's reading rules, changed since its last
    version: the next difference is theirs, not the page's."""
    return bool(watch.hint and watch.hint.get("rebaseline")) or hint_is_stale(watch.hint)


_SHOWN = "shown"
"""The mark of a watch whose page, stored with its quick reading, was shown again (a 304)
before it was read in full: its reading then counts every line as seen twice."""


def _shown_unread(hint: dict[str, Any] | None) -> dict[str, Any] | None:
    """The hint of a watch not yet read in full after a 304 (None: nothing to change)."""
    return None if hint and hint.get(_SHOWN) else {**(hint or {}), _SHOWN: True}


def _in_place(watch: Watch) -> bool:
    """The page is where it was (not gone, not moved): its container can be read."""
    return watch.state in ("active", "noindex")


def _readable(content_type: str) -> bool:
    """HTML, XML, JSON or text (or no type at all: many servers send none)."""
    kind = content_type.split(";")[0].strip().lower()
    return (
        not kind
        or kind.startswith("text/")
        or any(word in kind for word in ("html", "xml", "json"))
    )


def _first_check_error(status: int) -> str:
    """Why a watch with no version yet got none: a 404 there is a wrong or unpublished URL,
    not an article taken down."""
    if status not in (404, 410):
        return status_reason(status)
    return (
        f"HTTP {status} {HTTPStatus(status).phrase}: the URL answers {status} and nothing was "
        "ever read there; check the URL (a typo? not published yet?) or remove the watch"
    )


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4 … minutes between delivery attempts, at most an hour."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


class Pipeline:
    """Checks watches and delivers the alerts they produce."""

    def __init__(
        self,
        storage: Storage,
        fetcher: PageFetcher,
        notifier: Notifier,
        *,
        clock: Clock,
        owner: str,
        extraction: ExtractionPool,
        settings: PipelineSettings | None = None,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.storage = storage
        self.fetcher = fetcher
        self.notifier = notifier
        self.clock = clock
        self.owner = owner
        self.extraction = extraction
        self.settings = settings or PipelineSettings()
        self.jitter = jitter
        """Spreads a failing watch's next checks (a value in [0, 1)); injected by tests."""

    def fetcher_for(self, watch: Watch) -> PageFetcher:
        """The fetcher that gets ``watch``'s page: the one place a watch's fetcher is
        chosen (there is one kind yet; a headless browser, for pages built by JavaScript,
        would be picked here by a watch setting)."""
        return self.fetcher

    async def check(self, watch: Watch) -> CheckReport:
        """Check one (already claimed) watch and store the outcome."""
        started = self.clock()
        try:
            outcome = await self._examine(watch, started)
        except Exception as error:  # one broken page must never stop the others
            log.exception("check of %s failed unexpectedly", watch.url)
            outcome = CheckOutcome(
                at=started,
                outcome="error",
                next_check_at=next_due(watch.spec.every, started),
                error=f"internal error: {type(error).__name__}: {error}",
            )
        outcome = self._with_failures(watch, outcome)
        number = await asyncio.to_thread(
            self.storage.save_check, watch.id, self.owner, outcome, self.settings.retention
        )
        if outcome.error:
            log.warning("%s: %s", watch.url, outcome.error)
        return CheckReport(watch.url, outcome.outcome, number, len(outcome.alerts), outcome.error)

    async def _examine(self, watch: Watch, started: datetime) -> CheckOutcome:
        base = CheckOutcome(
            at=started, outcome="unchanged", next_check_at=next_due(watch.spec.every, started)
        )
        try:
            result = await self.fetcher_for(watch).fetch(
                watch.url, etag=watch.etag, last_modified=watch.last_modified
            )
        except FetchError as error:
            return replace(base, outcome="error", error=error.reason)
        base = replace(
            base,
            status=result.status,
            duration_ms=result.duration_ms,
            etag=result.etag,
            last_modified=result.last_modified,
        )
        if result.status in (429, 503):
            base = replace(base, retry_after=parse_retry_after(result.retry_after, started))
        if result.not_modified:
            base = replace(
                base,
                outcome="not-modified",
                etag=watch.etag or result.etag,
                last_modified=watch.last_modified or result.last_modified,
            )
            shown_again = unmodified(watch.hint)
            if watch.unread_version is not None:
                shown_again = _shown_unread(watch.hint)
            return base if shown_again is None else replace(base, hint=shown_again, set_hint=True)
        if result.status >= 400 or not same_page(watch.url, result.final_url):
            previous = await asyncio.to_thread(self.storage.latest_version, watch.id)
            if result.status >= 400 or previous is not None:
                return self._event_outcome(watch, base, previous, result)
            # A first check that was redirected: the page it lands on is the first version.
        if not _readable(result.content_type):
            return replace(
                base,
                outcome="error",
                error=f"the URL serves {result.content_type.split(';')[0]}, not a web page; "
                "monitor reads HTML, XML, JSON and text",
            )
        if watch.unread_version is not None:
            # The page of the first version is read in full (unless the daemon did so
            # while idle) before this one is compared with that reading.
            watch = await self.read_unread(watch)
        elif await self._first(watch):
            return await self._first_quick(watch, base, result)
        reading = time.perf_counter()
        try:
            extraction = await self._extract(result, watch)
        except ExtractionError as error:
            # No validators kept: a 304 next time would skip the page that was never read.
            return replace(base, outcome="error", error=str(error), etag=None, last_modified=None)
        base = replace(
            base,
            hint=extraction.hint,
            set_hint=True,
            extract_ms=(time.perf_counter() - reading) * 1000,
        )
        if extraction.article is None:
            return base  # the fast path: the article's container reads as before
        article = extraction.article
        previous = await asyncio.to_thread(self.storage.latest_version, watch.id)
        # Read through a container for the first time (it was the extractor's text before):
        # the difference is the reading's, not the page's.
        improved = previous is not None and container_found(watch.hint, extraction.hint)
        if improved and previous is not None and _in_place(watch) and not _rebaselining(watch):
            # The stored page, read through that container too: what differs then is the
            # page's (an edit that made the article long enough to find), not the reading's.
            reread = await self._reread(watch, previous, extraction.hint)
            if reread is not None:
                previous, improved = reread, False
        lost = container_lost(watch.hint, extraction.hint) if previous is not None else 0
        if 0 < lost < LOST_CHECKS and _in_place(watch) and not _rebaselining(watch):
            log.info(
                "%s: the article's container was not found (%d of %d)", watch.url, lost, LOST_CHECKS
            )
            return replace(base, hint=missed(watch.hint, lost), etag=None, last_modified=None)
        # Missed again and again: the page's layout changed for good, read it anew.
        rebaseline = _rebaselining(watch) or improved or lost >= LOST_CHECKS
        if previous is not None:
            # A widget learnt to come and go is compared as absent from both versions.
            previous = without_volatile(previous, extraction.hint)
            if _in_place(watch) and not rebaseline:
                confirming = time.perf_counter()
                confirmed = await self._confirm(watch, result, extraction.hint, article, previous)
                spent = (time.perf_counter() - confirming) * 1000
                base = replace(base, extract_ms=(base.extract_ms or 0.0) + spent)
                if confirmed is not None:
                    article = confirmed.article
                    base = replace(base, hint=confirmed.hint)
                    previous = without_volatile(previous, confirmed.hint)
                shown = already_shown(watch.hint, previous.article, article, base.hint)
                article = shown.article
                base = replace(base, hint=shown.hint)
        event = lifecycle(
            watch.state,
            watch.url,
            result.status,
            result.final_url,
            article,
            previous.article if previous else None,
        )
        if previous is not None:
            article = byline_kept(previous.article, article)
            article = byline_held(watch.hint, previous.article, article)
            unheld = article
            if not rebaseline:  # a new baseline holds back nothing: no change is reported
                article = labels_held(watch.hint, previous.article, article)
            if article is not unheld:
                # The held labels are on the page: the next check compares it again (no
                # fast path, no 304), to report them if they stay.
                base = replace(base, hint=recheck(base.hint), etag=None, last_modified=None)
        known = await asyncio.to_thread(self.storage.version_numbers_by_hash, watch.id)
        decision = decide(previous, article, known, watch.spec.options, rebaseline=rebaseline)
        if previous is not None and decision.kind == "edit":
            # Labels from nothing beside a paragraph restored: the restoring is a revert,
            # reported now; the labels wait, as below (the restored sentence is no
            # sentence from nothing to hold with them: the page had it before).
            unlabelled = labels_held(watch.hint, previous.article, article, sections=False)
            if unlabelled is not article:
                back = decide(previous, unlabelled, known, watch.spec.options)
                if back.kind == "revert":
                    article, decision = unlabelled, back
                    base = replace(base, hint=recheck(base.hint), etag=None, last_modified=None)
        apart = article
        if previous is not None and decision.kind == "edit":
            apart = labels_held(watch.hint, previous.article, article, silent=True)
        if apart is not article:
            assert previous is not None
            held_apart = decide(previous, apart, known, watch.spec.options)
            if held_apart.kind == "revert" or (  # the page as it was, and chrome come with it
                not decision.declared and not await self._owned_up(watch, result, previous)
            ):
                # Sentences from nothing beside a silent edit or a revert: the change now,
                # they if they stay (as labels above).
                article, decision = apart, held_apart
                base = replace(base, hint=recheck(base.hint), etag=None, last_modified=None)
        # The version before a reading is its page's quick reading: no change to take back.
        changed = previous is not None and previous.number > 1 and previous.kind != "reading"
        if decision.kind == "edit" and previous is not None and changed:
            # Retention may have forgotten it: then no revert is told from the last change.
            earlier = await asyncio.to_thread(
                self.storage.version_or_none, watch.url, previous.number - 1
            )
            if earlier is not None:
                decision = taken_back(decision, earlier, previous, article)
        if (
            previous is not None
            and decision.kind in ("edit", "revert")
            and passing(watch.hint, previous.article, article)
        ):
            decision = replace(
                decide(previous, article, known, watch.spec.options, rebaseline=True),
                reason="labels read at the last check only are gone: chrome passing through",
            )
        if (
            previous is not None
            and decision.kind in ("edit", "revert")
            and await self._unsettled(watch, result, decision, previous, article)
        ):
            # Labels, or sentences the page does not own up to, that came or went since
            # the last check: reported if they stay. The next fetch is unconditional, so
            # that a 304 cannot hide that they stayed.
            hint = held(base.hint, watch.hint, previous.article, article)
            return replace(base, hint=hint, etag=None, last_modified=None)
        outcome = self._version_outcome(watch, base, decision, article, result, previous)
        if previous is None:
            # The first version is the baseline, of the page's fate too: nothing to report.
            return replace(outcome, state=first_state(watch.url, result.final_url, article))
        if event is not None:
            event_alert = self._event_alert(watch, event, previous)
            outcome = replace(outcome, state=event.state, alerts=(*outcome.alerts, event_alert))
        return outcome

    async def _first(self, watch: Watch) -> bool:
        """This check, whose page answered, makes the watch's first version, and its page
        may be read in full later (its hint holds no reading yet: a watch that has a
        version has one, unless a selector reads it)."""
        if not deferrable(watch.spec.options) or (watch.hint and watch.hint != REBASELINE):
            return False
        if watch.last_check_at is None:
            return True  # never checked: no version (only a check stores one); no query
        return await asyncio.to_thread(self.storage.latest_version, watch.id) is None

    async def _first_quick(
        self, watch: Watch, base: CheckOutcome, result: FetchResult
    ) -> CheckOutcome:
        """The first version: the page as fetched and its quick reading, stored at once;
        the full reading waits (``read_unread``). A first version reports nothing."""
        reading = time.perf_counter()
        try:
            article = await self.extraction.run(
                quick_read, result.body, result.final_url, watch.spec.options
            )
        except ExtractionError as error:
            return replace(base, outcome="error", error=str(error), etag=None, last_modified=None)
        base = replace(
            base, hint=None, set_hint=True, extract_ms=(time.perf_counter() - reading) * 1000
        )
        decision = decide(None, article, {}, watch.spec.options)
        outcome = self._version_outcome(watch, base, decision, article, result, None)
        assert outcome.version is not None  # a first version is always stored
        return replace(
            outcome,
            version=replace(outcome.version, quick=True),
            state=first_state(watch.url, result.final_url, article),
        )

    async def read_unread(self, watch: Watch) -> Watch:
        """Read in full the page of the version stored with its quick reading (a first
        version), and store that reading as the next version, a silent baseline of the
        same fetch, with the hint it gives; returns the watch as it then stands. The
        watch must be leased to this process.

        A page that cannot be read again (its stored bytes unreadable, the reading past
        its deadline) leaves the watch marked to make a silent baseline of the next page
        it reads: compared with the quick reading, every page would look edited.
        """
        number = watch.unread_version
        if number is None:
            return watch
        try:
            html, url = await asyncio.to_thread(self.storage.fetched_page, watch.url, number)
            extraction = await self.extraction.run(extract, html, url, watch.spec.options, None)
        except (StorageError, ExtractionError) as error:
            log.info("%s: could not read the page of version %d: %s", watch.url, number, error)
            return replace(watch, hint=REBASELINE, unread_version=None)
        assert extraction.article is not None  # without a hint there is no fast path
        hint = extraction.hint
        if watch.hint and watch.hint.get(_SHOWN):
            # Shown again since (a 304): no line of it is fresh, as after a 304 of a page
            # read at once (``confirm.unmodified``).
            hint = unmodified(hint) or hint
        saved = await asyncio.to_thread(
            self.storage.save_reading,
            watch.id,
            self.owner,
            number,
            extraction.article,
            hint,
            self.clock(),
            self.settings.retention,
        )
        if saved is None:  # no longer leased to this process, or read by another
            return replace(watch, hint=REBASELINE, unread_version=None)
        log.debug("%s: version %d's page read in full as version %d", watch.url, number, saved)
        return replace(watch, hint=hint, unread_version=None)

    async def _extract(self, result: FetchResult, watch: Watch) -> Extraction:
        # Off the fast path while the page is gone or moved, so 'back' is noticed, and
        # when the settings changed, so the page is read with the new ones. A noindex page
        # keeps it: its robots tag is among the signals that leave the fast path.
        hint = watch.hint if _in_place(watch) and not _rebaselining(watch) else None
        return await self.extraction.run(
            extract, result.body, result.final_url, watch.spec.options, hint
        )

    async def _reread(
        self, watch: Watch, previous: StoredVersion, hint: dict[str, Any] | None
    ) -> StoredVersion | None:
        """The stored version as the page it was fetched as reads through ``hint``'s
        container; None when it reads as the page now does, or cannot be read."""
        try:
            html = await asyncio.to_thread(self.storage.raw_html, watch.url, previous.number)
            again = await self.extraction.run(extract, html, watch.url, watch.spec.options, hint)
        except (StorageError, ExtractionError) as error:
            # Then the difference is taken for the reading's, as before a page was kept.
            log.info("%s: could not read the stored page again: %s", watch.url, error)
            return None
        if again.article is None:
            return None  # the same reading: the difference was the reading's alone
        return replace(previous, article=again.article, content_hash=again.article.content_hash())

    async def _unsettled(
        self,
        watch: Watch,
        result: FetchResult,
        decision: Decision,
        previous: StoredVersion,
        article: Article,
    ) -> bool:
        """The change must wait for the next check (see ``confirm.settled``): labels that
        came or went, or sentences come from nothing on a page that does not own up to an
        edit. Whether it owns up is asked of both pages (an update line the reading does
        not hold, set above the article's element), only when that alone would hold it."""
        if not settled(watch.hint, previous.article, article):
            return True
        silent = decision.kind == "edit" and not decision.declared
        if not silent or settled(watch.hint, previous.article, article, silent=True):
            return False
        return not await self._owned_up(watch, result, previous)

    async def _owned_up(self, watch: Watch, result: FetchResult, previous: StoredVersion) -> bool:
        """The page owns up to an edit since the stored version: an update line the reading
        does not hold, set above the article's element (``confirm.owned_up_since``). When
        the pages cannot be compared, it is taken to: the change is reported now."""
        try:
            before = await asyncio.to_thread(self.storage.raw_html, watch.url, previous.number)
            return await self.extraction.run(owned_up_since, before, result.body, watch.hint)
        except (StorageError, ExtractionError) as error:
            log.info("%s: could not compare the pages' update lines: %s", watch.url, error)
            return True

    async def _confirm(
        self,
        watch: Watch,
        result: FetchResult,
        hint: dict[str, Any] | None,
        article: Article,
        previous: StoredVersion,
    ) -> Confirmation | None:
        """The full extractor's second opinion on the lines that changed since the stored
        version (see ``extract.confirm``); None when nothing needs one."""
        lines, before = article.paragraphs, previous.article.paragraphs
        if lines == before or not confirmable(hint):
            return None
        previous_html = None
        if needs_previous_page(hint, before, lines):
            previous_html = await asyncio.to_thread(
                self.storage.raw_html, watch.url, previous.number
            )
        try:
            return await self.extraction.run(
                confirm, result.body, watch.spec.options, hint, article, before, previous_html
            )
        except ExtractionError as error:  # the change stands unconfirmed
            log.info("%s: could not confirm the change: %s", watch.url, error)
            return None

    def _with_failures(self, watch: Watch, outcome: CheckOutcome) -> CheckOutcome:
        """A failing watch backs off; its N-th failure in a row, and the check that works
        after it, are alerts (written with the check, as every alert)."""
        failed = outcome.outcome == "error"
        if failed:
            due = backoff_due(
                watch.spec.every,
                outcome.at,
                watch.failures + 1,
                jitter=self.jitter(),
                retry_after=outcome.retry_after,
                cap=self.settings.max_backoff,
            )
            outcome = replace(outcome, next_check_at=due)
        event = failure_event(watch.failures, failed, self.settings.failures_before_alert)
        if event is None:
            return outcome
        if event == "failing":
            detail = (
                f"{watch.failures + 1} checks in a row failed; the last error: {outcome.error}. "
                f"Checks go on, less often (the next at {outcome.next_check_at:%Y-%m-%d %H:%M} "
                "UTC); an alert will say when it works again"
            )
        else:
            detail = (
                f"the check works again, after {watch.failures} failed in a row "
                f"(the last error: {watch.last_error or 'unknown'})"
            )
        ctx = AlertContext(kind=event, watch_name=watch.label, url=watch.url, detail=detail)
        targets = self.notifier.targets_for(watch.spec.notify)
        draft = alert_draft(ctx, targets, self.settings.max_alert_chars)
        return replace(outcome, alerts=(*outcome.alerts, draft))

    def _event_outcome(
        self,
        watch: Watch,
        base: CheckOutcome,
        previous: StoredVersion | None,
        result: FetchResult,
    ) -> CheckOutcome:
        """The page is not where it was: gone, moved elsewhere, or failing (before any
        version, an error answer is the watch's error: there is nothing to report on)."""
        event = lifecycle(
            watch.state,
            watch.url,
            result.status,
            result.final_url,
            None,
            previous.article if previous else None,
        )
        if event is None:
            if previous is None:
                return replace(base, outcome="error", error=_first_check_error(result.status))
            if result.status in (404, 410) or result.status < 400:
                # Still gone, or still redirected: reported once already; keep the last version.
                return replace(base, outcome=watch.state)
            return replace(base, outcome="error", error=status_reason(result.status))
        return replace(
            base,
            outcome=event.kind,
            state=event.state,
            alerts=(self._event_alert(watch, event, previous),),
        )

    def _event_alert(
        self, watch: Watch, event: LifecycleEvent, previous: StoredVersion | None
    ) -> AlertDraft:
        ctx = AlertContext(
            kind=event.kind,
            watch_name=watch.label,
            url=watch.url,
            detail=event.detail
            + (f"; version {previous.number} is kept as the latest content" if previous else ""),
        )
        return alert_draft(
            ctx, self.notifier.targets_for(watch.spec.notify), self.settings.max_alert_chars
        )

    def _version_outcome(
        self,
        watch: Watch,
        base: CheckOutcome,
        decision: Decision,
        article: Article,
        result: FetchResult,
        previous: StoredVersion | None,
    ) -> CheckOutcome:
        if not decision.store:
            return base
        version = NewVersion(
            article=article,
            raw_html=result.body,
            kind=decision.kind,
            revert_of=decision.revert_of,
            declared=decision.declared,
            summary=decision.diff.summary if decision.diff else None,
            edits=decision.edits if decision.diff else None,
            # The evidence: the exchange as it happened, stored with the version.
            response=Response(
                fetched_at=base.at,
                status=result.status,
                final_url=result.final_url,
                headers=result.headers,
                request_headers=result.request_headers,
                http_version=result.http_version,
            ),
        )
        alerts: tuple[AlertDraft, ...] = ()
        if decision.alert and previous is not None:
            ctx = AlertContext(
                kind=decision.kind,
                watch_name=watch.spec.name or article.title or watch.url,
                url=watch.url,
                old_number=previous.number,
                old_at=previous.created_at,
                new_number=previous.number + 1,
                new_at=base.at,
                diff=decision.diff,
                declared=decision.declared,
                declared_by=decision.declared_by,
                revert_of=decision.revert_of,
                detail=decision.reason if decision.kind == "timestamp" or decision.partial else "",
                edits=decision.edits,
            )
            targets = self.notifier.targets_for(watch.spec.notify)
            alerts = (alert_draft(ctx, targets, self.settings.max_alert_chars),)
        return replace(base, outcome=decision.kind, version=version, alerts=alerts)

    async def deliver_pending(self, *, stop: Callable[[], bool] | None = None) -> list[Delivery]:
        """Deliver every alert due in the outbox, batch by batch; failed targets are retried
        later.

        Each batch is claimed past the last one: an alert tried in this pass (sent, or failed
        and due again later) is not taken again before the pass ends, while alerts written
        meanwhile are. ``stop``: asked before each alert; True ends the pass there (what is
        claimed and not sent is held, then taken again, by this process or another).
        """
        results: list[Delivery] = []
        after = 0
        while True:
            batch = await asyncio.to_thread(
                self.storage.claim_alerts,
                self.owner,
                self.clock(),
                hold=self.settings.alert_hold,
                limit=self.settings.alert_batch,
                after=after,
            )
            if not batch:
                return results
            for alert in batch:
                if stop is not None and stop():
                    return results
                results.extend(await self._deliver(alert))
            after = batch[-1].id

    def _send(self, alert: PendingAlert, message: Message) -> list[Delivery]:
        """Send to each target in turn, recording each one told before the next is tried
        (the last one is recorded with the attempt): a process killed between two targets
        leaves one at most that hears the alert twice."""
        deliveries: list[Delivery] = []
        for at, target in enumerate(alert.targets):
            (delivery,) = self.notifier.deliver(message, (target,))
            if delivery.ok and at < len(alert.targets) - 1:
                self.storage.delivered_to(alert.id, target)
            deliveries.append(delivery)
        return deliveries

    async def _deliver(self, alert: PendingAlert) -> list[Delivery]:
        if not alert.targets:
            # Nobody to tell: the alert stays undelivered (``monitor list`` counts it),
            # never "sent" to nobody.
            await asyncio.to_thread(
                self.storage.mark_alert,
                alert.id,
                self.clock(),
                failed_targets=("(none)",),
                error=NO_TARGET,
                retry_at=None,
            )
            return []
        message = Message(alert.rendered, alert.watch_url)
        if alert.kind == DIGEST:
            # Written empty, gathering alerts for an hour: what it says is known now.
            folded = await asyncio.to_thread(self.storage.folded, alert.id)
            label = alert.watch_name or alert.watch_url
            rendered = render_digest(label, alert.watch_url, folded, self.settings.max_alert_chars)
            message = Message(rendered, alert.watch_url)
        deliveries = await asyncio.to_thread(self._send, alert, message)
        failed = [d.target for d in deliveries if not d.ok]
        errors = "; ".join(f"{d.display}: {d.error}" for d in deliveries if not d.ok)
        attempts = alert.attempts + 1
        now = self.clock()
        retry_at = now + retry_delay(attempts) if attempts < self.settings.alert_attempts else None
        await asyncio.to_thread(
            self.storage.mark_alert,
            alert.id,
            now,
            failed_targets=failed,
            error=errors or None,
            retry_at=retry_at,
        )
        return deliveries
