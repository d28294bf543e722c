"""What kind of edit: each change between two versions named at the sentence level.

The kinds follow the NewsEdits taxonomy (Spangher et al., NAACL 2022): sentences added,
removed and updated, paragraphs and sentences moved. An updated sentence is named more
closely when what changed is a number (``12 → 15``), the words inside a quotation, or a
proper name; otherwise it is "rewritten". The headline and the byline are kinds of their
own. ``classify`` lists the edits most newsworthy first; ``describe`` says them in one
short line. Sentences, tokens and quotations come from ``monitor.sentences``. Pure
functions only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from difflib import SequenceMatcher
from typing import Any, Literal, TypeVar, cast, get_args

from monitor.diff import ArticleDiff, Block
from monitor.normalize import comparison_key
from monitor.sentences import (
    Span,
    Token,
    quotation_at,
    quotation_spans,
    same_number,
    sentence_spans,
    split_sentences,
    tokens,
)

EditKind = Literal[
    "headline", "number", "quote", "name", "removed", "added", "rewritten", "byline", "moved"
]

KINDS: tuple[EditKind, ...] = get_args(EditKind)
COMPARED = 2_000
"""The most sentences of a paragraph, or words of a sentence, aligned one by one: past
it (no prose is this long; a hostile page is) the whole is rewritten, because aligning
is quadratic and runs on the daemon's event loop."""
"""Every kind, most newsworthy first: the order of ``classify``'s result."""

# Kinds said as counts ("3 sentences added"); the others by their label ("toll 12 → 15").
_COUNTED: frozenset[EditKind] = frozenset({"removed", "added", "rewritten", "moved"})
_PLURAL: dict[EditKind, str] = {
    "number": "numbers changed",
    "quote": "quotations changed",
    "name": "names changed",
}


@dataclass(frozen=True)
class Edit:
    """One classified change: its kind, the text before and after, and a short label."""

    kind: EditKind
    old: str
    new: str
    label: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Edit:
        kind = data.get("kind")
        if kind not in KINDS:
            kind = "rewritten"  # written by a later monitor: still an edit
        return cls(cast(EditKind, kind), str(data["old"]), str(data["new"]), str(data["label"]))


# -- the classifier -----------------------------------------------------------------------

_Region = tuple[int, int, int, int]
"""Where two versions of a sentence differ: old start, old end, new start, new end."""
T = TypeVar("T")

_MIN_SHARED = 0.3
"""Sentences (or paragraphs) sharing less of their words than this are one removed and one
added, not one rewritten (as in diff.py)."""
_NOUN_CAPITALS = 0.28
"""Above this share of capitalised words inside sentences, the language capitalises its
nouns (German: 0.36 in the corpus, English at most 0.21): there one capitalised word is
no evidence of a name, two in a row are."""
_CONTEXT_WORDS = 2
"""The most words before a number that a label shows ('death toll 12 → 15')."""
_LABEL_CHARS = 24
"""The most of a quotation's changed words that a label shows, on each side."""


def classify(diff: ArticleDiff) -> tuple[Edit, ...]:
    """The edits a diff holds: most newsworthy kind first (``KINDS``), in reading order
    within a kind."""
    return _Reading(diff).edits()


class _Reading:
    """One pass over a diff, paragraph by paragraph, collecting edits and whole sentences."""

    def __init__(self, diff: ArticleDiff) -> None:
        self.diff = diff
        self.found: list[tuple[int, Edit]] = []
        self.position = 0
        """The paragraph being read: edits of one kind are listed in reading order."""
        self.lost: list[tuple[int, str]] = []
        self.gained: list[tuple[int, str]] = []
        self.texts = tuple(b.new for b in diff.blocks if b.new) + tuple(
            b.old for b in diff.blocks if b.old and b.kind != "equal"
        )
        self._names: frozenset[str] | None = None
        self._noun_capitals = False

    def add(self, edit: Edit) -> None:
        self.found.append((self.position, edit))

    def edits(self) -> tuple[Edit, ...]:
        diff = self.diff
        if diff.title.kind != "equal":
            self.add(Edit("headline", diff.title.old, diff.title.new, "headline rewritten"))
        if diff.byline.kind != "equal":
            self.add(Edit("byline", diff.byline.old, diff.byline.new, "byline changed"))
        came_back = _moved_paragraphs(diff.blocks)
        went = Counter(came_back)
        # Paragraphs removed and added between the same two unchanged ones are paired
        # again here: diff.py pairs them by space-separated words, which CJK text lacks.
        removed: list[tuple[int, str]] = []
        added: list[tuple[int, str]] = []
        for position, block in enumerate(diff.blocks):
            self.position = position
            if block.kind == "added" and came_back[key := comparison_key(block.new)]:
                came_back[key] -= 1
                self.add(Edit("moved", block.new, block.new, "paragraph moved"))
            elif block.kind == "removed" and went[key := comparison_key(block.old)]:
                went[key] -= 1
            elif block.kind == "added":
                added.append((position, block.new))
            elif block.kind == "removed":
                removed.append((position, block.old))
            else:
                self._replaced(removed, added)
                removed, added = [], []
                if block.kind == "changed":
                    self.position = position
                    self._paragraph(block.old, block.new)
        self._replaced(removed, added)
        self._whole_sentences()
        rank = {kind: index for index, kind in enumerate(KINDS)}
        ordered = sorted(self.found, key=lambda item: (rank[item[1].kind], item[0]))
        return tuple(edit for _, edit in ordered)

    def _replaced(self, removed: list[tuple[int, str]], added: list[tuple[int, str]]) -> None:
        pairs, lone_old, lone_new = _pair(removed, added, lambda item: _words(item[1]))
        for (_, old), (position, new) in pairs:
            self.position = position
            self._paragraph(old, new)
        self.lost += [(position, s) for position, text in lone_old for s in split_sentences(text)]
        self.gained += [(position, s) for position, text in lone_new for s in split_sentences(text)]

    def _whole_sentences(self) -> None:
        """Sentences out and in; one out at one place and in at another moved."""
        came_back = Counter(comparison_key(s) for _, s in self.lost) & Counter(
            comparison_key(s) for _, s in self.gained
        )
        went = Counter(came_back)
        for position, sentence in self.lost:
            self.position = position
            if went[key := comparison_key(sentence)]:
                went[key] -= 1
            else:
                self.add(Edit("removed", sentence, "", "sentence removed"))
        for position, sentence in self.gained:
            self.position = position
            if came_back[key := comparison_key(sentence)]:
                came_back[key] -= 1
                self.add(Edit("moved", sentence, sentence, "sentence moved"))
            else:
                self.add(Edit("added", "", sentence, "sentence added"))

    def _paragraph(self, old: str, new: str) -> None:
        """Two versions of a paragraph: its sentences aligned, rewritten ones classified,
        whole ones lost or gained kept for later (they may have moved)."""
        old_spans, new_spans = sentence_spans(old), sentence_spans(new)
        if len(old_spans) + len(new_spans) > COMPARED:
            self.add(Edit("rewritten", old, new, "sentence rewritten"))
            return
        matcher = SequenceMatcher(
            None,
            [comparison_key(old[a:b]) for a, b in old_spans],
            [comparison_key(new[a:b]) for a, b in new_spans],
            autojunk=False,
        )
        quotes = (quotation_spans(old), quotation_spans(new))
        quoted: dict[tuple[Span | None, Span | None], list[_Region]] = {}
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                continue
            pairs, lone_old, lone_new = _pair(
                [(a, old[a:b]) for a, b in old_spans[i1:i2]],
                [(c, new[c:d]) for c, d in new_spans[j1:j2]],
                lambda item: _words(item[1]),
            )
            self.lost += [(self.position, text) for _, text in lone_old]
            self.gained += [(self.position, text) for _, text in lone_new]
            for (a, before), (c, after) in pairs:
                edits = self._sentence(
                    old, new, (a, a + len(before)), (c, c + len(after)), quotes, quoted
                )
                for edit in edits:
                    self.add(edit)
        # A quotation is said once, however many of its sentences changed.
        for (old_quote, new_quote), regions in quoted.items():
            self.add(_quote_edit(old, new, old_quote, new_quote, regions))

    def _sentence(
        self,
        old: str,
        new: str,
        old_span: Span,
        new_span: Span,
        quotes: tuple[Sequence[Span], Sequence[Span]],
        quoted: dict[tuple[Span | None, Span | None], list[_Region]],
    ) -> list[Edit]:
        """What changed in a rewritten sentence: numbers, names, or else the sentence.
        Changes inside a quotation go to ``quoted``."""
        old_tokens = tokens(old[old_span[0] : old_span[1]], old_span[0])
        new_tokens = tokens(new[new_span[0] : new_span[1]], new_span[0])
        if len(old_tokens) + len(new_tokens) > COMPARED:
            before, after = old[old_span[0] : old_span[1]], new[new_span[0] : new_span[1]]
            return [Edit("rewritten", before, after, "sentence rewritten")]
        matcher = SequenceMatcher(
            None, [t.key for t in old_tokens], [t.key for t in new_tokens], autojunk=False
        )
        edits: list[Edit] = []
        elsewhere = False
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                continue
            a, b = _extent(old_tokens, i1, i2, old_span[1])
            c, d = _extent(new_tokens, j1, j2, new_span[1])
            where = (quotation_at(quotes[0], a, b), quotation_at(quotes[1], c, d))
            if where != (None, None):
                quoted.setdefault(where, []).append((a, b, c, d))
                continue
            elsewhere = True
            first = not any(t.kind == "word" for t in (*old_tokens[:i1], *new_tokens[:j1]))
            edits += _numbers(old_tokens[i1:i2], new_tokens, j1, j2) or self._name(
                old[a:b], new[c:d], old_tokens[i1:i2], new_tokens[j1:j2], first=first
            )
        if elsewhere and not edits:
            before, after = old[old_span[0] : old_span[1]], new[new_span[0] : new_span[1]]
            edits.append(Edit("rewritten", before, after, "sentence rewritten"))
        return edits

    def _name(
        self,
        old_text: str,
        new_text: str,
        old_run: Sequence[Token],
        new_run: Sequence[Token],
        *,
        first: bool,
    ) -> list[Edit]:
        """A capitalised name replaced by another: 'Çavusoglu → Akar'.

        ``first``: the runs open their sentence, where any word is capitalised ("The"),
        so a lone word there counts when the article also has it inside a sentence.
        """
        runs = (*old_run, *new_run)
        if any(t.kind not in ("word", "mark") or t.text in ",;:!?()" for t in runs):
            return []
        old_words = [t.text for t in old_run if t.kind == "word"]
        new_words = [t.text for t in new_run if t.kind == "word"]
        if not old_words or not new_words:
            return []
        if not all(word[0].isupper() for word in (*old_words, *new_words)):
            return []
        names = self._known_names()
        if self._noun_capitals and max(len(old_words), len(new_words)) < 2:
            return []
        lone = len(old_words) == len(new_words) == 1
        if first and lone and old_words[0] not in names and new_words[0] not in names:
            return []
        return [Edit("name", old_text, new_text, f"{old_text} → {new_text}")]

    def _known_names(self) -> frozenset[str]:
        """Capitalised words found inside sentences; worked out once, when first needed."""
        if self._names is None:
            names: set[str] = set()
            inside = capitals = 0
            for text in self.texts:
                for a, b in sentence_spans(text):
                    words = [t.text for t in tokens(text[a:b]) if t.kind == "word"][1:]
                    inside += len(words)
                    capitalised = [word for word in words if word[0].isupper()]
                    capitals += len(capitalised)
                    names.update(capitalised)
            self._noun_capitals = capitals > _NOUN_CAPITALS * max(inside, 1)
            self._names = frozenset(names)
        return self._names


def _moved_paragraphs(blocks: Sequence[Block]) -> Counter[str]:
    """Paragraphs removed at one place and added, identical, at another (by their key)."""
    went = Counter(comparison_key(b.old) for b in blocks if b.kind == "removed")
    came = Counter(comparison_key(b.new) for b in blocks if b.kind == "added")
    return went & came


def _pair(
    olds: Sequence[T], news: Sequence[T], words: Callable[[T], Counter[str]]
) -> tuple[list[tuple[T, T]], list[T], list[T]]:
    """Match each old item to the next new one sharing enough words, keeping order; return
    the pairs and the items left alone on each side."""
    pairs: list[tuple[T, T]] = []
    lone_old: list[T] = []
    lone_new: list[T] = []
    new_words = [words(item) for item in news]
    cursor = 0
    for item in olds:
        old_words = words(item)
        match = next(
            (i for i in range(cursor, len(news)) if _similar(old_words, new_words[i])), None
        )
        if match is None:
            lone_old.append(item)
            continue
        lone_new.extend(news[cursor:match])
        pairs.append((item, news[match]))
        cursor = match + 1
    lone_new.extend(news[cursor:])
    return pairs, lone_old, lone_new


def _words(text: str) -> Counter[str]:
    """The words of a text, numbers included, each CJK character one word."""
    return Counter(t.key for t in tokens(text) if t.kind != "mark")


def _similar(a: Counter[str], b: Counter[str]) -> bool:
    shared = sum((a & b).values())
    return shared >= _MIN_SHARED * max(sum(a.values()), sum(b.values()), 1)


def _extent(tokens: Sequence[Token], i1: int, i2: int, end: int) -> Span:
    """Where tokens ``i1:i2`` are; an empty run is the point before token ``i1``."""
    if i1 < i2:
        return tokens[i1].start, tokens[i2 - 1].end
    at = tokens[i1].start if i1 < len(tokens) else end
    return at, at


def _numbers(old_run: Sequence[Token], new_tokens: Sequence[Token], j1: int, j2: int) -> list[Edit]:
    """The numbers of a changed region, old against new in order, that are other figures."""
    olds = [t for t in old_run if t.kind == "number"]
    news = [j for j in range(j1, j2) if new_tokens[j].kind == "number"]
    return [
        Edit("number", before.text, new_tokens[j].text, _number_label(before.text, new_tokens, j))
        for before, j in zip(olds, news, strict=False)
        if not same_number(before.text, new_tokens[j].text)
    ]


def _number_label(old: str, tokens: Sequence[Token], index: int) -> str:
    """'death toll 12 → 15', '$2.5 → $2.7 billion', '死亡12 → 15人': the change, with the
    words before it that say what it counts (short ones such as 'of' left out) and a unit
    word after it."""
    change = f"{old} → {tokens[index].text}"
    after = tokens[index + 1] if index + 1 < len(tokens) else None
    before: list[Token] = []
    for token in reversed(tokens[:index]):
        if token.kind != "cjk" and (token.kind != "word" or len(before) > _CONTEXT_WORDS):
            break
        before.insert(0, token)
    if any(t.kind == "cjk" for t in before) or (after is not None and after.kind == "cjk"):
        cjk = [t.text for t in before if t.kind == "cjk"][-2 * _CONTEXT_WORDS :]
        return "".join(cjk) + change + (after.text if after and after.kind == "cjk" else "")
    words = [t.text for t in before]
    while words and _minor(words[-1]):
        words.pop()
    words = words[-_CONTEXT_WORDS:]
    while words and _minor(words[0]):
        words.pop(0)
    unit = after is not None and after.kind == "word" and after.text[0].islower()
    if after is not None and unit and not _minor(after.text):
        return " ".join([*words, change, after.text])
    return " ".join([*words, change])


def _minor(word: str) -> bool:
    """A short word ('of', 'to', 'The', 'de'), not an acronym: it says nothing of what a
    number counts."""
    return len(word) <= 3 and word.isalpha() and (word.islower() or word[1:].islower())


def _quote_edit(
    old: str, new: str, old_quote: Span | None, new_quote: Span | None, regions: Sequence[_Region]
) -> Edit:
    """A quotation whose words changed: 'quote “won’t” → “will”'."""
    before = old[min(r[0] for r in regions) : max(r[1] for r in regions)].strip()
    after = new[min(r[2] for r in regions) : max(r[3] for r in regions)].strip()
    if before and after:
        label = f"quote “{_short(before)}” → “{_short(after)}”"
    elif after:
        label = f"quote +“{_short(after)}”"
    else:
        label = f"quote −“{_short(before)}”"
    return Edit(
        "quote",
        old[old_quote[0] + 1 : old_quote[1]] if old_quote else "",
        new[new_quote[0] + 1 : new_quote[1]] if new_quote else "",
        label,
    )


def _short(text: str, limit: int = _LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 1)].rstrip() + "…"


# -- saying them ------------------------------------------------------------------------------


def describe(edits: Iterable[Edit], limit: int | None = None) -> str:
    """The edits in one line, most newsworthy first: 'toll 12 → 15, 3 sentences added'.

    Edits of one kind are counted ('2 numbers changed', unless they all read the same; the
    sentence and paragraph kinds always are: '1 sentence added'). With ``limit``, the
    phrases that do not fit in that many characters are left out and counted:
    'headline rewritten (+4 more)'; the first phrase is always there, cut to fit if it must.
    """
    groups: dict[str, list[Edit]] = {}
    for edit in edits:
        groups.setdefault(edit.label if edit.kind in _COUNTED else edit.kind, []).append(edit)
    phrases = [(_phrase(group), len(group)) for group in groups.values()]
    line = ""
    for index, (phrase, _) in enumerate(phrases):
        left = sum(count for _, count in phrases[index + 1 :])
        more = f" (+{left} more)" if left else ""
        candidate = f"{line}, {phrase}" if line else phrase
        if limit is None or len(candidate + more) <= limit:
            line = candidate
        elif not line:
            line = _short(phrase, limit - len(more))
        else:
            return f"{line} (+{left + phrases[index][1]} more)"
    return line


def _phrase(group: Sequence[Edit]) -> str:
    first, count = group[0], len(group)
    if first.kind in _COUNTED:
        noun, _, rest = first.label.partition(" ")
        return f"{count} {noun}{'' if count == 1 else 's'} {rest}"
    if len({edit.label for edit in group}) == 1:
        return first.label  # one name swapped in several places is still one swap to read
    return f"{count} {_PLURAL.get(first.kind, first.kind)}"
