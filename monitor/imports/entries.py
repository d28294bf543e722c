"""What an importer reads (``Entry``: one job of the file) and what becomes of it
(``Outcome``): pure, no database; ``plan`` decides against the watches there are."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from monitor.models import WatchSpec

Action = Literal["add", "exists", "duplicate", "skip"]


@dataclass(frozen=True)
class Entry:
    """One job (urlwatch), watch (changedetection.io) or line (a URL list) of the file."""

    where: str
    """Where it is in the file, for the report: 'job 3', 'line 7', 'watch 1a2b3c4d'."""
    url: str | None
    """The URL as written; None when the job has none (a shell command)."""
    settings: Mapping[str, Any] = field(default_factory=dict)
    """Watch settings by their names in ``WatchSpec`` and ``WatchOptions``."""
    tags: tuple[str, ...] = ()
    """The other tool's tags: a tag a notification target has becomes the watch's --notify."""
    dropped: tuple[str, ...] = ()
    """The parts not imported, each saying why: the watch is added without them."""
    skipped: str | None = None
    """Why the whole job is not imported (None: it is)."""


@dataclass(frozen=True)
class Outcome:
    """What ``monitor import`` does (or, on a dry run, would do) with one entry."""

    where: str
    url: str | None
    action: Action
    notes: tuple[str, ...] = ()
    """For 'add': what was not imported; otherwise why nothing is added."""
    spec: WatchSpec | None = None
    """The watch to add (action 'add' only)."""


def plan(
    entries: Sequence[Entry],
    *,
    watched: Callable[[str], str | None],
    target_tags: Collection[str],
    check: Callable[[str], str],
    refusal: Callable[[str], str | None],
) -> list[Outcome]:
    """Decide each entry: add it, or say why not.

    ``watched``: the URL of the watch a canonical URL already has, or None; ``check``:
    a URL's canonical spelling, ValueError when it is no usable URL (``monitor add``'s
    check); ``refusal``: why the address policy refuses a URL, or None.
    """
    seen: dict[str, str] = {}
    outcomes: list[Outcome] = []
    for entry in entries:
        outcomes.append(_decide(entry, seen, watched, target_tags, check, refusal))
    return outcomes


def _decide(
    entry: Entry,
    seen: dict[str, str],
    watched: Callable[[str], str | None],
    target_tags: Collection[str],
    check: Callable[[str], str],
    refusal: Callable[[str], str | None],
) -> Outcome:
    if entry.skipped is not None or entry.url is None:
        return Outcome(entry.where, entry.url, "skip", (entry.skipped or "it has no URL",))
    try:
        url = check(entry.url.strip())
    except ValueError as error:
        return Outcome(entry.where, entry.url, "skip", (str(error),))
    refused = refusal(url)
    if refused is not None:
        return Outcome(entry.where, url, "skip", (refused,))
    if url in seen:
        return Outcome(entry.where, url, "duplicate", (f"the same URL as {seen[url]}",))
    seen[url] = entry.where
    existing = watched(url)
    if existing is not None:
        return Outcome(entry.where, existing, "exists", ("already watched; left as it is",))
    notify = tuple(tag for tag in entry.tags if tag in target_tags)
    unmatched = [tag for tag in entry.tags if tag not in target_tags]
    notes = list(entry.dropped)
    if unmatched:
        names = ", ".join(repr(tag) for tag in unmatched)
        notes.append(
            f"tag {names} (no notification target has it; to route this watch's alerts, "
            "give a target that tag in the config and `monitor add URL --notify TAG`)"
        )
    settings = {**entry.settings, **({"notify": notify} if notify else {})}
    while (problem := _settings_problem(settings)) is not None:
        settings = {k: v for k, v in settings.items() if k != problem[0]}
        notes.append(problem[1])
    spec = WatchSpec(url=url).with_settings(settings)
    return Outcome(entry.where, url, "add", tuple(notes), spec)


def _settings_problem(settings: Mapping[str, Any]) -> tuple[str, str] | None:
    """The first setting ``monitor add`` would refuse, and the note saying why."""
    from monitor.models import OPTIONS

    for name, value in settings.items():
        problem = OPTIONS[name].problem(value)
        if problem is not None:
            return name, f"{'interval' if name == 'every' else name} ({problem})"
    return None


def one_line(value: Any, limit: int = 60) -> str:
    """A value of the file as the report quotes it: one line, cut short."""
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
