"""The full extractor's verdict on a line: does it keep it as part of the article?

A second opinion for ``confirm``: the container reading sees everything inside the
article's element, while trafilatura, with its own boilerplate knowledge (comments
excluded), leaves out much of the chrome nested there. Its text splits and joins lines
differently from ours, so a line counts as kept when its words are found in a row in
the extractor's text, or, for a long line cut or joined differently, most of its word
triples. A short line is easily found by chance ("63" in a table): that errs on the
side of reporting the change.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from monitor.extract.container import Hint, line_digest, tokens
from monitor.normalize import DECLARATION, comparison_key

_MIN_TRIPLES = 8
_TRIPLE_SHARE = 0.7
_REMEMBERED = 256
# An extractor that keeps less of our reading than this read something else (one table
# of a table layout, a teaser list): its verdicts are no evidence of chrome.
_AGREEMENT = 0.6


class Kept:
    """An index of the extractor's text, asked whether a line of ours is in it.

    ``reading``: our lines of the same page. When the extractor keeps too few of them,
    it read another part of the page, and every line counts as kept.
    """

    def __init__(self, paragraphs: Sequence[str], reading: Sequence[str] = ()) -> None:
        words = [w for p in paragraphs for w in (*tokens(comparison_key(p)), "\x00")]
        self._joined = " " + " ".join(words) + " "
        self._triples = frozenset(zip(words, words[1:], words[2:], strict=False))
        self._trusted = True
        if reading:
            found = sum(1 for line in reading if line in self)
            self._trusted = found >= _AGREEMENT * len(reading)

    def __contains__(self, line: object) -> bool:
        if not isinstance(line, str):
            return False
        if not self._trusted or DECLARATION.search(line):
            return True  # a line declaring an edit is the article's, whatever the extractor says
        words = tokens(comparison_key(line))
        if not words:
            return True  # nothing to judge: never called chrome on this evidence
        if f" {' '.join(words)} " in self._joined:
            return True
        if len(words) < _MIN_TRIPLES:
            return False
        triples = list(zip(words, words[1:], words[2:], strict=False))
        found = sum(1 for triple in triples if triple in self._triples)
        return found >= _TRIPLE_SHARE * len(triples)


def remember(hint: Hint, lines: Iterable[str], kept: Kept) -> Hint:
    """The hint with the extractor's verdict on each of ``lines``, newest first."""
    verdicts = {line_digest(line): line in kept for line in lines}
    yes = [d for d, v in verdicts.items() if v]
    no = [d for d, v in verdicts.items() if not v]
    return replace(
        hint,
        kept=_newest_first(yes, hint.kept, verdicts),
        unkept=_newest_first(no, hint.unkept, verdicts),
    )


def _newest_first(
    fresh: list[str], old: tuple[str, ...], judged: dict[str, bool]
) -> tuple[str, ...]:
    rest = [digest for digest in old if digest not in judged]
    return tuple([*fresh, *rest][:_REMEMBERED])


def verdict(hint: Hint, line: str) -> bool | None:
    """What the extractor said of ``line`` when it was last seen; None if never judged."""
    digest = line_digest(line)
    if digest in hint.kept:
        return True
    if digest in hint.unkept:
        return False
    return None
