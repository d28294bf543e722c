"""Reading a container: which of its lines are the article.

The article is a run of sibling prose blocks: most of its words sit in paragraphs
that share a parent (or parents of one shape, when a site wraps every few paragraphs).
Those parents are the run. A block is the article when it is a child of the run, or
sits below it only through the article's own structures (a list, a quotation, a
table, a figure, a code listing). A block nested in a wrapper of its own inside the
run (a comment teaser, an author box, an embedded post, a newsletter insert, a video
player with its view count) is not, whatever its classes say: build-hash class names
and class-less chrome are told apart by where they sit, not by what they are called.

The run is found once, from the words in each slot, and kept with the watch's hint,
so the reading does not wobble when chrome grows or shrinks around it.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from selectolax.lexbor import LexborNode

from monitor.extract import chrome
from monitor.extract.shapes import (
    META_WORDS,
    is_citation,
    is_counters,
    is_date,
    is_entry,
    is_meta,
    is_notice,
    is_sentence,
    is_site_prompt,
    is_teaser,
    more_words_than,
)
from monitor.extract.signals import names_only
from monitor.normalize import (
    DECLARATION,
    has_relative_time,
    normalize_line,
    without_relative_time,
)

SKIP_TAGS = frozenset(
    "script style noscript template svg iframe button form nav aside footer input select "
    "textarea object embed canvas video audio picture img head link meta".split()
)
BLOCK_TAGS = frozenset(
    "p div h1 h2 h3 h4 h5 h6 li blockquote pre td th dt dd figcaption section article "
    "header main br tr ul ol table figure address details summary hr".split()
)
# The article's own structures: a block below the run through these alone is article.
CONTENT_TAGS = frozenset(
    "p h2 h3 h4 h5 h6 ul ol li blockquote pre table tr td th dl dt dd figure figcaption "
    "details summary address hr br".split()
)
_LINK_DENSE = 0.7
_PRUNED_LEFT = 7  # trafilatura's: pruning that leaves a seventh of the text or less is undone
# Links one after another with only a bar or a bullet between them: a menu, a footer.
_SEPARATOR = re.compile(r"\s*[|｜·•/»>–—]\s*")
_LINK_ROW = 3
_HEADLINE_LINKS = 0.5  # a heading this much link is a headline of another page
# A prose block: a sentence or more (CJK scripts write more per character).
_PROSE_WORDS = 8
_PROSE_CJK_CHARS = 25
_WORD = re.compile(r"\S+")
# Lists, tables and code are the article's data; headings its own.
DATA_TAGS = frozenset("ul ol table dl pre li tr td th dt dd".split())
HEADING_TAGS = frozenset("h1 h2 h3 h4 h5 h6".split())
_PICTURE_TAGS = frozenset(("img", "picture"))  # a figure holds one (``_mark_captions``)
# Players and forms: a unit holding one is a widget, not the article.
MEDIA_TAGS = frozenset("video audio iframe embed object button form input select canvas".split())
# A list written as paragraphs: three fragments in a row are items, not chrome.
_LIST_RUN = 3
_BOX_LINES = 3
# A slot joins the run with this share of the best slot's prose words, and two blocks.
_RUN_SHARE = 0.1
_RUN_BLOCKS = 2
# A run whose prose is this many <p> elements to each other line (a share of 0.8) is
# written in paragraphs.
_PARAGRAPHS_PER_OTHER = 4
_ALNUM = re.compile(r"[^\W_]")  # a letter or a digit (``str.isalnum``)
_GENERIC_TAGS = frozenset({"div", "span"})
_TABLE_TAGS = frozenset({"table", "tr", "td", "th"})  # a date in a table is its data

Path = tuple[str, ...]
_T = TypeVar("_T")
Restore = tuple[Path, tuple[int, ...]]
"""Where the walk was before it entered a block element."""
"""Block elements from the container down: 'tag.class1.class2' (ids left out: they
number repeated parts, which would split a run in as many slots as it has parts)."""


class _once(Generic[_T]):
    """``functools.cached_property`` without Python 3.11's lock on each first access (a
    reading is one thread's; the lock was a tenth of a reading's time in shapes)."""

    def __init__(self, compute: Callable[[Any], _T]) -> None:
        self.compute = compute
        self.name = compute.__name__

    def __get__(self, block: Any, owner: type | None = None) -> _T:
        value = block.__dict__[self.name] = self.compute(block)
        return value  # a non-data descriptor: the instance's value is found first from now


# Not frozen: a page makes a hundred and more, and a frozen dataclass sets each field
# through ``object.__setattr__`` (four times the cost); nothing changes one once made.
@dataclass(eq=False)
class Block:
    """One line of a container, where it sits, and how much of it is link text."""

    text: str
    path: Path
    link_share: float
    ids: tuple[int, ...] = ()
    """The block elements of ``path``, numbered in document order: which element, not
    only which kind (two sibling boxes share a path, never an id)."""
    link_row: int = 0
    """How many of its links follow another with only a separator between them
    ("Home | News | Contact"): a row of them is navigation, whatever its share of text."""
    figure: int = 0
    """The element of the figure whose caption it is (0: none; ``_mark_captions``)."""

    @_once
    def tag(self) -> str:
        return self.path[-1].split(".", 1)[0] if self.path else ""

    # A line's shape is asked for by several rules: each is worked out once per reading.
    @_once
    def meta(self) -> bool:
        """A counter, clock or byline line (``shapes.is_meta``)."""
        return is_meta(self.text)

    @_once
    def sentence(self) -> bool:
        """Prose by its end or its length (``shapes.is_sentence``)."""
        return is_sentence(self.text)

    @_once
    def prose(self) -> bool:
        """Long enough to be a paragraph, no line of links, and no counter line: a
        counter line is never prose, however long ("Yes 38% · No 62% · 28,309 votes")."""
        return _is_long(self) and not self.meta

    @_once
    def slot(self) -> Path:
        """The path of the block's parent: blocks in one slot are siblings in kind."""
        return self.path[:-1]


@dataclass(frozen=True)
class Found:
    """A container's lines, and which of its block elements hold a player, a form or a
    line of links."""

    blocks: list[Block]
    media: frozenset[int]
    linked: frozenset[int] = frozenset()
    """Block elements holding a line that is mostly links (left out of ``blocks``)."""
    headlined: frozenset[int] = frozenset()
    """Block elements holding a heading that is mostly a link (another story's headline,
    perhaps under its kicker: "Editorial <a>Fraser's lasting legacy</a>")."""


def _step(tag: str, attrs: chrome.Attributes) -> str:
    classes = attrs.get("class")
    if not classes:
        return tag
    return ".".join((tag, *sorted(classes.split())))


class _Collector:
    """Gathers block-level lines, each with its path and its share of link text."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.path: Path = ()
        self.ids: tuple[int, ...] = ()
        self.media: set[int] = set()
        self.pictures: dict[int, int] = {}  # see ``_mark_captions``
        self._next_id = 0
        # The block being read, filled by ``_walk`` (inlined there: one step per text).
        self.parts: list[str] = []  # emptied in place, never replaced
        self.link_chars = 0
        self.since_link: list[str] | None = None  # the text since the last link ended
        self._link_row = 0
        self.pruned = 0  # the text of the elements left out as boilerplate

    def enter(self, step: str) -> Restore:
        outer = self.path, self.ids
        self._next_id += 1
        self.path, self.ids = (*self.path, step), (*self.ids, self._next_id)
        return outer

    def link_starts(self) -> None:
        if self.since_link is not None and _SEPARATOR.fullmatch("".join(self.since_link)):
            self._link_row += 1
        self.since_link = None

    def link_ends(self) -> None:
        self.since_link = []

    def flush(self) -> None:
        if not self.parts:
            return
        line = " ".join("".join(self.parts).split())
        if line:
            line = normalize_line(line)
            share = self.link_chars / max(len(line), 1)
            self.blocks.append(Block(line, self.path, share, self.ids, self._link_row))
        self.parts.clear()
        self.link_chars, self._link_row, self.since_link = 0, 0, None


def _walk(root: LexborNode, out: _Collector, budget: int, prune: bool = True) -> None:
    """Every text below ``root``, in document order, block by block, less hidden and
    (with ``prune``) boilerplate elements.

    A loop over a stack of children, not recursion: a hostile page nests thousands of
    elements deep, past Python's recursion limit.
    """
    # A frame: the children still to read, inside a link?, the path to restore on leaving
    # a block element (None for an inline one), is it a link's own frame? The current
    # frame is held in locals, the outer ones on the stack.
    stack: list[tuple[Iterator[LexborNode], bool, Restore | None, bool]] = []
    children: Iterator[LexborNode] = root.iter(include_text=True)
    in_link, outer, link = False, None, False
    parts = out.parts  # the text of the block being read (``_Collector.text``, inlined)
    while True:
        child = next(children, None)
        if child is None:
            if link:
                out.link_ends()
            if outer is not None:
                if parts:
                    out.flush()
                out.path, out.ids = outer
            if not stack:
                return
            children, in_link, outer, link = stack.pop()
            continue
        tag = child.tag
        if tag == "-text":
            text = child.text_content
            # Indentation before a block's first word is no part of it (most text nodes
            # of a page are that): left out, the block's reading is the same.
            if text and (parts or not text.isspace() or out.since_link is not None):
                if in_link:
                    out.link_chars += len(text.strip())
                elif out.since_link is not None:
                    out.since_link.append(text)
                parts.append(text)
            continue
        if tag is None or tag.startswith("-"):
            continue
        if tag in SKIP_TAGS:
            if tag in MEDIA_TAGS:
                out.media.update(out.ids)
            elif tag in _PICTURE_TAGS:
                at = len(out.blocks) + (1 if parts else 0)  # the next line after it
                for element in out.ids:
                    out.pictures[element] = -1 if element in out.pictures else at
            continue
        attrs = child.attributes
        if attrs:
            hidden = chrome.is_hidden(attrs)
            if hidden or (prune and chrome.is_boilerplate(attrs)):  # ``is_chrome``
                size = len(child.text(deep=True))
                if size < budget:
                    out.pruned += 0 if hidden else size
                    continue
        stack.append((children, in_link, outer, link))
        children = child.iter(include_text=True)
        if tag not in BLOCK_TAGS:
            outer, link = None, tag == "a" and not in_link
            if link:
                in_link = True
                out.link_starts()
            continue
        if parts:
            out.flush()
        outer, link = out.enter(_step(tag, attrs)), False


def blocks(container: LexborNode) -> Found:
    """The container's visible lines, one per block, without hidden or boilerplate
    elements and without lines that are mostly links ("Read more: …")."""
    out = _Collector()
    # A boilerplate-looking wrapper holding most of the article is the article.
    size = len(container.text(deep=True))
    budget = max(size * 3 // 10, 1)
    _walk(container, out, budget)
    if out.pruned and size - out.pruned <= size // _PRUNED_LEFT:
        # trafilatura's guard on its own vocabulary: when pruning would leave next to
        # nothing, the words name the page builder's every block (Elementor's
        # "elementor-widget" holds each paragraph), not its chrome: prune nothing.
        out = _Collector()
        _walk(container, out, budget, prune=False)
    out.flush()
    if out.pictures:
        _mark_captions(out.pictures, out.blocks)
    kept: list[Block] = []
    linked: set[int] = set()
    headlined: set[int] = set()
    for block in out.blocks:
        if block.link_share >= _HEADLINE_LINKS and block.tag in HEADING_TAGS:
            headlined.update(block.ids)
        if block.link_share >= _LINK_DENSE or block.link_row >= _LINK_ROW:
            linked.update(block.ids)
        elif _ALNUM.search(block.text):
            kept.append(block)
    return Found(kept, frozenset(out.media), frozenset(linked), frozenset(headlined))


def _mark_captions(pictures: dict[int, int], lines: list[Block]) -> None:
    """Mark each figure's caption: in an element that holds one image (with several, a
    gallery or a box of teasers), the first line after the image that is a sentence, no
    counter line, and the element's own (its text, or a child's: not a line of a box set
    inside it). Chrome set inside the figure's element, before or after the caption,
    changes neither the caption nor whether it is read.

    ``pictures``: per element holding an image, where in ``lines`` its image came (-1:
    it holds several)."""
    figures = {element for element, at in pictures.items() if at >= 0}
    for at, block in enumerate(lines):
        ids = block.ids
        if not ids:
            continue
        figure = ids[-1] if ids[-1] in figures else ids[-2] if len(ids) > 1 else 0
        if figure in figures and pictures[figure] <= at and block.sentence and not block.meta:
            block.figure = figure
            figures.discard(figure)


def _is_long(block: Block) -> bool:
    """Long enough to be a paragraph, and not a line of links."""
    if block.link_share >= 0.5:
        return False
    # Most lines are decided by their first words, split in C.
    first = block.text.split(None, _PROSE_WORDS)[:_PROSE_WORDS]
    if len(first) == _PROSE_WORDS and all(
        len(word) > 2 or any(ch.isalnum() for ch in word) for word in first
    ):
        return True
    words = 0
    for found in _WORD.finditer(block.text):  # lazily: a paragraph is decided by its start
        word = found.group()
        # A separator ("·", "|") is no word; a word of three characters or more has a
        # letter or a digit in all but hostile text, so only short ones are looked into.
        if len(word) > 2 or any(ch.isalnum() for ch in word):
            words += 1
            if words >= _PROSE_WORDS:
                return True
    return sum(1 for ch in block.text if "\u3040" <= ch <= "\ud7af") >= _PROSE_CJK_CHARS


def run_slots(found: Sequence[Block]) -> frozenset[Path]:
    """The slots of the article's prose run: those holding a fair share of its prose."""
    words: dict[Path, int] = defaultdict(int)
    count: dict[Path, int] = defaultdict(int)
    for block in found:
        if block.prose:
            words[block.slot] += len(block.text)  # characters: fair to every script
            count[block.slot] += 1
    if not words:
        return frozenset()
    best = max(words.values())
    boxed = _boxed_prose(found)
    return frozenset(
        slot
        for slot, total in words.items()
        if total == best
        or (
            total >= best * _RUN_SHARE
            and count[slot] >= _RUN_BLOCKS
            and boxed[slot] * 2 < count[slot]
        )
    )


def _boxed_prose(found: Sequence[Block]) -> Counter[Path]:
    """Per slot, its prose blocks that are each the one paragraph of a small box with a
    counter or a clock line: comments ("Yuki Tanaka · 22 hours ago", the comment, "Reply
    · 143 likes"), teasers. Beside the article's own run, such a slot is not the article,
    however much it says. (A short article's own wrapper holds several paragraphs, and
    perhaps a counters line the page put among them: it is no such box.)"""
    boxed: Counter[Path] = Counter()
    for members in _by_parent(found).values():
        prose = [b for b in members if b.prose]
        small = len(prose) == 1 and len(members) <= _BOX_LINES + 1
        if small and any(b.meta for b in members):
            boxed[prose[0].slot] += 1
    return boxed


def _by_parent(found: Iterable[Block]) -> dict[int, list[Block]]:
    """Blocks grouped by the element that holds them (blocks at the container's top
    level have none, and are left out)."""
    parents: dict[int, list[Block]] = defaultdict(list)
    for block in found:
        if len(block.ids) > 1:
            parents[block.ids[-2]].append(block)
    return parents


def _shape(path: Path) -> tuple[str, ...]:
    return tuple(step.split(".", 1)[0] for step in path)


def _lead_slots(run: frozenset[Path]) -> frozenset[Path]:
    """Where a list page's lead is: when the run is a list or a table (a wiki's list
    page), the elements holding it, whose prose introduces it however short it is."""
    if not run or not all(slot and _shape(slot)[-1] in DATA_TAGS for slot in run):
        return frozenset()
    return frozenset(map(_above_data, run))


def _above_data(slot: Path) -> Path:
    """The slot less its list or table steps: the element that holds the list."""
    depth = len(slot)
    while depth and _shape(slot[:depth])[-1] in DATA_TAGS:
        depth -= 1
    return slot[:depth]


def _unit_of(
    block: Block,
    run: frozenset[Path],
    shapes: frozenset[tuple[str, ...]],
    lead: frozenset[Path],
    quoted: frozenset[int],
) -> int:
    """The id of the block's unit (the element holding it just below the run), or -1
    when the block is not the article. The article is the run, what is below it through
    the article's own structures only (and a figure's caption, in the ``<div>`` a blog's
    editor sets around an image and its caption: ``_mark_captions``), prose in a slot of
    the run's shape (a lead paragraph whose wrapper has one more class; its unit is that
    wrapper), the prose that leads a list page (see ``_lead_slots``), and a correction in
    a box of its own."""
    path, ids = block.path, block.ids
    if block.slot in run or (block.slot in lead and block.prose):
        return ids[-1] if ids else 0
    if block.prose and _shape(block.slot) in shapes:
        return ids[-2] if len(ids) > 1 else 0
    for depth in range(len(path) - 2, -1, -1):
        if path[:depth] in run:
            content = all(
                tag in CONTENT_TAGS or (tag == "div" and element == block.figure)
                for tag, element in zip(_shape(path[depth:]), ids[depth:], strict=True)
            )
            kept = content or block.tag == "pre" or _declares(block.text)
            # A post the story quotes, in the wrapper its embedding code gives it.
            kept = kept or not quoted.isdisjoint(ids[depth:])
            return ids[depth] if kept else -1
    return -1


def article_lines(found: Found, run: frozenset[Path]) -> list[str]:
    """The lines of the article: its blocks, less the chrome among them (see
    ``placed_lines``)."""
    return [line for _, line in placed_lines(found, run)]


def placed_lines(found: Found, run: frozenset[Path]) -> list[tuple[int, str]]:
    """The lines of the article, each with its block's place in ``found.blocks``.

    Each child of the run is a unit. A unit of several lines that holds a player, a
    form, or a counter or clock line (a comment teaser, an embedded post, an author box,
    a poll, a video) is chrome as a whole. A one-line counter or byline keeps only its
    names ("Jane Doe · 56200 views" reads "Jane Doe"). Lists, tables and code are the
    article's data, kept as they are. Without a run, every line is kept.
    """
    if not run:
        return list(enumerate(block.text for block in found.blocks))
    shapes = frozenset(map(_shape, run))
    lead = _lead_slots(run)
    quoted = _quoted_posts(found)
    admitted = [(block, _unit_of(block, run, shapes, lead, quoted)) for block in found.blocks]
    place = {id(block): index for index, block in enumerate(found.blocks)}
    # Every line of a unit counts in judging it, admitted or not (a teaser's name line).
    units = {unit for _, unit in admitted if unit >= 0}
    members: dict[int, list[Block]] = defaultdict(list)
    for block in found.blocks:
        for element in block.ids:
            if element in units:
                members[element].append(block)
    # The boxes set in the article's lists, tables and quotations first: their counters
    # are theirs, not the items' (an item of the article's list holding an embedded post
    # is no comment of a thread).
    in_data = _boxes_in_data(units, members)
    wrappers = _paragraph_wrappers(units, members, run)
    widgets = {
        unit for unit in units - wrappers if _is_widget(unit, members[unit], found, quoted, in_data)
    }
    widgets |= _thread_items(units, members, in_data)
    boxes = _small_boxes(found, run) | in_data
    kept = [
        (b, u)
        for b, u in admitted
        if u >= 0
        and (
            (u not in widgets and (boxes.isdisjoint(b.ids) or _captions_box(b, boxes)))
            or _declares(b.text)
        )
    ]
    odd = _odd_tags(found, run)
    lines: list[tuple[int, str]] = []
    for index, (block, unit) in enumerate(kept):
        at = place[id(block)]
        single = len(members[unit]) <= 1 or unit in wrappers
        if (
            is_notice(block.text)
            or is_teaser(block.text)
            or is_site_prompt(block.text)
            or is_citation(block.text)
            or (
                block.tag in odd
                and block.slot in run
                and not _is_long(block)  # a long byline line is read for its names
                and not DECLARATION.search(block.text)
            )
        ):
            continue
        unit_tag = _unit_tag(block, unit)
        if is_date(block.text) and unit_tag not in _TABLE_TAGS:
            continue  # the page's date (a blog's date header): dates are read as dates
        if unit_tag in DATA_TAGS:
            # The article's data, as it is; but a clock in it ("updated 5 minutes ago") is
            # the page's, never the data's.
            lines.append((at, without_relative_time(block.text)))
            continue
        if single and block.meta:
            names = names_only(block.text)
            # A heading is kept whole unless a counter stands beside it ("… · 56200 views").
            if block.tag in HEADING_TAGS:
                names = names or block.text
            if names:
                lines.append((at, names))
            continue
        if single and _is_lone_fragment(kept, index, members):
            continue
        if single and block.tag in HEADING_TAGS and _heads_chrome(at, admitted, widgets, boxes):
            continue
        lines.append((at, block.text))
    # The newsroom's notice of an edit, set apart from the run (after the related links,
    # below a figure): the story's, as it would be in the run.
    owned_up = [(place[id(b)], b.text) for b, u in admitted if u < 0 and owns_up(b.text)]
    return sorted([*lines, *owned_up[:_OWNED_UP_KEPT]]) if owned_up else lines


def _paragraph_wrappers(
    units: set[int], members: dict[int, list[Block]], run: frozenset[Path]
) -> set[int]:
    """Units that are the wrapper a site sets around each of its paragraphs (Slate's
    ``<div class="text parbase text-7 section">``): the element's classes are those of
    the run's own wrappers but for their numbers, and it holds one paragraph. A clock or
    a counter slipped in beside the paragraph is that line's, judged as a line of the
    run is; the paragraph stays (judged as a box, it went with it)."""
    wrapping = {_unnumbered(slot[-1]) for slot in run if slot and "." in slot[-1]}
    if not wrapping:
        return set()
    found: set[int] = set()
    for unit in units:
        lines = members[unit]
        if not lines or sum(1 for block in lines if block.prose) != 1:
            continue
        step = lines[0].path[lines[0].ids.index(unit)]
        if _unnumbered(step) in wrapping:
            found.add(unit)
    return found


_NUMBERS = re.compile(r"\d+")


def _unnumbered(step: str) -> str:
    return _NUMBERS.sub("", step)


def _captions_box(block: Block, boxes: set[int]) -> bool:
    """The block is the caption of a figure cut as a box for the chrome set in it: the
    caption is the figure's own line, and stays (see ``_mark_captions``)."""
    return block.figure in boxes and boxes.isdisjoint(set(block.ids) - {block.figure})


def _heads_chrome(
    at: int, admitted: list[tuple[Block, int]], widgets: set[int], boxes: set[int]
) -> bool:
    """A heading is the heading of what follows it: over a unit judged chrome (an
    embedded post, a video, a poll, a box of links: "Most Read" over a tweet and its
    likes, "Summary" over a player), or over nothing at all, it is that chrome's label,
    however it changes, not a heading of the article."""
    if at + 1 >= len(admitted):
        return True
    block, unit = admitted[at + 1]
    return unit in widgets or not boxes.isdisjoint(block.ids)


def _boxes_in_data(units: set[int], members: dict[int, list[Block]]) -> set[int]:
    """Boxes set inside the article's data: in a list or a table (kept as it is, never
    judged chrome as a whole) or in a quotation, a ``<div>`` or ``<blockquote>`` of
    several lines with a counters line among them (an embedded post and its likes in a
    table's cell, a comment teaser in a list item, an author's box in a quotation) is not
    the data's."""
    boxes: set[int] = set()
    for unit in units:
        lines = members[unit]
        if not lines or _unit_tag(lines[0], unit) not in _HOLDS_BOXES:
            continue
        held: dict[int, list[Block]] = defaultdict(list)
        for block in lines:
            below = block.ids.index(unit) + 1
            for tag, element in zip(_shape(block.path[below:]), block.ids[below:], strict=True):
                if tag in _BOX_TAGS:
                    held[element].append(block)
                    break
        boxes.update(
            element
            for element, inside in held.items()
            if len(inside) > 1 and any(is_counters(block.text) for block in inside)
        )
    return boxes


_HOLDS_BOXES = DATA_TAGS | {"blockquote"}
_BOX_TAGS = frozenset(("div", "blockquote", "section", "aside", "article"))


def _odd_tags(found: Found, run: frozenset[Path]) -> frozenset[str]:
    """The tags that are odd in the run: where the article's prose is paragraphs (<p>),
    a few words in a bare <div> or <span> between them are the page's ("Ready to
    publish?", "Advertisement", a promo's label), never a paragraph of its."""
    # At least four prose paragraphs to each other prose line (a share of 0.8): the other
    # lines are judged first, then only as many paragraphs as that takes (telling a line
    # prose is most of what this costs, and a check reads the run's paragraphs for nothing
    # else).
    paragraphs: list[Block] = []
    others = 0
    for block in found.blocks:
        if block.slot in run:
            if block.tag == "p":
                paragraphs.append(block)
            elif block.prose:
                others += 1
    wanted = max(_PARAGRAPHS_PER_OTHER * others, 1)
    for block in paragraphs:
        if block.prose:
            wanted -= 1
            if not wanted:
                return _GENERIC_TAGS
    return frozenset()


def boxed_lines(found: Found) -> frozenset[str]:
    """The lines of the page's small boxes with a counter (an embedded post and its likes,
    a poll), wherever they are: for a page read without a container (see
    ``strategies.by_extractor_text``), the one structure rule that still applies."""
    boxes = _small_boxes(found, frozenset(block.slot for block in found.blocks))
    lines: dict[int, list[str]] = defaultdict(list)
    for block in found.blocks:
        for box in boxes.intersection(block.ids):
            lines[box].append(block.text)
    # Each line, and the box's lines run together as an extractor may give them ("Emma
    # Johansson 34 days ago Subscribed just to say: … Reply · 263 likes").
    return frozenset(
        itertools.chain(
            (text for texts in lines.values() for text in texts),
            (" ".join(texts) for texts in lines.values() if len(texts) > 1),
        )
    )


def _small_boxes(found: Found, run: frozenset[Path]) -> set[int]:
    """Run parents that are a box of their own: a few short lines with a counter among
    them (a poll, a teaser) where the article's other run parents hold more. Without classes a
    poll's <div> and a step's <div> have one shape; their contents tell them apart."""
    lines = _by_parent(block for block in found.blocks if block.slot in run)
    if len(lines) < 2:
        return set()
    small = {
        parent
        for parent, members in lines.items()
        if len(members) <= _BOX_LINES
        and any(b.meta for b in members)
        # No paragraph in it; a poll's question may run longer ("Poll: …?").
        and all(not more_words_than(b.text, META_WORDS) or _is_question(b.text) for b in members)
    }
    # A box holds nothing more below its lines: an element whose own lines are a date
    # and an author, with the whole article in an element below them, is no box.
    if not small:
        return small
    held: Counter[int] = Counter()
    for block in found.blocks:
        held.update(element for element in block.ids if element in small)
    return {parent for parent in small if held[parent] == len(lines[parent])}


def _is_question(line: str) -> bool:
    return line.rstrip().endswith("?") and not more_words_than(line, _QUESTION_WORDS)


_QUESTION_WORDS = 30


def _declares(line: str) -> bool:
    """A sentence in which the newsroom owns up to an edit ("Correction, Nov. 15, 2019:
    This article misidentified…"): the article's, even in a box with the page's clock
    beside it (a correction box stamped "Updated 3:57 PM ET")."""
    return (
        DECLARATION.search(line) is not None
        and is_sentence(line)
        and not is_meta(line)
        and not has_relative_time(line)
    )


def _is_lone_fragment(
    kept: list[tuple[Block, int]], index: int, members: dict[int, list[Block]]
) -> bool:
    """A one-line unit that is no sentence among the article's sentences: a label or a
    credit dropped between paragraphs ("Advertisement", "Photo: Getty"), or a heading
    above the first paragraph (a kicker). Three alike in a row are a list, kept."""

    def fragment(at: int) -> bool:
        block, unit = kept[at]
        if len(members[unit]) > 1 or _unit_tag(block, unit) in DATA_TAGS:
            return False
        if block.tag in HEADING_TAGS:
            # A subheading introduces paragraphs; above the first one it is a label.
            above_all = not any(b.sentence for b, _ in kept[:at])
            return above_all and not block.sentence
        return not (
            block.sentence
            or block.tag == "figcaption"  # a photo's caption is the article's
            or block.meta  # read for its names instead
        )

    if not fragment(index):
        return False
    path = kept[index][0].path
    start = index
    while start > 0 and kept[start - 1][0].path == path and fragment(start - 1):
        start -= 1
    end = index
    while end + 1 < len(kept) and kept[end + 1][0].path == path and fragment(end + 1):
        end += 1
    # A list's items differ: labels repeated ("Advertisement", "Sponsored", twice) are
    # the slots they label, however many.
    return len({kept[at][0].text for at in range(start, end + 1)}) < _LIST_RUN


def _is_widget(
    unit: int,
    members: list[Block],
    found: Found,
    quoted: frozenset[int],
    in_data: set[int],
) -> bool:
    """A unit that is page chrome: a player or a form; several lines with a counter or
    a clock among them; a heading over links (a box of other stories); or no sentence
    at all (a label, a credit, a call to action). ``in_data``: the boxes set in the
    article's lists, tables and quotations (``_boxes_in_data``)."""
    tag = _unit_tag(members[0], unit) if members else ""
    if tag == "blockquote":
        # A box set in the quotation is judged on its own (``_boxes_in_data``).
        members = [b for b in members if in_data.isdisjoint(b.ids)] or members
    if tag in ("ul", "ol") and (
        all(b.meta for b in members)
        or (unit in found.linked and not any(b.sentence for b in members))
        or _items_are_boxes(unit, members, in_data)
    ):
        return True  # a list of counters (an archive's months), of links and labels, or
        # of comments
    if tag in DATA_TAGS or tag in HEADING_TAGS or all(b.tag in DATA_TAGS for b in members):
        return False
    if unit in found.media:
        return True
    if unit in found.linked and not any(b.sentence for b in members):
        return True
    if unit in found.headlined and len(members) <= _BOX_LINES:
        # A card: another story's linked headline over a few lines of its standfirst,
        # set among the paragraphs (a section of the article heads many more lines).
        return True
    if len(members) <= 1:
        return False  # one line: not a box of lines (a one-line counter keeps its names)
    if _is_listing(members):
        return False  # a schedule in the text: its lines carry numbers as counters do
    if tag == "p" and _is_broken_paragraph(members):
        return False  # a paragraph of lines set apart by <br>, not a box of them
    if members and all(not quoted.isdisjoint(b.ids) for b in members):
        return False  # a post the story quotes (see ``_quoted_posts``)
    if any(b.meta or is_notice(b.text) for b in members):
        return True
    return not any(_is_prose_line(block) for block in members)


def _quoted_posts(found: Found) -> frozenset[int]:
    """The quotation elements (<blockquote>) that hold a post the story quotes (see
    ``_is_quoted_post``), each by its id."""
    lines: dict[int, list[Block]] = defaultdict(list)
    for block in found.blocks:
        for step, element in zip(block.path, block.ids, strict=False):
            if step.split(".", 1)[0] == "blockquote":
                lines[element].append(block)
                break
    return frozenset(quote for quote, members in lines.items() if _is_quoted_post(members))


def _is_quoted_post(members: list[Block]) -> bool:
    """A post the story quotes, as embedding code gives it: what was said, then who said
    it and on what day (see ``_is_attribution``), and no other counter or clock. It is
    the story's quotation; a post with its likes and reposts counted ("1.9M Likes · 3.8M
    Retweets") or its time of day is a feed's or a widget's."""
    meta = [b for b in members if b.meta]
    return (
        bool(meta)
        and all(_is_attribution(b.text) for b in meta)
        and any(b.sentence for b in members if not b.meta)
    )


def _is_attribution(line: str) -> bool:
    """Who wrote a quoted post and on what day, as the embedding code a newsroom pastes
    prints it ("— Digital Foundry (@digitalfoundry) November 18, 2019"). A time of day
    ("12:16 AM · Mar 13, 2022") or an age ("3 hours ago") is how a feed or a widget
    shows its posts, not how a story quotes one."""
    return (
        _ATTRIBUTION.match(line) is not None
        and _CLOCK.search(line) is None
        and not has_relative_time(line)
    )


_ATTRIBUTION = re.compile(r"[—–―-] ?\w")  # a dash, then the name
_CLOCK = re.compile(r"\d:\d\d")


# At most one line in this many of a paragraph split by <br> is a counter or a clock.
_META_SHARE = 4


def _is_broken_paragraph(members: list[Block]) -> bool:
    """A paragraph's many lines, split by <br> (a post's list of changes, a poem, an
    address): more lines than a box holds, few of them counters or clocks. A comment
    set in one paragraph ("Jane Doe<br>2 hours ago<br>Great piece") is a few lines."""
    if len(members) <= _BOX_LINES * 2:
        return False
    return sum(1 for b in members if b.meta) * _META_SHARE < len(members)


def _is_listing(members: list[Block]) -> bool:
    """A unit that is a schedule or a timeline: three entries or more (see
    ``shapes.is_entry``), perhaps under a line that introduces them ("Tour dates:")."""
    if len(members) < _LIST_RUN:
        return False
    entries = members[1:] if not is_entry(members[0].text) else members
    return len(entries) >= _LIST_RUN and all(is_entry(b.text) for b in entries)


def _thread_items(units: set[int], members: dict[int, list[Block]], in_data: set[int]) -> set[int]:
    """Units that are the items of a comment thread: list items (the list itself in the
    run, as a list page's is) whose list is mostly boxes with a clock or a counter (see
    ``_items_are_boxes``)."""
    lists: dict[int, list[Block]] = defaultdict(list)
    for unit in units:
        lines = members[unit]
        if lines and _unit_tag(lines[0], unit) == "li":
            at = lines[0].ids.index(unit)
            if at > 0:
                lists[lines[0].ids[at - 1]].extend(lines)
    return {
        unit
        for parent, lines in lists.items()
        if _items_are_boxes(parent, lines, in_data)
        for unit in units
        if members[unit] and parent in members[unit][0].ids
    }


def _items_are_boxes(unit: int, members: list[Block], in_data: set[int]) -> bool:
    """Most items of the list are boxes of several lines with a counter or a clock among
    them: a comment thread ("Fatima Zahra 29h", what she wrote, "Reply · 287 likes"), not
    the article's list, whose items are lines of its text. The lines of a box set inside
    an item (``in_data``: an embedded post, a figure with a counter slipped into it) are
    that box's, cut on their own, and not the item's."""
    items: dict[int, list[Block]] = defaultdict(list)
    for block in members:
        if not in_data.isdisjoint(block.ids):
            continue
        at = block.ids.index(unit) + 1 if unit in block.ids else len(block.ids)
        if at < len(block.ids):
            items[block.ids[at]].append(block)
    boxes = sum(1 for lines in items.values() if len(lines) > 1 and any(b.meta for b in lines))
    return boxes * 2 > len(items) > 0


def _is_prose_line(block: Block) -> bool:
    return block.sentence or block.tag in HEADING_TAGS


def _unit_tag(block: Block, unit_id: int) -> str:
    index = block.ids.index(unit_id) if unit_id in block.ids else len(block.ids) - 1
    return block.path[index].split(".", 1)[0] if block.path else ""


def container_lines(container: LexborNode) -> list[str]:
    """Every visible line of a container (no run applied), to recognise it by its lines."""
    return [block.text for block in blocks(container).blocks]


def rescued(
    found: Found,
    placed: list[tuple[int, str]],
    missing: Counter[str],
    digest: Callable[[str], str],
) -> list[tuple[int, str]]:
    """``placed`` plus the blocks left out of it whose lines were read at the last check
    (``missing``: their digests, with how many copies are missing): a line the page
    still shows was not removed, whatever chrome came into its unit since (a comment
    teaser slipped into a quotation does not remove the quotation)."""
    taken = {at for at, _ in placed}
    more: list[tuple[int, str]] = []
    for at, block in enumerate(found.blocks):
        if at in taken:
            continue
        key = digest(block.text)
        if missing[key] > 0:
            missing[key] -= 1
            more.append((at, block.text))
    return sorted(placed + more) if more else placed


# A newsroom owning up to an edit, as a line opens: narrower than ``DECLARATION``, which
# also takes "Updated 3:57 PM": outside the article's element that is the page's clock.
_OWNED_UP = re.compile(
    r"^\W*(correction\b|corrected\b|clarification\b|editor'?s'? note\b|an earlier version\b|"
    r"this (story|article) (has been|was) (updated|corrected))",
    re.IGNORECASE,
)
# What such a line holds, looked for in an element's text before its lines are read:
# rare in chrome ("editor" alone is in every "Editor's picks"), for reading an element
# is what costs; plain substrings, as a pattern would scan a long footer far slower.
_OWNED_UP_CUES = (
    "correction",
    "corrected",
    "clarification",
    "earlier version",
    "editor's note",
    "editor’s note",
    "editors' note",
    "editors’ note",
    "has been updated",
    "was updated",
)
# The stems of those cues, looked for first: the text after an article is most of a
# page's, and each scan of it costs (half as many scans; on a hit, the cues decide).
_OWNED_UP_STEMS = ("correct", "clarific", "earlier version", "editor", "updated")
_OWNED_UP_KEPT = 3


def owned_up_after(container: LexborNode) -> list[str]:
    """Corrections and editor's notes printed after the article's element, outside it.

    Many sites set a correction apart from the story: in a box of its own after the
    body, after the related links, after a figure. It is the story's (the one line a
    newsroom adds when it admits an edit), so it is read with the story's lines. Only
    lines that open as such a notice and are sentences count, never a comment section's
    or a hidden element's, and at most a few: a thread of "Correction: …" replies is
    someone's argument, not the newsroom's.
    """
    found: list[str] = []
    node: LexborNode | None = container
    while node is not None and node.tag not in ("body", "html") and len(found) < _OWNED_UP_KEPT:
        sibling = node.next
        while sibling is not None and len(found) < _OWNED_UP_KEPT:
            found += _owned_up_in(sibling)
            sibling = sibling.next
        node = node.parent
    return found[:_OWNED_UP_KEPT]


def _owned_up_in(node: LexborNode) -> list[str]:
    tag = node.tag
    if tag is None or tag.startswith("-") or tag in SKIP_TAGS:
        return []
    attrs = node.attributes
    if attrs and (chrome.is_hidden(attrs) or chrome.is_comments(attrs)):
        return []
    text = node.text(deep=True).lower()
    if not any(map(text.__contains__, _OWNED_UP_STEMS)):
        return []
    if not any(map(text.__contains__, _OWNED_UP_CUES)):
        return []
    return [block.text for block in blocks(node).blocks if owns_up(block.text)]


def owns_up(line: str) -> bool:
    """A line in which the newsroom owns up to an edit ("Correction: An earlier version of
    this article misstated …"), as it reads outside the article's run."""
    return _OWNED_UP.search(line) is not None and _declares(line)
