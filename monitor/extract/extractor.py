"""The full reading of a page, on lxml: trafilatura's article, a watched selector, the
whole visible text, and the dates htmldate finds. Slow (~20 ms a page), so used on a
page's first check and when its container is lost, never on the fast path.

trafilatura, htmldate and lxml are imported at first use: the daemon's main process
imports this module (its functions name the extraction workers' jobs) but reads no page
itself, and a command that never reads one should not pay for them (~0.2 s at start).
"""

from __future__ import annotations

import json
import re
from copy import deepcopy
from typing import Any
from urllib.parse import urljoin

from monitor.errors import ExtractionError
from monitor.extract import signals
from monitor.extract.container import parse
from monitor.models import Article, WatchOptions
from monitor.normalize import comparison_key, normalize_paragraphs, normalize_text

_INVISIBLE_TAGS = ("script", "style", "noscript", "template", "svg", "iframe", "head")
_BLOCK_TAGS = frozenset(
    "p div h1 h2 h3 h4 h5 h6 li blockquote pre td th dt dd figcaption section article "
    "header footer aside nav main br tr ul ol table form title".split()
)


def parse_html(html: bytes | str) -> Any:
    """Parse a page into an lxml tree, whatever its encoding or brokenness."""
    from trafilatura.utils import load_html

    tree = load_html(html)
    if tree is None:
        raise ExtractionError(
            "the page could not be parsed as HTML; check that the URL serves a web page"
        )
    return tree


def page_dates(tree: Any, url: str, node: Any) -> tuple[str | None, str | None]:
    """The dates the page declares for the article: its metadata and the article's markup.

    htmldate (without its free-text search) reads what our own reading misses, but only
    in <head> and the article's container: anywhere else it finds site clocks and the
    date of "today's" front page, which would look like edits every day.
    """
    published, modified = signals.declared_dates(tree, node)
    if published or modified:
        return published, modified
    head = tree.head.html if tree.head is not None else ""
    body = node.html if node is not None else ""
    return htmldate_dates(parse_html(f"<html>{head}<body>{body}</body></html>"), url)


def _json_lines(body: bytes | str) -> tuple[str, ...] | None:
    """A JSON document as indented lines, so a diff points at the value that changed."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    if not text.lstrip().startswith(("{", "[")):
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return tuple(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True).splitlines())


def extract_selected(html: bytes | str, url: str, options: WatchOptions) -> Article:
    if options.raw and (lines := _json_lines(html)) is not None:
        return Article(paragraphs=_drop_ignored(lines, options.ignore))
    tree = parse_html(html)
    canonical, noindex = _page_signals(tree, url)
    for selector in options.remove:
        for element in _select(tree, selector):
            element.drop_tree()  # lxml.html keeps the tail text in place
    page = parse(html)
    published, modified = page_dates(page, url, None)
    if options.selector:
        parts = _select(tree, options.selector)
        if not parts:
            raise ExtractionError(
                f"the selector {options.selector!r} matches nothing on {url}; "
                "check it against the page, or remove it to watch the whole article"
            )
        selected = [line for part in parts for line in visible_lines(part)]
        article = Article(published=published, modified=modified, paragraphs=tuple(selected))
    else:
        article = Article(
            title=signals.title_of(page)[0],
            published=published,
            modified=modified,
            paragraphs=tuple(visible_lines(tree)),
        )
    return _finish(article, options, canonical, noindex)


def extract_full(html: bytes | str, url: str, options: WatchOptions, page: Any) -> Article:
    """trafilatura's reading of the page; ``page`` is the same page parsed by lexbor."""
    tree = _less_removed(html, options)
    canonical, noindex = _page_signals(tree, url)
    # Dates are read by the caller, from the page's declarations.
    return _finish(_article(tree, url, page), options, canonical, noindex)


def extractor_text(html: bytes | str, options: WatchOptions) -> tuple[str, ...]:
    """trafilatura's text of the page and nothing else (no metadata, comments excluded):
    the cheapest full reading, for a second opinion on a change."""
    text = getattr(_trafilatura(_less_removed(html, options), None), "text", None) or ""
    return normalize_paragraphs(_strip_bullet(line) for line in text.split("\n"))


def _less_removed(html: bytes | str, options: WatchOptions) -> Any:
    """The page on lxml, less the parts the watch removes."""
    tree = parse_html(html)
    for selector in options.remove:
        for element in _select(tree, selector):
            element.drop_tree()  # lxml.html keeps the tail text in place
    return tree


def _trafilatura(tree: Any, url: str | None) -> Any:
    """trafilatura's document for ``tree`` (which it prunes), its text only: its metadata
    (a third of its time, htmldate's search included) is read where it is used, by
    ``extractor_metadata``."""
    import trafilatura

    return trafilatura.bare_extraction(
        tree,
        url=url,
        with_metadata=False,
        include_comments=False,
        include_tables=True,
        deduplicate=False,
        fast=False,
    )


def _finish(
    article: Article, options: WatchOptions, canonical: str | None, noindex: bool
) -> Article:
    kept = _drop_ignored(normalize_paragraphs(article.paragraphs), options.ignore)
    return Article(
        title=normalize_text(article.title),
        byline=normalize_text(article.byline),
        published=article.published,
        modified=article.modified,
        paragraphs=kept,
        canonical=canonical,
        noindex=noindex,
    )


def extractor_metadata(
    html: bytes | str, url: str, options: WatchOptions, page: Any
) -> tuple[str, str]:
    """The headline and byline trafilatura reads in the page's metadata, else the page's
    own (``page``: the page parsed by lexbor); for the pages read by its text alone."""
    from trafilatura import extract_metadata

    document = extract_metadata(_less_removed(html, options), url)
    title = getattr(document, "title", None) or signals.title_of(page)[0]
    byline = getattr(document, "author", None) or signals.byline_of(page, signals.title_of(page)[1])
    return normalize_text(title), normalize_text(byline)


def _article(tree: Any, url: str, page: Any) -> Article:
    document = _trafilatura(_copy(tree), url)
    text = getattr(document, "text", None) or ""
    title = signals.title_of(page)[0]
    paragraphs: list[str]
    if text.strip():
        paragraphs = [_strip_bullet(line) for line in text.split("\n")]
    else:
        # No article found: watching the whole visible text beats watching nothing.
        paragraphs = visible_lines(tree)
    if paragraphs and comparison_key(paragraphs[0]) == comparison_key(title):
        del paragraphs[0]
    return Article(title=title, paragraphs=tuple(paragraphs))


def visible_lines(root: Any) -> list[str]:
    """The visible text of an element, one line per block element."""
    chunks: list[str] = []
    for node in root.iter():
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in _INVISIBLE_TAGS:
            continue
        if _inside_invisible(node):
            continue
        if tag in _BLOCK_TAGS:
            chunks.append("\n")
        if node.text and tag not in _INVISIBLE_TAGS:
            chunks.append(node.text)
        if tag in _BLOCK_TAGS:
            chunks.append("\n")
        if node.tail and node is not root and not _inside_invisible(node.getparent()):
            chunks.append(node.tail)
    return [line for line in (part.strip() for part in "".join(chunks).split("\n")) if line]


def _inside_invisible(node: Any) -> bool:
    while node is not None:
        if isinstance(node.tag, str) and node.tag in _INVISIBLE_TAGS:
            return True
        node = node.getparent()
    return False


def _page_signals(tree: Any, url: str) -> tuple[str | None, bool]:
    canonical = None
    for link in tree.xpath("//link[@rel='canonical'][@href]"):
        href = link.get("href").strip()
        canonical = urljoin(url, href) if href else None  # relative ones are common
        break
    robots = " ".join(
        (meta.get("content") or "").lower()
        for meta in tree.xpath("//meta[@name='robots' or @name='googlebot']")
    )
    return canonical, "noindex" in robots


def htmldate_dates(tree: Any, url: str) -> tuple[str | None, str | None]:
    import htmldate

    try:
        # No extensive search: free text is where header clocks and "today" dates live.
        published = htmldate.find_date(
            _copy(tree), url=url, original_date=True, extensive_search=False
        )
        modified = htmldate.find_date(
            _copy(tree), url=url, original_date=False, extensive_search=False
        )
    except (ValueError, TypeError):  # htmldate raises on odd date strings
        return None, None
    return published, modified


def _select(tree: Any, selector: str) -> list[Any]:
    from cssselect import SelectorError
    from lxml import etree
    from lxml.cssselect import CSSSelector

    try:
        if selector.startswith(("/", "(")):
            found = tree.xpath(selector)
        else:
            found = CSSSelector(selector)(tree)
    except (etree.XPathError, SelectorError, SyntaxError, ValueError) as error:
        raise ExtractionError(
            f"invalid selector {selector!r} ({error}); use a CSS selector or an XPath "
            "starting with '/'"
        ) from error
    return [element for element in found if isinstance(element, etree._Element)]


def _drop_ignored(paragraphs: tuple[str, ...], patterns: tuple[str, ...]) -> tuple[str, ...]:
    if not patterns:
        return paragraphs
    compiled = [re.compile(pattern) for pattern in patterns]
    return tuple(p for p in paragraphs if not any(c.search(p) for c in compiled))


def _strip_bullet(line: str) -> str:
    return line[2:] if line.startswith("- ") else line


def _copy(tree: Any) -> Any:
    # trafilatura and htmldate prune the tree they are given.
    return deepcopy(tree)
