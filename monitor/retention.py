"""What is kept: which versions go when a watch is past its limits, and when an alert is
one too many for the hour. Pure functions, applied by ``storage`` in the check's
transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

ALERT_WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class Retention:
    """The limits of one watch's history (None: no limit)."""

    versions: int | None = None
    """Versions kept; the first and the latest always are, whatever the limit."""
    version_bytes: int | None = None
    """Bytes of fetched pages kept, counted as fetched (a page shared with other versions
    counts for each of them)."""
    alerts_per_hour: int | None = None
    """Alerts sent on their own in any hour; the rest go out folded into one digest."""

    @property
    def limits_versions(self) -> bool:
        """Are versions forgotten past a limit?"""
        return self.versions is not None or self.version_bytes is not None


def versions_to_drop(sizes: Sequence[tuple[int, int]], retention: Retention) -> list[int]:
    """The numbers of the versions to forget, oldest first.

    ``sizes``: (number, bytes fetched) of each stored version, oldest first. The oldest
    versions between the first (the baseline) and the latest (what the next check compares
    with) go until both limits are met; numbers are never reused, so what is left keeps
    its numbers, with gaps.
    """
    if len(sizes) <= 2:
        return []
    count, total = len(sizes), sum(size for _, size in sizes)
    dropped: list[int] = []
    for number, size in sizes[1:-1]:
        over_count = retention.versions is not None and count > retention.versions
        over_bytes = retention.version_bytes is not None and total > retention.version_bytes
        if not (over_count or over_bytes):
            break
        dropped.append(number)
        count, total = count - 1, total - size
    return dropped


def alerts_allowed(sent_in_window: int, retention: Retention) -> int | None:
    """How many more alerts may go out on their own this hour (None: any number)."""
    if retention.alerts_per_hour is None:
        return None
    return max(retention.alerts_per_hour - sent_in_window, 0)
