"""A plain list of URLs: one a line; blank lines and ``#`` comments are skipped (a
comment after a URL needs a space before its ``#``: a URL's own ``#`` is its fragment)."""

from __future__ import annotations

import re

from monitor.imports.entries import Entry

_COMMENT = re.compile(r"(^|\s)#.*")


def read_url_list(text: str) -> list[Entry]:
    """A watch per URL line, in order (a URL is checked when the import is planned)."""
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
        url = _COMMENT.sub("", line).strip()
        if not url:
            continue
        entries.append(Entry(f"line {number}", url))
    return entries


def looks_like_url_list(text: str) -> bool:
    """Whether every line that is not blank or a comment is one URL."""
    urls = [u for u in (_COMMENT.sub("", line).strip() for line in text.splitlines()) if u]
    return bool(urls) and all("://" in url and len(url.split()) == 1 for url in urls)
