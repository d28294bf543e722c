"""What matches: pure functions of the texts and the query, no database, no clock.

A text search finds a version when the query's words appear in one of its fields, one
after the other, whatever the case and the punctuation between them ("police said" is in
"Police, said the mayor, …" but not in "police officers said"). The database's index
only narrows the versions down (every word of the query somewhere in the version); the
match itself is decided here, so that SQLite and PostgreSQL give the same answers.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, get_args

Field = Literal["headline", "byline", "body"]
FIELDS: tuple[Field, ...] = get_args(Field)

Since = datetime | timedelta
"""A moment, or a time before now (the core knows the clock)."""

_SEPARATORS = re.compile(r"[\W_]+")
_LONGEST_WORD = 500
"""Characters: a longer "word" (a data blob in a page) is never indexed, nor searched
for through the index (PostgreSQL refuses lexemes past 2 KiB)."""


def words(text: str) -> list[str]:
    """The words of ``text``, lower-cased: runs of letters and digits, as SQLite's unicode61
    tokenizer cuts them (composed accented letters are letters; other marks separate)."""
    return [word for word in _SEPARATORS.split(unicodedata.normalize("NFC", text).lower()) if word]


def _spoken(text: str) -> str:
    """``text`` as words separated by single spaces, paragraphs by " \\n " (a phrase never
    runs from one paragraph into the next), with a space at each end."""
    return " " + " \n ".join(" ".join(words(line)) for line in text.split("\n")) + " "


def indexable(terms: Iterable[str]) -> list[str]:
    """The terms the index holds and may be asked for (not the over-long ones)."""
    return [term for term in terms if len(term) <= _LONGEST_WORD]


# -- the queries ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Phrase:
    """Words to find one after the other."""

    text: str

    @property
    def terms(self) -> list[str]:
        """What the index is asked for: every word (in any order, any field)."""
        return indexable(dict.fromkeys(words(self.text)))

    def found_in(self, text: str) -> bool:
        key = " ".join(words(self.text))
        return bool(key) and f" {key} " in _spoken(text)

    def excerpt(self, text: str) -> str:
        """The paragraph holding the phrase, cut to a window around it."""
        key = f" {' '.join(words(self.text))} "
        for line in text.split("\n"):
            if key in _spoken(line):
                first = words(self.text)[0]
                at = unicodedata.normalize("NFC", line).lower().find(first)
                return _window(line, max(at, 0), len(self.text))
        return ""


@dataclass(frozen=True)
class Pattern:
    """A regular expression (Python's syntax), searched in each field as stored: the
    headline, the byline, the body's paragraphs one per line."""

    regex: str

    @property
    def terms(self) -> list[str]:
        return required_words(self.regex)

    def found_in(self, text: str) -> bool:
        return re.search(self.regex, text) is not None

    def excerpt(self, text: str) -> str:
        found = re.search(self.regex, text)
        if found is None:
            return ""
        start = text.rfind("\n", 0, found.start()) + 1
        end = text.find("\n", found.end())
        line = text[start : None if end < 0 else end]
        return _window(line, found.start() - start, found.end() - found.start())


Query = Phrase | Pattern

_EXCERPT = 160


def _window(line: str, at: int, length: int) -> str:
    """At most ``_EXCERPT`` characters of ``line`` around ``line[at : at + length]``."""
    if len(line) <= _EXCERPT:
        return line
    start = max(0, min(at - (_EXCERPT - length) // 2, len(line) - _EXCERPT))
    shown = line[start : start + _EXCERPT].replace("\n", " ")
    return ("…" if start else "") + shown + ("…" if start + _EXCERPT < len(line) else "")


def required_words(regex: str) -> list[str]:
    """Words every match of ``regex`` contains whole: those of its top-level literal
    runs with a separator on each side inside the run ("police said" in ``a police said
    b+`` gives police and said; the ``a`` and the ``b`` may be the ends of longer words).
    Empty when there are none: then every version is read."""
    from re import _parser  # type: ignore[attr-defined]  # the parser re compiles with

    try:
        parsed = _parser.parse(regex)
    except re.error:
        return []
    literal = _parser.LITERAL
    runs: list[str] = []
    current: list[str] = []
    for op, value in parsed:
        if op is literal:
            current.append(chr(value))
            continue
        runs.append("".join(current))
        current = []
    runs.append("".join(current))
    required: list[str] = []
    for run in runs:
        inner = words(_SEPARATORS.sub(" ", run).strip(" ")) if run else []
        # The first and last words of the run may be the ends of longer words.
        bounded_left = bool(run) and _is_separator(run[0])
        bounded_right = bool(run) and _is_separator(run[-1])
        keep = inner[(0 if bounded_left else 1) : (len(inner) if bounded_right else -1)]
        required.extend(keep)
    return indexable(dict.fromkeys(required))


def _is_separator(char: str) -> bool:
    return _SEPARATORS.fullmatch(char) is not None


# -- appeared, disappeared ---------------------------------------------------------------


@dataclass(frozen=True)
class Appearance:
    """Where a text came and went in one watch's versions."""

    first: int
    first_at: datetime
    gone: int | None
    """The first version without it after the last one with it (None: still there)."""
    gone_at: datetime | None


def appearance(versions: Sequence[tuple[int, datetime]], holding: set[int]) -> Appearance:
    """``versions``: a watch's (number, time), oldest first; ``holding``: the numbers of
    those that hold the text (at least one)."""
    first = next((n, at) for n, at in versions if n in holding)
    last = max(holding)
    gone = next(((n, at) for n, at in versions if n > last), None)
    return Appearance(first[0], first[1], gone[0] if gone else None, gone[1] if gone else None)


# -- --since ------------------------------------------------------------------------------

_RELATIVE = re.compile(r"(\d+)\s*([mhdw])")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(text: str) -> Since:
    """``2026-11-01``, ``2026-11-01T08:00`` (UTC unless an offset is given), or a time
    before now: ``30m``, ``12h``, ``1d``, ``2w``. ``ValueError`` says what is accepted."""
    relative = _RELATIVE.fullmatch(text.strip().lower())
    if relative:
        return timedelta(**{_UNITS[relative.group(2)]: int(relative.group(1))})
    try:
        at = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"{text!r} is not a date: give an ISO date or time (2026-11-01, "
            "2026-11-01T08:00, 2026-11-01T08:00+01:00) or a time ago (30m, 12h, 1d, 2w)"
        ) from None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def since_moment(since: Since | None, now: datetime) -> datetime | None:
    if since is None or isinstance(since, datetime):
        return since
    return now - since


# -- which changes ---------------------------------------------------------------------------


ChangeKind = Literal["silent", "declared", "revert", "timestamp", "gone"]
CHANGE_KINDS: tuple[ChangeKind, ...] = get_args(ChangeKind)
"""What a change can be: an edit the page did not declare or one it did, a revert, only
its date moving (a new version each), or the page taken down (no new version)."""


def change_kind(kind: str, declared: bool | None) -> str:
    """A version's kind of change as ``/metrics`` counts it: an edit the page declared
    ('declared'), one it did not ('silent'), or the version's own kind."""
    if kind == "edit" and declared is not None:
        return "declared" if declared else "silent"
    return kind


def shows_change(
    edit_kinds: Sequence[str],
    declared: bool | None,
    *,
    field: Field | None = None,
    silent: bool = False,
    kinds: Sequence[str] = (),
    kind: str = "edit",
    changes: Sequence[str] = (),
) -> bool:
    """Whether ``changes`` lists a change with these kinds of edit: one of ``field``
    (headline, byline, or any other kind for the body), silent (the page did not say it
    was updated), holding one of ``kinds``, its version's ``kind`` one of ``changes``
    (see ``change_kind``); each only when asked."""
    if silent and declared is not False:
        return False
    if changes and change_kind(kind, declared) not in changes:
        return False
    if kinds and not set(kinds) & set(edit_kinds):
        return False
    if field == "headline" or field == "byline":
        return field in edit_kinds
    if field == "body":
        return any(kind not in ("headline", "byline") for kind in edit_kinds)
    return True
