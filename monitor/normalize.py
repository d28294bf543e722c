"""Text normalisation: ordered lists of small steps, so only real edits count.

Each step is a plain ``str -> str`` function. Two lists: ``DISPLAY_STEPS`` clean what
is stored and shown (Unicode composition, invisible characters, whitespace), keeping
the newsroom's typography; ``COMPARE_STEPS`` go further for comparison only (quote
styles, hyphen variants), because a CMS flips those at will and that is never an edit.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable

Step = Callable[[str], str]

# Soft hyphens, zero-width characters, and control characters (which PostgreSQL refuses).
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u00b4": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
    }
)
_DASHES = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2212": "-"})
_SPACES = re.compile(r"[^\S\n]+")
# translate() walks a dict per character: only pay it when there is something to map.
_HAS_QUOTE = re.compile(
    "[\u2018\u2019\u201a\u201b\u2032\u00b4\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb]"
)
_HAS_DASH = re.compile("[\u2010\u2011\u2012\u2212]")


def compose_unicode(text: str) -> str:
    """NFC: 'é' typed as one code point or as e + accent is the same letter."""
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def drop_invisible(text: str) -> str:
    """Soft hyphens and zero-width characters are layout hints, not text; a lone
    surrogate (from a broken JSON escape) is no character, and could not be stored."""
    return _SURROGATE.sub("\ufffd", _INVISIBLE.sub("", text))


def straighten_quotes(text: str) -> str:
    """Curly and straight quotes are the same quote."""
    return _mapped(text, _QUOTES) if _HAS_QUOTE.search(text) else text


def unify_hyphens(text: str) -> str:
    """Unicode hyphen variants are the same hyphen (en and em dashes are kept)."""
    return _mapped(text, _DASHES) if _HAS_DASH.search(text) else text


def _mapped(text: str, table: dict[int, str]) -> str:
    # str.replace per character present is several times faster than translate(), which
    # looks every character of the text up in the table.
    for code, replacement in table.items():
        char = chr(code)
        if char in text:
            text = text.replace(char, replacement)
    return text


def collapse_spaces(text: str) -> str:
    """Any run of spaces, tabs or non-breaking spaces is one space."""
    return _SPACES.sub(" ", text.replace("\u00a0", " ").replace("\r", "\n")).strip()


DISPLAY_STEPS: tuple[Step, ...] = (compose_unicode, drop_invisible, collapse_spaces)
COMPARE_STEPS: tuple[Step, ...] = (straighten_quotes, unify_hyphens)


def normalize_text(text: str, steps: Iterable[Step] = DISPLAY_STEPS) -> str:
    """Run ``text`` through each normalisation step in order."""
    if steps is DISPLAY_STEPS and text.isascii() and text.isprintable():
        if "  " not in text and text[:1] != " " and text[-1:] != " ":
            return text  # already one line of single spaces (the common case)
        return collapse_spaces(text)  # the other display steps only touch the rest
    for step in steps:
        text = step(text)
    return text


def comparison_key(text: str) -> str:
    """The form two texts are compared in: equal keys mean no edit."""
    return key_of_normalized(normalize_text(text))


def key_of_normalized(text: str) -> str:
    """``comparison_key`` of a text already through ``normalize_text``."""
    return text if text.isascii() else normalize_text(text, COMPARE_STEPS)


# Lines where a newsroom owns up to an edit ("Updated at 2:15 p.m.", "Correction: …").
DECLARATION = re.compile(
    r"^\W*(updated?\b|this (story|article) (has been|was) (updated|corrected)|correction\b|"
    r"corrected\b|clarification\b|editor'?s'? note\b|update \d|an earlier version)",
    re.IGNORECASE,
)
# Each number is read from its first digit (the CJK form has no \b before it): else a long
# run of digits is scanned again from each of its digits (quadratic).
RELATIVE_TIME = re.compile(
    r"\b(?:\d+|an?|one|a few|several)\s+(?:sec(?:ond)?s?|min(?:ute)?s?|hours?|hrs?|days?|"
    r"weeks?|months?|years?)\s+ago\b|\bjust now\b|\byesterday\b|"
    r"\bvor\s+(?:\d+|einer?|wenigen)\s+\w+|\bil y a\s+\S+\s+\w+|\bhace\s+\S+\s+\w+|"
    r"\bhá\s+\S+\s+\w+|(?<!\d)\d+\s*(?:秒|分钟?|小时|時間|日|天|週間?|周|か?月|年)前",
    re.IGNORECASE,
)
# Every relative time holds one of these: most lines hold none, and skip the pattern.
_RELATIVE_CUES = ("ago", "just now", "yesterday", "vor", "il y a", "hace", "há", "前")


def has_relative_time(text: str) -> bool:
    """``RELATIVE_TIME`` is in ``text`` ("5 minutes ago", "vor 2 Stunden", "3小时前")."""
    low = text.lower()
    return any(cue in low for cue in _RELATIVE_CUES) and RELATIVE_TIME.search(text) is not None


def without_relative_time(text: str) -> str:
    """``text`` less its relative times, its spaces collapsed."""
    if not any(cue in text.lower() for cue in _RELATIVE_CUES):
        return text
    return " ".join(RELATIVE_TIME.sub("", text).split())


def normalize_line(line: str) -> str:
    """``normalize_text`` of a line whose spaces are already single (``" ".join(split())``)."""
    if line.isascii() and line.isprintable():
        return line
    text = drop_invisible(compose_unicode(line))
    return text if len(text) == len(line) else " ".join(text.split())


def normalize_paragraphs(paragraphs: Iterable[str]) -> tuple[str, ...]:
    """Normalise each paragraph, splitting on line breaks and dropping empty ones."""
    out: list[str] = []
    for paragraph in paragraphs:
        for line in normalize_text(paragraph).split("\n"):
            line = line.strip()
            if line:
                out.append(line)
    return tuple(out)
