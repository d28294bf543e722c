"""A change, confirmed by the full extractor before it is reported.

The container reading finds a change in ~2 ms, but it sees everything nested in the
article's element: a comment teaser in a shape the structure rules do not know, a
transplanted label. Before a changed line is reported, trafilatura reads the page
(comments excluded): a line that changed and that it keeps in neither version is
chrome, learnt with the watch at once and left out of both versions' text.

The verdicts on the stored version's lines were kept with the watch when that page was
read, so a confirmation costs one full extraction, of the new page; the stored page is
read again only for lines whose verdict was forgotten.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from monitor.extract import container
from monitor.extract.extractor import extractor_text
from monitor.extract.shapes import is_label
from monitor.extract.signals import update_notes
from monitor.extract.verdicts import Kept, remember, verdict
from monitor.models import Article, WatchOptions
from monitor.normalize import comparison_key


def confirmable(hint: dict[str, Any] | None) -> bool:
    """The page is read through a container, whose changes the extractor can confirm."""
    return container.Hint.from_json(hint) is not None


def needs_previous_page(
    hint: dict[str, Any] | None, previous: Sequence[str], lines: Sequence[str]
) -> bool:
    """Some line gone since the stored version has no verdict left in the hint: the
    stored page must be read again to judge it."""
    known = container.Hint.from_json(hint)
    if known is None:
        return False
    now = {container.line_digest(line) for line in lines}
    return any(
        verdict(known, line) is None for line in previous if container.line_digest(line) not in now
    )


@dataclass(frozen=True)
class Confirmation:
    """The extractor's opinion on a change."""

    article: Article
    """The article less the lines found to be chrome."""
    hint: dict[str, Any]
    """The hint with those lines learnt, and the extractor's verdicts remembered."""


def confirm(
    html: bytes | str,
    options: WatchOptions,
    hint: dict[str, Any] | None,
    article: Article,
    previous: Sequence[str],
    previous_html: bytes | None = None,
) -> Confirmation | None:
    """Judge the lines of ``article`` (this check's reading of ``html``, through the
    container of ``hint``) that differ from ``previous`` (the stored version's body): a
    line that the full extractor keeps in neither page is chrome. None: no container."""
    known = container.Hint.from_json(hint)
    if known is None:
        return None
    lines = article.paragraphs
    here = Kept(extractor_text(html, options), lines)
    there = None
    if previous_html is not None:
        there = Kept(extractor_text(previous_html, options), previous)
    now = {container.line_digest(line) for line in lines}
    before = {container.line_digest(line) for line in previous}
    gone = [line for line in previous if container.line_digest(line) not in now]
    chrome = [
        line for line in lines if container.line_digest(line) not in before and line not in here
    ]
    for line in gone:
        said = verdict(known, line)
        if said is None and there is not None:
            said = line in there
        if said is False:
            chrome.append(line)
    learnt = known
    if there is not None:
        learnt = remember(learnt, gone, there)
    learnt = remember(learnt, lines, here)
    learnt = replace(
        learnt, flips=container.learn_chrome(known.flips, map(container.line_digest, chrome))
    )
    volatile = learnt.volatile
    kept = tuple(line for line in lines if container.line_digest(line) not in volatile)
    # The text as the next check will read it (without the chrome), for its fast path.
    content = container.content_digest(article.title, article.byline, kept)
    return Confirmation(
        replace(article, paragraphs=kept), replace(learnt, content=content).to_json()
    )


@dataclass(frozen=True)
class Shown:
    """An article less the lines that were on the page already, unread, at the last check."""

    article: Article
    hint: dict[str, Any] | None
    """The hint, with those lines kept among the unread ones."""


def already_shown(
    earlier: dict[str, Any] | None,
    previous: Article,
    article: Article,
    hint: dict[str, Any] | None,
) -> Shown:
    """A line read now that the stored version lacks, but that the page showed at the last
    check in the container, unread (a unit judged chrome then, which some chrome beside
    it no longer spoils), was not added by the page: the reading moved, not the text. It
    stays out, at this check and the next ones, while the page shows it.

    The line must have moved: one fewer copy of it is unread now than then. A paragraph
    restored after its deletion while a teaser elsewhere repeats it is an addition.
    """
    known, now = container.Hint.from_json(earlier), container.Hint.from_json(hint)
    if known is None or now is None or not (known.unread or known.kept_out):
        return Shown(article, hint)
    moved = Counter(known.unread)
    moved.subtract(now.unread)
    out = set(known.kept_out) | {digest for digest, count in moved.items() if count > 0}
    stored = {container.line_digest(line) for line in previous.paragraphs}
    shown = [
        line
        for line in article.paragraphs
        if (digest := container.line_digest(line)) not in stored and digest in out
    ]
    if not shown:
        return Shown(article, hint)
    gone = set(shown)
    kept = tuple(line for line in article.paragraphs if line not in gone)
    kept_out = tuple(dict.fromkeys([*map(container.line_digest, shown), *now.kept_out]))
    learnt = replace(now, kept_out=kept_out[: container.UNREAD_KEPT])
    return Shown(replace(article, paragraphs=kept), learnt.to_json())


def settled(
    earlier: dict[str, Any] | None,
    previous: Article,
    article: Article,
    *,
    silent: bool = False,
) -> bool:
    """Whether a change may be reported now.

    A change made only of labels (short lines with no sentence end) appearing or going, with
    the headline, byline and every sentence as they were, is a rotating promo or ad
    label until it stays: it is reported when the page read the same way at the check
    before (``earlier``: that check's hint), and held until then.

    ``silent``: the page does not own up to the change (no "Updated …" or correction line,
    no moved date). Then sentences that appear from nothing are held the same way: a
    rotating insert (another story's headline, a promo, a radio plug) is shown at one load
    and gone at the next, while a paragraph the newsroom added is still there at the next
    check. A sentence that comes from a line gone beside it (a word edited, a paragraph
    split) is an edit, reported at once; so is every removal.
    """
    if article.title != previous.title:
        return True
    if article.byline != previous.byline:
        # A byline that appears from nothing may be another story's, passing through.
        return bool(previous.byline) or _stayed(earlier, article)
    now = {container.line_digest(line): line for line in article.paragraphs}
    before = {container.line_digest(line): line for line in previous.paragraphs}
    came = [now[d] for d in now.keys() - before.keys()]
    gone = [before[d] for d in before.keys() - now.keys()]
    if not (came or gone) or not all(is_label(line) for line in gone):
        return True
    source = {word for line in gone for word in _words(line)}
    if not all(is_label(line) or (silent and _from_nothing(line, source)) for line in came):
        return True
    if [d for d in before if d in now] != [d for d in now if d in before]:
        return True  # paragraphs moved too: that is no label's doing
    seen = container.seen_lines(earlier)
    if seen is None:
        return True
    return all(
        (digest in seen) == (digest in now) for digest in map(container.line_digest, [*came, *gone])
    )


def _from_nothing(line: str, source: set[str]) -> bool:
    """``line`` is no rewrite of the lines gone beside it: fewer than half its words are
    theirs. (An edited, split or joined paragraph keeps most of its words.)"""
    words = _words(line)
    return sum(1 for word in words if word in source) * 2 < len(words)


def _words(line: str) -> list[str]:
    return container.tokens(comparison_key(line))


def passing(earlier: dict[str, Any] | None, previous: Article, article: Article) -> bool:
    """Whether a change only takes away labels that the last check read for the first
    time (the first check reads every line for the first time).

    Chrome beside the article rotates: a promo label or a "Most read" heading read at
    one check and gone at the next came and went with the page's chrome, not with an
    edit. Such a change is recorded as the new baseline, without an alert. A label the
    page showed at two checks in a row and then dropped is reported (see ``settled``).
    """
    if (article.title, article.byline) != (previous.title, previous.byline):
        return False
    # Once each, in order: a line the page repeats ("Interlagos" twice in a calendar) is
    # one line here, as in ``before``.
    now = list(dict.fromkeys(container.line_digest(line) for line in article.paragraphs))
    present = set(now)
    before = {container.line_digest(line): line for line in previous.paragraphs}
    gone = [digest for digest in before if digest not in present]
    if not gone or [digest for digest in before if digest in present] != now:
        return False  # something came, or moved: that is no passing label's doing
    fresh = container.fresh_lines(earlier)
    return all(digest in fresh and is_label(before[digest]) for digest in gone)


def held(
    hint: dict[str, Any] | None,
    earlier: dict[str, Any] | None,
    previous: Article,
    article: Article,
) -> dict[str, Any] | None:
    """The hint of a check whose change is held (see ``settled``), for the next check:
    labels that the check before read for the first time and this one no longer shows
    stay fresh, so that their going is still told as passing (see ``passing``). Else a
    label shown at one check, gone at the next while a new one was held, is reported
    as removed at the check after."""
    if hint is None:
        return None
    now = {container.line_digest(line) for line in article.paragraphs}
    fresh = container.fresh_lines(earlier)
    carried = [
        digest
        for digest in map(container.line_digest, previous.paragraphs)
        if digest in fresh and digest not in now
    ]
    if not carried:
        return recheck(hint)
    kept = [str(digest) for digest in hint.get("fresh") or ()]
    return recheck({**hint, "fresh": list(dict.fromkeys([*kept, *carried]))})


def unmodified(hint: dict[str, Any] | None) -> dict[str, Any] | None:
    """The hint after a check answered "not modified": the page read at the last check
    was shown again, so no line of it is fresh any more (None: nothing to change)."""
    if not hint or not hint.get("fresh"):
        return None
    return {**hint, "fresh": []}


def _stayed(earlier: dict[str, Any] | None, article: Article) -> bool:
    """The byline read now was read at the check before too."""
    known = container.Hint.from_json(earlier)
    return known is None or known.byline == container.line_digest(article.byline)


def byline_held(earlier: dict[str, Any] | None, previous: Article, article: Article) -> Article:
    """A byline that appears from nothing, not read at the check before, is held (see
    ``settled``) apart from the rest of the change: an edit to the text made at the same
    check is reported now, under the stored byline, and the byline with the check after,
    if it stays. Held together, the edit waited for another story's name to go."""
    if previous.byline or not article.byline or _stayed(earlier, article):
        return article
    if (article.title, article.paragraphs) == (previous.title, previous.paragraphs):
        return article  # the byline alone: ``settled`` holds the whole change
    return replace(article, byline=previous.byline)


def labels_held(
    earlier: dict[str, Any] | None,
    previous: Article,
    article: Article,
    *,
    silent: bool = False,
    sections: bool = True,
) -> Article:
    """Labels that appear from nothing (read neither in the stored version nor at the
    check before) beside another change are held apart from it, as a byline is (see
    ``byline_held``): the change is reported now without them, and they with the check
    after, if they stay (see ``settled``). Reported together, a rotating promo's heading
    turned a revert into an edit ("Tag Cloud" come with a paragraph restored: "1
    sentence added, 1 paragraph moved" instead of "Reverted"). A heading over lines
    added with it is no such label: it heads the new section, reported with it.

    ``silent``: the page does not own up to the change. Then sentences from nothing (no
    rewrite of a line gone beside them) are held apart the same way: a rotating insert
    that came with a real edit rode in its alert, and its going was reported at the
    next check as a removal nobody made.

    ``sections``: whether a label over lines added with it heads them (False: it is
    held apart all the same, to tell whether the lines alone restore a stored version)."""
    seen = container.seen_lines(earlier)
    if seen is None:
        return article
    stored = {container.line_digest(line) for line in previous.paragraphs}
    lines = article.paragraphs
    digests = [container.line_digest(line) for line in lines]
    fresh = [digest not in stored for digest in digests]
    source: set[str] = set()
    if silent:
        present = set(digests)
        gone = [line for line in previous.paragraphs if container.line_digest(line) not in present]
        source = {word for line in gone for word in _words(line)}

    def apart(line: str) -> bool:
        return is_label(line) or (silent and _from_nothing(line, source))

    new = {
        line
        for at, line in enumerate(lines)
        if fresh[at]
        and digests[at] not in seen
        and apart(line)
        # A heading over lines added with it heads a new section: one edit, one alert.
        and not (
            sections
            and is_label(line)
            and at + 1 < len(lines)
            and fresh[at + 1]
            and not apart(lines[at + 1])
        )
    }
    if not new:
        return article
    rest = tuple(line for line in lines if line not in new)
    if (article.title, article.byline, rest) == (
        previous.title,
        previous.byline,
        previous.paragraphs,
    ):
        return article  # the held lines alone: ``settled`` holds the whole change
    return replace(article, paragraphs=rest)


def byline_kept(previous: Article, article: Article) -> Article:
    """A byline not found this time is not a byline removed: a byline is found by
    heuristics that chrome moving around can defeat, so the stored one stands."""
    if article.byline or not previous.byline:
        return article
    return replace(article, byline=previous.byline)


def container_found(earlier: dict[str, Any] | None, now: dict[str, Any] | None) -> bool:
    """The page was read through the extractor's text at the check before (no container
    was found then) and through a container now."""
    return not confirmable(earlier) and confirmable(now)


LOST_CHECKS = 3
"""Checks in a row that must miss a page's container before its loss is believed."""


def container_lost(earlier: dict[str, Any] | None, now: dict[str, Any] | None) -> int:
    """How many checks in a row, this one included, missed the page's container (0: not
    missed). A container that a few pieces of chrome hid once is found again next time;
    until then, the page read otherwise is not compared with its stored version."""
    if not confirmable(earlier) or confirmable(now):
        return 0
    assert earlier is not None
    return int(earlier.get("lost", 0)) + 1


def missed(earlier: dict[str, Any] | None, lost: int) -> dict[str, Any]:
    """The earlier hint kept for the next check, with how often its container was missed
    (see ``container_lost``)."""
    return {**(earlier or {}), "lost": lost}


def owned_up_since(before: bytes | str, now: bytes | str, hint: dict[str, Any] | None) -> bool:
    """The page ``now`` holds an update or correction line that the page ``before`` did
    not (``signals.update_notes``), up to the end of the article's element (the hint's;
    the whole page where it is not found): a box of other stories after it, each with
    its stamp ("Updated 9:46 AM ET"), rotates on its own, and owns up to nothing."""
    known = container.Hint.from_json(hint)

    def notes(html: bytes | str) -> frozenset[str]:
        tree = container.parse(html)
        node = container.follow_path(tree, known.path) if known is not None else None
        return update_notes(tree, node)

    return not notes(now) <= notes(before)


def recheck(hint: dict[str, Any] | None) -> dict[str, Any] | None:
    """The hint less its record of the page's text, so that the next check compares the
    page with the stored version again instead of taking the fast path."""
    return None if hint is None else {**hint, "content": ""}
