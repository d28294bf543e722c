"""changedetection.io's backup zip (Settings → Backups), in either of its layouts.

Up to 0.50 the zip holds ``url-watches.json``: every watch under ``watching`` by UUID,
the tags under ``settings.application.tags``. Later ones hold ``changedetection.json``
(the settings) and a directory per watch and per tag: ``<uuid>/watch.json``,
``<uuid>/tag.json``. A watch's url, title, tags, CSS/XPath include filters, subtractive
selectors and interval are imported; its other settings, where they differ from
changedetection.io's defaults, are reported and left out.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Mapping
from typing import Any

from monitor.errors import ImportFileError
from monitor.imports.entries import Entry, one_line

LEGACY = "url-watches.json"
SETTINGS = "changedetection.json"
_WATCH = re.compile(r"^([0-9a-f-]{36})/watch\.json$", re.IGNORECASE)
_TAG = re.compile(r"^([0-9a-f-]{36})/tag\.json$", re.IGNORECASE)
_MAX_JSON = 64 * 1024 * 1024
"""The largest JSON member read (uncompressed): a backup's are far smaller."""

_DEFAULTS: dict[str, Any] = {
    "body": None,
    "browser_steps": [],
    "conditions": [],
    "extract_lines_containing": [],
    "extract_text": [],
    "fetch_backend": "system",
    "filter_text_added": True,
    "filter_text_removed": True,
    "filter_text_replaced": True,
    "headers": {},
    "ignore_status_codes": None,
    "ignore_text": [],
    "llm_intent": "",
    "llm_change_summary": "",
    "method": "GET",
    "notification_body": None,
    "notification_muted": False,
    "notification_screenshot": False,
    "notification_title": None,
    "notification_urls": [],
    "paused": False,
    "processor": "text_json_diff",
    "proxy": None,
    "remove_duplicate_lines": False,
    "sort_text_alphabetically": False,
    "check_unique_lines": False,
    "text_should_not_be_present": [],
    "trigger_text": [],
    "webdriver_delay": None,
    "webdriver_js_execute_code": None,
}
"""changedetection.io's defaults of the watch settings reported when changed."""

_WHY = {
    "notification_urls": "notification URLs belong in the config's [notify] urls",
    "ignore_text": "monitor ignores lines by regular expression (--ignore REGEX)",
    "trigger_text": "monitor alerts on any real edit of the article",
    "fetch_backend": "fetched by a browser there; monitor fetches without running JavaScript",
    "browser_steps": "monitor runs no browser steps",
    "filter_text_removed": "--additions-only is the nearest: alert only when text is added",
}
_MAPPED = {
    "url",
    "title",
    "tags",
    "tag",
    "include_filters",
    "css_filter",
    "subtractive_selectors",
    "time_between_check",
    "time_between_check_use_default",
}
_SELECTOR_WHY = "monitor's selector is CSS, or XPath starting with /"


def read_changedetection(data: bytes) -> list[Entry]:
    """The watches of a backup zip; ImportFileError if it is none."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        raise ImportFileError(f"not a readable zip file ({error})") from error
    with archive:
        names = archive.namelist()
        if LEGACY in names:
            return _legacy(_json(archive, LEGACY))
        else:
            watches = {
                match.group(1): _json(archive, name)
                for name in names
                if (match := _WATCH.match(name))
            }
            if not watches and SETTINGS not in names:
                raise ImportFileError(
                    f"this zip holds no {LEGACY} nor any <uuid>/watch.json, so it is no "
                    "changedetection.io backup; make one under Settings → Backups"
                )
            settings = _json(archive, SETTINGS) if SETTINGS in names else {}
            tags = _tag_titles(_mapping(_mapping(settings.get("settings")).get("application")))
            for name in names:
                if match := _TAG.match(name):
                    title = _json(archive, name).get("title")
                    if isinstance(title, str):
                        tags[match.group(1)] = title
    return read_watches(watches, tags)


def read_url_watches(text: str) -> list[Entry]:
    """The watches of a ``url-watches.json`` taken out of its zip."""
    try:
        store = json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportFileError(f"no valid JSON ({error})") from error
    if not isinstance(store, dict) or not isinstance(store.get("watching"), dict):
        raise ImportFileError(f"no 'watching' object in the JSON: it is no {LEGACY}")
    return _legacy(store)


def _legacy(store: Mapping[str, Any]) -> list[Entry]:
    tags = _tag_titles(_mapping(_mapping(store.get("settings")).get("application")))
    return read_watches(_mapping(store.get("watching")), tags)


def read_watches(watches: Mapping[str, Any], tags: Mapping[str, str]) -> list[Entry]:
    """An entry per watch (by UUID), oldest first; ``tags``: tag titles by UUID."""

    def created(item: tuple[str, Any]) -> tuple[float, str]:
        stamp = _mapping(item[1]).get("date_created")
        return (float(stamp) if isinstance(stamp, int | float) else 0.0, item[0])

    return [_watch(uuid, _mapping(w), tags) for uuid, w in sorted(watches.items(), key=created)]


def _watch(uuid: str, watch: Mapping[str, Any], tags: Mapping[str, str]) -> Entry:
    url = watch.get("url")
    title = watch.get("title")
    where = f"watch {title!r}" if isinstance(title, str) and title else f"watch {uuid[:8]}"
    if not isinstance(url, str):
        return Entry(where, None, skipped="it has no URL")
    if watch.get("paused"):
        return Entry(where, url, skipped="paused in changedetection.io")
    method = str(watch.get("method") or "GET").upper()
    if method != "GET" or watch.get("body"):
        return Entry(where, url, skipped=f"it sends {method} with a body; monitor fetches with GET")
    processor = watch.get("processor") or "text_json_diff"
    if processor != "text_json_diff":
        return Entry(where, url, skipped=f"a {processor} watch (prices, stock); monitor reads text")
    settings: dict[str, Any] = {}
    dropped: list[str] = []
    if isinstance(title, str) and title.strip():
        settings["name"] = title.strip()
    _selectors(watch, settings, dropped)
    every = _every(watch)
    if every is not None:
        settings["every"] = every
    for key, default in _DEFAULTS.items():
        value = watch.get(key, default)
        if key == "fetch_backend" and value == "html_requests":
            continue  # plain HTTP, named: as monitor fetches
        if key not in ("method", "body", "processor", "paused") and value != default and value:
            dropped.append(f"{key} {one_line(value, 40)!r} ({_WHY.get(key, 'no equivalent')})")
        elif key == "filter_text_removed" and value is False:
            dropped.append(f"{key} false ({_WHY[key]})")
    names = tuple(tags.get(t, t) for t in watch.get("tags") or () if isinstance(t, str))
    legacy = watch.get("tag")
    if not names and isinstance(legacy, str) and legacy.strip():
        names = tuple(t.strip() for t in legacy.split(",") if t.strip())
    return Entry(where, url, settings, names, tuple(dropped))


def _selectors(watch: Mapping[str, Any], settings: dict[str, Any], dropped: list[str]) -> None:
    """The include filters as one selector (a CSS group, or XPaths joined by |) and the
    subtractive selectors as the CSS ones to remove."""
    filters = [f for f in watch.get("include_filters") or () if isinstance(f, str) and f.strip()]
    legacy = watch.get("css_filter")
    if not filters and isinstance(legacy, str) and legacy.strip():
        filters = [legacy]
    css, xpath = [], []
    for item in (f.strip() for f in filters):
        if item.startswith("xpath:") and item[6:].strip().startswith("/"):
            xpath.append(item[6:].strip())
        elif item.startswith("/"):
            xpath.append(item)
        elif re.match(r"^(xpath1?|json|jq|jqraw):", item):
            dropped.append(f"include filter {one_line(item)!r} ({_SELECTOR_WHY})")
        else:
            css.append(item)
    if css and xpath:
        dropped.append(
            f"include filters {', '.join(repr(x) for x in xpath)} (monitor's selector is CSS "
            "or XPath, not both; the CSS ones are kept)"
        )
    if css:
        settings["selector"] = ", ".join(css)
    elif xpath:
        settings["selector"] = " | ".join(xpath)
    remove = []
    for item in watch.get("subtractive_selectors") or ():
        if not isinstance(item, str) or not item.strip():
            continue
        if item.strip().startswith(("/", "xpath:")):
            dropped.append(f"subtractive selector {one_line(item)!r} (removed by CSS only)")
        else:
            remove.append(item.strip())
    if remove:
        settings["remove"] = tuple(remove)


_SECONDS = {"weeks": 604800, "days": 86400, "hours": 3600, "minutes": 60, "seconds": 1}


def _every(watch: Mapping[str, Any]) -> str | None:
    """The watch's own interval as monitor writes one ('90m', '2d'), or None for the
    default one (changedetection.io's global setting, not in the watch)."""
    if watch.get("time_between_check_use_default", True) is not False:
        return None
    parts = _mapping(watch.get("time_between_check"))
    total = sum(int(parts.get(unit) or 0) * size for unit, size in _SECONDS.items())
    if total <= 0:
        return None
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if total % size == 0:
            return f"{total // size}{unit}"
    return f"{total}s"


def _tag_titles(application: Mapping[str, Any]) -> dict[str, str]:
    tags = _mapping(application.get("tags"))
    return {
        uuid: tag["title"]
        for uuid, tag in tags.items()
        if isinstance(tag, dict) and isinstance(tag.get("title"), str)
    }


def _json(archive: zipfile.ZipFile, name: str) -> dict[str, Any]:
    info = archive.getinfo(name)
    if info.file_size > _MAX_JSON:
        raise ImportFileError(f"{name} in the zip is {info.file_size} bytes; too big to read")
    try:
        loaded = json.loads(archive.read(name))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ImportFileError(f"{name} in the zip is no valid JSON ({error})") from error
    if not isinstance(loaded, dict):
        raise ImportFileError(f"{name} in the zip is no JSON object")
    return loaded


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}
