"""The quick reading of a page: what a first check stores at once.

Finding a page's article (trafilatura, then the element that holds it, and the
extractor's verdict on each of its lines) is the costly part of a first check, some 50
to 100 ms of CPU. A first check stores the page exactly as fetched and this reading of
it (lexbor alone, a few milliseconds): the headline, and the text of the page's
headings, paragraphs and list items in order, chrome included. It is never compared
with anything: the page is read in full later, from the stored bytes, and that reading
is the version that later checks compare with (``Pipeline.read_unread``).
"""

from __future__ import annotations

from typing import Any

from monitor.extract.signals import title_of
from monitor.extract.strategies import open_page, page_signals
from monitor.models import Article, WatchOptions
from monitor.normalize import normalize_paragraphs, normalize_text

_INVISIBLE = "script, style, noscript, template, svg, iframe, head"
_LINES = "h1, h2, h3, h4, h5, h6, p, li, dt, dd, blockquote, pre, figcaption, td, th"


def deferrable(options: WatchOptions) -> bool:
    """The page's reading can wait: the watch reads its article, not a part it names
    (a selector) or the whole page as it is (raw), which are read at once, as cheaply."""
    return not (options.selector or options.raw)


def quick_read(html: bytes | str, url: str, options: WatchOptions | None = None) -> Article:
    """The page's headline and the lines of its text blocks, read by lexbor alone (less
    the parts the watch removes and the lines it ignores)."""
    page = open_page(html, url, options or WatchOptions(), None)
    tree = page.tree
    title = title_of(tree)[0]
    canonical, noindex = page_signals(tree, url)
    for node in tree.css(_INVISIBLE):
        node.decompose()
    lines = normalize_paragraphs(_block_texts(tree))
    kept = tuple(
        line for line in dict.fromkeys(lines) if not any(p.search(line) for p in page.ignore)
    )
    article = Article(
        title=normalize_text(title),
        paragraphs=kept,
        canonical=canonical,
        noindex=noindex,
    )
    article.content_hash()  # worked out here, in the worker, and kept with the value
    return article


def _block_texts(tree: Any) -> list[str]:
    """The text of each block that holds text (a block inside another is read in both:
    the lines are made unique afterwards, an outer one keeps its words in order)."""
    texts = [node.text(deep=True, separator=" ", strip=True) for node in tree.css(_LINES)]
    if not texts and tree.body is not None:
        return [tree.body.text(deep=True, separator="\n", strip=True)]
    return texts
