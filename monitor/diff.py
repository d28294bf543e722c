"""Diffing two versions of an article with diff-match-patch.

Paragraphs are diffed as units first (so an added paragraph shows as added, not as
a word soup); a removed paragraph immediately replaced by an added one is a changed
paragraph, diffed again word by word with semantic cleanup. Pure functions only.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Literal

from diff_match_patch import diff_match_patch

from monitor.models import Article
from monitor.normalize import comparison_key

Op = Literal["equal", "insert", "delete"]
BlockKind = Literal["equal", "added", "removed", "changed"]

DIFF_TIMEOUT_S = 1.0
"""diff-match-patch gives up refining after this long and returns a coarser diff."""

# Words, whole numbers ("2.5", "1,200"), single punctuation marks, and runs of space: so
# "fine" -> "fine, sturdy" is an insertion after an unchanged word, and 2.5 -> 2.7 a number.
_WORD = re.compile(r"\d+(?:[.,:]\d+)*|\w+|[^\w\s]|\s+")
# A replaced paragraph this dissimilar reads better as removed + added than as word soup.
_MIN_SHARED_FOR_CHANGE = 0.3


@dataclass(frozen=True)
class Segment:
    """A run of text that is equal, inserted or deleted."""

    op: Op
    text: str


@dataclass(frozen=True)
class Block:
    """One paragraph (or field) of the diff."""

    kind: BlockKind
    old: str
    new: str
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class Summary:
    """The size of a change, in words and paragraphs."""

    words_added: int = 0
    words_removed: int = 0
    paragraphs_added: int = 0
    paragraphs_removed: int = 0
    paragraphs_changed: int = 0
    title_changed: bool = False
    byline_changed: bool = False

    @property
    def is_empty(self) -> bool:
        return self == Summary()

    def describe(self) -> str:
        """One human line: '+42 / -3 words; 3 paragraphs added; headline changed'."""
        parts = [f"+{self.words_added} / -{self.words_removed} words"]
        for count, what in (
            (self.paragraphs_added, "added"),
            (self.paragraphs_removed, "removed"),
            (self.paragraphs_changed, "changed"),
        ):
            if count:
                parts.append(f"{count} paragraph{'s' if count != 1 else ''} {what}")
        if self.title_changed:
            parts.append("headline changed")
        if self.byline_changed:
            parts.append("byline changed")
        return "; ".join(parts)


@dataclass(frozen=True)
class ArticleDiff:
    """Field-by-field diff of two versions of an article."""

    title: Block
    byline: Block
    blocks: tuple[Block, ...]
    summary: Summary

    @property
    def changed_blocks(self) -> tuple[Block, ...]:
        return tuple(block for block in self.blocks if block.kind != "equal")


def _engine() -> diff_match_patch:
    engine = diff_match_patch()
    engine.Diff_Timeout = DIFF_TIMEOUT_S
    return engine


def _keys_to_chars(old: list[str], new: list[str]) -> tuple[str, str]:
    """Map each distinct unit (paragraph or word) to one character, as dmp's line mode does.

    Units are told apart by their comparison key, so a paragraph whose quotes merely
    changed style is the same paragraph.
    """
    index: dict[str, int] = {}

    def encode(units: list[str]) -> str:
        return "".join(chr(index.setdefault(comparison_key(u), len(index)) + 1) for u in units)

    return encode(old), encode(new)


def _unit_diff(old: list[str], new: list[str], *, semantic: bool) -> list[tuple[Op, list[str]]]:
    a, b = _keys_to_chars(old, new)
    engine = _engine()
    diffs = engine.diff_main(a, b, False)
    if semantic:
        # Worth it for words (merges choppy runs); on paragraphs it would swallow equal ones.
        engine.diff_cleanupSemantic(diffs)
    # Walk both sides: equal and inserted units read as the new version spells them.
    out: list[tuple[Op, list[str]]] = []
    i = j = 0
    for op, chars in diffs:
        n = len(chars)
        if op == 0:
            out.append(("equal", new[j : j + n]))
            i, j = i + n, j + n
        elif op == 1:
            out.append(("insert", new[j : j + n]))
            j += n
        else:
            out.append(("delete", old[i : i + n]))
            i += n
    return out


def diff_words(old: str, new: str) -> tuple[Segment, ...]:
    """Word-level diff of two strings, with semantic cleanup."""
    merged: list[Segment] = []
    for op, words in _unit_diff(_WORD.findall(old), _WORD.findall(new), semantic=True):
        text = "".join(words)
        if merged and merged[-1].op == op:
            merged[-1] = Segment(op, merged[-1].text + text)
        elif text:
            merged.append(Segment(op, text))
    return tuple(merged)


def _field_block(old: str, new: str) -> Block:
    if comparison_key(old) == comparison_key(new):
        return Block("equal", old, new, (Segment("equal", new),) if new else ())
    return Block("changed", old, new, diff_words(old, new))


def _shared_bound(old: str, new: str) -> float:
    """An upper bound of ``_similarity``: shared words, ignoring their order."""
    a, b = old.split(), new.split()
    shared = sum((Counter(map(comparison_key, a)) & Counter(map(comparison_key, b))).values())
    return shared / max(len(a), len(b), 1)


def _similarity(segments: tuple[Segment, ...], old: str, new: str) -> float:
    shared = sum(len(s.text.split()) for s in segments if s.op == "equal")
    return shared / max(len(old.split()), len(new.split()), 1)


def _pair_paragraphs(removed: list[str], added: list[str]) -> list[Block]:
    """Match each removed paragraph to the next similar added one, keeping order.

    Matched pairs become 'changed' (diffed word by word); the rest stay removed or added.
    """
    blocks: list[Block] = []
    cursor = 0
    for old in removed:
        match = None
        for index in range(cursor, len(added)):
            if _shared_bound(old, added[index]) < _MIN_SHARED_FOR_CHANGE:
                continue  # cannot pair: skip the costly word diff
            segments = diff_words(old, added[index])
            if _similarity(segments, old, added[index]) >= _MIN_SHARED_FOR_CHANGE:
                match = (index, segments)
                break
        if match is None:
            blocks.append(Block("removed", old, "", (Segment("delete", old),)))
            continue
        index, segments = match
        blocks.extend(
            Block("added", "", new, (Segment("insert", new),)) for new in added[cursor:index]
        )
        blocks.append(Block("changed", old, added[index], segments))
        cursor = index + 1
    blocks.extend(Block("added", "", new, (Segment("insert", new),)) for new in added[cursor:])
    return blocks


def diff_paragraphs(old: tuple[str, ...], new: tuple[str, ...]) -> tuple[Block, ...]:
    """Paragraph-level diff, refined to words inside changed paragraphs."""
    blocks: list[Block] = []
    removed: list[str] = []
    added: list[str] = []
    for op, units in _unit_diff(list(old), list(new), semantic=False):
        if op == "delete":
            removed.extend(units)
        elif op == "insert":
            added.extend(units)
        else:
            blocks.extend(_pair_paragraphs(removed, added))
            removed, added = [], []
            blocks.extend(Block("equal", u, u, (Segment("equal", u),)) for u in units)
    blocks.extend(_pair_paragraphs(removed, added))
    return tuple(blocks)


def _count_words(segments: tuple[Segment, ...], op: Op) -> int:
    return sum(_words(s.text) for s in segments if s.op == op)


def _words(text: str) -> int:
    return sum(1 for word in text.split() if any(ch.isalnum() for ch in word))


def summarize(title: Block, byline: Block, blocks: tuple[Block, ...]) -> Summary:
    """Count what changed."""
    everything = (title, byline, *blocks)
    return Summary(
        words_added=sum(_count_words(b.segments, "insert") for b in everything),
        words_removed=sum(_count_words(b.segments, "delete") for b in everything),
        paragraphs_added=sum(b.kind == "added" for b in blocks),
        paragraphs_removed=sum(b.kind == "removed" for b in blocks),
        paragraphs_changed=sum(b.kind == "changed" for b in blocks),
        title_changed=title.kind != "equal",
        byline_changed=byline.kind != "equal",
    )


def diff_articles(old: Article, new: Article) -> ArticleDiff:
    """Diff two versions field by field: headline, byline, body."""
    title = _field_block(old.title, new.title)
    byline = _field_block(old.byline, new.byline)
    blocks = diff_paragraphs(old.paragraphs, new.paragraphs)
    return ArticleDiff(title, byline, blocks, summarize(title, byline, blocks))
