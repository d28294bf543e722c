"""urlwatch's ``urls.yaml``: one job per YAML document.

A url job becomes a watch; its ``css``, ``xpath`` and ``element-by-id/class/tag`` filter
becomes the watch's selector where one selector can say the same. What cannot be said
(other filters, keys with no per-watch equivalent) is reported and left out; a job that
fetches another way (a shell command, a POST, another method) is not imported at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from monitor.errors import ImportFileError
from monitor.imports.entries import Entry, one_line

_NOT_NEEDED = "monitor reads the page's text itself"
_FILTER_WHY = {
    "html2text": _NOT_NEEDED,
    "strip": _NOT_NEEDED,
    "striplines": _NOT_NEEDED,
    "beautify": _NOT_NEEDED,
    "grep": "no equivalent: monitor watches the whole article or selected part",
    "grepi": "no equivalent; --ignore REGEX drops lines, if that is what it was for",
    "re.sub": "no equivalent: monitor does not rewrite the text",
    "shellpipe": "monitor runs no commands",
}

_KEY_WHY = {
    "headers": "monitor sends its own request headers",
    "cookies": "monitor sends no cookies",
    "http_proxy": "no proxy per watch",
    "https_proxy": "no proxy per watch",
    "ssl_no_verify": "monitor always verifies certificates",
    "diff_tool": "monitor makes its own diff",
    "diff_filter": "monitor makes its own diff",
    "wait_until": "monitor fetches without a browser",
    "wait_for": "monitor fetches without a browser",
    "useragent": "one user agent for all watches ([monitor] user_agent)",
    "browser": "monitor fetches without a browser",
}
_NO_EQUIVALENT = "no per-watch equivalent in monitor"
_IGNORED = {"kind", "url", "navigate", "name", "filter", "enabled", "tags"}
"""Keys read here, one way or another."""

_SELECTING = {"css", "xpath", "element-by-id", "element-by-class", "element-by-tag"}
_TAG_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]*")


def read_urlwatch(text: str) -> list[Entry]:
    """The jobs of a ``urls.yaml``, in order; ImportFileError if it is no YAML."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        documents = list(yaml.load_all(text, Loader=loader))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or type(error).__name__
        raise ImportFileError(
            f"malformed YAML{where} ({problem}); fix it (urlwatch --edit checks it) and "
            "import again"
        ) from error
    entries = []
    for number, job in enumerate((d for d in documents if d is not None), start=1):
        where = f"job {number}"
        if not isinstance(job, dict):
            entries.append(Entry(where, None, skipped="not a job (a YAML mapping of keys)"))
        else:
            entries.append(_job(where, job))
    return entries


def _job(where: str, job: dict[str, Any]) -> Entry:
    kind = job.get("kind")
    if "command" in job or kind == "shell":
        command = one_line(job.get("command", ""))
        return Entry(where, None, skipped=f"a shell job ({command!r}); monitor watches web pages")
    if kind not in (None, "url", "browser"):
        return Entry(where, None, skipped=f"job kind {kind!r} comes from a hooks.py; no equivalent")
    browser = "navigate" in job or kind == "browser"
    url = job.get("navigate") if browser else job.get("url")
    name = job.get("name")
    label = f"job {name!r}" if isinstance(name, str) else where
    if not isinstance(url, str):
        return Entry(label, None, skipped="it has no URL")
    if job.get("enabled") is False:
        return Entry(label, url, skipped="disabled in urlwatch (enabled: false)")
    method = str(job.get("method") or "GET").upper()
    if "data" in job:
        return Entry(label, url, skipped="it POSTs form data; monitor fetches with GET only")
    if method != "GET":
        return Entry(label, url, skipped=f"it sends {method}; monitor fetches with GET only")
    settings: dict[str, Any] = {}
    if isinstance(name, str) and name.strip():
        settings["name"] = name.strip()
    dropped: list[str] = []
    if browser:
        dropped.append("browser (monitor fetches the page without running its JavaScript)")
    for key in job:
        if key not in _IGNORED and key != "method":
            dropped.append(f"{key} ({_KEY_WHY.get(key, _NO_EQUIVALENT)})")
    if "filter" in job:
        dropped.extend(_filters(job["filter"], settings))
    tags = job.get("tags")
    tag_names = tuple(str(t) for t in tags) if isinstance(tags, list) else ()
    return Entry(label, url, settings, tag_names, tuple(dropped))


def _filters(spec: Any, settings: dict[str, Any]) -> list[str]:
    """Map the job's filters into ``settings``; return the ones not imported, with why."""
    dropped = []
    for kind, sub in _filter_list(spec):
        shown = f"filter {kind}" + (f" {one_line(_main(sub))!r}" if _main(sub) else "")
        if kind not in _SELECTING:
            dropped.append(f"{shown} ({_FILTER_WHY.get(kind, 'no equivalent in monitor')})")
            continue
        if "selector" in settings:
            dropped.append(f"{shown} (a second selector; monitor watches one part of a page)")
            continue
        selector, why = _selector(kind, sub)
        if selector is None:
            dropped.append(f"{shown} ({why})")
            continue
        settings["selector"] = selector
        if kind == "css" and isinstance(sub.get("exclude"), str):
            settings["remove"] = (sub["exclude"],)
        elif "exclude" in sub:
            dropped.append(f"exclude of {shown} (monitor removes elements by CSS selector only)")
        extra = sorted(set(sub) - {"selector", "path", "exclude", "method"})
        if extra or sub.get("method", "html") != "html":
            options = ", ".join(extra + (["method"] if "method" in sub else []))
            dropped.append(f"{options} of {shown} ({_NO_EQUIVALENT})")
    return dropped


def _filter_list(spec: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """urlwatch's filter spec as (kind, subfilter) pairs, the way urlwatch reads it: a
    list of names and one-key mappings, or the older 'kind:value,kind' string."""
    if isinstance(spec, str):
        items: list[Any] = [
            dict([part.split(":", 1)]) if ":" in part else part for part in spec.split(",")
        ]
    elif isinstance(spec, list):
        items = spec
    else:
        items = [spec]
    for item in items:
        if isinstance(item, str):
            yield item.strip(), {}
        elif isinstance(item, dict) and item:
            kind, sub = next(iter(item.items()))
            if isinstance(sub, dict):
                yield str(kind), sub
            elif sub is None:
                yield str(kind), {}
            else:
                yield str(kind), {_DEFAULT_SUB.get(str(kind), "value"): sub}
        else:
            yield one_line(item), {}


_DEFAULT_SUB = {
    "css": "selector",
    "xpath": "path",
    "element-by-id": "id",
    "element-by-class": "class",
    "element-by-tag": "tag",
    "grep": "re",
    "grepi": "re",
    "re.sub": "pattern",
    "shellpipe": "command",
    "html2text": "method",
}


def _main(sub: dict[str, Any]) -> Any:
    """The value a filter is mostly given by (its selector, its pattern...)."""
    for key in ("selector", "path", "id", "class", "tag", "re", "pattern", "command", "value"):
        if key in sub:
            return sub[key]
    return None


def _selector(kind: str, sub: dict[str, Any]) -> tuple[str | None, str]:
    """The watch selector saying what the filter selects, or None and why not."""
    value = _main(sub)
    if not isinstance(value, str) or not value.strip():
        return None, "it gives no selector"
    value = value.strip()
    if kind == "css":
        if value.startswith("/"):
            return None, "monitor would read a selector starting with / as XPath"
        return value, ""
    if kind == "xpath":
        if not value.startswith("/"):
            return None, "monitor's selector takes an XPath that starts with /"
        return value, ""
    if kind == "element-by-tag":
        if not _TAG_NAME.fullmatch(value):
            return None, "not a tag name"
        return value.lower(), ""
    attribute = "id" if kind == "element-by-id" else "class"
    # urlwatch matches the attribute's whole value, as this CSS attribute selector does.
    quoted = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'[{attribute}="{quoted}"]', ""
