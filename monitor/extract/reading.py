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

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from selectolax.lexbor import LexborNode

from monitor.extract import chrome
from monitor.normalize import normalize_text

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
# A prose block: a sentence or more (CJK scripts write more per character).
_PROSE_WORDS = 8
_PROSE_CJK_CHARS = 25
# A slot joins the run with this share of the best slot's prose words, and two blocks.
_RUN_SHARE = 0.1
_RUN_BLOCKS = 2

Path = tuple[str, ...]
"""Block elements from the container down: 'tag.class1.class2' (ids left out: they
number repeated parts, which would split a run in as many slots as it has parts)."""


@dataclass(frozen=True)
class Block:
    """One line of a container, where it sits, and how much of it is link text."""

    text: str
    path: Path
    link_share: float

    @property
    def tag(self) -> str:
        return self.path[-1].split(".", 1)[0] if self.path else ""

    @property
    def slot(self) -> Path:
        """The path of the block's parent: blocks in one slot are siblings in kind."""
        return self.path[:-1]


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
        self._parts: list[str] = []
        self._link_chars = 0

    def text(self, text: str, in_link: bool) -> None:
        self._parts.append(text)
        if in_link:
            self._link_chars += len(text.strip())

    def flush(self) -> None:
        if not self._parts:
            return
        line = " ".join("".join(self._parts).split())
        if line:
            if not (line.isascii() and line.isprintable()):
                line = normalize_text(line)
            self.blocks.append(Block(line, self.path, self._link_chars / max(len(line), 1)))
        self._parts, self._link_chars = [], 0


def _walk(node: LexborNode, out: _Collector, in_link: bool, budget: int) -> None:
    for child in node.iter(include_text=True):
        tag = child.tag
        if tag == "-text":
            out.text(child.text_content or "", in_link)
            continue
        if tag is None or tag.startswith("-") or tag in SKIP_TAGS:
            continue
        attrs = child.attributes
        if attrs and chrome.is_chrome(child, attrs) and len(child.text(deep=True)) < budget:
            continue
        if tag not in BLOCK_TAGS:
            _walk(child, out, in_link or tag == "a", budget)
            continue
        out.flush()
        outer = out.path
        out.path = (*outer, _step(tag, attrs))
        _walk(child, out, in_link, budget)
        out.flush()
        out.path = outer


def blocks(container: LexborNode) -> list[Block]:
    """The container's visible lines, one per block, without hidden or boilerplate
    elements and without lines that are mostly links ("Read more: …")."""
    out = _Collector()
    # A boilerplate-looking wrapper holding most of the article is the article.
    budget = max(len(container.text(deep=True)) * 3 // 10, 1)
    _walk(container, out, False, budget)
    out.flush()
    return [
        block
        for block in out.blocks
        if block.link_share < _LINK_DENSE and any(ch.isalnum() for ch in block.text)
    ]


def _is_prose(block: Block) -> bool:
    if block.link_share >= 0.5:
        return False
    words = block.text.split()
    if len(words) >= _PROSE_WORDS:
        return True
    return sum(1 for ch in block.text if "\u3040" <= ch <= "\ud7af") >= _PROSE_CJK_CHARS


def run_slots(found: Sequence[Block]) -> frozenset[Path]:
    """The slots of the article's prose run: those holding a fair share of its prose."""
    words: dict[Path, int] = defaultdict(int)
    count: dict[Path, int] = defaultdict(int)
    for block in found:
        if _is_prose(block):
            words[block.slot] += len(block.text)  # characters: fair to every script
            count[block.slot] += 1
    if not words:
        return frozenset()
    best = max(words.values())
    return frozenset(
        slot
        for slot, total in words.items()
        if total == best or (total >= best * _RUN_SHARE and count[slot] >= _RUN_BLOCKS)
    )


def _shape(path: Path) -> tuple[str, ...]:
    return tuple(step.split(".", 1)[0] for step in path)


def in_article(block: Block, run: frozenset[Path], shapes: frozenset[tuple[str, ...]]) -> bool:
    """In the run, or below it through the article's own structures only; or prose in a
    slot of the run's shape (a lead paragraph whose wrapper has one more class)."""
    path = block.path
    if block.slot in run or (_is_prose(block) and _shape(block.slot) in shapes):
        return True
    for depth in range(len(path) - 2, -1, -1):
        if path[:depth] in run:
            below = path[depth:]
            return block.tag == "pre" or all(
                step.split(".", 1)[0] in CONTENT_TAGS for step in below
            )
    return False


def article_lines(found: Iterable[Block], run: frozenset[Path]) -> list[str]:
    """The lines of the blocks that belong to the article; all of them without a run."""
    found = list(found)
    if not run:
        return [block.text for block in found]
    shapes = frozenset(map(_shape, run))
    return [block.text for block in found if in_article(block, run, shapes)]


def container_lines(container: LexborNode) -> list[str]:
    """Every visible line of a container (no run applied), to recognise it by its lines."""
    return [block.text for block in blocks(container)]
