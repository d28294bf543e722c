"""What marks page chrome, by markup: hidden elements, and the boilerplate that
trafilatura's maintainers list (share bars, ad slots, comments, related links, …).

The class and id patterns are trafilatura's own (``trafilatura.xpaths``), read at first
use (importing trafilatura takes ~0.2 s, which a process that reads no page, such as the
daemon's main one, never pays), so they improve with the library instead of with a list
of ours. They catch
chrome that says what it is; chrome that does not (build-hash classes, no class at
all) is left to the structure of the article (``reading``) and to the change rules
(counter and clock lines).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from selectolax.lexbor import LexborNode


def _alternation(*groups: tuple[str, ...] | str) -> re.Pattern[str]:
    tokens: list[str] = []
    for group in groups:
        tokens.extend((group,) if isinstance(group, str) else group)
    return re.compile("|".join(tokens))


@dataclass(frozen=True)
class Vocabulary:
    """trafilatura's boilerplate patterns, compiled."""

    classes: re.Pattern[str]
    ids: re.Pattern[str]
    comment_classes: re.Pattern[str]
    comment_ids: re.Pattern[str]


def _read_vocabulary() -> Vocabulary:
    from trafilatura import xpaths

    # The tokens of trafilatura's OVERALL_DISCARD and COMMENTS_DISCARD expressions,
    # matched as its XPath does (a regex search in the attribute's value).
    return Vocabulary(
        classes=_alternation(
            xpaths._OVERALL_DISCARD_BOTH_TOKENS,
            xpaths._OVERALL_DISCARD_CLASS_TOKENS,
            xpaths._COMMENTS_CLASS,
        ),
        ids=_alternation(
            xpaths._OVERALL_DISCARD_BOTH_TOKENS,
            xpaths._OVERALL_DISCARD_ID_TOKENS,
            "^(?:" + xpaths._COMMENTS_ID + ")",
            xpaths._CONSENT_ID_CLASS_TOKENS,
        ),
        comment_classes=re.compile(xpaths._COMMENTS_CLASS),
        comment_ids=re.compile(xpaths._COMMENTS_ID),
    )


_vocabulary: list[Vocabulary] = []  # read once (no lru_cache: benchmarks clear those)


def vocabulary() -> Vocabulary:
    """trafilatura's patterns, imported and compiled at the first call."""
    if not _vocabulary:
        _vocabulary.append(_read_vocabulary())
    return _vocabulary[0]


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
    return vocabulary().classes.search(cls) is not None


@functools.lru_cache(maxsize=8192)
def _boilerplate_id(ident: str) -> bool:
    # An id that is a heading's slug ("sharing-mutable-history-with-others") names a
    # section of the article, whatever words it happens to hold.
    return len(_SLUG_PARTS.split(ident)) <= _SLUG and vocabulary().ids.search(ident) is not None


def is_chrome(node: LexborNode, attrs: Attributes | None = None) -> bool:
    """Hidden, or boilerplate by its markup (``attrs``: the node's, when already read)."""
    attrs = node.attributes if attrs is None else attrs
    return bool(attrs) and (is_hidden(attrs) or is_boilerplate(attrs))


def is_comments(attrs: Attributes) -> bool:
    """A comment section by its class or id, in trafilatura's vocabulary."""
    cls, ident = attrs.get("class"), attrs.get("id")
    return bool(
        (cls and vocabulary().comment_classes.search(cls) is not None)
        or (ident and vocabulary().comment_ids.match(ident) is not None)
    )
