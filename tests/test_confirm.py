"""A change is confirmed by the full extractor before it is reported, and labels that
come and go are held until they stay: on a real page (heise.de), with its own caption."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from monitor.extract import container, extract, without_volatile
from monitor.extract.confirm import (
    LOST_CHECKS,
    already_shown,
    byline_held,
    byline_kept,
    confirm,
    container_found,
    container_lost,
    held,
    labels_held,
    needs_previous_page,
    owned_up_since,
    passing,
    recheck,
    settled,
    unmodified,
)
from monitor.models import Article, StoredVersion, WatchOptions

HEISE = Path(__file__).parent / "fixtures" / "corpus" / "heise" / "source.html"
URL = "https://www.heise.de/mac-and-i/meldung/1password.html"
CREDIT = "(Bild: Hersteller)"
EDITED = "AgileBits hat Version 5.3 seines"


def _page(credit: str = CREDIT, sentence: str = EDITED) -> bytes:
    html = HEISE.read_bytes()
    assert CREDIT.encode() in html and EDITED.encode() in html
    return html.replace(CREDIT.encode(), credit.encode()).replace(
        EDITED.encode(), sentence.encode()
    )


def _first() -> tuple[Article, dict[str, Any] | None]:
    first = extract(_page(), URL)
    assert first.article is not None and first.hint is not None
    return first.article, first.hint


def _stored(article: Article) -> StoredVersion:
    return StoredVersion(1, None, article, article.content_hash())  # type: ignore[arg-type]


def test_a_changed_photo_credit_that_the_extractor_leaves_out_is_chrome() -> None:
    """The container reading sees the credit change; trafilatura keeps the credit in
    neither page, so the change is learnt as chrome and left out of both versions."""
    before, hint = _first()
    page = _page(credit="(Bild: dpa / Archiv)")
    seen = extract(page, URL, None, hint)
    assert seen.article is not None, "the fast path notices the credit"
    assert not needs_previous_page(seen.hint, before.paragraphs, seen.article.paragraphs)
    confirmed = confirm(page, WatchOptions(), seen.hint, seen.article, before.paragraphs)
    assert confirmed is not None
    previous = without_volatile(_stored(before), confirmed.hint)
    assert confirmed.article.paragraphs == previous.article.paragraphs
    assert not any("Bild" in line for line in confirmed.article.paragraphs)
    # Learnt: the next check of the same page takes the fast path.
    assert extract(page, URL, None, confirmed.hint).article is None


def test_an_edited_sentence_is_confirmed() -> None:
    before, hint = _first()
    page = _page(sentence="AgileBits hat die Version 5.3 seines")
    seen = extract(page, URL, None, hint)
    assert seen.article is not None
    confirmed = confirm(page, WatchOptions(), seen.hint, seen.article, before.paragraphs)
    assert confirmed is not None
    assert any("die Version 5.3" in line for line in confirmed.article.paragraphs)
    assert not any(EDITED in line for line in confirmed.article.paragraphs)


def test_a_forgotten_verdict_reads_the_stored_page_again() -> None:
    """A hint that lost the extractor's verdicts (made by an older monitor) asks for the
    stored page, and judges the gone lines on it."""
    before, hint = _first()
    assert hint is not None
    bare = {**hint, "kept": [], "unkept": []}
    page = _page(credit="(Bild: dpa / Archiv)")
    seen = extract(page, URL, None, bare)
    assert seen.article is not None
    assert needs_previous_page(seen.hint, before.paragraphs, seen.article.paragraphs)
    confirmed = confirm(page, WatchOptions(), seen.hint, seen.article, before.paragraphs, _page())
    assert confirmed is not None
    previous = without_volatile(_stored(before), confirmed.hint)
    assert confirmed.article.paragraphs == previous.article.paragraphs


def test_a_page_without_a_container_has_nothing_to_confirm() -> None:
    assert confirm(_page(), WatchOptions(), None, Article(), ()) is None


def test_a_label_that_just_appeared_is_held_until_it_stays() -> None:
    before, hint = _first()
    with_label = replace(before, paragraphs=(*before.paragraphs, "Mehr zum Thema"))
    assert not settled(hint, before, with_label), "new since the last check: held"
    later = extract(_page(), URL, None, recheck(hint))
    assert later.hint is not None
    seen_with_label = {**later.hint, "lines": [*later.hint["lines"], _digest("Mehr zum Thema")]}
    assert settled(seen_with_label, before, with_label), "still there: reported"


def test_the_first_reading_finds_every_label_fresh_and_the_next_none() -> None:
    """A label is fresh at the check that first reads it, and no longer at the next."""
    page = _page().replace(b"<p>", b"<h3>Mehr zum Thema</h3><p>", 1)
    first = container.Hint.from_json(extract(page, URL).hint)
    assert first is not None and first.short and first.fresh == first.short
    again = container.Hint.from_json(extract(page, URL, None, recheck(first.to_json())).hint)
    assert again is not None and again.short == first.short and again.fresh == ()


def _with_label(label: str) -> tuple[Article, Article]:
    before, _ = _first()
    first, *rest = before.paragraphs
    return replace(before, paragraphs=(first, label, *rest)), before


def _fresh(*lines: str) -> dict[str, Any]:
    hint = container.Hint(path=(("div", "", 0),), lines=(), content="", dates="")
    return replace(hint, fresh=tuple(map(_digest, lines))).to_json()


def test_a_page_not_modified_since_the_last_check_has_nothing_fresh() -> None:
    """A 304 shows the page read last time again: its labels have been seen twice."""
    hint = _fresh("Mehr zum Thema")
    again = container.Hint.from_json(unmodified(hint))
    assert again is not None and again.fresh == ()
    assert unmodified(_fresh()) is None, "nothing to write"
    assert unmodified(None) is None


def test_a_label_gone_after_one_check_passed_through() -> None:
    """A promo label read at the last check only, and gone now, came with the chrome."""
    labelled, plain = _with_label("Mehr zum Thema")
    assert passing(_fresh("Mehr zum Thema"), labelled, plain)


def test_a_label_the_page_showed_twice_in_a_row_is_a_removal() -> None:
    labelled, plain = _with_label("Mehr zum Thema")
    assert not passing(_fresh(), labelled, plain)
    assert not passing(None, labelled, plain)


def test_a_sentence_never_passes_through() -> None:
    """Only labels pass: a sentence read once and gone is reported (a revert of an
    addition, or a deletion)."""
    said, plain = _with_label("Der Preis steigt auf 60 Euro.")
    assert not passing(_fresh("Der Preis steigt auf 60 Euro."), said, plain)


def test_a_fresh_label_gone_beside_other_changes_is_no_passing() -> None:
    labelled, plain = _with_label("Mehr zum Thema")
    hint = _fresh("Mehr zum Thema")
    added = replace(plain, paragraphs=(*plain.paragraphs, "Der Preis steigt auf 60 Euro."))
    assert not passing(hint, labelled, added), "a sentence came"
    assert not passing(hint, labelled, replace(plain, title="1Password 5.3 ist da"))
    first, second, *rest = plain.paragraphs
    assert not passing(hint, labelled, replace(plain, paragraphs=(second, first, *rest)))


def test_paragraphs_moved_beside_a_new_label_are_reported_at_once() -> None:
    """A label that appeared is no reason to hold back two paragraphs that swapped places."""
    before, hint = _first()
    first, second, *rest = before.paragraphs
    swapped = replace(before, paragraphs=(second, first, *rest, "Cons"))
    assert settled(hint, before, swapped)


def test_sentences_headlines_and_bylines_are_not_held_when_the_page_owns_up() -> None:
    """An update line or a moved date says the newsroom edited: nothing waits."""
    before, hint = _first()
    sentence = replace(before, paragraphs=(*before.paragraphs, "Der Preis steigt auf 60 Euro."))
    assert settled(hint, before, sentence)
    headline = replace(before, title="1Password 5.3 ist da")
    assert settled(hint, before, headline)
    assert settled(hint, before, headline, silent=True), "a new headline is news at once"


# BBC Newsbeat's radio plug, which a benchmark round set inside another site's article for
# one load: a sentence, with nothing of the article's in it.
PLUG = "Listen to Newsbeat live at 12:45 and 17:45 weekdays - or listen back here."


def test_a_sentence_from_nothing_on_a_silent_page_waits_for_the_next_check() -> None:
    """A rotating insert is shown at one load and gone at the next; a paragraph the
    newsroom added stays. So a sentence come from nothing, the page owning up to no
    edit, is reported when the page shows it at two checks in a row."""
    before, hint = _first()
    first, *rest = before.paragraphs
    plugged = replace(before, paragraphs=(first, PLUG, *rest))
    assert not settled(hint, before, plugged, silent=True), "new since the last check: held"
    assert hint is not None
    seen = {**hint, "lines": [*hint["lines"], _digest(PLUG)]}
    assert settled(seen, before, plugged, silent=True), "shown at the last check too: reported"


def test_a_rewritten_or_removed_sentence_is_reported_at_once_on_a_silent_page() -> None:
    """An edit comes from the words it changes: a sentence that keeps most of a line gone
    beside it is that line rewritten, and a removal is never held."""
    before, hint = _first()
    edited = tuple(
        line.replace(EDITED, "AgileBits hat die Version 5.3 seines") for line in before.paragraphs
    )
    assert edited != before.paragraphs
    assert settled(hint, before, replace(before, paragraphs=edited), silent=True)
    longest = max(before.paragraphs, key=len)
    at = before.paragraphs.index(longest)
    cut = (*before.paragraphs[:at], *before.paragraphs[at + 1 :])
    assert settled(hint, before, replace(before, paragraphs=cut), silent=True)
    split = (*before.paragraphs[:at], *longest.split(". ", 1), *before.paragraphs[at + 1 :])
    assert len(split) == len(before.paragraphs) + 1, "the paragraph splits in two"
    assert settled(hint, before, replace(before, paragraphs=split), silent=True)


def test_recheck_sends_the_next_check_past_the_fast_path() -> None:
    _, hint = _first()
    assert extract(_page(), URL, None, hint).article is None
    assert extract(_page(), URL, None, recheck(hint)).article is not None
    assert recheck(None) is None


def _digest(line: str) -> str:
    from monitor.extract.container import line_digest

    return line_digest(line)


def test_a_byline_not_found_is_not_a_byline_removed() -> None:
    """Chrome moving around can hide the byline from its heuristics: the stored one stands."""
    before, _ = _first()
    signed = replace(before, byline="Jane Doe")
    assert byline_kept(signed, replace(signed, byline="")).byline == "Jane Doe"
    assert byline_kept(signed, replace(signed, byline="John Roe")).byline == "John Roe"
    assert byline_kept(before, before) == before


def test_a_byline_from_nowhere_is_held_until_it_stays() -> None:
    """Another story's "By …" line passing under the headline is not the article's byline."""
    before, hint = _first()
    assert hint is not None
    unsigned = replace(before, byline="")
    signed = replace(before, byline="Scott Cunningham")
    assert not settled(hint, unsigned, signed), "new since the last check: held"
    stayed = {**hint, "byline": _digest("Scott Cunningham")}
    assert settled(stayed, unsigned, signed), "read at the check before too: reported"
    assert settled(hint, replace(before, byline="Jane Doe"), signed), "a changed byline is news"


def test_an_edit_made_as_a_byline_appears_from_nowhere_is_not_held_with_it() -> None:
    """The byline from nowhere waits for the next check; a paragraph deleted at the same
    check does not: it is reported now, under the stored (empty) byline."""
    before, hint = _first()
    assert hint is not None
    unsigned = replace(before, byline="")
    shortened = replace(unsigned, paragraphs=unsigned.paragraphs[1:], byline="Staff Reports")
    reported = byline_held(hint, unsigned, shortened)
    assert reported == replace(shortened, byline="")
    assert settled(hint, unsigned, reported)
    alone = replace(unsigned, byline="Staff Reports")
    assert byline_held(hint, unsigned, alone) == alone, "alone, settled() holds it"
    stayed = {**hint, "byline": _digest("Staff Reports")}
    assert byline_held(stayed, unsigned, shortened) == shortened, "read before: reported"


def test_a_label_shown_once_goes_silently_though_the_page_repeats_its_lines() -> None:
    """A racing calendar lists "Interlagos" twice: a label read at the first check only
    and gone at the next is chrome passing through all the same."""
    before, hint = _first()
    assert hint is not None
    rows = ("Interlagos", "Velopark", "Interlagos")
    stored = replace(before, paragraphs=(*before.paragraphs, *rows, "New York’s first crime boss"))
    now = replace(before, paragraphs=(*before.paragraphs, *rows))
    fresh = {**hint, "fresh": [_digest("New York’s first crime boss")]}
    assert passing(fresh, stored, now)


def test_a_held_change_keeps_a_passing_label_fresh_for_the_next_check() -> None:
    """A label read at the first check goes while another label comes: the change is
    held (the new label may rotate away). At the next check the first label is still
    one that passed through, not a removal to report."""
    before, hint = _first()
    assert hint is not None
    stored = replace(before, paragraphs=(*before.paragraphs, "Sponsored"))
    first = {**hint, "fresh": [_digest("Sponsored")]}
    now = replace(before, paragraphs=(*before.paragraphs, "Story continues below"))
    assert not settled(first, stored, now), "a new label: held"
    after = held({**hint, "fresh": [_digest("Story continues below")]}, first, stored, now)
    assert after is not None and after["content"] == "", "the next check is a full one"
    assert passing(after, stored, before), "gone again: both passed through"
    assert held(None, first, stored, now) is None


def test_a_container_missed_once_is_not_believed_lost() -> None:
    """Chrome can hide a container for a check; it is taken as lost after three misses."""
    _, hint = _first()
    assert hint is not None
    assert container_lost(hint, None) == 1
    assert container_lost({**hint, "lost": 1}, None) == 2
    assert container_lost({**hint, "lost": 2}, None) == LOST_CHECKS
    assert container_lost(hint, hint) == 0, "found"
    assert container_lost(None, None) == 0, "never had one"


def test_a_container_found_at_last_makes_a_new_baseline() -> None:
    """Read through the extractor's text before, through a container now: the reading
    changed, not the page."""
    _, hint = _first()
    assert container_found(None, hint)
    assert not container_found(hint, hint)
    assert not container_found(None, None)


# -- lines the page showed before, unread ---------------------------------------------------

STORY = ("The council met on Tuesday.", "It voted the budget.")
RECAP = "The budget passed by nine votes to two, the mayor said."


def _hint(unread: tuple[str, ...] = (), kept_out: tuple[str, ...] = ()) -> dict[str, Any]:
    digests = tuple(map(_digest, unread)), tuple(map(_digest, kept_out))
    hint = container.Hint(path=(("div", "", 0),), lines=(), content="", dates="")
    return replace(hint, unread=digests[0], kept_out=digests[1]).to_json()


def test_a_line_that_moves_from_unread_to_read_is_no_addition() -> None:
    """The page showed the recap at the last check, in a part the reader left out; read
    now, it is not added, and it stays out at the next checks."""
    stored = Article(paragraphs=STORY)
    read = Article(paragraphs=(*STORY, RECAP))
    shown = already_shown(_hint(unread=(RECAP,)), stored, read, _hint())
    assert shown.article.paragraphs == STORY
    later = already_shown(shown.hint, stored, read, _hint())
    assert later.article.paragraphs == STORY


def test_a_line_read_while_its_unread_copy_stays_is_an_addition() -> None:
    """A teaser that repeats a paragraph stays unread; the paragraph itself, restored in
    the article, is an addition."""
    stored = Article(paragraphs=STORY)
    read = Article(paragraphs=(*STORY, RECAP))
    shown = already_shown(_hint(unread=(RECAP,)), stored, read, _hint(unread=(RECAP,)))
    assert shown.article.paragraphs == (*STORY, RECAP)


def test_a_label_closed_by_a_colon_passes_through_as_other_labels_do() -> None:
    """A colon makes a line a sentence (it opens a list), and a label all the same: read
    at the first check only ("A user comment will be deleted if it:", a transplanted
    comment policy's heading, from the open pages at seed 17), it came with the chrome."""
    label = "A user comment will be deleted if it:"
    html = _page()
    end = html.index(b"</p>", html.index(EDITED.encode())) + len(b"</p>")
    page = html[:end] + f"<p>{label}</p>".encode() + html[end:]
    first = extract(page, URL)
    assert first.article is not None and label in first.article.paragraphs
    labelled, plain = (
        first.article,
        replace(first.article, paragraphs=tuple(p for p in first.article.paragraphs if p != label)),
    )
    assert passing(first.hint, labelled, plain)


def test_a_label_come_from_nothing_beside_another_change_is_held_apart() -> None:
    """A paragraph restored and a promo's label come at once: the change is the
    restored paragraph; the label waits for the next check (see ``settled``)."""
    before, hint = _first()
    first, second, *rest = before.paragraphs
    cut = replace(before, paragraphs=(first, *rest))  # the stored version: a paragraph cut
    restored = replace(before, paragraphs=(first, "Tag Cloud", second, *rest))
    assert labels_held(hint, cut, restored) == before
    # The label alone is no other change: ``settled`` holds the whole of it.
    assert labels_held(hint, before, restored) == restored
    # A sentence is not held where the page owns up to the edit, nor a label read at the
    # check before.
    said = replace(before, paragraphs=(first, "Der Preis steigt auf 60 Euro.", second, *rest))
    assert labels_held(hint, cut, said) == said
    seen = {**(hint or {}), "lines": [*(hint or {})["lines"], _digest("Tag Cloud")]}
    assert labels_held(seen, cut, restored) == restored


def test_a_sentence_from_nothing_beside_a_silent_edit_is_held_apart() -> None:
    """On a page that owns up to nothing, a rotating insert that came with a real edit
    waits for the next check, as a label does; the edit, a rewrite of a line gone beside
    it, is reported now."""
    before, hint = _first()
    edited = tuple(
        line.replace(EDITED, "AgileBits hat die Version 5.3 seines") for line in before.paragraphs
    )
    first, *rest = edited
    plugged = replace(before, paragraphs=(first, PLUG, *rest))
    assert labels_held(hint, before, plugged, silent=True) == replace(before, paragraphs=edited)
    assert labels_held(hint, before, plugged) == plugged, "owned up to: all reported at once"
    # The insert alone: ``settled`` holds the whole change.
    alone = replace(before, paragraphs=(before.paragraphs[0], PLUG, *before.paragraphs[1:]))
    assert labels_held(hint, before, alone, silent=True) == alone
    # Read at the check before, it stayed: reported with the edit.
    assert hint is not None
    seen = {**hint, "lines": [*hint["lines"], _digest(PLUG)]}
    assert labels_held(seen, before, plugged, silent=True) == plugged


def test_a_heading_over_a_section_added_with_it_is_reported_with_it() -> None:
    """A new section, its heading and its paragraph, is one edit: the heading is not held
    for the next check (that would make two alerts of one revision)."""
    before, hint = _first()
    first, *rest = before.paragraphs
    section = replace(
        before, paragraphs=(first, "Was sich ändert", "Der Preis steigt auf 60 Euro.", *rest)
    )
    assert labels_held(hint, before, section) == section


def _heise(before_body: str = "") -> str:
    html = HEISE.read_text(encoding="utf-8")
    at = html.index(">", html.index("<body")) + 1
    return html[:at] + before_body + html[at:]


def _owns_up(before: str, now: str) -> bool:
    """``owned_up_since`` with no hint: the whole page is looked at."""
    return owned_up_since(before, now, None)


def test_an_update_line_above_the_article_owns_up_to_the_edit() -> None:
    """Set above the article's element, an update line is the page's clock to the reading,
    and still the newsroom's word that the story changed."""
    note = "<p><em>Updated at 3:40 p.m. on March 17, 2024.</em></p>"
    assert _owns_up(_heise(), _heise(note))
    assert not _owns_up(_heise(note), _heise(note)), "the same line: nothing new"
    assert not _owns_up(_heise(note), _heise()), "a note gone owns up to nothing"
    assert _owns_up(_heise(), _heise("<div>Correction: An earlier version misstated it.</div>"))


def test_an_update_stamp_that_moves_is_a_new_note() -> None:
    """The stamp is often an element of its own: "Updated <time>…</time>"."""
    stamped = "<p class=dateline>Updated <time>June 2, 2021 7:04 p.m.</time></p>"
    moved = stamped.replace("June 2, 2021 7:04", "June 3, 2021 2:15")
    assert _owns_up(_heise(stamped), _heise(moved))
    assert not _owns_up(_heise(stamped), _heise(stamped))


def test_a_clock_that_says_updated_owns_up_to_nothing() -> None:
    """ "Updated 3 minutes ago" moves on its own, edit or none (as a site's byline box
    has it, set beside another page's article by a benchmark round)."""
    clock = "<span>Updated <time>3 minutes ago</time></span>"
    later = clock.replace("3 minutes", "48 minutes")
    assert not _owns_up(_heise(clock), _heise(later))


def test_an_update_word_in_a_script_or_in_a_sentence_owns_up_to_nothing() -> None:
    script = "<script>var s = 'Updated at 3:40 p.m.';</script>"
    assert not _owns_up(_heise(), _heise(script))
    prose = "<p>Officials updated the figures on Tuesday.</p>"
    assert not _owns_up(_heise(), _heise(prose)), "a line must open with it"


def test_a_stamp_after_the_articles_element_owns_up_to_nothing() -> None:
    """A box of other stories after the article, each with its stamp, rotates on its own:
    only the lines up to the end of the article's element are the story's word. Where
    the element is not found, the whole page is looked at, as before."""
    _, hint = _first()
    html = _heise()
    end = html.rindex("</body>")

    def boxed(stamp: str) -> str:
        box = f"<aside><p>Most read</p><p><em>Updated {stamp}</em></p></aside>"
        return html[:end] + box + html[end:]

    before, now = boxed("9:46 AM ET"), boxed("4:12 PM ET")
    assert not owned_up_since(before, now, hint)
    assert _owns_up(before, now), "the whole page, without the article's element"
    note = "<p><em>Updated at 3:40 p.m. on March 17, 2024.</em></p>"
    assert owned_up_since(html, _heise(note), hint), "above the article: the story's"


WIKI = Path(__file__).parent / "fixtures" / "web" / "wikipedia" / "source.html"


def test_the_old_headline_still_shown_in_the_body_after_a_rewrite_was_not_added() -> None:
    """Wikipedia's "Mozilla" is the headline and, again, the infobox's name, which the
    reading leaves out as the headline's echo. When the headline is rewritten, the
    infobox's line no longer echoes it and moves into the reading: the page did not
    add it (the open pages reported "1 sentence added: Mozilla" a check after the
    headline edit). The rewritten headline is read."""
    source = WIKI.read_text(encoding="utf-8")
    first = extract(source.encode(), "https://en.wikipedia.org/wiki/Mozilla")
    assert first.article is not None and first.article.title == "Mozilla"
    assert "Mozilla" not in first.article.paragraphs
    rewritten = source.replace(">Mozilla</h1>", ">Mozilla, in a reversal announced overnight</h1>")
    now = extract(rewritten.encode(), "https://en.wikipedia.org/wiki/Mozilla", None, first.hint)
    assert now.article is not None
    assert now.article.title == "Mozilla, in a reversal announced overnight"
    assert "Mozilla" in now.article.paragraphs  # the infobox's name, read now
    shown = already_shown(first.hint, first.article, now.article, now.hint)
    assert "Mozilla" not in shown.article.paragraphs
    assert shown.article.title == "Mozilla, in a reversal announced overnight"
