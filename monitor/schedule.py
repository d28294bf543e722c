"""When is a watch due? Pure functions of the watch's ``every`` and the current time.

``every`` is an interval ('90s', '15m', '2h', '1d', '1h30m') or a five-field cron
expression ('*/10 6-22 * * 1-5'), evaluated by APScheduler's cron trigger in UTC.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

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


def validate_every(every: str) -> None:
    """Raise ValueError (with what to write instead) unless ``every`` is usable."""
    if is_cron(every):
        try:
            CronTrigger.from_crontab(every, timezone=UTC)
        except ValueError as error:
            raise ValueError(f"{every!r} is not a valid cron expression: {error}") from error
        return
    if parse_duration(every) < MIN_INTERVAL:
        raise ValueError(f"{every!r} is too often; checks can be at most every {MIN_INTERVAL}")


def next_due(every: str, now: datetime) -> datetime:
    """The next time a watch with this ``every`` is due, after ``now``."""
    if is_cron(every):
        trigger = CronTrigger.from_crontab(every, timezone=UTC)
        fire = trigger.get_next_fire_time(None, now + timedelta(seconds=1))
        assert isinstance(fire, datetime)
        return fire.astimezone(UTC)
    return now + parse_duration(every)
