"""What marks page chrome, by markup: hidden elements, and the boilerplate that
trafilatura's maintainers list (share bars, ad slots, comments, related links, …).

The class and id patterns are trafilatura's own (``trafilatura.xpaths``), read at import
time, so they improve with the library instead of with a list of ours. They catch
chrome that says what it is; chrome that does not (build-hash classes, no class at
all) is left to the structure of the article (``reading``) and to the change rules
(counter and clock lines).
"""

from __future__ import annotations

import functools
import re

from selectolax.lexbor import LexborNode
from trafilatura import xpaths


def _alternation(*groups: tuple[str, ...] | str) -> re.Pattern[str]:
    tokens: list[str] = []
    for group in groups:
        tokens.extend((group,) if isinstance(group, str) else group)
    return re.compile("|".join(tokens))


# The tokens of trafilatura's OVERALL_DISCARD and COMMENTS_DISCARD expressions, matched
# as its XPath does (a regex search in the attribute's value).
_CLASS = _alternation(
    xpaths._OVERALL_DISCARD_BOTH_TOKENS,
    xpaths._OVERALL_DISCARD_CLASS_TOKENS,
    xpaths._COMMENTS_CLASS,
)
_ID = _alternation(
    xpaths._OVERALL_DISCARD_BOTH_TOKENS,
    xpaths._OVERALL_DISCARD_ID_TOKENS,
    "^(?:" + xpaths._COMMENTS_ID + ")",
    xpaths._CONSENT_ID_CLASS_TOKENS,
)


_COMMENTS = re.compile(xpaths._COMMENTS_CLASS)
_COMMENTS_ID = re.compile(xpaths._COMMENTS_ID)

Attributes = dict[str, str | None]


_SLUG_PARTS = re.compile(r"[-_]")
_SLUG = 3


def is_hidden(attrs: Attributes) -> bool:
    """Hidden from readers: the ``hidden`` attribute, aria-hidden, or an inline style."""
    if "hidden" in attrs or attrs.get("aria-hidden") == "true":
        return True
    style = attrs.get("style")
    if not style:
        return False
    style = style.replace(" ", "").lower()
    return "display:none" in style or "visibility:hidden" in style


def is_boilerplate(attrs: Attributes) -> bool:
    """Chrome by its class or id, in trafilatura's vocabulary."""
    if (cls := attrs.get("class")) and _boilerplate_class(cls):
        return True
    ident = attrs.get("id")
    return bool(ident and _boilerplate_id(ident))


# A page repeats its class names many times over: each is searched once.
@functools.lru_cache(maxsize=8192)
def _boilerplate_class(cls: str) -> bool:
    return _CLASS.search(cls) is not None


@functools.lru_cache(maxsize=8192)
def _boilerplate_id(ident: str) -> bool:
    # An id that is a heading's slug ("sharing-mutable-history-with-others") names a
    # section of the article, whatever words it happens to hold.
    return len(_SLUG_PARTS.split(ident)) <= _SLUG and _ID.search(ident) is not None


def is_chrome(node: LexborNode, attrs: Attributes | None = None) -> bool:
    """Hidden, or boilerplate by its markup (``attrs``: the node's, when already read)."""
    attrs = node.attributes if attrs is None else attrs
    return bool(attrs) and (is_hidden(attrs) or is_boilerplate(attrs))


def is_comments(attrs: Attributes) -> bool:
    """A comment section by its class or id, in trafilatura's vocabulary."""
    cls, ident = attrs.get("class"), attrs.get("id")
    return bool(
        (cls and _COMMENTS.search(cls) is not None)
        or (ident and _COMMENTS_ID.match(ident) is not None)
    )
