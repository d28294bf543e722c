"""What is kept: which versions go past a watch's limits, and how many alerts an hour."""

from __future__ import annotations

from monitor.retention import Retention, alerts_allowed, versions_to_drop

SIZES = [(1, 100), (2, 100), (3, 100), (4, 100), (5, 100)]


def test_without_limits_nothing_is_dropped() -> None:
    """The default keeps every version."""
    assert versions_to_drop(SIZES, Retention()) == []


def test_past_the_count_the_oldest_go_but_never_the_first() -> None:
    """Keeping 3 of 5: versions 2 and 3 go; the first (the baseline) and the latest stay."""
    assert versions_to_drop(SIZES, Retention(versions=3)) == [2, 3]


def test_past_the_bytes_the_oldest_go_until_the_rest_fits() -> None:
    """250 bytes for five 100-byte versions: 2, 3 and 4 go, leaving 200."""
    assert versions_to_drop(SIZES, Retention(version_bytes=250)) == [2, 3, 4]


def test_the_first_and_the_latest_stay_whatever_the_limits() -> None:
    """A limit of one version, or of one byte, still keeps two versions."""
    assert versions_to_drop(SIZES, Retention(versions=1)) == [2, 3, 4]
    assert versions_to_drop(SIZES, Retention(version_bytes=1)) == [2, 3, 4]
    assert versions_to_drop(SIZES[:2], Retention(versions=1)) == []


def test_numbers_with_gaps_are_dropped_by_number() -> None:
    """After earlier pruning (1, 4, 5, 6), the next to go is 4."""
    sizes = [(1, 10), (4, 10), (5, 10), (6, 10)]
    assert versions_to_drop(sizes, Retention(versions=3)) == [4]


def test_alerts_allowed_counts_down_to_zero() -> None:
    """With 10 an hour, 7 sent leave 3; 12 sent leave none; no limit allows any number."""
    assert alerts_allowed(7, Retention(alerts_per_hour=10)) == 3
    assert alerts_allowed(12, Retention(alerts_per_hour=10)) == 0
    assert alerts_allowed(12, Retention()) is None
