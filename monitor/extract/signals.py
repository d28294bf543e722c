"""The page's own signals: its headline, byline and dates, as its markup declares them.

Read from metadata, JSON-LD, the headline element and the byline element: never from
free text, where a site's clock or "today's" date would pass for the article's.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from email.utils import parsedate_to_datetime

from selectolax.lexbor import LexborHTMLParser, LexborNode

from monitor.extract.chrome import is_chrome
from monitor.extract.shapes import (
    is_citation,
    is_date,
    is_meta,
    is_notice,
    is_sentence,
    is_site_prompt,
)
from monitor.normalize import DECLARATION, comparison_key, has_relative_time, normalize_text

_JSONLD_DATE = re.compile(r'"(date(?:Published|Modified|Created))"\s*:\s*"([^"]{4,40})"')


def _squashed(node: LexborNode | None) -> str:
    return normalize_text(" ".join(node.text(deep=True, separator=" ").split())) if node else ""


def _node_lines(node: LexborNode) -> str:
    """An element's text, a line per text node, each squashed: the source's line breaks
    inside one name ("Jason\n      Parham") are indentation, not a break between names."""
    return "\n".join(
        " ".join(part.split()) for part in node.text(deep=True, separator="\x00").split("\x00")
    )


def _meta(tree: LexborHTMLParser, selector: str) -> str:
    return _content(tree.css_first(selector))


def _content(node: LexborNode | None) -> str:
    """A <meta> element's content, its spaces squashed ("" for none)."""
    return normalize_text(" ".join((node.attributes.get("content") or "").split())) if node else ""


def title_of(tree: LexborHTMLParser, prefer: int | None = None) -> tuple[str, int]:
    """The headline, and which <h1> it came from (-1: the page's metadata).

    The headline is the <h1> that agrees with the page's own title metadata (a logo
    in an <h1> does not); the next checks read the same <h1> (``prefer``), so an edited
    headline is read where the old one was, unless it no longer agrees with the title
    while another <h1> does: an <h1> of the chrome set above it ("Kinja") moved it down.
    """
    headings = [_squashed(node) for node in tree.css("h1")]
    reference = (
        _meta(tree, "meta[property='og:title']")
        or _meta(tree, "meta[name='twitter:title']")
        or _squashed(tree.css_first("title"))
    )
    ref_words = set(comparison_key(reference).lower().split())
    at = prefer if prefer is not None and 0 <= prefer < len(headings) else -1
    if at >= 0 and headings[at] and _agreement(headings[at], ref_words) >= _AGREES:
        return headings[at], at
    ref_terms = set(_TERM.findall(comparison_key(reference).lower()))
    best, best_key = -1, (0.0, 0.0)
    for index, heading in enumerate(headings):
        if len(heading) < 400 and (agrees := _agreement(heading, ref_words)) >= _AGREES:
            # Of the <h1>s that agree with the title, the one that says most of it: a
            # section's heading ("Reviews") that is one word of the title is not it.
            terms = _TERM.findall(comparison_key(heading).lower())
            shared = len(ref_terms.intersection(terms))
            cover = 2 * shared / (len(ref_terms) + len(set(terms))) if terms else 0.0
            if (cover, agrees) > best_key:
                best, best_key = index, (cover, agrees)
    if best >= 0:
        return headings[best], best
    if at >= 0 and headings[at]:
        return headings[at], at
    return reference, -1


def _agreement(heading: str, ref_words: set[str]) -> float:
    """The share of ``heading``'s words that the title metadata holds."""
    words = comparison_key(heading).lower().split()
    return sum(w in ref_words for w in words) / len(words) if words else 0.0


_AGREES = 0.6  # share of an <h1>'s words that the title metadata holds
_TERM = re.compile(r"\w+")


_STANDFIRST_LEVELS = 3  # the headline's siblings, its parent's, its grandparent's
_STANDFIRST_LINES = 3
_STANDFIRST_WORDS = 6
_STANDFIRST_LINKED = 0.5  # a paragraph mostly of links is a teaser or a menu


def standfirst_of(tree: LexborHTMLParser, title_at: int, container: LexborNode) -> list[str]:
    """The standfirst: the paragraphs of prose that follow the headline's <h1> before the
    article's container begins, outside it ("Tax cuts, spending increases and higher
    interest rates could make it harder …"). Newsrooms edit them as they edit the text.

    Only ``<p>`` siblings of the headline (or of the elements that wrap it, up to its
    grandparent) are read, and only those that read as prose: no byline, date, counter
    or notice, not mostly links. None when the headline is inside the container (its
    reading holds what follows it) or comes from the metadata.
    """
    headings = tree.css("h1")
    if not 0 <= title_at < len(headings):
        return []
    inside = {node.mem_id for node in _ancestry(container)}
    node: LexborNode | None = headings[title_at]
    if node is None or node.mem_id in inside or _within(node, container):
        return []
    lines: list[str] = []
    for _ in range(_STANDFIRST_LEVELS):
        if node is None or node.mem_id in inside:
            break
        sibling = node.next
        while sibling is not None:
            if sibling.mem_id in inside:  # the container begins: the standfirst has ended
                return lines
            if sibling.tag == "p" and not is_chrome(sibling):
                text = _squashed(sibling)
                if _reads_as_standfirst(sibling, text):
                    lines.append(text)
                    if len(lines) == _STANDFIRST_LINES:
                        return lines
            sibling = sibling.next
        node = node.parent
    return lines


_SEPARATORS = re.compile(r"\s[|•·]\s")


def _reads_as_standfirst(node: LexborNode, text: str) -> bool:
    words = text.split()
    if len(words) < _STANDFIRST_WORDS or not is_sentence(text) or reads_as_names(text):
        return False
    if len(_SEPARATORS.findall(text)) >= 2:  # "Le Monde | 04.05.2015 à 13h36 | Par …"
        return False
    if is_meta(text) or is_date(text) or is_notice(text) or has_relative_time(text):
        return False
    if is_citation(text):  # a source list's entry, not the story's summary
        return False
    if is_site_prompt(text):  # the site's call to follow it, set under the headline
        return False
    linked = sum(len(_squashed(a)) for a in node.css("a"))
    return linked <= _STANDFIRST_LINKED * len(text)


def _ancestry(node: LexborNode) -> Iterator[LexborNode]:
    """The node and every element above it."""
    current: LexborNode | None = node
    while current is not None:
        yield current
        current = current.parent


def _within(node: LexborNode, container: LexborNode) -> bool:
    return any(a.mem_id == container.mem_id for a in _ancestry(node))


_BYLINE_SELECTORS = (
    "[rel~=author]",
    "[itemprop~=author]",
    ".byline",
    "[class*=byline i]",
    ".author",
)
_BYLINE_OR_HEADLINE = ", ".join(("h1", *_BYLINE_SELECTORS))
# JSON-LD authors are found by a linear scan, not one pattern: a lazy match across a
# page's worth of '"author":{' takes seconds (hostile or broken pages do this).
_JSONLD_AUTHOR_KEY = re.compile(r'"author"\s*:\s*([\[{])')
_JSONLD_NAME = re.compile(r'"name"\s*:\s*"((?:[^"\\\n]|\\.){2,100})"')
_JSONLD_HEADLINE = re.compile(r'"headline"\s*:\s*"((?:[^"\\\n]|\\.){1,400})"')
_AUTHOR_SPAN = 600
_AUTHORS_READ = 8
_AUTHOR_META_CHARS = 120  # a longer "author" is a sentence or a list, not names


# What separates the parts of a byline line: "Jane Doe · June 2, 2021 · 56200 views".
# The spaces before a separator are taken from where they start, never from inside them:
# else a long run of spaces with no separator after it is scanned again from each of its
# spaces (quadratic).
_BY = re.compile(r"^(?:by|von|par|por|door|di|av|af)\b\s*", re.IGNORECASE)
_BYLINE_PARTS = re.compile(r"(?:(?<!\s)\s+)?(?:[·•|/—–]|\n|\s-\s)\s*")


def names_only(text: str) -> str:
    """A byline is names: the dates, counters and relative times beside them are page
    metadata ("The Moscow Times · June 2, 2021 · 56200 views" -> "The Moscow Times"), and
    so are handles and addresses ("Steven Musil, @stevenmusil" -> "Steven Musil")."""
    parts = (
        _BY.sub("", " ".join(word for word in part.split() if "@" not in word).strip(" ,;"))
        for part in _BYLINE_PARTS.split(text)
    )
    kept = [
        part
        for part in parts
        if part and not any(ch.isdigit() for ch in part) and not has_relative_time(part)
    ]
    return normalize_text(", ".join(dict.fromkeys(kept)))


def byline_of(
    tree: LexborHTMLParser,
    title_at: int = -1,
    known: Callable[[str], bool] | None = None,
    authors: Sequence[str] = (),
    declared_before: Callable[[str], bool] | None = None,
) -> str:
    """The byline: the page's author metadata first, else its byline element, else a
    "By …" line under the headline (``title_at``: which <h1> holds it, see ``title_of``).

    ``known``: whether a byline is the one read last time. When the first one found is
    not, but the page still shows the known one somewhere a byline is looked for, that
    stands: the other is another story's, brought in by the chrome (a teaser's author
    link, a "By …" line of a related story). Not so when the page declares the new one
    itself, in its <head> or in the JSON-LD that names its headline: chrome brings
    neither, and a newsroom that re-credits a story may leave its visible line be.

    ``authors``: the names the page's <head> declares (``declared_authors``), and
    ``declared_before``: whether a name was among them at the last reading. A name newly
    declared there is a re-credit, whatever the visible line still says; and a known
    byline the <head> still declares stands.
    """
    if known is not None:
        if declared_before is not None:
            for name in authors:
                if not declared_before(name) and not known(name):
                    return name
        if standing := next((name for name in authors if known(name)), None):
            return standing
    candidates = (
        (names, declared) for names, declared in _bylines(tree, title_at) if reads_as_names(names)
    )
    first, declared = next(candidates, ("", False))
    if known is None or not first or known(first):
        return first
    others = list(candidates)
    if declared or any(is_declared and name == first for name, is_declared in others):
        return first
    return next((name for name, _ in others if known(name)), first)


# Where a page's <head> names its authors: HTML's own, Open Graph's, Dublin Core's, and
# the conventions of the analytics and newsletter services newsrooms feed (Parse.ly,
# Sailthru, the New York Times' "byl").
_AUTHOR_META = ", ".join(
    f"meta[{attribute}='{name}' i]"
    for attribute, name in (
        ("name", "author"),
        ("property", "author"),
        ("property", "article:author"),
        ("name", "article:author"),
        ("name", "article_author"),
        ("name", "parsely-author"),
        ("name", "sailthru.author"),
        ("name", "dc.creator"),
        ("name", "dcterms.creator"),
        ("name", "byl"),
    )
)


def declared_authors(tree: LexborHTMLParser) -> tuple[str, ...]:
    """The names the page's <head> declares as its authors, once each, in the page's
    order; profile URLs, handles and e-mail addresses left out ("Troy Smith |
    tsmith@cleveland.com" -> "Troy Smith")."""
    names: list[str] = []
    head = tree.head  # a <meta> in the body is a teaser's or an embed's, not the page's
    for meta in head.css(_AUTHOR_META) if head is not None else ():
        text = _content(meta)
        if not text or "://" in text or len(text) >= _AUTHOR_META_CHARS:
            continue
        name = names_only(" ".join(word for word in text.split() if "@" not in word))
        if name and reads_as_names(name):
            names.append(name)
    return tuple(dict.fromkeys(names))


def reads_as_names(text: str) -> bool:
    """Names, perhaps with a short role ("Jane Doe and John Roe, staff writers"), not a
    sentence: a link marked as the author's may hold a headline or a call to action
    ("Learn how you can build your own online business.")."""
    words = text.split()
    if len(words) > 3 and _SENTENCE_END.search(text):
        return False
    lower = sum(1 for word in words if word[0].islower() and word not in _NAME_LINKS)
    return lower <= _ROLE_LOWER_WORDS


def _bylines(tree: LexborHTMLParser, title_at: int) -> Iterator[tuple[str, bool]]:
    """Every byline the page may have, most trusted first, each with whether the page
    declares it as this article's (see ``byline_of``)."""
    meta = tree.css_first("meta[name='author' i]")
    names = _content(meta)
    if meta is not None and names and len(names) < 120:
        yield names, _in_head(meta)
    headline: str | None = None
    for script in tree.css("script[type='application/ld+json']"):
        text = script.text()
        if names := ", ".join(dict.fromkeys(_jsonld_authors(text))):
            if not (declared := _in_head(script)):
                if headline is None:
                    headline = comparison_key(title_of(tree, title_at)[0])
                declared = bool(headline) and headline in _jsonld_headlines(text)
            yield normalize_text(names), declared
    below_prose: list[str] = []
    for node in _byline_elements(tree, title_at):
        if _in_card(node) or _in_comment(node):
            continue
        # Names are links in most bylines; the text around them holds dates and 'By'.
        links = [names_only(_squashed(a)) for a in node.css("a")]
        text = ", ".join(t for t in links if t) or names_only(_node_lines(node))
        if text and len(text) < 120:
            if _below_prose(node):
                below_prose.append(text)
            else:
                yield text, False
    for names in _bylines_under_headline(tree, title_at):
        yield names, False
    for text in below_prose:
        yield text, False


def _below_prose(node: LexborNode) -> bool:
    """Whether a byline element follows a paragraph of prose (a sentence of eight words or
    more): it is set among or after the text (another story's author box, a
    contributor's credit), where the story's own byline, above its text, is not.

    Judged from the line that holds it: the names of one byline are its links, and the
    second name's link follows the first's, not the text above the line."""
    while node.tag in _INLINE and node.parent is not None:
        node = node.parent
    for _ in range(_PROSE_LEVELS):
        before = node.prev
        while before is not None and (before.tag is None or before.tag.startswith("-")):
            before = before.prev
        if before is not None:
            text = before.text(deep=True)
            return before.tag == "p" and len(text.split()) >= _PROSE_WORDS and is_sentence(text)
        if node.parent is None:
            return False
        node = node.parent
    return False


def _in_comment(node: LexborNode) -> bool:
    """Whether a byline element is a commenter's name: inside an element that microdata
    marks as a reader's comment (schema.org's ``Comment``, or ``itemprop="comment"``),
    where an ``itemprop="author"`` names who wrote the comment, not the story."""
    box = node.parent
    while box is not None and box.tag not in ("body", "html"):
        attrs = box.attributes
        if attrs.get("itemprop") == "comment" or (attrs.get("itemtype") or "").lower().endswith(
            "/comment"
        ):
            return True
        box = box.parent
    return False


def _in_card(node: LexborNode) -> bool:
    """Whether a byline element is in a teaser's card: a small box that holds a linked
    headline of its own ("Aprende a dominar tus antojos" / summary / "By Tara …")."""
    box = node.parent
    for _ in range(_CARD_LEVELS):
        if box is None or len(box.text(deep=True)) > _CARD_CHARS:
            return False
        if any(_is_teaser_headline(heading) for heading in box.css(_HEADING_SELECTOR)):
            return True
        box = box.parent
    return False


def _is_teaser_headline(node: LexborNode) -> bool:
    """A linked heading that is a headline, not a byline set as a heading ("<h6>By
    <a>Joshua Sokol</a></h6>")."""
    if node.tag not in _HEADINGS or node.css_first("a") is None:
        return False
    text = _squashed(node)
    return not (_BYLINE_OPENING.match(text) or reads_as_names(text))


def _in_head(node: LexborNode) -> bool:
    return any(a.tag == "head" for a in _ancestry(node))


def _jsonld_headlines(text: str) -> set[str]:
    """The headlines a JSON-LD block declares, as ``comparison_key`` spells them."""
    found = set()
    for quoted in itertools.islice(_JSONLD_HEADLINE.finditer(text), _AUTHORS_READ):
        try:
            found.add(comparison_key(json.loads(f'"{quoted.group(1)}"')))
        except ValueError:
            found.add(comparison_key(quoted.group(1)))
    return found


def _byline_elements(tree: LexborHTMLParser, title_at: int) -> list[LexborNode]:
    """The page's byline elements, those after the headline first, in the page's order:
    a story's byline follows its headline, and another story's (a teaser's author link
    among the paragraphs) comes after it."""
    found = tree.css(_BYLINE_OR_HEADLINE)
    headlines = [at for at, node in enumerate(found) if node.tag == "h1"]
    start = headlines[title_at] if 0 <= title_at < len(headlines) else -1
    after = [node for node in found[start + 1 :] if node.tag != "h1"]
    before = [node for node in found[: max(start, 0)] if node.tag != "h1"]
    return after + before


def _jsonld_authors(text: str) -> list[str]:
    """The names of the authors a JSON-LD block declares ("author": {...} or [...])."""
    names: list[str] = []
    for found in itertools.islice(_JSONLD_AUTHOR_KEY.finditer(text), _AUTHORS_READ):
        window = text[found.end() : found.end() + _AUTHOR_SPAN]
        closing = window.find("]" if found.group(1) == "[" else "}")
        for name in _JSONLD_NAME.findall(window[: closing if closing >= 0 else None]):
            try:
                names.append(json.loads(f'"{name}"'))  # undo JSON's escapes
            except ValueError:
                names.append(name)
        if names:
            break
    return names


# How a byline line opens ("By Jane Doe", "Written by …", "Por …", "Par …", "Von …").
_BYLINE_OPENING = re.compile(
    r"^(?:(?:written|edited|reported)\s+)?(?:by|por|par|von|door|av|af|przez)\s+",
    re.IGNORECASE,
)
_NAME = re.compile(r"^[A-ZÀ-ÖØ-Þ][\w'’.-]+$")
# Lower-case words that join names or open a surname ("Ana de la Cruz and Jan van Dijk").
_NAME_LINKS = frozenset(
    "and und et y e og och en i & de del della der den di da do dos du la le van von zu bin "
    "ibn al el".split()
)
_SENTENCE_END = re.compile(r"[.!?]$")


def _bylines_under_headline(tree: LexborHTMLParser, title_at: int) -> Iterator[str]:
    """A byline the page marks nowhere: the first short "By First Last" line among the
    elements that follow the headline's <h1> (its siblings, then its parents'). A page
    may print its headline twice (a sticky header): each copy is looked under."""
    headings = tree.css("h1")
    if not 0 <= title_at < len(headings):
        if headings and (names := _byline_after(headings[0])):
            yield names
        return
    headline = _squashed(headings[title_at])
    for heading in headings:
        if _squashed(heading) == headline and (names := _byline_after(heading)):
            yield names


def _byline_after(heading: LexborNode) -> str:
    node: LexborNode | None = heading
    looked = prose = 0
    for _ in range(3):
        if node is None:
            return ""
        sibling = node.next
        while sibling is not None and looked < _BYLINE_LOOK:
            if sibling.tag and not sibling.tag.startswith("-"):
                looked += 1
                if names := _byline_in(sibling):
                    return names
                # A story's byline comes before its text (a standfirst may come first):
                # a "By …" line after its paragraphs is another story's (an agency
                # dispatch's credit set among them).
                prose += _is_prose_paragraph(sibling)
                if prose >= _PROSE_BEFORE_BYLINE:
                    return ""
            sibling = sibling.next
        node = node.parent
    return ""


def _is_prose_paragraph(node: LexborNode) -> bool:
    if node.tag != "p":
        return False
    text = node.text(deep=True)
    return len(text.split()) >= _PROSE_WORDS and is_sentence(text)


def _byline_in(node: LexborNode) -> str:
    """The names of the first "By …" line among an element's first texts (a lone "By"
    before a linked name reads with the name). Only the first few texts are read: a
    byline opens its element, and the element may be the whole article."""
    texts: list[str] = []
    prose = 0
    for child in node.traverse(include_text=True):
        if _is_teaser_headline(child):
            break  # what follows is another story's card
        if child.tag == "-text" and (text := " ".join((child.text_content or "").split())):
            texts.append(text)
            if len(texts) >= _BYLINE_TEXTS:
                break
            # Past the text's first paragraphs, a "By …" line is another story's.
            prose += len(text.split()) >= _PROSE_WORDS and is_sentence(text)
            if prose >= _PROSE_BEFORE_BYLINE:
                break
    for index, text in enumerate(texts):
        if _BYLINE_OPENING.fullmatch(text + " ") and index + 1 < len(texts):
            text = f"{text} {texts[index + 1]}"
        if names := _names_after_by(text):
            return names
    return _name_over_dateline(texts)


def _name_over_dateline(texts: list[str]) -> str:
    """A byline with no "By": an element under the headline that opens with a person's
    name, followed by the story's time or counters ("James Akinaka • 8h", "Ben Silverman
    Games Editor · 874 comments"). The name, and nothing else, must open the element."""
    if len(texts) < 2 or any(ch.isdigit() for ch in texts[0]) or not _is_name(texts[0]):
        return ""
    for at, text in enumerate(texts[1 : 1 + _DATELINE_TEXTS], start=1):
        words = len(text.split())
        if any(ch.isdigit() for ch in text) or has_relative_time(text):
            if words > _DATELINE_WORDS:
                return ""
            # A comment's author and time come right before what they wrote; a count
            # ("874 comments") is the story's, whatever the page put after it.
            said = at + 1 < len(texts) and is_sentence(texts[at + 1])
            return "" if said and not _is_count(text) else texts[0]
        if words > _ROLE_WORDS:
            return ""  # the name opens a sentence ("Liam Murphy is a staff writer…"): a bio
    return ""


def _is_count(text: str) -> bool:
    """A counter and nothing else ("874 comments", "· 1.2K shares"), not a time."""
    return _COUNT.fullmatch(text) is not None and not has_relative_time(text)


_COUNT = re.compile(r"\W*\d[\d.,]*[KkMm]?\s+\w+\W*")


def _is_name(text: str) -> bool:
    words = text.split()
    return 2 <= len(words) <= _NAME_WORDS and all(_NAME.match(word) for word in words)


def _names_after_by(line: str) -> str:
    opening = _BYLINE_OPENING.match(line)
    if opening is None:
        return ""
    names = names_only(line[opening.end() :])
    words = names.replace(",", " ").split()
    capitalised = [word for word in words if _NAME.match(word)]
    # A person's name: two capitalised words at least, and little else.
    if len(capitalised) < 2 or len(words) > _BYLINE_WORDS:
        return ""
    return names


_HEADINGS = frozenset(("h2", "h3", "h4", "h5", "h6"))
_HEADING_SELECTOR = ", ".join(sorted(_HEADINGS))
_CARD_LEVELS = 3
_PROSE_LEVELS = 3
_INLINE = frozenset(("a", "span", "em", "strong", "b", "i", "small", "time", "abbr", "cite", "u"))
_PROSE_WORDS = 8
_CARD_CHARS = 600
_BYLINE_LOOK = 12
_PROSE_BEFORE_BYLINE = 2
_DATELINE_TEXTS = 3  # a name's role, a separator, then the time
_DATELINE_WORDS = 6
_ROLE_WORDS = 3
_ROLE_LOWER_WORDS = 2  # a byline's role: "staff writer", "special correspondent"
_NAME_WORDS = 4
_BYLINE_TEXTS = 24
_BYLINE_WORDS = 10


def meta_tags(tree: LexborHTMLParser) -> list[tuple[str, str]]:
    """(name, content) of each <meta>, named by property, name or itemprop, lower-cased."""
    tags = []
    for meta in tree.css("meta"):
        attrs = meta.attributes
        name = attrs.get("property") or attrs.get("name") or attrs.get("itemprop") or ""
        tags.append((name.lower(), attrs.get("content") or ""))
    return tags


def date_signals(tree: LexborHTMLParser, container: LexborNode | None) -> str:
    """The raw date strings the page gives about itself (not clocks in the chrome)."""
    found: list[str] = [
        f"{name}={content}"
        for name, content in meta_tags(tree)
        if "time" in name or "date" in name or "modified" in name or name == "robots"
    ]
    for script in tree.css("script[type='application/ld+json']"):
        found.extend(f"{k}={v}" for k, v in _JSONLD_DATE.findall(script.text()))
    if container is not None:
        # Dates only: a reading time ("PT5M") or a video's length is no date of the page.
        found.extend(
            f"time={stamp}"
            for node in container.css("time[datetime]")
            if _as_date(stamp := node.attributes.get("datetime"))
        )
    # Not dates, but also read on every check: a move or a noindex must leave the fast path.
    for link in tree.css("link[rel='canonical']"):
        found.append(f"canonical={link.attributes.get('href')}")
    return json.dumps(sorted(found))


_PUBLISHED_KEYS = (
    "article:published_time",
    "datepublished",
    "og:published_time",
    "pubdate",
    "publishdate",
    "publish-date",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dc.date",
    "datecreated",
    "date",
)
_MODIFIED_KEYS = (
    "article:modified_time",
    "datemodified",
    "og:updated_time",
    "last-modified",
    "lastmod",
    "dc.date.modified",
)


def _as_date(value: str | None) -> str | None:
    if not value:
        return None
    text = value.strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text).date().isoformat()
    except (TypeError, ValueError, IndexError):
        return None


def declared_dates(
    tree: LexborHTMLParser, container: LexborNode | None
) -> tuple[str | None, str | None]:
    """Publication and modification dates as the page declares them in its markup.

    Metadata, JSON-LD and <time> elements inside the article only: never free text,
    where a site's header clock ("Thursday, March 14") would pass for a date.
    """
    found: dict[str, str] = {}
    for name, content in meta_tags(tree):
        if name and content:
            found.setdefault(name, content)
    for script in tree.css("script[type='application/ld+json']"):
        for key, value in _JSONLD_DATE.findall(script.text()):
            found.setdefault(key.lower(), value)
    published = next((d for k in _PUBLISHED_KEYS if (d := _as_date(found.get(k)))), None)
    modified = next((d for k in _MODIFIED_KEYS if (d := _as_date(found.get(k)))), None)
    if published is None and container is not None:
        times = [_as_date(n.attributes.get("datetime")) for n in container.css("time[datetime]")]
        published = next((t for t in times if t), None)
    return published, modified or published


_NOTE_PARTS = 3  # an update line's stamp is often an element of its own: "Updated <time>…"
_NOTE_CHARS = 160


def update_notes(tree: LexborHTMLParser, until: LexborNode | None = None) -> frozenset[str]:
    """The lines in the page's body in which it owns up to an edit ("Updated at 3:40 p.m.
    on June 3", "Correction: …"), read as the article or not: an update line above the
    article's element is the page's clock to the reading, and still the newsroom's word
    that the story changed. Each with the text that follows it in the next few text nodes
    (its stamp), so that a stamp that moved is a new note; none that tells a relative
    time ("Updated 3 minutes ago": a clock).

    ``until``: the article's element; the lines after it are a sidebar's or a footer's (a
    box of other stories, each with its stamp), not this story's. The tree is changed."""
    tree.strip_tags(["script", "style", "noscript", "template"])
    body = tree.body
    if body is None:
        return frozenset()
    if until is not None:
        until.insert_after(_END)
    text = body.text(deep=True, separator="\n")
    parts = [part.strip() for part in text.split(_END, 1)[0].split("\n")]
    parts = [part for part in parts if part]
    notes = (
        " ".join(parts[at : at + _NOTE_PARTS])
        for at, part in enumerate(parts)
        if DECLARATION.match(part)
    )
    # "Updated 3 minutes ago" is a clock, which moves on its own (as the reading has it).
    return frozenset(
        comparison_key(note)[:_NOTE_CHARS] for note in notes if not has_relative_time(note)
    )


_END = "\x00end of the article\x00"  # no page's text holds a NUL: lexbor replaces them
