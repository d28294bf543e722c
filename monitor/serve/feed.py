"""Atom feeds of changes (RFC 4287), built from values: no database, no clock.

Written with ``xml.etree.ElementTree`` rather than feedgen: the feed is a dozen
elements, the standard library escapes text and attributes, and feedgen (last release
December 2023) would bring python-dateutil for nothing monitor needs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit
from xml.etree import ElementTree

from monitor.diff import diff_articles
from monitor.models import ChangeRecord, Watch
from monitor.render import AlertContext, diff_text, subject

ATOM = "http://www.w3.org/2005/Atom"
CONTENT_TYPE = "application/atom+xml; charset=utf-8"


@dataclass(frozen=True)
class Entry:
    """One change, as a feed shows it."""

    id: str
    title: str
    updated: datetime
    link: str
    content: str


def entry_id(watch: Watch, record: ChangeRecord) -> str:
    """A tag: URI (RFC 4151) that names the version for good: the watched page's host and
    the version's date, then the watch and version numbers."""
    host = urlsplit(watch.url).hostname or "localhost"
    day = record.version.created_at.strftime("%Y-%m-%d")
    return f"tag:{host},{day}:monitor/watch/{watch.id}/version/{record.version.number}"


def entry(watch: Watch, record: ChangeRecord) -> Entry:
    """The change as an entry: the alert's subject line, and the text diff from the
    version before (the new text alone when retention forgot that one)."""
    version, previous = record.version, record.previous
    diff = diff_articles(previous.article, version.article) if previous is not None else None
    ctx = AlertContext(
        kind=version.kind,
        watch_name=watch.spec.name or version.article.title or watch.url,
        url=watch.url,
        old_number=previous.number if previous is not None else None,
        old_at=previous.created_at if previous is not None else None,
        new_number=version.number,
        new_at=version.created_at,
        diff=diff,
        declared=record.declared,
        revert_of=version.revert_of,
        edits=version.edits,
    )
    lines = diff_text(diff) if diff is not None else list(version.article.paragraphs)
    return Entry(
        id=entry_id(watch, record),
        title=subject(ctx),
        updated=version.created_at,
        link=watch.url,
        content="\n".join(lines),
    )


def entries(watches: Mapping[int, Watch], records: Sequence[ChangeRecord]) -> list[Entry]:
    """The records as entries, in their order (a watch removed meanwhile is left out)."""
    return [entry(watches[r.watch_id], r) for r in records if r.watch_id in watches]


def _stamp(at: datetime) -> str:
    return at.isoformat(timespec="seconds").replace("+00:00", "Z")


def _add(parent: ElementTree.Element, tag: str, text: str | None = None, **attrs: str) -> None:
    child = ElementTree.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    child.text = text


def atom(
    *, feed_id: str, title: str, self_url: str, updated: datetime, items: Sequence[Entry]
) -> bytes:
    """The feed document. ``updated``: when nothing is in it (else its newest entry's)."""
    ElementTree.register_namespace("", ATOM)
    feed = ElementTree.Element(f"{{{ATOM}}}feed")
    _add(feed, "id", feed_id)
    _add(feed, "title", title)
    _add(feed, "updated", _stamp(max((i.updated for i in items), default=updated)))
    _add(feed, "link", rel="self", href=self_url, type="application/atom+xml")
    author = ElementTree.SubElement(feed, f"{{{ATOM}}}author")
    _add(author, "name", "monitor")
    _add(feed, "generator", "monitor")
    for item in items:
        node = ElementTree.SubElement(feed, f"{{{ATOM}}}entry")
        _add(node, "id", item.id)
        _add(node, "title", item.title, type="text")
        _add(node, "updated", _stamp(item.updated))
        _add(node, "link", rel="alternate", href=item.link)
        _add(node, "content", item.content, type="text")
    ElementTree.indent(feed)
    document: bytes = ElementTree.tostring(feed, encoding="utf-8", xml_declaration=True)
    return document
