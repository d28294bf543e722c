"""Test pages from the real-article corpus: dynamic chrome around them, and real edits.

Pure functions, deterministic from a seed, and none of the monitor's code. The
detection benchmark takes the corpus loading and the edits from here (its chrome is
real, see ``chrome.py``); the pipeline benchmark and the container tests also take
``with_chrome``, an invented chrome. The corpus (``/work/shared/corpus/news-pages``)
holds real pages with the article text a reader-mode extractor keeps
(``expected.html``). The article's paragraphs are found in the page as the ``<p>``
elements whose text is one of those expected paragraphs; chrome goes around and
between them, edits change them.

``with_chrome(html, seed, paragraphs)`` adds what real pages change on every fetch:
clocks, weather, counters, ad slot ids, script nonces, "most read" lists, a cookie
banner, and, inside the article's container, a share bar with counts, a "related
stories" box, an ad slot, a relative "last updated" line and a class-less "Read more"
link paragraph. ``apply_edit(html, page, kind, seed)`` makes one newsroom edit and
returns the new page with a *marker*: text a correct alert about the edit contains.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import random
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import lxml.html
from lxml import etree

CORPUS_ROOT = Path("/work/shared/corpus/news-pages")
EDIT_KINDS: tuple[str, ...] = (
    "word",
    "update",
    "delete",
    "headline",
    "byline",
    "correction",
    "swap",
)
MARKER_OR = "\n"
"""Separates alternatives in a marker: an alert showing any one of them shows the edit."""

_LEAF_BLOCKS = frozenset("p h1 h2 h3 h4 h5 h6 li blockquote pre figcaption dd dt td th".split())
_MIN_MATCH = 25
_LONG = 80
_LONG_CJK = 30
_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u00a0": " ",
    }
)


class EditNotApplicable(ValueError):
    """The page has nothing this kind of edit can change (e.g. no findable byline)."""


@dataclass(frozen=True)
class CorpusPage:
    """One real article page of the corpus."""

    name: str
    html: str
    """The page as its site served it (source.html)."""
    paragraphs: tuple[str, ...]
    """The article's text blocks as a reader-mode extractor keeps them (expected.html)."""
    metadata: dict[str, Any]
    """expected-metadata.json: title, byline, excerpt, lang, ..."""


def squash(text: str) -> str:
    """The form texts are matched in: NFC, one space, straight quotes."""
    text = unicodedata.normalize("NFC", text).translate(_QUOTES)
    return " ".join(text.split())


def load_corpus(root: Path = CORPUS_ROOT) -> list[CorpusPage]:
    """Every page folder under ``root``, sorted by name."""
    pages = []
    for folder in sorted(p for p in root.iterdir() if (p / "source.html").is_file()):
        html = (folder / "source.html").read_text(encoding="utf-8").lstrip("\ufeff")
        expected = (folder / "expected.html").read_text(encoding="utf-8")
        metadata = json.loads((folder / "expected-metadata.json").read_text(encoding="utf-8"))
        pages.append(CorpusPage(folder.name, html, expected_paragraphs(expected), metadata))
    return pages


def expected_paragraphs(expected_html: str) -> tuple[str, ...]:
    """The text of each innermost block element of an extractor's output."""
    root = lxml.html.fragment_fromstring(expected_html, create_parent="div")
    found = []
    for element in root.iter(*_LEAF_BLOCKS):
        if any(True for _ in element.iterdescendants(*_LEAF_BLOCKS)):
            continue
        text = squash(element.text_content())
        if text:
            found.append(text)
    return tuple(found)


# -- parsing, and finding the article in a page ---------------------------------------------


def parse(html: str) -> Any:
    """Parse a whole page with lxml.html."""
    return lxml.html.document_fromstring(html)


def serialize(doc: Any) -> str:
    """Serialise a page parsed by ``parse``, doctype and top-level comments included."""
    tree = doc.getroottree()
    return str(lxml.html.tostring(tree, encoding="unicode", doctype=tree.docinfo.doctype))


@dataclass(frozen=True)
class ArticleNodes:
    """The article as found in a parsed page."""

    container: Any
    """The deepest element holding (nearly) all the article's paragraphs."""
    paragraphs: list[Any]
    """The ``<p>`` elements whose text is an expected paragraph, in document order."""


def _is_cjk(text: str) -> bool:
    return sum(1 for ch in text if "\u3000" <= ch <= "\u9fff") > len(text) // 3


def is_long(text: str) -> bool:
    """Long enough to be a real paragraph of the article."""
    return len(text) >= (_LONG_CJK if _is_cjk(text) else _LONG)


def find_article(doc: Any, paragraphs: Sequence[str]) -> ArticleNodes:
    """Match the expected paragraphs to ``<p>`` elements; their common parent is the container."""
    wanted = {p for p in paragraphs if len(p) >= _MIN_MATCH or (_is_cjk(p) and len(p) >= 10)}
    matched = [p for p in doc.iter("p") if _visible(p) and squash(p.text_content()) in wanted]
    if not matched:
        return _one_block_article(doc, wanted)
    counts: dict[Any, int] = {}
    depth: dict[Any, int] = {}
    for p in matched:
        for level, ancestor in enumerate(reversed(list(p.iterancestors()))):
            counts[ancestor] = counts.get(ancestor, 0) + 1
            depth[ancestor] = level
    need = max(int(len(matched) * 0.8), 1)
    container = max((a for a, c in counts.items() if c >= need), key=lambda a: depth[a])
    inside = [p for p in matched if container in set(p.iterancestors())]
    # Reader-mode output keeps the author's bio box, and some blogs' comments
    # (firefox-nightly-blog); an edit or a correction does not go there.
    body = [p for p in inside if not _in_aside_box(p, container)]
    return ArticleNodes(container, body or inside)


_RELATED_BOX = re.compile(r"\brelated|\baside\b|recirc|more-stories", re.IGNORECASE)
_ASIDE_BOX = re.compile(r"author|\bbio|byline|related|newsletter|promo|comment", re.IGNORECASE)


def _in_aside_box(p: Any, container: Any) -> bool:
    for ancestor in p.iterancestors():
        if ancestor is container:
            return False
        if _ASIDE_BOX.search(f"{ancestor.get('class') or ''} {ancestor.get('id') or ''}"):
            return True
    return False


def _one_block_article(doc: Any, wanted: set[str]) -> ArticleNodes:
    """An article written as one block, its paragraphs separated by <br> (yahoo-4)."""
    best = None
    for element in doc.iter("p", "div", "td"):
        if not _visible(element):
            continue
        text = squash(element.text_content())
        if sum(1 for w in wanted if w in text) >= 2 and (
            best is None or len(text) < len(squash(best.text_content()))
        ):
            best = element
    if best is None:
        raise EditNotApplicable("no element of the page holds the expected article paragraphs")
    return ArticleNodes(best.getparent(), [best])


def _visible(element: Any) -> bool:
    return not any(
        a.tag in ("noscript", "script", "template", "head") for a in element.iterancestors()
    )


# -- chrome --------------------------------------------------------------------------------

_HEADLINES = (
    "Storm leaves thousands without power across the region",
    "Central bank holds rates steady, signals caution",
    "City council approves new housing plan after long debate",
    "Scientists map the deepest known cave system",
    "Veteran coach steps down after 14 seasons",
    "Train operators announce weekend strike",
    "Ancient shipwreck found off the southern coast",
    "New study links sleep and memory in older adults",
    "Airport expansion faces fresh legal challenge",
    "Local bakery wins national bread prize",
    "Heatwave warning extended for a third day",
    "Tech giant unveils cheaper folding phone",
    "Museum returns looted artefacts to their origin",
    "Hospital waiting lists fall for the first time in years",
    "Marathon record broken in windy conditions",
    "Startup raises funds for electric ferries",
    "Police appeal for witnesses after bridge crash",
    "Schools to get new reading programme next term",
    "Orchestra cancels tour over visa delays",
    "Wildfire smoke drifts over the capital",
    "Farmers report record apple harvest",
    "Minister resigns over expenses row",
    "Rare bird spotted in city park draws crowds",
    "Election turnout highest in two decades",
    "Satellite launch delayed by technical fault",
    "Flood defences to be rebuilt after winter damage",
    "Chess prodigy, 12, beats grandmaster",
    "Bus fares frozen for another year",
    "Festival line-up announced with surprise headliner",
    "Court rules on landmark privacy case",
)
_CITIES = ("London", "Paris", "New York", "Berlin", "Madrid", "Prague", "Tokyo", "Sydney")
_SKIES = ("sunny", "light rain", "overcast", "clear", "showers", "fog", "windy", "snow")
# Real sites label chrome; one class name per kind is chosen by seed.
_SHARE_CLASSES = ("share-bar", "social-share", "article-share-tools", "sharing-buttons")
_RELATED = (("aside", "related"), ("div", "related-links"), ("div", "recirc related-content"))
_AD_CLASSES = ("ad-slot", "ad-slot dfp-ad", "advert inline-advert")
_TIMESTAMP_CLASSES = ("timestamp", "timestamp relative-time", "updated-timestamp")
_MOST_READ_CLASSES = ("most-read", "mostread-list", "trending-stories")
_EPOCH = datetime(2024, 3, 11, 6, 0)


class _Dice:
    """Values for one seed: every value differs between two seeds (injective in the seed)."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.rng = random.Random(f"chrome:{seed}")

    def number(self, base: int, step: int) -> int:
        """base + seed*step + r with r < step: distinct for distinct seeds."""
        return base + self.seed * step + self.rng.randrange(step)

    def token(self, label: str, size: int = 16) -> str:
        return hashlib.sha256(f"{label}:{self.seed}".encode()).hexdigest()[:size]

    def headlines(self, label: str, count: int) -> list[str]:
        # Rotates through the pool: distinct lists for seeds up to len(pool) apart.
        start = (self.seed * count + sum(map(ord, label))) % len(_HEADLINES)
        return [_HEADLINES[(start + i) % len(_HEADLINES)] for i in range(count)]

    def pick(self, options: Sequence[Any]) -> Any:
        return options[self.rng.randrange(len(options))]

    def now(self) -> datetime:
        return _EPOCH + timedelta(minutes=self.number(0, 23))


def _element(markup: str) -> Any:
    return lxml.html.fragment_fromstring(markup)


def _links(headlines: Sequence[str], dice: _Dice) -> str:
    return "".join(
        f'<li><a href="/story/{dice.number(10000, 100)}">{h}</a></li>' for h in headlines
    )


def _outside_chrome(dice: _Dice) -> tuple[list[str], list[str], list[str]]:
    """Markup for the head, the top of the body and the end of the body."""
    now = dice.now()
    clock = now.strftime("%A, %d %B %Y %H:%M")
    temperature = f"{dice.number(40, 7) % 300 / 10:.1f}°C"
    nonce = hashlib.sha256(f"nonce:{dice.seed}".encode()).hexdigest()[:22]
    head = [
        f'<script nonce="{nonce}">window.__TOKEN="{dice.token("token", 32)}";'
        f"window.__RENDER_ID={dice.number(500000, 1000)};</script>",
        f'<meta name="csrf-token" content="{dice.token("csrf", 40)}">',
    ]
    weather = f"{dice.pick(_CITIES)} {temperature}, {dice.pick(_SKIES)}"
    index = f"{dice.number(7400, 13):,}.{dice.rng.randrange(10)}"
    markets = f"FTSE 100 {index} ▲{dice.seed % 9}.{dice.rng.randrange(10)}%"
    header_class = dice.pick(("site-header-bar", "masthead-meta", ""))
    attr = f' class="{header_class}"' if header_class else ""
    top = [
        f"<div{attr}><span>{clock}</span> · <span>{weather}</span> · <span>{markets}</span>"
        f" · <span>{dice.number(1200, 211):,} readers online</span></div>",
        f'<div class="ad-slot ad-leaderboard" id="ad-{dice.token("top", 8)}" '
        f'data-slot-id="{dice.number(90000, 97)}">Advertisement</div>',
    ]
    if dice.seed % 3 == 1:
        # A breaking-news strip that comes and goes between fetches.
        top.insert(0, f"<div><strong>Breaking:</strong> {dice.headlines('breaking', 1)[0]}</div>")
    most_read = dice.pick(_MOST_READ_CLASSES)
    bottom = [
        f'<section class="{most_read}"><h3>Most read</h3><ol>'
        + _links(dice.headlines("most-read", 5), dice)
        + "</ol></section>",
        f'<div class="cookie-banner" id="consent-{dice.token("consent", 10)}" role="dialog">'
        "<p>We use cookies to improve your experience and to show you personalised ads. "
        f"Consent ref. {dice.token('consent-ref', 6).upper()}.</p>"
        "<button>Accept all</button> <button>Manage settings</button></div>",
        f'<footer class="page-footer"><p>Page generated in {dice.number(35, 9)} ms '
        f"by node {dice.token('node', 6)} · © {now.year} Example Media</p></footer>",
        f'<script nonce="{nonce}">window.__PAGEVIEW_ID="{dice.token("pageview", 24)}";</script>',
    ]
    return head, top, bottom


def _inside_chrome(dice: _Dice) -> dict[str, str]:
    """Markup for the chrome that sits between the article's paragraphs."""
    share = dice.pick(_SHARE_CLASSES)
    tag, related = dice.pick(_RELATED)
    ad = dice.pick(_AD_CLASSES)
    stamp = dice.pick(_TIMESTAMP_CLASSES)
    read_more = dice.headlines("read-more", 1)[0]
    story = dice.number(20000, 100)
    # Many CMSs insert such a link with no telltale class at all.
    read_more_markup = dice.pick(
        (
            f'<p><a href="/story/{story}">Read more: {read_more}</a></p>',
            f'<p><strong>Read more:</strong> <a href="/story/{story}">{read_more}</a></p>',
            f'<p><a href="/story/{story}"><strong>READ MORE:</strong> {read_more}</a></p>',
        )
    )
    return {
        "share": (
            f'<div class="{share}"><a href="#share">{dice.number(1000, 97):,} shares</a> '
            f'<a href="#comments">{dice.number(20, 13)} comments</a></div>'
        ),
        "timestamp": (
            f'<div class="article-meta"><span class="{stamp}">Last updated '
            f"{dice.number(1, 3)} minutes ago</span></div>"
        ),
        "read_more": read_more_markup,
        "related": (
            f'<{tag} class="{related}"><h4>Related stories</h4><ul>'
            + _links(dice.headlines("related", 3), dice)
            + f"</ul></{tag}>"
        ),
        "ad": (
            f'<div class="{ad}" id="ad-{dice.token("inline", 8)}" '
            f'data-google-query-id="{dice.token("gq", 20)}">Advertisement</div>'
        ),
    }


def with_chrome(page_html: str, seed: int, paragraphs: Sequence[str] = ()) -> str:
    """The page with dynamic chrome around and inside its article; the article text is kept.

    ``paragraphs`` are the article's expected paragraphs (``CorpusPage.paragraphs``),
    used to find where the article is; without them, the element with the most long
    ``<p>`` children is taken as the article.
    """
    doc = parse(page_html)
    dice = _Dice(seed)
    head_markup, top, bottom = _outside_chrome(dice)
    head = doc.find("head")
    if head is None:
        head = etree.Element("head")
        doc.insert(0, head)
    for markup in head_markup:
        head.append(_element(markup))
    body = doc.find("body")
    if body is None:
        body = etree.SubElement(doc, "body")
    for markup in reversed(top):
        _insert_first(body, _element(markup))
    for markup in bottom:
        body.append(_element(markup))
    nodes = _article_paragraphs(doc, paragraphs)
    if nodes:
        inside = _inside_chrome(dice)
        n = len(nodes)
        nodes[0].addprevious(_element(inside["share"]))
        nodes[0].addprevious(_element(inside["timestamp"]))
        nodes[min(n - 1, max(n // 3, 0))].addnext(_element(inside["read_more"]))
        nodes[min(n - 1, max(n // 2, 1) if n > 1 else 0)].addnext(_element(inside["related"]))
        nodes[min(n - 1, max(2 * n // 3, 1) if n > 1 else 0)].addnext(_element(inside["ad"]))
    return serialize(doc)


def _insert_first(parent: Any, element: Any) -> None:
    # Keep the parent's leading text before the new element.
    element.tail = parent.text
    parent.text = None
    parent.insert(0, element)


def _article_paragraphs(doc: Any, paragraphs: Sequence[str]) -> list[Any]:
    if paragraphs:
        try:
            return find_article(doc, paragraphs).paragraphs
        except EditNotApplicable:
            pass
    best: list[Any] = []
    for parent in {p.getparent() for p in doc.iter("p") if p.getparent() is not None}:
        long_children = [c for c in parent if c.tag == "p" and is_long(squash(c.text_content()))]
        if len(long_children) > len(best):
            best = long_children
    return best


# -- edits ---------------------------------------------------------------------------------


def apply_edit(page_html: str, page: CorpusPage, kind: str, seed: int) -> tuple[str, str]:
    """Make one edit of ``kind`` to the article; return the new page and the edit's marker.

    The marker is text a correct alert contains: the changed words in context, the
    added or the deleted paragraph's opening, the new headline or byline, the
    correction; for a swap, either moved paragraph's opening (alternatives are
    separated by ``MARKER_OR``). Raises ``EditNotApplicable`` when the page has
    nothing such an edit can change.
    """
    if kind not in EDIT_KINDS:
        raise ValueError(f"unknown edit kind {kind!r}; known kinds: {', '.join(EDIT_KINDS)}")
    doc = parse(page_html)
    rng = random.Random(f"edit:{kind}:{seed}:{page.name}")
    edit = {
        "word": _edit_word,
        "update": _edit_update,
        "delete": _edit_delete,
        "headline": _edit_headline,
        "byline": _edit_byline,
        "correction": _edit_correction,
        "swap": _edit_swap,
    }[kind]
    marker = edit(doc, page, rng, seed)
    html = serialize(doc)
    if kind in ("headline", "byline") and marker not in html:
        # The page's own byline spelling did not match the metadata's: nothing was edited.
        raise EditNotApplicable(f"the {kind} edit found nothing to change on {page.name}")
    return html, marker


def _long_paragraphs(doc: Any, page: CorpusPage) -> list[Any]:
    """The article's prose paragraphs: long, and not a link ('Read also: ...')."""
    nodes = find_article(doc, page.paragraphs).paragraphs
    return [p for p in nodes if is_long(squash(p.text_content())) and not _mostly_link(p)]


def _mostly_link(p: Any) -> bool:
    text = len(squash(p.text_content()))
    linked = sum(len(squash(a.text_content())) for a in p.iter("a"))
    return linked > 0.5 * max(text, 1)


def _middle(items: Sequence[Any], rng: random.Random) -> Any:
    """One item away from both ends when there are enough."""
    inner = items[1:-1] if len(items) >= 3 else items
    return inner[rng.randrange(len(inner))]


def _text_slots(p: Any) -> Iterator[tuple[Any, str]]:
    """The text nodes inside ``p``: (element, 'text' or 'tail'), in reading order."""
    yield p, "text"
    for element in p.iterdescendants():
        if element.tag in ("script", "style") or not isinstance(element.tag, str):
            if element.tail is not None:
                yield element, "tail"
            continue
        yield element, "text"
        yield element, "tail"


_NUMBER = re.compile(r"(?<![\w.,])\d[\d,.]*\d(?![\w])|(?<![\w.,])\d(?![\w.,])")
_WORD = re.compile(r"(?<![\w'’-])[a-zà-ÿ]{5,}(?![\w'’-])")
_SYNONYMS = {
    "said": "stated",
    "large": "sizeable",
    "important": "crucial",
    "people": "residents",
    "would": "could",
    "should": "must",
    "about": "roughly",
    "several": "numerous",
    "however": "nevertheless",
    "announced": "declared",
    "because": "since",
    "often": "frequently",
    "small": "modest",
    "major": "significant",
    "including": "among them",
}
_FALLBACK_WORDS = ("notably", "reportedly", "apparently", "allegedly", "evidently")
_CJK_SWAP = "新旧大小高低多少"


def _bump(number: str) -> str:
    """The number with its last run of digits increased by one."""
    match = list(re.finditer(r"\d+", number))[-1]
    digits = match.group()
    bumped = str(int(digits) + 1).zfill(len(digits))
    return number[: match.start()] + bumped + number[match.end() :]


def _context(text: str, start: int, end: int, cjk: bool) -> str:
    """The changed span with a little of its slot around it."""
    if cjk:
        return text[max(start - 8, 0) : end + 8]
    before = text[:start].split()[-3:]
    after = text[end:].split()[:3]
    head = " ".join(before) + (" " if before and text[:start][-1:].isspace() else "")
    tail = (" " if after and text[end : end + 1].isspace() else "") + " ".join(after)
    return head + text[start:end] + tail


def _edit_word(doc: Any, page: CorpusPage, rng: random.Random, seed: int) -> str:
    candidates = _long_paragraphs(doc, page)
    if not candidates:
        raise EditNotApplicable("no long paragraph to change a word in")
    order = [_middle(candidates, rng), *candidates]
    for p in order:
        for pattern, replace in ((_NUMBER, _bump), (_WORD, _synonym)):
            slots = [
                (element, attr, match)
                for element, attr in _text_slots(p)
                for match in pattern.finditer(getattr(element, attr) or "")
                if len((getattr(element, attr) or "").split()) >= 5
            ]
            if slots:
                element, attr, match = slots[rng.randrange(len(slots))]
                text = getattr(element, attr)
                new = replace(match.group())
                changed = text[: match.start()] + new + text[match.end() :]
                setattr(element, attr, changed)
                span = (match.start(), match.start() + len(new))
                return squash(_context(changed, *span, cjk=False))
        for element, attr in _text_slots(p):
            text = getattr(element, attr) or ""
            if _is_cjk(text) and len(text) >= 20:
                at = len(text) // 2
                new = next(ch for ch in _CJK_SWAP if ch != text[at])
                changed = text[:at] + new + text[at + 1 :]
                setattr(element, attr, changed)
                return squash(_context(changed, at, at + 1, cjk=True))
    raise EditNotApplicable("no number or word to change in the long paragraphs")


def _synonym(word: str) -> str:
    if word in _SYNONYMS:
        return _SYNONYMS[word]
    choices = [w for w in _FALLBACK_WORDS if w != word]
    return choices[sum(map(ord, word)) % len(choices)]


def _new_p(markup: str, like: Any) -> Any:
    element = _element(markup)
    element.tail = like.tail
    return element


def _when(seed: int) -> str:
    day = datetime(2024, 3, 12) + timedelta(days=seed % 300)
    return f"{day:%B} {day.day}, {day.year}"


def _edit_update(doc: Any, page: CorpusPage, rng: random.Random, seed: int) -> str:
    nodes = find_article(doc, page.paragraphs).paragraphs
    if len(nodes) < 2:
        raise EditNotApplicable("fewer than two article paragraphs")
    count = 3 + seed * 7 + rng.randrange(7)
    sentence = (
        f"Officials confirmed late on Tuesday that {count} more families had been "
        "contacted about the matter."
    )
    added = f"{sentence} A spokesperson said further details would be released in the morning."
    nodes[1].addnext(_new_p(f"<p>{added}</p>", nodes[1]))
    note = f"<p><em>Updated at 3:40 p.m. on {_when(seed)}.</em></p>"
    nodes[0].addprevious(_new_p(note, nodes[0]))
    return sentence


def _edit_delete(doc: Any, page: CorpusPage, rng: random.Random, seed: int) -> str:
    candidates = _long_paragraphs(doc, page)
    if len(candidates) < 3:
        raise EditNotApplicable("fewer than three long paragraphs to delete one of")
    p = _middle(candidates, rng)
    text = squash(p.text_content())
    p.drop_tree()
    return _opening(text)


def _opening(text: str) -> str:
    """The first words of a paragraph: enough to recognise it."""
    if _is_cjk(text):
        return text[:24]
    words = text.split()
    return " ".join(words[:10])


_CORRECTED = (
    ("the year the agency was founded", "It was founded in 1987, not 1978."),
    ("the number of people interviewed", "It was 214 people, not 241."),
    ("the title of a spokeswoman", "She is the deputy director, not the director."),
    ("the location of the meeting", "It took place in the city hall annex, not the main hall."),
    ("the amount of the grant", "It was $4.5 million, not $5.4 million."),
)


def _edit_correction(doc: Any, page: CorpusPage, rng: random.Random, seed: int) -> str:
    nodes = find_article(doc, page.paragraphs).paragraphs
    what, fact = _CORRECTED[seed % len(_CORRECTED)]
    sentence = f"Correction: An earlier version of this article misstated {what}."
    note = f"<p><em>{sentence} {fact}</em></p>"
    nodes[-1].addnext(_new_p(note, nodes[-1]))
    return sentence


def _edit_swap(doc: Any, page: CorpusPage, rng: random.Random, seed: int) -> str:
    nodes = find_article(doc, page.paragraphs).paragraphs
    pairs = [
        (a, b)
        for a, b in itertools.pairwise(nodes)
        if a.getnext() is b
        and is_long(squash(a.text_content()))
        and is_long(squash(b.text_content()))
        and not _mostly_link(a)
        and not _mostly_link(b)
        and squash(a.text_content()) != squash(b.text_content())
    ]
    if not pairs:
        raise EditNotApplicable("no two adjacent long paragraphs to swap")
    a, b = _middle(pairs, rng)
    a_tail, b_tail = a.tail, b.tail
    parent = a.getparent()
    parent.remove(b)
    a.addprevious(b)
    b.tail, a.tail = a_tail, b_tail
    return MARKER_OR.join((_opening(squash(a.text_content())), _opening(squash(b.text_content()))))


# -- headline and byline: everywhere a CMS writes them ----------------------------------------

_NEW_HEADLINE_ENDINGS = (
    "as officials revise earlier account",
    "amid growing criticism",
    "in a reversal announced overnight",
    "after new documents surface",
    "as questions mount over the timeline",
)


def _words(text: str) -> set[str]:
    if _is_cjk(text):
        return {ch for ch in text if ch.isalnum()}
    return set(re.findall(r"\w+", text.lower()))


def _headline_nodes(doc: Any, title: str) -> list[Any]:
    """The <h1> elements that show the headline (not a logo in an <h1>)."""
    reference = _words(title)
    found = []
    for h1 in doc.iter("h1"):
        words = _words(h1.text_content())
        if words and reference and len(words & reference) / len(words) >= 0.6:
            found.append(h1)
    return found


def _overlap(words: set[str], reference: set[str]) -> float:
    return len(words & reference) / max(len(words | reference), 1)


def _last_text_slot(element: Any) -> tuple[Any, str]:
    """Where text appended to the end of an element's visible text goes."""
    slots = [
        (node, attr)
        for node, attr in _text_slots(element)
        if (node is not element or attr == "text") and (getattr(node, attr) or "").strip()
    ]
    return slots[-1] if slots else (element, "text")


def _edit_headline(doc: Any, page: CorpusPage, rng: random.Random, seed: int) -> str:
    title = squash(page.metadata.get("title") or "")
    h1s = _headline_nodes(doc, title)
    # The headline is the <h1> that says most of the title, not a blog's name before it.
    reference = _words(title)
    shown = max(h1s, key=lambda h1: _overlap(_words(h1.text_content()), reference), default=None)
    old = squash(shown.text_content()) if shown is not None else title
    if not old:
        raise EditNotApplicable("no headline found")
    ending = _NEW_HEADLINE_ENDINGS[seed % len(_NEW_HEADLINE_ENDINGS)]
    new = f"{old.rstrip('.')}, {ending}"
    for h1 in h1s:
        node, attr = _last_text_slot(h1)
        text = getattr(node, attr) or ""
        stripped = text.rstrip()
        setattr(node, attr, f"{stripped.rstrip('.')}, {ending}{text[len(stripped) :]}")
    changed = len(h1s)
    changed += _replace_in_head(doc, {old, title} - {""}, new)
    if changed == 0:
        raise EditNotApplicable("the headline is neither in an <h1> nor in the page's metadata")
    return new


def _replace_in_head(doc: Any, olds: set[str], new: str) -> int:
    """Replace the headline in <title>, og/twitter title metadata and JSON-LD."""
    changed = 0
    for element in doc.iter("title"):
        if _replace_text(element, "text", olds, new):
            changed += 1
    for meta in doc.iter("meta"):
        key = (meta.get("property") or meta.get("name") or "").lower()
        if key in ("og:title", "twitter:title", "title", "headline") and _replace_text(
            meta, "content", olds, new
        ):
            changed += 1
    for script in _jsonld(doc):
        for old in olds:
            text = script.text or ""
            for quoted_old, quoted_new in _json_forms(old, new):
                if quoted_old in text:
                    script.text = text = text.replace(quoted_old, quoted_new)
                    changed += 1
    return changed


def _json_forms(old: str, new: str) -> list[tuple[str, str]]:
    plain = (json.dumps(old, ensure_ascii=False)[1:-1], json.dumps(new, ensure_ascii=False)[1:-1])
    ascii_ = (json.dumps(old)[1:-1], json.dumps(new)[1:-1])
    return [plain] if plain == ascii_ else [plain, ascii_]


def _jsonld(doc: Any) -> list[Any]:
    return [s for s in doc.iter("script") if (s.get("type") or "").lower() == "application/ld+json"]


def _replace_text(element: Any, attr: str, olds: set[str], new: str) -> bool:
    """Replace any of ``olds`` in an element's text or attribute, whitespace-insensitively."""
    value = element.text if attr == "text" else element.get(attr)
    if not value:
        return False
    squashed = squash(value)
    for old in sorted(olds, key=len, reverse=True):
        if old in squashed:
            replaced = squashed.replace(old, new)
            if attr == "text":
                element.text = replaced
            else:
                element.set(attr, replaced)
            return True
    return False


_NEW_NAMES = (
    "Marta Kowalczyk",
    "Daniel Okafor",
    "Ingrid Halvorsen",
    "Tomás Echeverría",
    "Priya Raghunathan",
    "Lukas Brandt",
    "Hannah Whitcombe",
)
_BYLINE_WORDS = re.compile(r"author|byline|contributor|writer|reporter|credit", re.IGNORECASE)
_NAV_WORDS = re.compile(r"nav|menu", re.IGNORECASE)
_AUTHOR_META = ("author", "byl", "article:author")
_OTHER_AUTHOR_META = ("dc.creator", "sailthru.author", "parsely-author")


_BY_WORD = re.compile(
    r"^\s*(?:(?:written|edited|reported)\s+)?(?:by|par|por|von|di|de)(?:\s+|$)", re.I
)


def byline_names(byline: str) -> list[str]:
    """Candidate author names in a metadata byline: the whole byline first, then each name."""
    # The first line that names someone: "By" may stand on a line of its own ("By\n Jane").
    lines = [squash(line) for line in byline.split("\n") if line.strip()] or [""]
    first = " ".join(lines[:2]) if _BY_WORD.fullmatch(lines[0]) else lines[0]
    text = _BY_WORD.sub("", first, count=1)
    text = squash(re.split(r"\d|http", text)[0]).strip(" ,;|-(")
    names = [text, squash(re.sub(r"\([^)]*\)?", " ", text))]
    for part in re.split(r",|\band\b|\bavec\b|\bund\b|\be\b|&", names[-1]):
        names.append(part.strip(" ,;|-"))
    return [n for n in dict.fromkeys(names) if len(n) >= 2]


def _marks(node: Any) -> str:
    return " ".join(node.get(a) or "" for a in ("class", "id", "itemprop", "rel", "data-testid"))


def _byline_like(element: Any) -> bool:
    """An element that a site marks as holding the byline (a near ancestor counts; a menu not)."""
    chain = [element, *element.iterancestors()]
    if any(node.tag == "nav" or _NAV_WORDS.search(_marks(node)) for node in chain):
        return False
    return any(_BYLINE_WORDS.search(_marks(node)) for node in chain[:6])


def _edit_byline(doc: Any, page: CorpusPage, rng: random.Random, seed: int) -> str:
    byline = page.metadata.get("byline") or ""
    article = set(find_article(doc, page.paragraphs).paragraphs)
    for old in byline_names(byline):
        new = next(n for n in _NEW_NAMES[seed % len(_NEW_NAMES) :] + _NEW_NAMES if n != old)
        if _replace_byline(doc, old, new.upper() if old.isupper() else new, article):
            return new
    raise EditNotApplicable(
        f"the byline {byline!r} is in no visible byline element, author metadata or JSON-LD author"
    )


def _replace_byline(doc: Any, old: str, new: str, article: set[Any]) -> bool:
    """Replace the author's name in the byline elements and the author metadata.

    True when a reader or the page's own author metadata sees the new name (a change
    to, say, Dublin Core metadata alone does not count).
    """
    pattern = re.compile(r"\s+".join(re.escape(word) for word in old.split()), re.IGNORECASE)

    def swap(match: re.Match[str]) -> str:
        return new.upper() if match.group().isupper() else new

    seen = False
    for element in doc.iter():
        if not isinstance(element.tag, str) or element.tag in ("script", "style", "head"):
            continue
        if any(a in article for a in [element, *element.iterancestors()]):
            continue
        if _RELATED_BOX.search(
            " ".join(
                f"{a.get('class') or ''} {a.get('id') or ''} {a.tag}"
                for a in element.iterancestors()
            )
        ):
            continue  # another story's byline in a "related" box is not this article's
        if any(a.tag in ("li", "nav") for a in element.iterancestors()):
            continue  # nor one in a list of stories (salon-1's "most read" menus)
        for attr, holder in (("text", element), ("tail", element.getparent())):
            value = getattr(element, attr)
            if holder is None or not value or not pattern.search(value):
                continue
            if _byline_like(holder) and len(squash(holder.text_content())) < 200:
                setattr(element, attr, pattern.sub(swap, value))
                seen = True
    for meta in doc.iter("meta"):
        key = (meta.get("name") or meta.get("property") or "").lower()
        content = meta.get("content") or ""
        if key in (*_AUTHOR_META, *_OTHER_AUTHOR_META) and pattern.search(content):
            meta.set("content", pattern.sub(swap, content))
            seen = seen or key in _AUTHOR_META
    for script in _jsonld(doc):
        text = script.text or ""
        try:
            data = json.loads(text.strip().removeprefix("<![CDATA[").removesuffix("]]>"))
        except ValueError:
            # JSON a parser refuses (a trailing comma), that readers' tools still read:
            # the author's name, wherever it stands quoted.
            quoted = re.compile(f'"{pattern.pattern}"', re.IGNORECASE)
            if quoted.search(text):
                script.text = quoted.sub(lambda _: f'"{new}"', text)
                seen = True
            continue
        # Rewrite only the author's strings in place, so the script keeps its layout.
        for name in _jsonld_authors(data):
            if pattern.search(name):
                for before, after in _json_forms(name, pattern.sub(swap, name)):
                    if f'"{before}"' in text:
                        text = text.replace(f'"{before}"', f'"{after}"')
                        seen = True
        script.text = text
    return seen


def _jsonld_authors(data: Any, in_author: bool = False) -> Iterator[str]:
    """The strings of JSON-LD author/creator values (not the publisher's name)."""
    if isinstance(data, str):
        if in_author:
            yield data
    elif isinstance(data, list):
        for item in data:
            yield from _jsonld_authors(item, in_author)
    elif isinstance(data, dict):
        for key, value in data.items():
            if key in ("author", "creator"):
                yield from _jsonld_authors(value, True)
            elif not in_author or key == "name":
                yield from _jsonld_authors(value, in_author and key == "name")
