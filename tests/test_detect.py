"""The decisions: new version or not, alert or not, declared or silent, and the page's fate."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from monitor.detect import (
    Decision,
    decide,
    first_state,
    is_declared,
    is_significant,
    lifecycle,
    taken_back,
)
from monitor.diff import diff_articles
from monitor.models import Article, StoredVersion, WatchOptions

URL = "https://example.org/news/turkey-s400"
AT = datetime(2021, 6, 3, 12, 0, tzinfo=UTC)
PARAGRAPHS = (
    "Turkey will send home the Russian experts who came to set up the S-400 system.",
    "Ankara bought the system in a $2.5 billion deal that angered Washington.",
    "“The experts won’t stay in Turkey,” the foreign minister said on Wednesday.",
)
V1 = Article(
    title="Turkey to Send Home S-400 Experts",
    byline="The Moscow Times",
    published="2021-06-02",
    modified="2021-06-02",
    paragraphs=PARAGRAPHS,
)
EDITED = replace(
    V1, paragraphs=(PARAGRAPHS[0], PARAGRAPHS[1].replace("$2.5", "$2.7"), PARAGRAPHS[2])
)


def stored(article: Article, number: int = 1) -> StoredVersion:
    return StoredVersion(number, AT, article, article.content_hash())


def with_paragraphs(*paragraphs: str, base: Article = V1) -> Article:
    return replace(base, paragraphs=paragraphs)


# -- decide() ---------------------------------------------------------------------------


def test_first_version_is_stored_without_alert() -> None:
    """With nothing stored yet, the article is stored as the first version and nobody is alerted."""
    decision = decide(None, V1, {}, WatchOptions())
    assert (decision.kind, decision.store, decision.alert) == ("first", True, False)


@pytest.mark.parametrize(
    "new",
    [
        pytest.param(V1, id="identical"),
        pytest.param(
            with_paragraphs(*PARAGRAPHS[:2], PARAGRAPHS[2].replace("“", '"').replace("”", '"')),
            id="quote-style-only",
        ),
    ],
)
def test_unchanged_article_is_neither_stored_nor_alerted(new: Article) -> None:
    """The same text (up to typography) with the same dates is not a new version."""
    decision = decide(stored(V1), new, {V1.content_hash(): 1}, WatchOptions())
    assert decision == Decision("unchanged", store=False, alert=False)


@pytest.mark.parametrize("alert_on_timestamp", [False, True], ids=["default", "alert_on_timestamp"])
def test_timestamp_only_change_is_recorded(alert_on_timestamp: bool) -> None:
    """When only the page's own date moved, the version is stored; alerts only if asked for."""
    new = replace(V1, modified="2021-06-03")
    decision = decide(
        stored(V1), new, {V1.content_hash(): 1}, WatchOptions(alert_on_timestamp=alert_on_timestamp)
    )
    assert (decision.kind, decision.store, decision.alert) == (
        "timestamp",
        True,
        alert_on_timestamp,
    )
    assert decision.diff is not None and decision.diff.summary.is_empty


def test_edit_is_stored_and_alerted_with_its_diff() -> None:
    """A real edit is stored, alerted, and carries its diff."""
    decision = decide(stored(V1), EDITED, {V1.content_hash(): 1}, WatchOptions())
    assert (decision.kind, decision.store, decision.alert) == ("edit", True, True)
    assert decision.diff is not None
    assert decision.diff.summary.paragraphs_changed == 1
    assert decision.declared is False
    assert decision.revert_of is None


def test_revert_to_an_earlier_version_names_it() -> None:
    """Text equal to an earlier version's is a revert to that version's number."""
    known = {V1.content_hash(): 1, EDITED.content_hash(): 2}
    decision = decide(stored(EDITED, 2), V1, known, WatchOptions())
    assert (decision.kind, decision.store, decision.alert, decision.revert_of) == (
        "revert",
        True,
        True,
        1,
    )
    assert decision.diff is not None and decision.diff.summary.paragraphs_changed == 1


CORRECTION = "Correction: An earlier version of this story gave the deal as $2.7 billion."
PROMO = "Everything you learned in the user guide applies to work done in the new repository."


def test_taking_back_the_last_change_is_a_revert_though_the_text_was_never_stored() -> None:
    """A correction added and then removed is a revert to the version before it, though
    a promo line that slipped into that version makes its text differ from today's."""
    earlier = stored(with_paragraphs(*PARAGRAPHS, PROMO), 2)
    previous = stored(with_paragraphs(*PARAGRAPHS, CORRECTION), 3)
    new = with_paragraphs(*PARAGRAPHS)
    known = {a.article.content_hash(): a.number for a in (earlier, previous)}
    decision = taken_back(decide(previous, new, known, WatchOptions()), earlier, previous, new)
    assert (decision.kind, decision.revert_of, decision.alert) == ("revert", 2, True)
    assert decision.partial and decision.reason == "what version 3 changed is again as in version 2"


@pytest.mark.parametrize(
    ("new", "why"),
    [
        (with_paragraphs(*PARAGRAPHS, "A new paragraph."), "the correction was replaced"),
        (replace(V1, title="Turkey Sends Home S-400 Experts"), "the headline is a new one"),
    ],
)
def test_a_change_that_takes_back_only_part_or_adds_more_is_an_edit(new: Article, why: str) -> None:
    """Only a change whose every line is again as it was before the last one is a revert."""
    earlier = stored(with_paragraphs(*PARAGRAPHS), 2)
    previous = stored(with_paragraphs(*PARAGRAPHS, CORRECTION), 3)
    decision = taken_back(decide(previous, new, {}, WatchOptions()), earlier, previous, new)
    assert decision.kind == "edit", why


def test_edit_below_the_threshold_is_stored_without_alert() -> None:
    """An edit too small for the watch's min_change is still stored, with the reason why not."""
    decision = decide(stored(V1), EDITED, {V1.content_hash(): 1}, WatchOptions(min_change=5))
    assert (decision.kind, decision.store, decision.alert) == ("edit", True, False)
    assert "below the watch's minimum of 5" in decision.reason


UPDATED = "Updated at 2:15 p.m. on June 3."


@pytest.mark.parametrize(
    ("new", "declared"),
    [
        pytest.param(replace(EDITED, modified="2021-06-03"), True, id="modified-date-moved"),
        pytest.param(with_paragraphs(UPDATED, *EDITED.paragraphs), True, id="updated-at-line"),
        pytest.param(
            with_paragraphs("UPDATE: Russia denied the report.", *PARAGRAPHS),
            True,
            id="update-colon",
        ),
        pytest.param(
            with_paragraphs(*PARAGRAPHS, "Correction: An earlier figure was wrong."),
            True,
            id="correction",
        ),
        pytest.param(
            with_paragraphs(*PARAGRAPHS, "Clarification: the deal was signed in 2017."),
            True,
            id="clarification",
        ),
        pytest.param(
            with_paragraphs(*PARAGRAPHS, "This story has been updated with comment."),
            True,
            id="this-story-has-been-updated",
        ),
        pytest.param(
            with_paragraphs(*PARAGRAPHS, "An earlier version of this story misstated it."),
            True,
            id="an-earlier-version",
        ),
        pytest.param(
            with_paragraphs(*PARAGRAPHS, "Editor's note: names were changed."),
            True,
            id="editors-note-straight-apostrophe",
        ),
        pytest.param(
            with_paragraphs(*PARAGRAPHS, "Editor’s note: names were changed."),
            True,
            id="editors-note-curly-apostrophe",
        ),
        pytest.param(
            with_paragraphs(*PARAGRAPHS, "Editors’ note: names were changed."),
            True,
            id="editors-plural-note-curly-apostrophe",
        ),
        pytest.param(EDITED, False, id="silent-digit"),
        pytest.param(
            with_paragraphs(*PARAGRAPHS, "The ministry updated its figures on Monday."),
            False,
            id="silent-updated-mid-sentence",
        ),
        pytest.param(with_paragraphs(*PARAGRAPHS[:2]), False, id="silent-removal"),
        pytest.param(replace(EDITED, published="2021-06-01"), False, id="only-published-moved"),
    ],
)
def test_declared_or_silent(new: Article, declared: bool) -> None:
    """An edit is declared when its modified date moved or it gained an update/correction line."""
    decision = decide(stored(V1), new, {V1.content_hash(): 1}, WatchOptions())
    assert decision.kind == "edit"
    assert decision.declared is declared


def test_changed_update_line_is_declared() -> None:
    """Rewording the update line ('Updated at 2:15' to '... 4:30') declares the edit."""
    old = with_paragraphs(UPDATED, *PARAGRAPHS)
    new = with_paragraphs(UPDATED.replace("2:15", "4:30"), *EDITED.paragraphs)
    assert is_declared(old, new, diff_articles(old, new))


ONLY_REMOVED = with_paragraphs(*PARAGRAPHS[:2])
ONLY_ADDED = with_paragraphs(*PARAGRAPHS, "The Kremlin confirmed it.")
RETITLED = replace(V1, title="Turkey Sends Home Experts")


@pytest.mark.parametrize(
    ("options", "new", "significant"),
    [
        pytest.param(WatchOptions(), ONLY_REMOVED, True, id="default-removal"),
        pytest.param(
            WatchOptions(additions_only=True), ONLY_REMOVED, False, id="additions_only-removal"
        ),
        pytest.param(
            WatchOptions(additions_only=True), ONLY_ADDED, True, id="additions_only-addition"
        ),
        pytest.param(WatchOptions(additions_only=True), EDITED, True, id="additions_only-edit"),
        pytest.param(WatchOptions(min_change=2), EDITED, True, id="min_change-met-exactly"),
        pytest.param(WatchOptions(min_change=3), EDITED, False, id="min_change-not-met"),
        pytest.param(WatchOptions(min_change=4), ONLY_ADDED, True, id="min_change-addition"),
        pytest.param(WatchOptions(min_change=50), RETITLED, True, id="min_change-headline-always"),
        pytest.param(WatchOptions(min_change=0), EDITED, True, id="min_change-zero"),
        pytest.param(
            WatchOptions(additions_only=True, min_change=20),
            ONLY_ADDED,
            False,
            id="both-addition-too-small",
        ),
    ],
)
def test_is_significant(options: WatchOptions, new: Article, significant: bool) -> None:
    """additions_only and min_change decide whether an edit is worth an alert."""
    alert, why_not = is_significant(diff_articles(V1, new), options)
    assert alert is significant
    assert bool(why_not) is not significant


# -- lifecycle() ------------------------------------------------------------------------

PAGE = Article(title="t", paragraphs=("p",), canonical=URL)
NOINDEX = replace(PAGE, noindex=True)
ELSEWHERE = "https://example.org/news/2021/turkey-s400-moved"
RECANONICAL = replace(PAGE, canonical=ELSEWHERE)


@pytest.mark.parametrize(
    ("state", "status", "final_url", "article", "expected"),
    [
        pytest.param("active", 404, URL, None, ("gone", "gone"), id="404-gone"),
        pytest.param("active", 410, URL, None, ("gone", "gone"), id="410-gone"),
        pytest.param("gone", 404, URL, None, None, id="404-when-already-gone"),
        pytest.param("moved", 410, URL, None, ("gone", "gone"), id="410-after-moved"),
        pytest.param("active", 200, ELSEWHERE, PAGE, ("moved", "moved"), id="redirect-elsewhere"),
        pytest.param("moved", 200, ELSEWHERE, PAGE, None, id="redirect-when-already-moved"),
        pytest.param(
            "active",
            200,
            "https://other.example/news/turkey-s400",
            PAGE,
            ("moved", "moved"),
            id="redirect-other-host",
        ),
        pytest.param(
            "active", 200, URL.replace("https:", "http:"), PAGE, None, id="http-https-same-page"
        ),
        pytest.param("active", 200, URL.replace("://", "://www."), PAGE, None, id="www-same-page"),
        pytest.param("active", 200, URL + "/", PAGE, None, id="trailing-slash-same-page"),
        pytest.param(
            "active",
            200,
            URL.replace("example.org", "EXAMPLE.org"),
            PAGE,
            None,
            id="host-case-same-page",
        ),
        pytest.param("active", 200, URL, RECANONICAL, ("moved", "moved"), id="canonical-changed"),
        pytest.param("moved", 200, URL, RECANONICAL, None, id="canonical-when-already-moved"),
        pytest.param("active", 200, URL, NOINDEX, ("noindex", "noindex"), id="noindex"),
        pytest.param("noindex", 200, URL, NOINDEX, None, id="noindex-when-already-noindex"),
        pytest.param("gone", 200, URL, PAGE, ("back", "active"), id="back-after-gone"),
        pytest.param("noindex", 200, URL, PAGE, ("back", "active"), id="back-after-noindex"),
        pytest.param("moved", 200, URL, PAGE, ("back", "active"), id="back-after-moved"),
        pytest.param(
            "moved",
            200,
            URL,
            replace(PAGE, canonical=None),
            ("back", "active"),
            id="back-after-moved-without-canonical",
        ),
        pytest.param("active", 200, URL, PAGE, None, id="active-and-fine"),
        pytest.param("active", 500, URL, None, None, id="500"),
        pytest.param("active", 503, URL, None, None, id="503"),
        pytest.param("gone", 502, URL, None, None, id="502-when-gone"),
        pytest.param("active", 403, URL, None, None, id="403"),
        pytest.param("gone", 304, URL, None, None, id="not-modified-when-gone"),
    ],
)
def test_lifecycle(
    state: str,
    status: int,
    final_url: str,
    article: Article | None,
    expected: tuple[str, str] | None,
) -> None:
    """Taken down, moved, hidden from search and back are each reported once, when they happen."""
    event = lifecycle(state, URL, status, final_url, article, previous=PAGE)
    assert (None if event is None else (event.kind, event.state)) == expected


def test_lifecycle_details_say_what_happened() -> None:
    """Each event's detail names the status or the new address."""
    gone = lifecycle("active", URL, 410, URL, None, PAGE)
    moved = lifecycle("active", URL, 200, ELSEWHERE, PAGE, PAGE)
    canonical = lifecycle("active", URL, 200, URL, RECANONICAL, PAGE)
    assert gone is not None and "410" in gone.detail
    assert moved is not None and ELSEWHERE in moved.detail
    assert canonical is not None and ELSEWHERE in canonical.detail


def test_canonical_change_needs_a_previous_canonical() -> None:
    """A canonical URL is a move only against a previous canonical, not on first sight."""
    assert lifecycle("active", URL, 200, URL, RECANONICAL, previous=None) is None
    assert lifecycle("active", URL, 200, URL, RECANONICAL, replace(PAGE, canonical=None)) is None


def test_canonical_switching_to_the_watched_url_is_not_a_move() -> None:
    """A canonical URL that changes to the watched URL itself is no move."""
    previous = replace(PAGE, canonical=ELSEWHERE)
    assert lifecycle("active", URL, 200, URL, PAGE, previous) is None


@pytest.mark.parametrize(
    ("state", "status", "final_url", "article"),
    [
        pytest.param("active", 404, URL, None, id="404"),
        pytest.param("active", 410, URL, None, id="410"),
        pytest.param("active", 200, ELSEWHERE, PAGE, id="redirect-elsewhere"),
        pytest.param("active", 200, URL, NOINDEX, id="noindex"),
        pytest.param("gone", 200, URL, PAGE, id="served-after-a-404-before-any-version"),
    ],
)
def test_without_a_previous_version_nothing_is_a_lifecycle_event(
    state: str, status: int, final_url: str, article: Article | None
) -> None:
    """A first check is the baseline: no 'Taken down', 'Moved', 'Hidden' or 'Back' on it."""
    assert lifecycle(state, URL, status, final_url, article, previous=None) is None


@pytest.mark.parametrize(
    ("final_url", "article", "state"),
    [
        pytest.param(URL, PAGE, "active", id="served-at-its-url"),
        pytest.param(URL + "/", PAGE, "active", id="same-page-redirect"),
        pytest.param(ELSEWHERE, PAGE, "moved", id="redirected-elsewhere"),
        pytest.param(URL, NOINDEX, "noindex", id="noindex"),
        pytest.param(ELSEWHERE, NOINDEX, "moved", id="redirected-to-a-noindex-page"),
        pytest.param(URL, RECANONICAL, "active", id="another-canonical-is-no-move"),
    ],
)
def test_a_watch_starts_in_the_state_its_first_version_was_read_in(
    final_url: str, article: Article, state: str
) -> None:
    """Already redirected or already noindex at the first check: that is the starting state."""
    assert first_state(URL, final_url, article) == state


def test_back_after_noindex_says_search_engines_may_index_it_again() -> None:
    """Dropping noindex is reported as that, not as a page served again."""
    back = lifecycle("noindex", URL, 200, URL, PAGE, PAGE)
    assert back is not None and back.kind == "back"
    assert "no longer asks search engines not to index it" in back.detail


def test_a_declared_edit_says_how_the_page_owned_up() -> None:
    """The declaration names the moved date and quotes the page's own update line."""
    from monitor.detect import declaration
    from monitor.diff import diff_articles

    old = Article(title="T", modified="2021-06-02", paragraphs=("Body.",))
    new = Article(
        title="T", modified="2021-06-03", paragraphs=("Updated at 2:15 p.m. on June 3.", "Body.")
    )
    said = declaration(old, new, diff_articles(old, new))
    assert "modified date moved from 2021-06-02 to 2021-06-03" in said
    assert "“Updated at 2:15 p.m. on June 3.”" in said
    assert declaration(old, old, diff_articles(old, old)) == ""


def test_after_a_settings_change_a_difference_is_a_silent_baseline() -> None:
    """With rebaseline set, a changed reading is stored as the new baseline, without an alert."""
    old = Article(title="T", paragraphs=("One.", "Two."))
    new = Article(title="T", paragraphs=("One.",))
    previous = StoredVersion(1, datetime(2026, 1, 1, tzinfo=UTC), old, old.content_hash())
    decision = decide(previous, new, {}, WatchOptions(), rebaseline=True)
    assert (decision.kind, decision.store, decision.alert) == ("rebaseline", True, False)
    same = decide(previous, old, {}, WatchOptions(), rebaseline=True)
    assert (same.kind, same.store) == ("unchanged", False)


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("https://x.org/story", "http://www.x.org/story/", True),
        ("https://x.org/story", "https://x.org/story?utm_source=rss&fbclid=1", True),
        ("https://x.org/article.php?id=1", "https://x.org/article.php?id=2", False),
        ("https://x.org/article.php?id=1&p=2", "https://x.org/article.php?p=2&id=1", True),
        ("https://x.org/story", "https://x.org/archive/story", False),
    ],
    ids=["scheme-www-slash", "tracking", "query-names-article", "query-order", "other-path"],
)
def test_same_page_ignores_form_but_not_the_article_named(a: str, b: str, same: bool) -> None:
    """Scheme, www., trailing slash, parameter order and tracking tags don't make another page."""
    from monitor.detect import same_page

    assert same_page(a, b) is same
