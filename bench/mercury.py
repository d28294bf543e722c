"""Turn the Postlight (Mercury) Parser's page fixtures into a corpus for bench/detection.py.

The parser (github.com/postlight/parser, Apache License 2.0) keeps one real page per site
it has a custom extractor for, saved 2016-2020 from some 140 news and magazine sites
(fixtures/<domain>.html), and for each site the selectors a person wrote to find its
article body (src/extractors/custom/<domain>/index.js: ``content.selectors``, less
``content.clean``). None of these sites' pages is in ``/work/shared/corpus`` or the AEB,
and no rule of the monitor was tuned on them. Their markup is what the sealed AEB pages
are like (news sites of the same years), so ``detection.py`` splits them as it splits the
AEB: half to tune on (group tune/mrc), half SEALED (sealed/mrc, counts only).

    git clone https://github.com/postlight/parser /tmp/parser
    python bench/mercury.py /tmp/parser          # writes bench/.corpus/mrc/, ~10 s

The expected text is the body the site's selectors find, one ``<p>`` per block, which is
what a person judged the article to be; the pages serve as hosts only: their own chrome
is not harvested (a selector's body can miss a lead paragraph, which harvested would be
prose moved into other pages as if it were chrome).
"""

from __future__ import annotations

import html
import json
import re
import subprocess
from pathlib import Path

import lxml.html
from aeb import metadata, run_converter
from lxml.cssselect import CSSSelector
from lxml.etree import XPathError

DEFAULT_OUT = Path(__file__).parent / ".corpus" / "mrc"
FIXTURES = "fixtures"
EXTRACTORS = "src/extractors/custom"
MIN_PARAGRAPHS = 3
MIN_WORDS = 150
"""A body shorter than this is a teaser, a video page or a splash: nothing to edit."""
_BLOCKS = frozenset(
    ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "figcaption", "dd")
)
_SKIP = frozenset(("script", "style", "noscript", "template", "iframe", "svg", "button", "form"))
_STRING = re.compile(r"""'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)\"""")


def _git(repo: Path, *args: str) -> bytes:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True).stdout


def _files(repo: Path, folder: str) -> list[str]:
    if (repo / folder).is_dir():
        return sorted(str(p.relative_to(repo)) for p in (repo / folder).rglob("*") if p.is_file())
    return sorted(_git(repo, "ls-tree", "-r", "--name-only", "HEAD", folder).decode().split())


def _read(repo: Path, path: str) -> bytes:
    if (repo / path).is_file():
        return (repo / path).read_bytes()
    return _git(repo, "show", f"HEAD:{path}")


def _bracketed(source: str, start: int) -> str:
    """The text of the ``[...]`` opening at ``source[start]``, brackets balanced."""
    depth = 0
    for at in range(start, len(source)):
        if source[at] == "[":
            depth += 1
        elif source[at] == "]":
            depth -= 1
            if not depth:
                return source[start + 1 : at]
    return ""


def _list(block: str, key: str) -> list[list[str]]:
    """A selectors list of the extractor's ``content``: each entry one selector, or a
    group (an array: all of them, in the page's order)."""
    found = re.search(rf"\b{key}\s*:\s*\[", block)
    if not found:
        return []
    inner = _bracketed(block, found.end() - 1)
    entries: list[list[str]] = []
    at = 0
    while at < len(inner):
        char = inner[at]
        if char == "[":
            group = _bracketed(inner, at)
            entries.append([a or b for a, b in _STRING.findall(group)])
            at += len(group) + 2
            continue
        string = _STRING.match(inner, at)
        if string:
            entries.append([string.group(1) or string.group(2)])
            at = string.end()
            continue
        at += 1
    return entries


def content_rules(index_js: str) -> tuple[list[list[str]], list[str]]:
    """The extractor's article selectors and the selectors it cleans out of the body."""
    found = re.search(r"\bcontent\s*:\s*\{", index_js)
    if not found:
        return [], []
    block = index_js[found.end() :]
    clean = [s for entry in _list(block, "clean") for s in entry]
    return _list(block, "selectors"), clean


def _select(doc: lxml.html.HtmlElement, selector: str) -> list[lxml.html.HtmlElement]:
    try:
        return list(CSSSelector(selector, translator="html")(doc))
    except (XPathError, ValueError, SyntaxError, NotImplementedError):
        return []


def paragraphs(nodes: list[lxml.html.HtmlElement]) -> list[str]:
    """The body's blocks as lines: each block element's text, and the text of an element
    with no block inside it that sits straight in a wrapper (a ``div`` used as a
    paragraph)."""
    lines: list[str] = []

    def text_of(node: lxml.html.HtmlElement) -> str:
        return " ".join(node.text_content().split())

    def walk(node: lxml.html.HtmlElement) -> None:
        tag = node.tag
        if not isinstance(tag, str) or tag in _SKIP:  # a comment, a script
            return
        if tag in _BLOCKS and not any(
            isinstance(d.tag, str) and d.tag in _BLOCKS for d in node.iterdescendants()
        ):
            if text := text_of(node):
                lines.append(text)
            return
        own = " ".join((node.text or "").split())
        if own and not any(isinstance(d.tag, str) and d.tag in _BLOCKS for d in node.iter()):
            if text := text_of(node):
                lines.append(text)
            return
        for child in node:
            walk(child)

    for node in nodes:
        walk(node)
    return lines


def body_of(doc: lxml.html.HtmlElement, index_js: str) -> list[str]:
    """The article body the site's selectors find, less what they clean out."""
    selectors, clean = content_rules(index_js)
    for entry in selectors:
        groups = [_select(doc, selector) for selector in entry]
        if not all(groups):
            continue
        nodes = [group[0] for group in groups]
        for selector in clean:
            for node in nodes:
                for unwanted in _select(node, selector):
                    if unwanted.getparent() is not None:
                        unwanted.drop_tree()
        return paragraphs(nodes)
    return []


def convert(repo: Path, out: Path) -> int:
    extractors = {
        path.split("/")[-2]: path for path in _files(repo, EXTRACTORS) if path.endswith("/index.js")
    }
    out.mkdir(parents=True, exist_ok=True)
    written = 0
    for path in _files(repo, FIXTURES):
        name = path.rsplit("/", 1)[-1]
        if not name.endswith(".html"):
            continue
        domain = name.removesuffix(".html").split("--")[0]
        if domain not in extractors:
            continue
        source = _read(repo, path).decode("utf-8", errors="replace")
        try:
            doc = lxml.html.document_fromstring(source)
        except (ValueError, lxml.etree.ParserError):
            continue
        meta = metadata(doc) | {"url": f"https://{domain}/"}  # before body_of cleans the tree
        lines = body_of(doc, _read(repo, extractors[domain]).decode())
        if len(lines) < MIN_PARAGRAPHS or sum(len(line.split()) for line in lines) < MIN_WORDS:
            continue
        folder = out / f"mrc-{name.removesuffix('.html')}"
        folder.mkdir(exist_ok=True)
        (folder / "source.html").write_text(source, encoding="utf-8")
        body = "".join(f"<p>{html.escape(line)}</p>\n" for line in lines)
        (folder / "expected.html").write_text(f"<div>\n{body}</div>\n", encoding="utf-8")
        (folder / "expected-metadata.json").write_text(
            json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        written += 1
    return written


def main() -> None:
    run_converter(__doc__.split("\n")[0], "a clone of postlight/parser", DEFAULT_OUT, convert)


if __name__ == "__main__":
    main()
