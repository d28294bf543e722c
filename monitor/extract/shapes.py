"""The shape of a line of text: a sentence, a fragment, a counter or clock, a notice.

Pure functions on one line, for telling the article's prose from the page metadata
that sits among it, in any script and whatever the markup around it.
"""

from __future__ import annotations

import re
from functools import lru_cache

from monitor.normalize import has_relative_time

META_WORDS = 16
# A line this short that does not end as a sentence is a fragment: a label, a credit.
_FRAGMENT_WORDS = 12
_NOTICE_WORDS = 30  # longer, it is a paragraph that opens with a photo's credit
_NOTICE = re.compile(r"\W*(?:©|\(c\)\s|copyright\b)", re.IGNORECASE)
_ENUMERATOR = re.compile(r"^\W*\d{1,3}[.)]\s+")
# A number standing alone ("56200", "1.2M", "12:16", "22h"), not one inside a name
# ("S-400", "F-35", "COVID-19").
_NUMBER = re.compile(r"(?<![\w-])\d[\d.,:]*(?:[KkMmhd%]|st|nd|rd|th)?(?![\w-])")
_SENTENCE_END = re.compile(r"[.!?。！？…][\"'”’»)\]]*$")
_CJK_CHARS = 25  # CJK scripts say more per character: this many make a sentence


@lru_cache(maxsize=4096)
def is_meta(line: str) -> bool:
    """A counter, a clock or a byline, not a sentence: a short line that does not end as
    a sentence and carries a number or a relative time ("56200 views", "Updated 3 minutes
    ago", "— Ben Carter (@ben) 12:16 AM · Mar 13, 2022", "Jane Doe · 22h")."""
    if len(line.split()) > META_WORDS or _SENTENCE_END.search(line):
        return False
    line = _ENUMERATOR.sub("", line)
    return _NUMBER.search(line) is not None or has_relative_time(line)


def is_notice(line: str) -> bool:
    """A copyright or legal notice: a site's footer, wherever it was put."""
    if _NOTICE.match(line) is None:
        return False
    return sum(1 for word in line.split() if any(ch.isalnum() for ch in word)) <= _NOTICE_WORDS


def is_sentence(line: str) -> bool:
    """Prose: it ends as a sentence does (or opens a list with a colon), or runs long
    enough to be one."""
    if _SENTENCE_END.search(line) or line.endswith(":") or len(line.split()) > _FRAGMENT_WORDS:
        return True
    return sum(1 for ch in line if "\u3040" <= ch <= "\ud7af") >= _CJK_CHARS


def is_label(line: str) -> bool:
    """A heading or a label ("Explore the BBC", "Let's resynchronize:"): short, and no
    sentence end. A colon opens a list in prose, but closes many a label."""
    if _SENTENCE_END.search(line) or len(line.split()) > _FRAGMENT_WORDS:
        return False
    return sum(1 for ch in line if "\u3040" <= ch <= "\ud7af") < _CJK_CHARS
