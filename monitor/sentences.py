"""Text cut into the units edits are named in: sentences, tokens and quotations.

Small and rule-based, for any script: Latin-alphabet punctuation and abbreviations, and
CJK text, which has no spaces (each CJK character is a token; '。' ends a sentence).
Pure functions only.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from monitor.normalize import comparison_key

Span = tuple[int, int]
"""Where a piece of text is: start and end index."""

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\uff66-\uff9f"
_LETTER_NOT_CJK = rf"(?:(?![{_CJK}])\w)"
# A terminator, then any closing quotes and brackets that belong to the same sentence.
_END = re.compile(r"(?:[.!?…]+|[。！？]+)[\"'”’»«)\]」』]*")
_CJK_END = frozenset("。！？")
# Before a '.', these do not end a sentence: initials and dotted abbreviations (U.S., p.m.)
# and a few titles and short forms common in the corpus' languages.
_INITIALS = re.compile(r"(?:^|[\s(\"“„«‘])(?:[^\W\d_]\.)+$")
_WORD_START = re.compile(r"[\s(\"“„«‘]")
_NOT_SPACE = re.compile(r"\S")
WORD_BEFORE_CHARS = 64
"""How far before a '.' an abbreviation or a run of initials is looked for: longer than
any abbreviation, and than any run of initials a name or an acronym has."""
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof st gen sen rep gov lt col sgt capt jr sr inc co corp ltd vs etc nr "
    "jan feb apr aug sep sept oct nov dec approx ca bzw usw vgl sra dra av mme mlle".split()
)


def sentence_spans(text: str) -> tuple[Span, ...]:
    """Where each sentence of ``text`` starts and ends, in order.

    A sentence ends at '.', '!', '?' or '…' (with the quotes and brackets closing after
    it) followed by a space and then not by a lowercase letter, or at '。', '！', '？'
    with or without a space. A '.' after an initial or a known abbreviation does not end
    one. Text with no terminator is one sentence.
    """
    spans: list[Span] = []
    start = 0
    for match in _END.finditer(text):
        end = match.end()
        if not _ends_sentence(text, match.start(), end):
            continue
        if text[start:end].strip():
            spans.append(_trimmed(text, start, end))
        start = end
    if text[start:].strip():
        spans.append(_trimmed(text, start, len(text)))
    return tuple(spans)


def split_sentences(text: str) -> tuple[str, ...]:
    """The sentences of a paragraph (see ``sentence_spans``)."""
    return tuple(text[a:b] for a, b in sentence_spans(text))


def _ends_sentence(text: str, at: int, end: int) -> bool:
    # Called at every terminator of a paragraph: it reads only near ``at``, never the
    # text before it or after it whole (that made a long paragraph quadratic).
    if text[at] in _CJK_END:
        # “…？”他说: a quotation's own mark, and the sentence goes on after it.
        closed = text[end - 1] not in _CJK_END
        return not (closed and text[end : end + 1].isalnum())
    if not text[end : end + 1].isspace():
        return False  # "2.5", "U.S.-led", "…”said" and the end of the text
    following = _NOT_SPACE.search(text, end)
    if following is None or following.group().islower():
        return False
    if text[at:end] == ".":
        before = max(0, at - WORD_BEFORE_CHARS)
        word = _WORD_START.split(text[before:at])[-1].lower()
        if _INITIALS.search(text, before, end) or word in _ABBREVIATIONS:
            return False
    return True


def _trimmed(text: str, start: int, end: int) -> Span:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


# -- tokens -------------------------------------------------------------------------------


# Numbers stand alone (a number glued to letters, as in "COVID-19" or "G7", is part of a
# word); a date, a time, a range or a grouped figure is one number: "2021-06-03", "2:15",
# "1,200", "$2.5", "100%". Initials keep their last dot ("U.S.", "p.m."). A CJK character
# is a token of its own.
@functools.cache
def _token_pattern() -> re.Pattern[str]:
    """Compiled when first used (its classes take milliseconds to compile, which the
    commands that only show versions need not spend)."""
    return re.compile(
        rf"(?P<number>[$€£¥₹]?\d+(?:[.,:/-]\d+)*%?)(?!{_LETTER_NOT_CJK})"
        rf"|(?P<word>{_LETTER_NOT_CJK}+(?:['’.-]{_LETTER_NOT_CJK}+)*(?:(?<=\.\w)\.)?)"
        rf"|(?P<cjk>[{_CJK}])"
        r"|(?P<mark>[^\w\s])"
    )


_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True)
class Token:
    """A word, a number, a CJK character or a mark, where it is, and its comparison key."""

    kind: str
    """'number', 'word', 'cjk' or 'mark'."""
    text: str
    start: int
    end: int
    key: str


def tokens(text: str, offset: int = 0) -> list[Token]:
    """The tokens of ``text``, spaces left out; positions are counted from ``offset``."""
    return [
        Token(
            m.lastgroup or "mark",
            m.group(),
            m.start() + offset,
            m.end() + offset,
            comparison_key(m.group()),
        )
        for m in _token_pattern().finditer(text)
    ]


def _currency(number: str) -> str:
    return "" if number[0].isdigit() else number[0]


def same_number(a: str, b: str) -> bool:
    """Two spellings of one figure: '1,200' and '1.200' (or '1200'); '1.5' and '1,5'."""
    if _currency(a) != _currency(b) or a.endswith("%") != b.endswith("%"):
        return False
    ga, gb = _DIGITS.findall(a), _DIGITS.findall(b)
    if ga == gb:
        return True  # only the separators differ
    if "".join(ga) != "".join(gb):
        return False
    # A grouped figure and the same digits ungrouped: '1,200' and '1200', not '1.5' and '15'.
    grouped = ga if len(ga) > 1 else gb
    return (len(ga) == 1 or len(gb) == 1) and all(len(g) == 3 for g in grouped[1:])


# -- quotations -----------------------------------------------------------------------------

# A quotation's opening mark and the marks that can close it; curly and angle marks nest no
# further. ’ closes a quotation only when no letter follows (else it is an apostrophe).
_QUOTATION = re.compile(
    r"“[^“”]*”|„[^„“”]*[“”]|«[^«»]*»|»[^«»]*«|‹[^‹›]*›|\"[^\"]*\"|‘(?:[^‘’]|’(?=\w))*’(?!\w)"
    r"|‚[^‚‘]*‘|「[^「」]*」|『[^『』]*』"
)


def quotation_spans(text: str) -> tuple[Span, ...]:
    """Where each quotation of ``text`` is: (opening mark's index, closing mark's index)."""
    return tuple((m.start(), m.end() - 1) for m in _QUOTATION.finditer(text))


def quotation_at(spans: Sequence[Span], start: int, end: int) -> Span | None:
    """The quotation whose words the text from ``start`` to ``end`` touches (empty: a point)."""
    for opening, closing in spans:
        if start == end and opening < start <= closing:
            return opening, closing
        if start < closing and end > opening + 1:
            return opening, closing
    return None
