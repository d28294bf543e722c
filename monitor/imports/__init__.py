"""Watch lists from other tools, read into ``Entry`` values: pure, no database.

One module per format: ``urlwatch`` (its ``urls.yaml``), ``changedetection`` (its backup
zip) and ``urllist`` (a URL a line). ``read_entries`` detects the format from the
content, unless told; ``entries.plan`` decides what the import does with each entry.
"""

from __future__ import annotations

import re
from typing import Literal, get_args

from monitor.errors import ImportFileError
from monitor.imports.changedetection import read_changedetection, read_url_watches
from monitor.imports.entries import Entry, Outcome, plan
from monitor.imports.urllist import looks_like_url_list, read_url_list
from monitor.imports.urlwatch import read_urlwatch

Format = Literal["urlwatch", "changedetection", "urls"]
FORMATS: tuple[Format, ...] = get_args(Format)

__all__ = ["FORMATS", "Entry", "Format", "Outcome", "detect_format", "plan", "read_entries"]

_ZIP = b"PK\x03\x04"
_URLWATCH_KEY = re.compile(r"^(url|navigate|command|kind)[ \t]*:", re.MULTILINE)
_UNKNOWN = (
    "is not a urlwatch urls.yaml, a changedetection.io backup zip or a list of URLs "
    "(one a line); pass --format if it is one of them"
)


def detect_format(data: bytes) -> Format:
    """Which of the formats ``data`` is in, by its content; ImportFileError if none."""
    if data.startswith(_ZIP):
        return "changedetection"
    text = _text(data)
    if text.lstrip().startswith("{") and '"watching"' in text:
        return "changedetection"
    if looks_like_url_list(text):
        return "urls"
    if _URLWATCH_KEY.search(text):
        return "urlwatch"
    raise ImportFileError(_UNKNOWN)


def read_entries(data: bytes, format: Format | None = None) -> tuple[Format, list[Entry]]:
    """The format (detected unless given) and the entries of the file's content."""
    chosen = format or detect_format(data)
    if chosen == "changedetection":
        if data.startswith(_ZIP):
            return chosen, read_changedetection(data)
        return chosen, read_url_watches(_text(data))
    text = _text(data)
    entries = read_urlwatch(text) if chosen == "urlwatch" else read_url_list(text)
    if not entries:
        raise ImportFileError(f"has no {'job' if chosen == 'urlwatch' else 'URL'} to import")
    return chosen, entries


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError(f"is no UTF-8 text nor a zip file ({error}); {_UNKNOWN}") from error
