"""When is a watch due? Pure functions of the watch's ``every`` and the current time.

``every`` is an interval ('90s', '15m', '2h', '1d', '1h30m') or a five-field cron
expression ('*/10 6-22 * * 1-5'), evaluated by APScheduler's cron trigger in UTC.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from apscheduler.triggers.cron import CronTrigger

_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
MIN_INTERVAL = timedelta(seconds=10)


def parse_duration(text: str) -> timedelta:
    """'15m' -> 15 minutes; '1h30m' -> 90 minutes; a bare number is seconds."""
    cleaned = text.strip().lower().replace(" ", "")
    if re.fullmatch(r"\d+(\.\d+)?", cleaned):
        return timedelta(seconds=float(cleaned))
    pos, total = 0, 0.0
    for match in _PART.finditer(cleaned):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    if not cleaned or pos != len(cleaned):
        raise ValueError(
            f"{text!r} is not a duration; write it like '90s', '15m', '2h', '1d' or '1h30m'"
        )
    return timedelta(seconds=total)


def is_cron(every: str) -> bool:
    return len(every.split()) == 5


_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def _weekday(token: str) -> int:
    if token.lower()[:3] in _DAYS:
        return _DAYS.index(token.lower()[:3])
    number = int(token)
    if not 0 <= number <= 7:
        raise ValueError(f"day of week {number} is out of range 0-7")
    return number % 7


def cron_weekdays(field: str) -> str:
    """Cron's day-of-week field (0 or 7 = Sunday) in APScheduler's terms (day names).

    APScheduler 3 counts 0 as Monday; a crontab user means Sunday. Names are unambiguous.
    """
    if field == "*":
        return field
    days: list[int] = []
    for item in field.split(","):
        spec, _, step_text = item.partition("/")
        step = int(step_text) if step_text else 1
        if spec == "*":
            first, last = 0, 6
        elif "-" in spec:
            start, end = spec.split("-", 1)
            first, last = _weekday(start), _weekday(end)
            if end == "7":
                last = 7
        else:
            first = last = _weekday(spec)
        if step_text and "-" not in spec and spec != "*":
            last = 6
        span = range(first, (last if last >= first else last + 7) + 1, step)
        days.extend(day % 7 for day in span)
    return ",".join(_DAYS[day] for day in sorted(set(days)))


def cron_trigger(every: str) -> CronTrigger:
    from apscheduler.triggers.cron import CronTrigger  # only a cron schedule needs it

    minute, hour, day, month, weekday = every.split()
    return CronTrigger(
        minute=minute,
        hour=hour,
        day=day,
        month=month,
        day_of_week=cron_weekdays(weekday),
        timezone=UTC,
    )


def validate_every(every: str) -> None:
    """Raise ValueError (with what to write instead) unless ``every`` is usable."""
    if is_cron(every):
        try:
            cron_trigger(every)
        except ValueError as error:
            raise ValueError(
                f"{every!r} is not a valid cron expression ({error}); write five fields: "
                "minute hour day-of-month month day-of-week, e.g. '*/15 6-22 * * 1-5'"
            ) from error
        return
    if parse_duration(every) < MIN_INTERVAL:
        raise ValueError(f"{every!r} is too often; checks can be at most every {MIN_INTERVAL}")


def next_due(every: str, now: datetime) -> datetime:
    """The next time a watch with this ``every`` is due, after ``now``."""
    if is_cron(every):
        # Strictly after now, but not a whole second later: 12:14:59.5 is due at 12:15.
        fire = cron_trigger(every).get_next_fire_time(None, now + timedelta(microseconds=1))
        assert isinstance(fire, datetime)
        return fire.astimezone(UTC)
    return now + parse_duration(every)


def interval_of(every: str, now: datetime) -> timedelta:
    """How far apart checks are: the interval, or a cron expression's gap at ``now``."""
    if not is_cron(every):
        return parse_duration(every)
    first = next_due(every, now)
    return next_due(every, first) - first


BACKOFF_CAP = timedelta(hours=24)
BACKOFF_FACTOR_CAP = 16
"""A failing watch waits at most 16 of its intervals, and at most BACKOFF_CAP (unless
its own interval is longer), between checks."""


def backoff_due(
    every: str,
    now: datetime,
    failures: int,
    *,
    jitter: float,
    retry_after: timedelta | None = None,
    cap: timedelta = BACKOFF_CAP,
) -> datetime:
    """When a watch that failed ``failures`` times in a row is checked next.

    The interval doubles with each failure after the first, up to ``cap`` (or 16 intervals,
    whichever is shorter; never shorter than the interval). ``jitter`` in [0, 1) spreads
    the delay up to a quarter longer, so that watches failing together (one host down) do
    not come back together. A server's ``Retry-After`` is honoured, within the same cap:
    a hostile one cannot park a watch for years.
    """
    interval = interval_of(every, now)
    if failures <= 1 and retry_after is None:
        return next_due(every, now)
    limit = max(interval, min(interval * BACKOFF_FACTOR_CAP, cap))
    doublings = min(max(failures - 1, 0), 30)
    delay = interval * float(2**doublings) * (1 + min(max(jitter, 0.0), 1.0) / 4)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return now + min(delay, limit)


def parse_retry_after(value: str | None, now: datetime) -> timedelta | None:
    """A ``Retry-After`` header (seconds, or an HTTP date) as a delay from ``now``; None
    when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return timedelta(seconds=min(int(value), 10**9))  # timedelta overflows past that
    from email.utils import parsedate_to_datetime  # for a Retry-After, not at every start

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # an HTTP date is GMT, whether or not it says so
        when = when.replace(tzinfo=UTC)
    return max(when - now, timedelta(0))
