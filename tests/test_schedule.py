"""When a watch is due: durations, cron expressions and the next check, with a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from monitor.schedule import (
    MIN_INTERVAL,
    backoff_due,
    cron_weekdays,
    is_cron,
    next_due,
    parse_duration,
    parse_retry_after,
    validate_every,
)

# Thursday, 14 March 2024, 12:07:30 UTC.
NOW = datetime(2024, 3, 14, 12, 7, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        ("15m", timedelta(minutes=15)),
        ("2h", timedelta(hours=2)),
        ("1d", timedelta(days=1)),
        ("1w", timedelta(weeks=1)),
        ("1h30m", timedelta(minutes=90)),
        ("1d12h", timedelta(hours=36)),
        ("1.5h", timedelta(minutes=90)),
        ("500ms", timedelta(milliseconds=500)),
        ("1m30s", timedelta(seconds=90)),
        ("45", timedelta(seconds=45)),
        ("2.5", timedelta(seconds=2.5)),
        ("0", timedelta(0)),
        (" 15m ", timedelta(minutes=15)),
        ("1h 30m", timedelta(minutes=90)),
        ("2H", timedelta(hours=2)),
    ],
    ids=repr,
)
def test_parse_duration(text: str, expected: timedelta) -> None:
    """Durations are numbers with units (s, m, h, d, w, ms), combined; a bare number is seconds."""
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "   ", "abc", "15x", "m15", "h", "-5m", "1.5.5h", "15 minutes", "1h30", "15m!", "1,5h"],
    ids=repr,
)
def test_parse_duration_rejects_what_is_not_a_duration(text: str) -> None:
    """Anything else raises ValueError quoting the input and showing how to write one."""
    with pytest.raises(ValueError, match="is not a duration") as caught:
        parse_duration(text)
    message = str(caught.value)
    assert repr(text) in message
    assert "'15m'" in message and "'1h30m'" in message


@pytest.mark.parametrize(
    ("every", "cron"),
    [("15m", False), ("*/10 6-22 * * 1-5", True), ("0 9 * * *", True), ("* * * *", False)],
)
def test_is_cron(every: str, cron: bool) -> None:
    """Five space-separated fields make a cron expression; anything else is an interval."""
    assert is_cron(every) is cron


@pytest.mark.parametrize(
    "every",
    ["10s", "15m", "1h30m", "1d", "*/10 6-22 * * 1-5", "0 9 * * mon-fri", "0 0 1 * *", "0 9 * * 7"],
    ids=str,
)
def test_validate_every_accepts_intervals_and_cron(every: str) -> None:
    """Intervals of at least ten seconds and five-field cron expressions are usable."""
    validate_every(every)


@pytest.mark.parametrize(
    "every", ["61 * * * *", "* 25 * * *", "*/0 * * * *", "* * 32 * *", "x * * * *"], ids=str
)
def test_validate_every_rejects_bad_cron(every: str) -> None:
    """A malformed cron expression is rejected, quoting it and saying what is wrong."""
    with pytest.raises(ValueError, match="is not a valid cron expression") as caught:
        validate_every(every)
    assert repr(every) in str(caught.value)


@pytest.mark.parametrize("every", ["0", "5s", "9.9s", "500ms", "9"], ids=str)
def test_validate_every_rejects_too_frequent_checks(every: str) -> None:
    """Checking more often than every ten seconds is refused, saying the limit."""
    with pytest.raises(ValueError, match="too often") as caught:
        validate_every(every)
    assert str(MIN_INTERVAL) in str(caught.value)


def test_validate_every_rejects_an_interval_that_is_not_a_duration() -> None:
    """An interval that does not parse is refused with the duration hint."""
    with pytest.raises(ValueError, match="is not a duration"):
        validate_every("every 5 minutes")


@pytest.mark.parametrize(
    ("every", "expected"),
    [
        ("15m", NOW + timedelta(minutes=15)),
        ("90s", NOW + timedelta(seconds=90)),
        ("1h30m", NOW + timedelta(minutes=90)),
        ("1d", NOW + timedelta(days=1)),
    ],
    ids=str,
)
def test_next_due_for_an_interval(every: str, expected: datetime) -> None:
    """An interval watch is next due that long after now."""
    assert next_due(every, NOW) == expected


def at(day: int, hour: int, minute: int = 0, second: int = 0, micro: int = 0) -> datetime:
    return datetime(2024, 3, day, hour, minute, second, micro, tzinfo=UTC)


@pytest.mark.parametrize(
    ("every", "now", "expected"),
    [
        pytest.param("*/15 * * * *", NOW, at(14, 12, 15), id="every-15-minutes"),
        pytest.param("*/15 * * * *", at(14, 12, 15), at(14, 12, 30), id="exactly-on-a-fire-time"),
        pytest.param(
            "*/15 * * * *", at(14, 12, 14, 59, 500_000), at(14, 12, 15), id="half-a-second-before"
        ),
        pytest.param("0 9 * * *", NOW, at(15, 9), id="tomorrow-morning"),
        pytest.param("*/10 6-22 * * *", at(14, 22, 55), at(15, 6), id="outside-the-hours"),
        pytest.param("0 9 * * 1-5", at(15, 10), at(18, 9), id="friday-to-monday"),
        pytest.param("0 9 * * 1", NOW, at(18, 9), id="monday-is-1"),
        pytest.param("0 9 * * 0", NOW, at(17, 9), id="sunday-is-0"),
        pytest.param("0 9 * * 7", NOW, at(17, 9), id="sunday-is-7"),
        pytest.param("0 9 * * mon-fri", at(15, 10), at(18, 9), id="weekday-names"),
        pytest.param("0 0 1 * *", NOW, datetime(2024, 4, 1, tzinfo=UTC), id="first-of-month"),
    ],
)
def test_next_due_for_cron(every: str, now: datetime, expected: datetime) -> None:
    """A cron watch is next due at the expression's next time strictly after now, in UTC."""
    due = next_due(every, now)
    assert due == expected
    assert due.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("field", "days"),
    [
        ("1-5", "mon,tue,wed,thu,fri"),
        ("0", "sun"),
        ("7", "sun"),
        ("*/2", "sun,tue,thu,sat"),
        ("5-7", "sun,fri,sat"),
        ("sat-mon", "sun,mon,sat"),
        ("1,3", "mon,wed"),
        ("2/2", "tue,thu,sat"),
        ("*", "*"),
    ],
)
def test_cron_weekdays_mean_what_crontab_means(field: str, days: str) -> None:
    """Day-of-week numbers follow crontab (0 and 7 are Sunday), ranges wrap, steps step."""
    assert cron_weekdays(field) == days


def test_a_first_failure_keeps_the_schedule() -> None:
    """One failure is no pattern yet: the next check is when it was due anyway."""
    assert backoff_due("15m", NOW, 1, jitter=0.9) == NOW + timedelta(minutes=15)


def test_backoff_stops_at_the_cap_for_a_slow_watch() -> None:
    """A 2-hour watch failing for days waits 24 hours, not 16 intervals (32 hours)."""
    assert backoff_due("2h", NOW, 12, jitter=0.0) == NOW + timedelta(hours=24)


def test_backoff_never_checks_less_often_than_the_watch_asks() -> None:
    """A weekly watch past the 24-hour cap is still checked weekly."""
    assert backoff_due("1w", NOW, 5, jitter=0.0) == NOW + timedelta(weeks=1)


def test_a_cron_watch_backs_off_from_its_gap() -> None:
    """'*/10 * * * *' is 10 minutes apart: a third failure waits 40."""
    assert backoff_due("*/10 * * * *", NOW, 3, jitter=0.0) == NOW + timedelta(minutes=40)


def test_retry_after_cannot_park_a_watch_past_the_cap() -> None:
    """A server asking for ten years is checked again within the cap (16 intervals)."""
    years = timedelta(days=3650)
    assert backoff_due("15m", NOW, 1, jitter=0.0, retry_after=years) == NOW + timedelta(hours=4)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", timedelta(minutes=2)),
        ("Thu, 14 Mar 2024 13:07:30 GMT", timedelta(hours=1)),
        ("Thu, 14 Mar 2024 11:00:00 GMT", timedelta(0)),
        ("99999999999999999999", timedelta(seconds=10**9)),
        ("soon", None),
        ("", None),
        (None, None),
    ],
    ids=repr,
)
def test_parse_retry_after(value: str | None, expected: timedelta | None) -> None:
    """Retry-After is seconds or an HTTP date; a past date is now, nonsense is ignored."""
    assert parse_retry_after(value, NOW) == expected
