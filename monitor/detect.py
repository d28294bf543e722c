"""The decisions: is this a new version, is it worth an alert, was the edit declared?

Pure functions of their inputs: no database, no network, no clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Literal
from urllib.parse import parse_qsl, urlsplit

from monitor.diff import ArticleDiff, diff_articles
from monitor.edits import Edit, classify
from monitor.models import Article, StoredVersion, WatchOptions
from monitor.normalize import DECLARATION, comparison_key

VersionKind = Literal["first", "unchanged", "edit", "revert", "timestamp", "rebaseline"]


@dataclass(frozen=True)
class Decision:
    """What a fetched article means, compared with the stored versions."""

    kind: VersionKind
    store: bool
    """Store a new version."""
    alert: bool
    """Alert the watch's targets."""
    diff: ArticleDiff | None = None
    revert_of: int | None = None
    declared: bool | None = None
    """For edits: True when the page owned up to it (an 'Updated' line, a moved date)."""
    declared_by: str = ""
    """How it owned up, in words (see ``declaration``)."""
    reason: str = ""
    partial: bool = False
    """For reverts: only what the last change touched is again as in ``revert_of``."""
    edits: tuple[Edit, ...] = ()
    """What kinds of edit the diff holds, most newsworthy first (see ``monitor.edits``)."""


def dates_moved(old: Article, new: Article) -> bool:
    return (old.modified, old.published) != (new.modified, new.published)


def declaration(old: Article, new: Article, diff: ArticleDiff) -> str:
    """How the page owned up to an edit, in words; empty when it did not (a silent edit).

    Declared: the page's own modified date moved, or it gained an update, correction or
    editor's note line.
    """
    said = []
    if new.modified and new.modified != old.modified:
        said.append(f"its modified date moved from {old.modified or 'none'} to {new.modified}")
    added = [block.new for block in diff.blocks if block.kind in ("added", "changed")]
    notes = [text for text in added if DECLARATION.search(comparison_key(text))]
    if notes:
        note = notes[0] if len(notes[0]) <= 120 else notes[0][:119] + "…"
        said.append(f"it now says “{note}”")
    return "; ".join(said)


def is_declared(old: Article, new: Article, diff: ArticleDiff) -> bool:
    """Declared: the page's own modified date moved, or it gained an update/correction line."""
    return bool(declaration(old, new, diff))


def is_significant(diff: ArticleDiff, options: WatchOptions) -> tuple[bool, str]:
    """Apply the watch's thresholds; returns (alert?, why not)."""
    summary = diff.summary
    if options.additions_only and summary.words_added == 0:
        return False, "only removals, and the watch alerts on additions only"
    changed_words = summary.words_added + summary.words_removed
    if options.min_change and changed_words < options.min_change and not summary.title_changed:
        return (
            False,
            f"{changed_words} words changed, below the watch's minimum of {options.min_change}",
        )
    return True, ""


def decide(
    previous: StoredVersion | None,
    new: Article,
    known_hashes: dict[str, int],
    options: WatchOptions,
    *,
    rebaseline: bool = False,
) -> Decision:
    """Compare a freshly extracted article with the latest stored version, and say what
    kinds of edit the difference holds.

    ``rebaseline``: the watch's settings changed since that version, so a difference is
    the settings' doing: it is stored as the new baseline, without an alert.
    """
    decision = _decide(previous, new, known_hashes, options, rebaseline=rebaseline)
    if decision.diff is None or not decision.store:
        return decision
    return replace(decision, edits=classify(decision.diff))


def _decide(
    previous: StoredVersion | None,
    new: Article,
    known_hashes: dict[str, int],
    options: WatchOptions,
    *,
    rebaseline: bool,
) -> Decision:
    if previous is None:
        return Decision("first", store=True, alert=False, reason="first version")
    new_hash = new.content_hash()
    if rebaseline and (new_hash != previous.content_hash or dates_moved(previous.article, new)):
        return Decision(
            "rebaseline",
            store=True,
            alert=False,
            diff=diff_articles(previous.article, new),
            reason="the watch's settings changed",
        )
    if new_hash == previous.content_hash:
        if dates_moved(previous.article, new):
            return Decision(
                "timestamp",
                store=True,
                alert=options.alert_on_timestamp,
                diff=diff_articles(previous.article, new),
                reason="only the page's own date moved",
            )
        return Decision("unchanged", store=False, alert=False)
    diff = diff_articles(previous.article, new)
    if new_hash in known_hashes:
        return Decision(
            "revert",
            store=True,
            alert=True,
            diff=diff,
            revert_of=known_hashes[new_hash],
            reason=f"the text is again that of version {known_hashes[new_hash]}",
        )
    alert, why_not = is_significant(diff, options)
    return Decision(
        "edit",
        store=True,
        alert=alert,
        diff=diff,
        declared=bool(said := declaration(previous.article, new, diff)),
        declared_by=said,
        reason=why_not,
    )


def taken_back(
    decision: Decision, earlier: StoredVersion, previous: StoredVersion, new: Article
) -> Decision:
    """An edit that takes back the last change is a revert of it, even when the page's
    text as a whole was never stored (chrome that came or went in between, another edit
    kept): every line, the headline and the byline that changed since ``previous`` are
    again as they were in ``earlier``, the version before it."""
    if decision.kind != "edit":
        return decision
    before, then, now = (
        {comparison_key(line) for line in article.paragraphs}
        for article in (earlier.article, previous.article, new)
    )
    fields = [
        tuple(
            comparison_key(getattr(article, name))
            for article in (earlier.article, previous.article, new)
        )
        for name in ("title", "byline")
    ]
    if not all(key_now in (key_then, key_before) for key_before, key_then, key_now in fields):
        return decision
    if not all((line in before) == (line in now) for line in then ^ now):
        return decision
    return replace(
        decision,
        kind="revert",
        declared=None,
        declared_by="",
        revert_of=earlier.number,
        partial=True,
        reason=f"what version {previous.number} changed is again as in version {earlier.number}",
    )


LifecycleKind = Literal["gone", "moved", "noindex", "back"]


@dataclass(frozen=True)
class LifecycleEvent:
    kind: LifecycleKind
    detail: str
    state: str
    """The watch's state after the event."""


_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|mc_cid|mc_eid|ocid|cmpid|smid|ref)$", re.I)


def _page_key(url: str) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    parts = urlsplit(url)
    # The query can name the article (?id=123); tracking parameters never do.
    query = tuple(sorted((k, v) for k, v in parse_qsl(parts.query) if not _TRACKING.match(k)))
    return parts.netloc.lower().removeprefix("www."), parts.path.rstrip("/"), query


def same_page(a: str, b: str) -> bool:
    """Two URLs name the same page (scheme, 'www.', a trailing slash and tracking aside)."""
    return _page_key(a) == _page_key(b)


def lifecycle(
    state: str,
    url: str,
    status: int,
    final_url: str,
    article: Article | None,
    previous: Article | None,
) -> LifecycleEvent | None:
    """Taken down, moved, hidden from search, or back: each reported once, when it happens.

    ``previous`` is the article of the watch's latest version. Without one there is no
    event: a page is only taken down, moved or hidden if it was once seen otherwise (what
    the first check found is the baseline, see ``first_state``).
    """
    if previous is None:
        return None
    if status in (404, 410):
        return (
            None
            if state == "gone"
            else LifecycleEvent("gone", f"the page answers HTTP {status}", "gone")
        )
    if status >= 400:
        return None  # a server error says nothing about the article's fate
    if not same_page(url, final_url):
        return (
            None
            if state == "moved"
            else LifecycleEvent("moved", f"the page now redirects to {final_url}", "moved")
        )
    if article is None:
        return None
    canonical_moved = bool(
        article.canonical
        and previous.canonical
        and not same_page(article.canonical, previous.canonical)
        and not same_page(article.canonical, url)
    )
    if canonical_moved and state != "moved":
        return LifecycleEvent(
            "moved", f"the page's canonical URL is now {article.canonical}", "moved"
        )
    if article.noindex and state != "noindex":
        return LifecycleEvent(
            "noindex", "the page now asks search engines not to index it", "noindex"
        )
    if state == "noindex" and not article.noindex:
        return LifecycleEvent(
            "back", "the page no longer asks search engines not to index it", "active"
        )
    if state == "gone":
        return LifecycleEvent("back", "the page is served again at its URL", "active")
    if state == "moved" and (not article.canonical or same_page(article.canonical, url)):
        return LifecycleEvent("back", "the page is served again at its URL", "active")
    return None


def first_state(url: str, final_url: str, article: Article) -> str:
    """The lifecycle state a watch starts in, from the page its first version was read on.

    A first check reports nothing: a URL that already redirects to another page starts
    'moved', a page that already asks search engines not to index it starts 'noindex',
    and only a change from there is an event.
    """
    if not same_page(url, final_url):
        return "moved"
    if article.noindex:
        return "noindex"
    return "active"


FailureKind = Literal["failing", "recovered"]


def failure_event(failures: int, failed: bool, threshold: int) -> FailureKind | None:
    """'failing' when this check is the ``threshold``-th failure in a row, 'recovered' when
    it works after an alert said 'failing'; else None. Once each, however long it lasts.

    ``failures``: the checks that failed in a row before this one.
    """
    if failed:
        return "failing" if failures + 1 == threshold else None
    return "recovered" if failures >= threshold else None
