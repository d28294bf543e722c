"""Real page chrome for the detection benchmark: harvested from the corpus, re-rolled, moved.

The tune/holdout split (fixed; never change it): a corpus page is TUNE when the first
hex digit of sha256(its folder name, UTF-8) is 0-7, else HOLDOUT (news: 23 tune / 17
holdout; web: 24 tune / 15 holdout). ``split_of`` is the one place that decides it.
Chrome moves only within a split: a holdout page is dressed with chrome of other
holdout pages (and the synthetic set of ``synthetic.py``), a tune page with chrome of
other tune pages.

- ``harvest(page)`` cuts from a page's source.html the blocks its reader-mode
  ``expected.html`` leaves out (no text of them is in expected.html, the title, the
  excerpt or the byline): related boxes, share bars, comment counts, newsletter boxes,
  ad slots, most-read lists, footers, menus..., with their real markup, scripts,
  styles, iframes and oversized subtrees removed.
- ``reroll(block, rng, headlines)`` gives a block new numbers, times and headline
  lists, as a page does between two fetches.
- ``dress(html, page, donors, seed)`` transplants donor blocks (never the page's own)
  and synthetic chrome around the article and inside its container: before the first
  paragraph, between paragraphs, after the last one, in and beside the byline line;
  then applies the page's class mode (original classes, build hashes, no classes).

Nothing here uses the monitor's code: what is chrome is decided only by expected.html.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import lxml.html
from lxml import etree
from pagegen import (
    CorpusPage,
    EditNotApplicable,
    byline_names,
    find_article,
    is_long,
    parse,
    serialize,
)
from pagegen import squash as _squash
from synthetic import HEADLINES, INLINE_KIND, STYLES, SYNTHETIC_KINDS, synthetic_block

SPLITS = ("tune", "holdout", "sealed")
SEALED_PREFIX = "aeb-"
"""Pages of the AEB corpus (``aeb.py``): half tune, half sealed (see ``split_of``)."""
MERCURY_PREFIX = "mrc-"
"""The Mercury Parser's fixtures (``mercury.py``): half tune, half sealed, as the AEB's."""
SEALED_ONLY_PREFIX = "rdb-"
"""Readability's real test pages that the shared corpus left out (``rdb.py``): all sealed."""
CLASS_MODES = ("original", "hashed", "stripped")

# A block must stay small enough to move; bigger chrome is cut into its children.
MAX_MARKUP = 12_000
MAX_TEXT = 1_500
MAX_ELEMENTS = 250
# Inside an article only box-sized chrome goes (a share bar, a teaser list, a caption).
INSIDE_MAX_TEXT = 500
INSIDE_MAX_PROSE = 250
_SHINGLE = 5

_DROP_TAGS = frozenset(
    "script style noscript iframe svg template link meta object embed source track "
    "canvas math head title base".split()
)
_TAKE_TAGS = frozenset(
    "div section aside footer header nav ul ol figure figcaption p form table blockquote dl "
    "h2 h3 h4 h5 h6 address details menu article".split()
)
_KEEP_ATTRS = frozenset(
    "class id role href src alt title datetime hidden type name value placeholder "
    "aria-label aria-hidden rel itemprop itemtype itemscope".split()
)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)


def split_of(name: str) -> str:
    """'tune' or 'holdout': by the first hex digit of sha256(name), 0-7 tune, 8-f holdout.

    Pages of the AEB corpus (``aeb.py``) split the same way, into 'tune' and 'sealed':
    half of them to tune on, the other half never looked at; so do the Mercury pages
    (``mercury.py``). The pages of ``rdb.py`` are all sealed.
    """
    if name.startswith(SEALED_ONLY_PREFIX):
        return "sealed"
    if name.startswith((SEALED_PREFIX, MERCURY_PREFIX)):
        digit = int(hashlib.sha256(name.encode()).hexdigest()[0], 16)
        return "tune" if digit < 8 else "sealed"
    return "tune" if int(hashlib.sha256(name.encode()).hexdigest()[0], 16) < 8 else "holdout"


def class_mode_of(page: CorpusPage, group: Sequence[CorpusPage]) -> str:
    """The page's class mode: pages of a group take the three modes in turn, by a hash order."""
    order = sorted(group, key=lambda p: hashlib.sha256(f"mode:{p.name}".encode()).hexdigest())
    return CLASS_MODES[[p.name for p in order].index(page.name) % len(CLASS_MODES)]


# -- harvesting ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """A piece of one page's real chrome, ready to be moved into another page."""

    donor: str
    markup: str
    text: str
    inside: bool
    """It sat inside the donor's article container."""
    prose: int
    """Characters of its text outside links."""
    tag: str
    controls: int
    """Links, buttons and form fields in it."""

    @property
    def fits_inside(self) -> bool:
        """Box-sized, and not a bare piece of content (a quote, a table, a paragraph)."""
        if len(self.text) > INSIDE_MAX_TEXT or self.prose > INSIDE_MAX_PROSE:
            return False
        if self.controls:
            return True
        return self.tag not in ("blockquote", "pre", "table", "dl") and not (
            self.tag == "p" and self.prose > 100
        )


def tokens(text: str) -> list[str]:
    """Words, casefolded, punctuation aside; each CJK character is one token."""
    return re.findall(r"[\u3000-\u9fff\uac00-\ud7af]|[^\W_]+", text.casefold())


def shingles(text: str, size: int = _SHINGLE) -> set[tuple[str, ...]]:
    """Every run of ``size`` consecutive tokens (the whole text when it is shorter)."""
    words = tokens(text)
    if len(words) < size:
        return {tuple(words)} if words else set()
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


class ArticleText:
    """What must never be moved as chrome: the reader-mode text, title, excerpt and byline."""

    def __init__(self, page: CorpusPage, expected_text: str) -> None:
        meta = page.metadata
        known = [expected_text, meta.get("title") or "", meta.get("excerpt") or ""]
        self._shingles: set[tuple[str, ...]] = set()
        for text in known:
            self._shingles |= shingles(text)
        self._joined = " " + " ".join(tokens(" ".join(known))) + " "
        self._names = [
            " " + " ".join(tokens(n)) + " "
            for n in byline_names(meta.get("byline") or "")
            if len(n) >= 4
        ]

    def holds(self, text: str) -> bool:
        """Whether ``text`` shares any article text (a short text: is part of it)."""
        words = tokens(text)
        if not words:
            return False
        if len(words) < _SHINGLE:
            return f" {' '.join(words)} " in self._joined
        if not self._shingles.isdisjoint(shingles(text)):
            return True
        padded = f" {' '.join(words)} "
        return any(name in padded for name in self._names)


def expected_text(expected_html: str) -> str:
    """The visible text of an expected.html."""
    root = lxml.html.fragment_fromstring(expected_html, create_parent="div")
    return _squash(root.text_content())


def visible_text(element: Any) -> str:
    """The text a reader sees in an element: no script, style, template or hidden parts."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        if not _shown(node):
            return
        if node.text:
            parts.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(element)
    return _squash(" ".join(parts))


def _shown(node: Any) -> bool:
    if not isinstance(node.tag, str) or node.tag in _DROP_TAGS:
        return False
    return node.get("hidden") is None and not _HIDDEN_STYLE.search(node.get("style") or "")


def harvest(page: CorpusPage, expected_html: str) -> list[Block]:
    """The page's chrome blocks: maximal elements holding no article text, cut to size."""
    doc = parse(page.html)
    article = ArticleText(page, expected_text(expected_html))
    try:
        container = find_article(doc, page.paragraphs).container
    except EditNotApplicable:
        container = None
    inside_of = set(container.iter()) if container is not None else set()
    body = doc.find("body")
    blocks: list[Block] = []
    seen: set[str] = set()
    for element in _chrome_elements(body if body is not None else doc, article):
        block = _cut(element, page.name, element in inside_of)
        if block is not None and block.text not in seen:
            seen.add(block.text)
            blocks.append(block)
    return blocks


def _chrome_elements(root: Any, article: ArticleText) -> Iterator[Any]:
    """Top-down: an element with no article text is taken whole if small enough."""
    for element in root:
        if not _shown(element):
            continue
        text = visible_text(element)
        if not text:
            continue
        if element.tag == "h1" or article.holds(text):
            yield from _chrome_elements(element, article)
            continue
        if element.tag not in _TAKE_TAGS:
            continue  # inline chrome (a lone link or span) is not worth a block
        if len(text) > MAX_TEXT or _too_big(element):
            yield from _chrome_elements(element, article)
            continue
        yield element


def _too_big(element: Any) -> bool:
    count = 0
    for node in element.iter():
        if isinstance(node.tag, str) and node.tag not in _DROP_TAGS:
            count += 1
            if count > MAX_ELEMENTS:
                return True
    return False


def _cut(element: Any, donor: str, inside: bool) -> Block | None:
    """A cleaned copy of ``element``: no scripts, styles, iframes, long attributes."""
    copy = lxml.html.fromstring(lxml.html.tostring(element, encoding="unicode"))
    if not isinstance(copy.tag, str):
        return None
    for node in list(copy.iter()):
        if node is copy:
            continue
        if not isinstance(node.tag, str) or not _shown(node):
            node.drop_tree()
    for node in copy.iter():
        for attr in list(node.attrib):
            value = node.get(attr) or ""
            keep = attr in _KEEP_ATTRS or (attr.startswith("data-") and len(value) <= 60)
            if not keep or len(value) > 200:
                del node.attrib[attr]
    copy.tail = None
    text = visible_text(copy)
    markup = lxml.html.tostring(copy, encoding="unicode")
    if len(text) < 3 or not re.search(r"\w", text) or len(markup) > MAX_MARKUP:
        return None
    linked = sum(len(_squash(a.text_content())) for a in copy.iter("a"))
    controls = sum(1 for _ in copy.iter("a", "button", "input", "select"))
    return Block(donor, markup, text, inside, max(len(text) - linked, 0), copy.tag, controls)


def headline_pool(blocks: Sequence[Block]) -> list[str]:
    """Link texts of the blocks that read like headlines (5 to 20 words), deduplicated."""
    found: dict[str, None] = {}
    for block in blocks:
        for a in lxml.html.fromstring(block.markup).iter("a"):
            text = _squash(a.text_content())
            words = len(re.findall(r"[^\W\d_]{3,}", text))
            if words < 4 or not 5 <= len(text.split()) <= 20 or len(text) > 160:
                continue
            if not _JUNK_LINK.search(text):
                found[text] = None
    return list(found)


# -- re-rolling ------------------------------------------------------------------------------

_JUNK_LINK = re.compile(r"©|copyright|cookie|privacy|rss|terms of|subscribe", re.IGNORECASE)
_NUMBER = re.compile(r"\d+")
_SHORT_WORDS = 12
_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20[0-4]\d)(?!\d)")


def reroll_text(text: str, rng: random.Random) -> str:
    """New numbers of the same length; years stay (a page's chrome changes day and time)."""

    def number(match: re.Match[str]) -> str:
        digits = match.group()
        if _YEAR.fullmatch(digits):
            return digits
        if len(digits) == 1:
            return str(rng.randrange(10))
        return str(rng.randrange(10 ** (len(digits) - 1), 10 ** len(digits)))

    return _NUMBER.sub(number, text)


def reroll(element: Any, rng: random.Random, headlines: Sequence[str]) -> None:
    """Re-roll a moved block in place: its numbers, ids, and any list of headline links.

    Numbers change in short texts only (counters, dates, times, "1 of 10"): a comment
    or a caption keeps its own numbers, as a served page would.
    """
    for node in element.iter():
        if not isinstance(node.tag, str):
            continue
        if node.text and len(node.text.split()) <= _SHORT_WORDS:
            node.text = reroll_text(node.text, rng)
        if node.tail and node is not element and len(node.tail.split()) <= _SHORT_WORDS:
            node.tail = reroll_text(node.tail, rng)
        for attr in ("id", "href", "datetime", *(a for a in node.attrib if a.startswith("data-"))):
            value = node.get(attr)
            if value:
                node.set(attr, reroll_text(value, rng))
    links = [a for a in element.iter("a") if len(_squash(a.text_content()).split()) >= 4]
    if len(links) >= 2 and headlines:
        picked = rng.sample(list(headlines), min(len(links), len(headlines)))
        for a, headline in zip(links, picked, strict=False):
            for child in list(a):
                if child.tag not in ("img", "picture"):
                    child.drop_tree()
            a.text = headline


# -- transplanting ---------------------------------------------------------------------------

INSIDE_SLOTS = ("lead", "byline-beside", "mid-1", "mid-2", "end")
OUTSIDE_SLOTS = ("top", "before-article", "after-article", "bottom-1", "bottom-2")
_MOVED = "data-bench-moved"
_INLINE = frozenset("a span strong b em i time small abbr cite font u".split())


@dataclass(frozen=True)
class Donors:
    """The chrome one page may wear: blocks of the other pages of its split, their headlines."""

    blocks: tuple[Block, ...]
    headlines: tuple[str, ...]

    @property
    def fitting_inside(self) -> tuple[Block, ...]:
        return tuple(b for b in self.blocks if b.fits_inside)


def donors_for(page: CorpusPage, harvests: dict[str, list[Block]], langs: dict[str, str]) -> Donors:
    """Every other page's blocks of the same split as ``page`` (never its own).

    Headlines (for re-rolled lists) come from donors in the page's language when
    there are enough of them. ``langs`` maps every page name to its language.
    """
    mine = split_of(page.name)
    others = [n for n in sorted(harvests) if n != page.name and split_of(n) == mine]
    blocks = tuple(b for n in others for b in harvests[n])
    lang = langs.get(page.name, "")
    same = headline_pool([b for b in blocks if lang and langs.get(b.donor) == lang])
    if len(same) >= 20:
        return Donors(blocks, tuple(same))
    return Donors(blocks, tuple(headline_pool(blocks)) + tuple(HEADLINES))


def language(page: CorpusPage) -> str:
    """The page's language as its metadata gives it ('en', 'fr', ...), or ''."""
    return str(page.metadata.get("lang") or "")[:2].lower()


@dataclass(frozen=True)
class Source:
    """What fills a slot: a donor block, or a synthetic kind in a markup style."""

    block: Block | None = None
    kind: str = ""
    style: str = ""

    @property
    def label(self) -> str:
        return f"donor {self.block.donor}" if self.block else f"synthetic {self.kind}/{self.style}"


@dataclass(frozen=True)
class Piece:
    """One piece of chrome as served in one round."""

    slot: str
    source: str
    text: str


@dataclass(frozen=True)
class Dressed:
    html: str
    pieces: tuple[Piece, ...]


def _rng(*parts: object) -> random.Random:
    return random.Random(":".join(map(str, parts)))


def _pick_source(rng: random.Random, blocks: Sequence[Block], synthetic_share: float) -> Source:
    if blocks and rng.random() >= synthetic_share:
        return Source(block=rng.choice(list(blocks)))
    return Source(kind=rng.choice(SYNTHETIC_KINDS), style=rng.choice(STYLES))


def layout(name: str, donors: Donors) -> dict[str, Source]:
    """The page's chrome slots and what fills each; the same for every round of the page."""
    rng = _rng("layout", name)
    inside = [b for b in donors.fitting_inside if b.inside] * 3 + list(donors.fitting_inside)
    slots = {slot: _pick_source(rng, inside, 0.5) for slot in INSIDE_SLOTS}
    slots.update({slot: _pick_source(rng, donors.blocks, 0.4) for slot in OUTSIDE_SLOTS})
    return slots


def rotating(name: str, donors: Donors, seed: int) -> tuple[str, Source] | None:
    """A piece that comes and goes between fetches (an ad, a promo): present 2 rounds in 3."""
    rng = _rng("rotating", name, seed)
    if rng.random() < 1 / 3:
        return None
    # What comes and goes looks like a widget: links, buttons or a short label.
    widgets = [b for b in donors.fitting_inside if b.controls or len(b.text) <= 80]
    return rng.choice(INSIDE_SLOTS), _pick_source(rng, widgets, 0.5)


def dress(
    html: str,
    page: CorpusPage,
    donors: Donors,
    seed: int,
    mode: str = "original",
    byline: str | None = None,
) -> Dressed:
    """The page wearing moved chrome, re-rolled for ``seed``, in class ``mode``.

    ``byline`` is the author's name as the page shows it now (after a byline edit);
    the metadata's byline by default.
    """
    doc = parse(html)
    body = doc.find("body")
    if body is None:
        body = etree.SubElement(doc, "body")
    try:
        nodes = find_article(doc, page.paragraphs)
    except EditNotApplicable:
        nodes = None
    author = byline if byline is not None else page.metadata.get("byline") or ""
    prose = [p for p in page.paragraphs if is_long(p)]
    line = byline_line(doc, author, nodes, prose)
    pieces: list[Piece] = []
    fills = list(layout(page.name, donors).items())
    extra = rotating(page.name, donors, seed)
    if extra is not None:
        fills.append((f"rotating {extra[0]}", extra[1]))
    for slot, source in fills:
        roll = _rng("roll", page.name, slot, seed)
        element = _make(source, _rng("stable", page.name, slot), roll, donors.headlines)
        element.set(_MOVED, "1")
        _place(element, slot.removeprefix("rotating "), body, nodes, line)
        pieces.append(Piece(slot, source.label, visible_text(element)))
    if line is not None:
        roll = _rng("roll", page.name, "byline-in", seed)
        span = lxml.html.fragment_fromstring(
            synthetic_block(
                INLINE_KIND,
                _rng("style", page.name).choice(STYLES),
                _rng("stable", page.name, "byline-in"),
                roll,
            )
        )
        span.set(_MOVED, "1")
        _append_inline(line, span)
        pieces.append(Piece("byline-in", f"synthetic {INLINE_KIND}", visible_text(span)))
    apply_class_mode(doc, mode, page.name, seed)
    for element in doc.iter():
        if isinstance(element.tag, str) and element.get(_MOVED) is not None:
            del element.attrib[_MOVED]
    return Dressed(serialize(doc), tuple(pieces))


def _make(
    source: Source, stable: random.Random, roll: random.Random, headlines: Sequence[str]
) -> Any:
    if source.block is not None:
        element = lxml.html.fragment_fromstring(source.block.markup)
        reroll(element, roll, headlines)
        return element
    return lxml.html.fragment_fromstring(
        synthetic_block(source.kind, source.style, stable, roll, headlines)
    )


def _place(element: Any, slot: str, body: Any, nodes: Any, line: Any) -> None:
    paragraphs = nodes.paragraphs if nodes is not None else []
    container = nodes.container if nodes is not None else None
    n = len(paragraphs)
    if slot in INSIDE_SLOTS and n:
        if slot == "lead":
            paragraphs[0].addprevious(element)
        elif slot == "byline-beside" and line is not None and _beside_ok(line):
            line.addnext(element)
        elif slot == "byline-beside" or slot == "mid-1":
            paragraphs[n // 3].addnext(element)
        elif slot == "mid-2":
            paragraphs[(2 * n) // 3].addnext(element)
        else:
            paragraphs[-1].addnext(element)
        return
    wrapped = container is not None and container.tag not in ("body", "html")
    if slot == "before-article" and wrapped:
        container.addprevious(element)
    elif slot == "after-article" and wrapped:
        container.addnext(element)
    elif slot in ("top", "before-article", "lead", "byline-beside"):
        element.tail, body.text = body.text, None
        body.insert(0, element)
    else:
        body.append(element)


def _beside_ok(line: Any) -> bool:
    return line.getparent() is not None and line.tag not in ("h1", "li", "td", "tr")


def byline_line(doc: Any, byline: str, article: Any = None, prose: Sequence[str] = ()) -> Any:
    """The element of the visible byline line, nearest before the article's first paragraph.

    It is the smallest element naming the author, widened to its short line (at most 120
    characters), never sharing text with the article's prose (``prose``: the long
    expected paragraphs) nor inside ``article``'s paragraphs.
    """
    names = [n.casefold() for n in byline_names(byline) if len(n) >= 4]
    body = doc.find("body")
    if not names or body is None:
        return None
    paragraphs = set(article.paragraphs) if article is not None else set()
    first = article.paragraphs[0] if article is not None else None
    forbidden: set[tuple[str, ...]] = set()
    for text in prose:
        forbidden |= shingles(text)

    def clean(element: Any) -> bool:
        text = visible_text(element)
        return len(text) <= 120 and forbidden.isdisjoint(shingles(text))

    before: Any = None
    for element in body.iter():
        if element is first:
            if before is not None:
                return before
            first = None  # from here on, the first match is the one
        if not isinstance(element.tag, str) or element.tag in _DROP_TAGS:
            continue
        for holder, value in ((element, element.text), (element.getparent(), element.tail)):
            if not value or holder is None or not any(n in value.casefold() for n in names):
                continue
            chain = [holder, *holder.iterancestors()]
            if paragraphs.intersection(chain) or not all(_shown(a) for a in chain):
                continue
            if any(a.tag in ("nav", "h1") for a in chain) or not clean(holder):
                continue
            line = holder
            while line.tag in _INLINE and line.getparent() is not None:
                parent = line.getparent()
                if parent.tag == "body" or not clean(parent):
                    break
                line = parent
            if first is None:
                return line
            before = line
    return before


def _append_inline(line: Any, span: Any) -> None:
    separator = " · "
    if len(line):
        last = line[-1]
        last.tail = (last.tail or "").rstrip() + separator
    else:
        line.text = (line.text or "").rstrip() + separator
    line.append(span)


# -- class modes -----------------------------------------------------------------------------


def apply_class_mode(doc: Any, mode: str, name: str, seed: int) -> None:
    """Keep classes and ids, replace them by build hashes, or strip them, on the whole page.

    Hashes of the page's own elements are the same every round, as one build keeps
    them; moved chrome gets new ones every round.
    """
    if mode == "original":
        return
    if mode not in CLASS_MODES:
        raise ValueError(f"unknown class mode {mode!r}; known: {', '.join(CLASS_MODES)}")
    flavour = _rng("flavour", name).choice(("css-", "sc-"))
    moved: set[Any] = set()
    for element in doc.iter():
        if isinstance(element.tag, str) and element.get(_MOVED) is not None:
            moved.update(element.iter())
    for element in doc.iter():
        if not isinstance(element.tag, str):
            continue
        if mode == "stripped":
            element.attrib.pop("class", None)
            element.attrib.pop("id", None)
            continue
        salt = f"{name}:{seed}" if element in moved else name
        for attr in ("class", "id"):
            value = element.get(attr)
            if value is not None:
                element.set(attr, " ".join(_hashed(flavour, salt, t) for t in value.split()))


def _hashed(flavour: str, salt: str, token: str) -> str:
    digest = hashlib.sha256(f"{salt}:{token}".encode()).hexdigest()
    return flavour + format(int(digest[:10], 16), "x")[:6]
