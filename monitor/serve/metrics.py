"""The Prometheus metrics of ``/metrics``, built from values read from the database.

``monitor serve`` is not the daemon: it counts what the daemon wrote (the check log, the
versions, the outbox) when scraped. Counters are kept in this process and grow by the
rows added since the last scrape, so a scrape reads the new rows only, and the daemon's
pruning of old rows never makes a counter go down. Pure: no database, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from urllib.parse import urlsplit

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from monitor.models import CheckTally

LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
"""Upper bounds, in seconds, of the fetch latency histogram (a fetch times out at 30 s
by default; a bigger one is configured)."""

LATENCY_BOUNDS_MS = tuple(bound * 1000 for bound in LATENCY_BUCKETS)

READ_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
"""Upper bounds, in seconds, of the extraction time histogram: a check on the fast path
reads its page in milliseconds, a first check in tens of them, a hostile page until its
deadline (30 s by default)."""

READ_BOUNDS_MS = tuple(bound * 1000 for bound in READ_BUCKETS)

SETTLE = timedelta(minutes=5)
"""Rows older than this are counted once and for all; newer ones at every scrape, as a
PostgreSQL transaction still open may yet commit a row with a lower id."""


@dataclass(frozen=True)
class Totals:
    """Counts since this process started reading: a check-log and a version tally folded
    together, each row counted once."""

    checks: Mapping[str, int] = field(default_factory=dict)
    """Checks per outcome."""
    changes: Mapping[str, int] = field(default_factory=dict)
    """Stored versions per kind of change ('first' versions are not changes, nor their
    pages read in full: 'reading')."""
    errors: Mapping[str, int] = field(default_factory=dict)
    """Checks that ended in an error, per host of the watched URL."""
    within: tuple[int, ...] = (0,) * len(LATENCY_BUCKETS)
    """Checks whose fetch took at most each bucket's bound."""
    count: int = 0
    seconds: float = 0.0
    read_within: tuple[int, ...] = (0,) * len(READ_BUCKETS)
    """Checks that read their page within each extraction bucket's bound."""
    read: int = 0
    read_seconds: float = 0.0


@dataclass(frozen=True)
class Progress:
    """How far the counting has gone: the rows up to these ids are in ``totals``."""

    checks_upto: int = 0
    versions_upto: int = 0
    totals: Totals = field(default_factory=Totals)


@dataclass(frozen=True)
class Readings:
    """Everything ``/metrics`` shows."""

    totals: Totals
    schedule_lag_seconds: float
    outbox_depth: int


def host_of(url: str) -> str:
    return urlsplit(url).hostname or "unknown"


def _plus(counts: Mapping[str, int], more: Iterable[tuple[str, int]]) -> dict[str, int]:
    out = dict(counts)
    for key, n in more:
        out[key] = out.get(key, 0) + n
    return out


def fold(
    totals: Totals,
    checks: Sequence[CheckTally],
    changes: Mapping[str, int],
    hosts: Mapping[int, str],
) -> Totals:
    """``totals`` with a check tally and a version tally added; ``hosts``: each watch's
    host by id (a watch removed since is counted as 'unknown')."""
    within = list(totals.within)
    read_within = list(totals.read_within)
    for tally in checks:
        for index, n in enumerate(tally.within):
            within[index] += n
        for index, n in enumerate(tally.read_within):
            read_within[index] += n
    return replace(
        totals,
        checks=_plus(totals.checks, ((t.outcome, t.count) for t in checks)),
        changes=_plus(
            totals.changes, ((k, n) for k, n in changes.items() if k not in ("first", "reading"))
        ),
        errors=_plus(
            totals.errors,
            ((hosts.get(t.watch_id, "unknown"), t.count) for t in checks if t.outcome == "error"),
        ),
        within=tuple(within),
        count=totals.count + sum(t.count for t in checks),
        seconds=totals.seconds + sum(t.duration_ms for t in checks) / 1000,
        read_within=tuple(read_within),
        read=totals.read + sum(t.read for t in checks),
        read_seconds=totals.read_seconds + sum(t.extract_ms for t in checks) / 1000,
    )


def families(readings: Readings) -> list[Metric]:
    """The metric families, named by Prometheus conventions (``_total``, ``_seconds``)."""
    totals = readings.totals
    checks = CounterMetricFamily(
        "monitor_checks", "Checks of watched pages, by outcome.", labels=["outcome"]
    )
    for outcome, n in sorted(totals.checks.items()):
        checks.add_metric([outcome], n)
    changes = CounterMetricFamily(
        "monitor_changes",
        "Versions stored that changed an article, by kind (silent, declared, revert, ...).",
        labels=["kind"],
    )
    for kind, n in sorted(totals.changes.items()):
        changes.add_metric([kind], n)
    errors = CounterMetricFamily(
        "monitor_check_errors", "Checks that ended in an error, by host.", labels=["host"]
    )
    for host, n in sorted(totals.errors.items()):
        errors.add_metric([host], n)
    latency = HistogramMetricFamily(
        "monitor_fetch_duration_seconds", "Time to fetch a watched page, per check."
    )
    buckets = [(f"{bound:g}", n) for bound, n in zip(LATENCY_BUCKETS, totals.within, strict=True)]
    latency.add_metric([], [*buckets, ("+Inf", totals.count)], totals.seconds)
    reading = HistogramMetricFamily(
        "monitor_extraction_duration_seconds",
        "Time a check spent reading its page (extraction, and the confirmation of a "
        "change), per check that read it.",
    )
    read = [(f"{bound:g}", n) for bound, n in zip(READ_BUCKETS, totals.read_within, strict=True)]
    reading.add_metric([], [*read, ("+Inf", totals.read)], totals.read_seconds)
    lag = GaugeMetricFamily(
        "monitor_schedule_lag_seconds",
        "How long the most overdue enabled watch has waited past its check time.",
        value=readings.schedule_lag_seconds,
    )
    outbox = GaugeMetricFamily(
        "monitor_outbox_alerts",
        "Alerts not yet delivered to every target and still being tried.",
        value=readings.outbox_depth,
    )
    return [checks, changes, errors, latency, reading, lag, outbox]


class _Fixed(Collector):
    def __init__(self, metrics: list[Metric]) -> None:
        self.metrics = metrics

    def collect(self) -> Iterable[Metric]:
        return self.metrics


def exposition(readings: Readings) -> bytes:
    """The readings in Prometheus' text format."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Fixed(families(readings)))
    return generate_latest(registry)
