"""The article's container: found once, then read directly on every later check.

An extractor's choice of article wobbles between fetches of the same page (a stray
paragraph in or out), and it costs ~20 ms a page. So trafilatura is used only to
*find* the element holding the article; its path is kept as a hint, and later checks
read that element's text lines themselves: deterministic, and a few milliseconds on
lexbor. Which of its lines are the article, and which are chrome that newsrooms put
inside articles too, is ``reading``'s business.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from selectolax.lexbor import LexborHTMLParser, LexborNode

from monitor.extract import chrome
from monitor.extract.chrome import is_chrome
from monitor.extract.reading import (
    blocks,
    container_lines,
    owned_up_after,
    placed_lines,
    rescued,
    run_slots,
)
from monitor.extract.shapes import is_label, is_sentence
from monitor.extract.signals import (
    byline_of,
    date_signals,
    declared_authors,
    standfirst_of,
    title_of,
)
from monitor.normalize import comparison_key, key_of_normalized

_MIN_MATCH_LEN = 30
_MIN_ARTICLE_WORDS = 20
_MIN_RECALL = 0.5


RULES = 32
"""Bumped when the reading of a container changes: a watch read under older rules gets a
silent new baseline on its next check instead of an alert for the difference."""


# A line that came or went this many times is a rotating widget; so many are remembered.
_VOLATILE = 2
_FLIPS_KEPT = 64


@dataclass(frozen=True)
class Hint:
    """What the last full extraction learnt about a page, kept with its watch."""

    path: tuple[tuple[str, str, int], ...]
    """From <html> down: (tag, id-or-class signature, index among same-signature siblings)."""
    lines: tuple[str, ...]
    """Short digests of the container's lines, to recognise it if the path breaks."""
    content: str
    """Digest of the watched text: headline, byline and the container's lines."""
    dates: str
    """The page's own date signals, raw; when they move, the dates are re-read."""
    title_at: int = -1
    """Which <h1> holds the headline (-1: the title metadata)."""
    published: str | None = None
    modified: str | None = None
    """The dates read from ``dates`` last time, reused while the signals stay put."""
    run: tuple[tuple[str, ...], ...] = ()
    """The slots of the article's prose run inside the container (see ``reading``)."""
    rules: int = RULES
    """The reading rules the hint was made under; older ones mean a silent re-baseline."""
    short: tuple[str, ...] = ()
    """Digests of the lines that are no sentence (a label, a heading): those may be
    widgets that come and go."""
    flips: tuple[tuple[str, int], ...] = ()
    """How often each such line came or went between checks (see ``learn``)."""
    byline: str = ""
    """Digest of the byline read, to tell one that stays from one passing through."""
    kept: tuple[str, ...] = ()
    unkept: tuple[str, ...] = ()
    """Digests of lines the full extractor kept, or left out, on the page they were seen
    on, most recent first (see ``confirm``): its verdicts on the stored version's lines,
    so that judging a change needs no second extraction."""
    unread: tuple[str, ...] = ()
    """Digests of the container's lines that were on the page but not read (chrome, or
    lines of units judged chrome), one per line: such a line that moves into the
    reading was not added by the page (see ``confirm.already_shown``)."""
    kept_out: tuple[str, ...] = ()
    """Digests of lines read but kept out of the text, having moved into the reading
    without being added by the page; they stay out while the page shows them."""
    fresh: tuple[str, ...] = ()
    """Digests of the lines that are no sentence, or a label ("A user comment will be
    deleted if it:", see ``shapes.is_label``), read now and not at the check before (all
    of them at a first reading): such a label that is gone at the next check came and
    went with the chrome (see ``confirm.passing``)."""
    authors: tuple[str, ...] | None = None
    """Digests of the author names the page's <head> declared (``signals.declared_authors``);
    None for a hint made before they were kept: a name new there is a re-credit."""

    @property
    def volatile(self) -> frozenset[str]:
        """Lines that came or went twice: a widget that rotates, left out from now on."""
        return frozenset(digest for digest, count in self.flips if count >= _VOLATILE)

    def to_json(self) -> dict[str, Any]:
        return {
            "short": list(self.short),
            "flips": [list(flip) for flip in self.flips],
            "byline": self.byline,
            "kept": list(self.kept),
            "unkept": list(self.unkept),
            "unread": list(self.unread),
            "kept_out": list(self.kept_out),
            "fresh": list(self.fresh),
            **({} if self.authors is None else {"authors": list(self.authors)}),
            "run": [list(slot) for slot in self.run],
            "rules": self.rules,
            "path": [list(step) for step in self.path],
            "lines": list(self.lines),
            "content": self.content,
            "dates": self.dates,
            "title_at": self.title_at,
            "published": self.published,
            "modified": self.modified,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Hint | None:
        try:
            return cls(
                path=tuple((str(t), str(s), int(i)) for t, s, i in data["path"]),  # type: ignore[index]
                lines=tuple(data["lines"]),  # type: ignore[index]
                content=str(data["content"]),  # type: ignore[index]
                dates=str(data["dates"]),  # type: ignore[index]
                title_at=int(data.get("title_at", -1)),  # type: ignore[union-attr]
                published=data.get("published"),  # type: ignore[union-attr]
                modified=data.get("modified"),  # type: ignore[union-attr]
                run=tuple(tuple(map(str, slot)) for slot in data.get("run", ())),  # type: ignore[union-attr]
                rules=int(data.get("rules", 0)),  # type: ignore[union-attr]
                short=tuple(map(str, data.get("short", ()))),  # type: ignore[union-attr]
                flips=tuple((str(d), int(n)) for d, n in data.get("flips", ())),  # type: ignore[union-attr]
                byline=str(data.get("byline", "")),  # type: ignore[union-attr]
                kept=tuple(map(str, data.get("kept", ()))),  # type: ignore[union-attr]
                unkept=tuple(map(str, data.get("unkept", ()))),  # type: ignore[union-attr]
                unread=tuple(map(str, data.get("unread", ()))),  # type: ignore[union-attr]
                kept_out=tuple(map(str, data.get("kept_out", ()))),  # type: ignore[union-attr]
                fresh=tuple(map(str, data.get("fresh", ()))),  # type: ignore[union-attr]
                authors=_digests(data.get("authors")),  # type: ignore[union-attr]
            )
        except (KeyError, TypeError, ValueError):
            return None


def text_hint(earlier: dict[str, Any] | None, lines: Sequence[str]) -> dict[str, Any]:
    """What a reading of the extractor's text (no container) keeps for the next check:
    the lines it read, and those it read for the first time. No container comes of it
    (``Hint.from_json`` refuses it), but the lines that come and go can be judged as in
    a container's reading (``confirm.settled``, ``confirm.passing``)."""
    digests = list(dict.fromkeys(map(line_digest, lines)))
    before = set(seen_lines(earlier) or ())
    return {"text": digests, "fresh": [d for d in digests if d not in before]}


def seen_lines(hint: dict[str, Any] | None) -> frozenset[str] | None:
    """The digests of the lines the check that made ``hint`` read (None: unknown)."""
    known = Hint.from_json(hint)
    if known is not None:
        return frozenset(known.lines)
    if hint is not None and isinstance(text := hint.get("text"), list):
        return frozenset(map(str, text))
    return None


def fresh_lines(hint: dict[str, Any] | None) -> frozenset[str]:
    """The digests of the lines that check read for the first time."""
    if seen_lines(hint) is None:
        return frozenset()
    assert hint is not None
    return frozenset(map(str, hint.get("fresh") or ()))


def _digests(data: Any) -> tuple[str, ...] | None:
    return None if data is None else tuple(map(str, data))


def parse(html: bytes | str) -> LexborHTMLParser:
    return LexborHTMLParser(html)


def _digest(keys: Iterable[str]) -> str:
    h = hashlib.sha256()
    for key in keys:
        h.update(key.encode())
        h.update(b"\x00")
    return h.hexdigest()[:32]


def _key_digest(key: str) -> str:
    return hashlib.sha1(key.encode()).hexdigest()[:10]


UNREAD_KEPT = 256
"""At most this many digests of unread lines are kept with a watch."""


def line_digest(line: str) -> str:
    return _key_digest(comparison_key(line))


# -- finding a container ----------------------------------------------------------------


def _signature(node: LexborNode) -> str:
    ident = node.attributes.get("id")
    if ident:
        return f"#{ident}"
    classes = " ".join(sorted((node.attributes.get("class") or "").split()))
    return f".{classes}" if classes else ""


def _element_children(node: LexborNode) -> list[LexborNode]:
    return [c for c in node.iter() if c.tag and not c.tag.startswith("-")]


def _anchor_id(node: LexborNode) -> str | None:
    ident = node.attributes.get("id")
    if ident and _SAFE_ID.fullmatch(ident):
        return ident
    return None


_SAFE_ID = re.compile(r"[A-Za-z][\w:.-]{0,100}")


def node_path(node: LexborNode) -> tuple[tuple[str, str, int], ...]:
    """Steps from the nearest ancestor with an id (else <html>) down to ``node``.

    Anchoring on an id keeps the path valid when the page inserts a banner or a
    breaking-news strip higher up, which shifts every sibling index above the anchor.
    """
    steps: list[tuple[str, str, int]] = []
    current: LexborNode | None = node
    while current is not None and current.tag not in (None, "html", "-document"):
        ident = _anchor_id(current)
        if ident is not None:
            steps.append(("#", ident, 0))
            break
        parent = current.parent
        sig = _signature(current)
        index = 0
        if parent is not None:
            same = [
                c
                for c in _element_children(parent)
                if c.tag == current.tag and _signature(c) == sig
            ]
            index = next((i for i, c in enumerate(same) if c.mem_id == current.mem_id), 0)
        steps.append((current.tag or "", sig, index))
        current = parent
    return tuple(reversed(steps))


def follow_path(tree: LexborHTMLParser, path: Sequence[tuple[str, str, int]]) -> LexborNode | None:
    node = tree.root
    steps = list(path)
    if steps and steps[0][0] == "#":
        node = tree.css_first(f'[id="{steps[0][1]}"]') if _SAFE_ID.fullmatch(steps[0][1]) else None
        steps = steps[1:]
    if node is None:
        return None
    for tag, sig, index in steps:
        same = [c for c in _element_children(node) if c.tag == tag and _signature(c) == sig]
        if index >= len(same):
            return None
        node = same[index]
    return node


def _squash(text: str) -> str:
    return comparison_key(" ".join(text.split()))


# Words, but each Chinese or Japanese character (or Korean syllable) counts as one,
# since those scripts do not separate words with spaces.
_TOKEN = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uac00-\ud7af]|[^\W_]+")


def tokens(text: str) -> list[str]:
    """The words of ``text`` for measuring overlap (CJK characters one by one)."""
    # Runs of whitespace (a page's indentation is most of its text) squashed first: no
    # token holds one, and the pattern then scans a half to a quarter of the characters.
    return _TOKEN.findall(" ".join(text.split()))


def _chain(node: LexborNode) -> list[LexborNode]:
    """``node`` and its ancestors below <body>, innermost first."""
    chain = []
    current: LexborNode | None = node
    while current is not None and current.tag not in (None, "body", "html", "-document"):
        chain.append(current)
        current = current.parent
    return chain


def locate(tree: LexborHTMLParser, paragraphs: Sequence[str]) -> LexborNode | None:
    """The element that best holds the extractor's text: most of it, and little else.

    Blocks are matched to the extractor's text by equality or, for long ones, by
    containment (an extractor may split a code listing into lines, or run a whole
    table layout into one line). Among their ancestors, the one with the best balance
    of recall (share of the article inside it) and precision (share of it that is
    article) wins: <body> holds everything, a single paragraph holds too little.
    """
    squashed = [_squash(p) for p in paragraphs if p.strip()]
    wanted = {s for s in squashed if len(s) >= _MIN_MATCH_LEN}
    joined = " ".join(squashed)
    total = len(tokens(joined))
    if total < _MIN_ARTICLE_WORDS:
        return None
    matched: dict[int, tuple[LexborNode, int]] = {}
    for node in tree.css("p, li, blockquote, pre, dd, td, h2, h3, h4, div, span, section"):
        raw = node.text(deep=True)
        if len(raw) < _MIN_MATCH_LEN or len(raw) > 2 * len(joined) + 200:
            continue
        key = _squash(raw)
        if key in wanted or (len(key) >= 2 * _MIN_MATCH_LEN and key in joined):
            matched[node.mem_id] = (node, len(tokens(key)))
    # Count each stretch of text once: keep the outermost of nested matches.
    outer = [
        (node, words)
        for node, words in matched.values()
        if not any(a.mem_id in matched for a in _chain(node)[1:])
    ]
    inside: dict[int, int] = {}
    nodes: dict[int, LexborNode] = {}
    for node, words in outer:
        for ancestor in _chain(node):
            inside[ancestor.mem_id] = inside.get(ancestor.mem_id, 0) + words
            nodes[ancestor.mem_id] = ancestor
    best, best_score = None, 0.0
    for mem_id, count in inside.items():
        recall = min(count / total, 1.0)
        if recall < _MIN_RECALL:
            continue
        size = len(tokens(nodes[mem_id].text(deep=True)))
        precision = min(count / max(size, 1), 1.0)
        score = 2 * precision * recall / (precision + recall)
        if score > best_score:
            best, best_score = nodes[mem_id], score
    if best is None:
        return None
    return _paragraphs_parent(_with_lead(best, inside))


def densest_prose(tree: LexborHTMLParser) -> LexborNode | None:
    """The element whose own <p> children hold the most prose: the classic reader-mode
    guess, for pages where the extractor's text is mostly something else (teasers)."""
    best, best_size = None, _MIN_PROSE_TOKENS - 1
    for node in tree.css("article, main, section, div, td"):
        # Not its boilerplate words: they fit boxes, and an article's own element may
        # carry one ("article__body article-overlay-handle"); its paragraphs decide.
        attrs = node.attributes
        if attrs and (chrome.is_hidden(attrs) or chrome.is_comments(attrs)):
            continue
        size = sum(
            len(tokens(child.text(deep=True)))
            for child in _element_children(node)
            if child.tag == "p" and not is_chrome(child)
        )
        if size > best_size:
            best, best_size = node, size
    return best


_MIN_PROSE_TOKENS = 150


_DATA_PARTS = frozenset({"tbody", "thead", "tr"})
_DATA = frozenset({"table", "ul", "ol", "dl"})


def _with_lead(node: LexborNode, inside: dict[int, int]) -> LexborNode:
    """Widen a container that is a table or a list (a wiki's list page: the table is
    most of the text) to the element holding it, when that holds more of the
    extractor's text: the prose that leads the list is the article's, and an edit to it
    is an edit (see ``reading._lead_slots``, which reads it)."""
    top = node
    while top.tag in _DATA_PARTS and top.parent is not None:
        top = top.parent
    holder = top.parent
    if top.tag not in _DATA or holder is None or holder.tag in (None, "body", "html"):
        return node
    return holder if inside.get(holder.mem_id, 0) > inside.get(node.mem_id, 0) else node


def _paragraphs_parent(node: LexborNode) -> LexborNode:
    """Widen a container that is a single paragraph to the element around it.

    New paragraphs, update notes and corrections are added beside the existing ones;
    a container holding just one of them would never see them arrive.
    """
    for _ in range(3):
        blocks = node.css("p, li, h2, h3, h4, blockquote")
        parent = node.parent
        if len(blocks) >= 2 or parent is None or parent.tag in (None, "body", "html"):
            break
        node = parent
    return node


def find_again(tree: LexborHTMLParser, hint: Hint) -> LexborNode | None:
    """Follow the hint's path; if the page's layout moved, look for the same lines."""
    node = follow_path(tree, hint.path)
    if node is not None:
        return node
    if not hint.path:
        return None
    tag, sig, _ = hint.path[-1]
    if tag == "#":
        return None  # an anchored container that is gone: let the extractor look again
    known = set(hint.lines)
    best, best_key = None, (0.0, 0, 0)
    for candidate in tree.css(tag):
        if _signature(candidate) != sig:
            continue
        digests = [line_digest(line) for line in container_lines(candidate)]
        overlap = len(set(digests) & known) / max(len(known), 1)
        # Equal overlap: the tighter element, not an ancestor that adds other lines, nor
        # a wrapper that adds none (the run's paths start at the element itself).
        key = (overlap, -len(digests), len(_chain(candidate)))
        if key > best_key:
            best, best_key = candidate, key
    return best if best_key[0] >= 0.5 else None


@dataclass(frozen=True)
class Reading:
    """The watched fields of a page, read through its container."""

    title: str
    byline: str
    lines: tuple[str, ...]
    hint: Hint


def read(
    tree: LexborHTMLParser,
    container: LexborNode,
    ignore: Sequence[re.Pattern[str]] = (),
    title_at: int | None = None,
    run: Sequence[tuple[str, ...]] | None = None,
    volatile: frozenset[str] = frozenset(),
    byline: str = "",
    seen: Sequence[str] = (),
    authors: Sequence[str] | None = None,
) -> Reading:
    """Read headline, byline and body lines through the container.

    ``run``: the article's prose run as found before; found afresh when None.
    ``volatile``: digests of lines learnt to come and go on their own, left out.
    ``byline``: the digest of the byline read last time, kept while the page shows it.
    ``seen``: digests of the lines read last time, kept while the page shows them.
    ``authors``: digests of the author names the <head> declared last time (None: unknown).
    """
    known_byline = (lambda name: line_digest(name) == byline) if byline else None
    declared = declared_authors(tree)
    before = None if authors is None else frozenset(authors)
    declared_before = None if before is None else (lambda name: line_digest(name) in before)
    title, title_at = title_of(tree, title_at)
    byline = byline_of(tree, title_at, known_byline, declared, declared_before)
    repeated = {comparison_key(title), comparison_key(byline)}
    found = blocks(container)
    slots = frozenset(run) if run is not None else frozenset()
    if not any(block.slot in slots for block in found.blocks):
        # The run found before is not in this element (found again by its lines, a
        # level above or below): its own, found afresh, else every line is rescued as
        # seen before and a line edited is lost.
        slots = run_slots(found.blocks)
    # A line's key and digest are worked out once per reading (a line is asked for up
    # to three times: missing from the last check's, read, or left unread).
    memo: dict[str, tuple[str, str]] = {}

    def keyed(line: str) -> tuple[str, str]:
        known = memo.get(line)
        if known is None:
            key = key_of_normalized(line)  # lines come out of ``reading`` normalised
            known = memo[line] = (key, _key_digest(key))
        return known

    placed = placed_lines(found, slots)
    if seen:  # (Counters built in C: ``subtract`` over an iterable loops in Python)
        missing = Counter(seen) - Counter([keyed(line)[1] for _, line in placed])
        if missing:
            placed = rescued(found, placed, missing, lambda line: keyed(line)[1])
    lines: list[str] = []
    keys: list[str] = []
    digests: list[str] = []
    short: list[str] = []
    labels: list[str] = []
    echoes: list[str] = []  # the headline or byline again in the body (an infobox's name)
    after = owned_up_after(container)
    for line in [*standfirst_of(tree, title_at, container), *(line for _, line in placed), *after]:
        key, digest = keyed(line)
        if key in repeated:
            echoes.append(digest)
            continue
        if any(p.search(line) for p in ignore):
            continue
        digests.append(digest)
        if not is_sentence(line):
            short.append(digest)
            labels.append(digest)
        elif is_label(line):  # a sentence by its colon, and a label all the same
            labels.append(digest)
        if digest not in volatile:
            lines.append(line)
            keys.append(key)
    taken = {at for at, _ in placed}
    read_before = set(seen)
    # An echo is on the page and unread as well: when the headline is rewritten, the old
    # one still shown in the body moved into the reading, and was not added by the page.
    unread = [
        *echoes,
        *(keyed(block.text)[1] for at, block in enumerate(found.blocks) if at not in taken),
    ]
    hint = Hint(
        path=node_path(container),
        lines=tuple(digests),
        unread=tuple(unread)[:UNREAD_KEPT],
        content=_content_digest(title, byline, keys),
        byline=line_digest(byline),
        dates=date_signals(tree, container),
        title_at=title_at,
        run=tuple(sorted(slots)),
        short=tuple(short),
        fresh=tuple(digest for digest in labels if digest not in read_before),
        authors=tuple(map(line_digest, declared)),
    )
    return Reading(title, byline, tuple(lines), hint)


def content_digest(title: str, byline: str, lines: Sequence[str]) -> str:
    """``Hint.content`` of a reading: its headline, byline and (normalised) lines."""
    return _content_digest(title, byline, [key_of_normalized(line) for line in lines])


def _content_digest(title: str, byline: str, keys: Sequence[str]) -> str:
    return _digest((comparison_key(title), comparison_key(byline), *keys))


def learn(known: Hint, now: Hint) -> tuple[tuple[str, int], ...]:
    """Count the lines that are no sentence and came or went since the last check.

    Such a line that comes and goes twice is a widget rotating on its own (a label, a
    heading over another story, a promo); from then on it is left out. Sentences are
    never learnt: a paragraph removed and restored is a revert, and is reported.
    """
    moved = (set(known.lines) ^ set(now.lines)) & (set(known.short) | set(now.short))
    counts = dict(known.flips)
    for digest in moved:
        counts[digest] = counts.get(digest, 0) + 1
    ranked = sorted(counts.items(), key=lambda item: -item[1])
    return tuple(ranked[:_FLIPS_KEPT])


def learn_chrome(
    flips: tuple[tuple[str, int], ...], chrome: Iterable[str]
) -> tuple[tuple[str, int], ...]:
    """Mark lines as widgets at once: the full extractor confirmed them as chrome. The
    newest go first, so that the bound forgets the oldest ones (a line that comes back
    after being forgotten is judged again)."""
    counts = dict(flips)
    fresh = [(digest, max(counts.pop(digest, 0), _VOLATILE)) for digest in dict.fromkeys(chrome)]
    return tuple([*fresh, *counts.items()][:_FLIPS_KEPT])
