"""The kinds of edit: what changed between two versions, named sentence by sentence.

Most tests take real pages (the corpus, the seed story as served), make an edit in their
markup, extract both versions, diff and classify; the rest pin the sentence splitter and
the classifier's edge cases on small texts.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from fixtures.edited_pages import ARS, CASES, SEED_PAGES, URL, EditCase, corpus_page, seed_page

from monitor.detect import decide
from monitor.diff import diff_articles
from monitor.edits import KINDS, Edit, classify, describe
from monitor.extract import extract_article
from monitor.models import Article, StoredVersion, WatchOptions


def case(name: str) -> EditCase:
    return next(c for c in CASES if c.id == name)


def edits_between(old_html: str, new_html: str) -> tuple[Edit, ...]:
    """Extract both versions of a page, diff them and classify the edits."""
    return classify(diff_articles(extract_article(old_html, URL), extract_article(new_html, URL)))


def edits_of(old: tuple[str, ...], new: tuple[str, ...], **fields: str) -> tuple[Edit, ...]:
    """Classify the edits between two articles given as paragraphs."""
    before = Article(title="Headline", byline="By A. Writer", paragraphs=old)
    return classify(diff_articles(before, replace(before, paragraphs=new, **fields)))


def kinds(edits: tuple[Edit, ...]) -> list[str]:
    return [edit.kind for edit in edits]


# -- real pages -----------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_an_edit_of_a_real_page_is_named_by_its_kind(case: EditCase) -> None:
    """One edit made in a real page's markup is found as its kind, with its label."""
    html = corpus_page(case.page)
    edits = edits_between(html, case.apply(html))
    assert [(edit.kind, edit.label) for edit in edits] == list(case.edits)
    assert describe(edits) == case.phrase


def test_a_changed_number_carries_both_figures() -> None:
    """A number edit keeps the old and the new figure, whole, as its old and new text."""
    html = corpus_page("ars-1")
    (edit,) = edits_between(html, case("number").apply(html))
    assert (edit.kind, edit.old, edit.new) == ("number", "39", "45")


def test_a_changed_quotation_carries_the_whole_quotation() -> None:
    """A quotation edit keeps the quotation's words before and after, without the marks."""
    html = corpus_page("ars-1")
    (edit,) = edits_between(html, case("quote").apply(html))
    assert edit.old.startswith("I thought a lot before writing this post")
    assert edit.new.startswith("I thought hard before writing this post")
    assert not edit.old.startswith('"') and edit.old.endswith("post,")


def test_a_swapped_pair_of_paragraphs_is_one_paragraph_moved() -> None:
    """Swapping two paragraphs is one paragraph moved, not one removed and one added."""
    html = corpus_page("ars-1")
    (edit,) = edits_between(html, case("moved").apply(html))
    assert edit.kind == "moved" and edit.old == edit.new
    assert edit.new.startswith("The vulnerability stems from the fact")


def test_the_seed_revision_is_four_sentences_added_and_declared() -> None:
    """The seed story's revision (the 'Updated' line and three paragraphs) is four sentences
    added, and the page owned up to it."""
    old = extract_article(seed_page("v1.html"), URL)
    new = extract_article(seed_page("v2.html"), URL)
    previous = StoredVersion(1, datetime(2021, 6, 2, tzinfo=UTC), old, old.content_hash())
    decision = decide(previous, new, {}, WatchOptions())
    added = (SEED_PAGES / "added.txt").read_text(encoding="utf-8").splitlines()
    assert decision.declared is True
    assert [e.new for e in decision.edits if e.kind == "added"] == added
    # The byline line of these pages carries a view counter: extraction's business.
    assert {e.kind for e in decision.edits} <= {"added", "byline"}
    assert decision.edits[0].kind == "added"
    assert describe(decision.edits).startswith("4 sentences added")


def test_every_kind_at_once_comes_most_newsworthy_first() -> None:
    """All of ars-1's edits made together come out in the order of KINDS."""
    html = corpus_page("ars-1")
    edited = html
    for case in ARS:
        edited = case.apply(edited)
    edits = edits_between(html, edited)
    assert kinds(edits) == [kind for kind in KINDS if kind in kinds(edits)]
    assert set(kinds(edits)) == set(KINDS)
    assert describe(edits, 60) == "headline rewritten, mere 39 → 45 kilobytes (+7 more)"


@pytest.mark.parametrize("name", ["ars-1", "heise", "lemonde-1", "liberation-1", "yahoo-4"])
def test_an_unchanged_page_has_no_edits(name: str) -> None:
    """The same page twice holds no edit."""
    html = corpus_page(name)
    assert edits_between(html, html) == ()


@pytest.mark.usefixtures("hang_guard")
@pytest.mark.parametrize("size", ["sentence", "paragraph"])
def test_a_monstrous_sentence_or_paragraph_is_rewritten_not_aligned(size: str) -> None:
    """One 'sentence' of 30,000 words (no prose is; a hostile page is), or a paragraph of
    15,000 sentences, changed at one word: named rewritten, without aligning word by word
    or sentence by sentence (quadratic: minutes, on the daemon's event loop)."""
    unit = "word " if size == "sentence" else "A word. "
    old = unit * 15_000 + "end."
    (edit,) = edits_of((old,), (old.replace("end.", "fin."),))
    assert edit.kind == "rewritten"


# -- numbers ----------------------------------------------------------------------------------


def test_a_number_changed_in_a_sentence() -> None:
    """A figure changed is a number edit labelled with what it counts: 'death toll 12 → 15'."""
    (edit,) = edits_of(
        ("The death toll of 12 was confirmed.",), ("The death toll of 15 was confirmed.",)
    )
    assert edit == Edit("number", "12", "15", "death toll 12 → 15")


def test_a_unit_word_after_the_number_is_in_the_label() -> None:
    """The word after a figure says what it counts: '$2.5 → $2.7 billion'."""
    (edit,) = edits_of(("It cost $2.5 billion.",), ("It cost $2.7 billion.",))
    assert edit.label == "cost $2.5 → $2.7 billion"


def test_a_number_inside_a_word_is_not_a_number() -> None:
    """Digits glued to letters ('1990s', '4K') are part of a word: the sentence is rewritten."""
    edits = edits_of(("Email since the early 1990s.",), ("Email since the early 1980s.",))
    assert kinds(edits) == ["rewritten"]


def test_a_new_notation_of_the_same_figure_is_not_a_number_change() -> None:
    """'1,200' becoming '1.200' is the same figure: the sentence is rewritten, no number."""
    edits = edits_of(("About 1,200 people came.",), ("About 1.200 people came.",))
    assert kinds(edits) == ["rewritten"]


def test_a_grouped_figure_that_changed_is_a_number() -> None:
    """'1,200' becoming '1,500' is a number edit, the figures whole."""
    (edit,) = edits_of(("About 1,200 people came.",), ("About 1,500 people came.",))
    assert (edit.kind, edit.old, edit.new) == ("number", "1,200", "1,500")


@pytest.mark.parametrize(
    ("old", "new", "label"),
    [
        ("It opened on 2021-06-03.", "It opened on 2021-06-04.", "opened 2021-06-03 → 2021-06-04"),
        ("It opened on June 3.", "It opened on June 4.", "June 3 → 4"),
        ("Updated at 2:15 p.m. today.", "Updated at 2:45 p.m. today.", "Updated 2:15 → 2:45 p.m."),
    ],
    ids=["iso-date", "day", "time"],
)
def test_a_date_or_time_is_one_number(old: str, new: str, label: str) -> None:
    """A date or a time changes as a whole: its label shows it entire."""
    (edit,) = edits_of((old,), (new,))
    assert (edit.kind, edit.label) == ("number", label)


def test_a_number_in_chinese_text() -> None:
    """In CJK text a number stands between characters; the paragraph is still paired."""
    old = "事实上，有证据表明。1985年，美国联邦航空管理局开展了一项研究。"
    (edit,) = edits_of((old,), (old.replace("1985", "1988"),))
    assert (edit.kind, edit.label) == ("number", "1985 → 1988年")


# -- quotations and names -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("He said “we will stay” on Monday.", "He said “we will leave” on Monday."),
        ('He said "we will stay" on Monday.', 'He said "we will leave" on Monday.'),
        ("Er sagte „wir bleiben“ am Montag.", "Er sagte „wir gehen“ am Montag."),
        ("Il a dit « nous restons » lundi.", "Il a dit « nous partons » lundi."),
        ("He said ‘we will stay’ on Monday.", "He said ‘we will leave’ on Monday."),
        ("彼は「残ります」と述べた。", "彼は「帰ります」と述べた。"),
    ],
    ids=["curly", "straight", "german", "guillemets", "single", "japanese"],
)
def test_words_changed_inside_quotation_marks_are_a_quotation_edit(old: str, new: str) -> None:
    """A change between quotation marks of any style is a quotation edit."""
    (edit,) = edits_of((old,), (new,))
    assert edit.kind == "quote"


def test_a_quotation_over_two_sentences_is_one_edit() -> None:
    """Changes in two sentences of one quotation make one quotation edit."""
    old = "“We stay. We fight,” he said."
    (edit,) = edits_of((old,), ("“We go. We rest,” he said.",))
    assert (edit.kind, edit.old, edit.new) == ("quote", "We stay. We fight,", "We go. We rest,")


def test_an_apostrophe_is_no_quotation() -> None:
    """'won’t' becoming 'will not' outside quotation marks is a rewritten sentence."""
    edits = edits_of(
        ("The experts won’t stay in Turkey.",), ("The experts will not stay in Turkey.",)
    )
    assert kinds(edits) == ["rewritten"]


def test_a_capitalised_word_opening_a_sentence_is_no_name() -> None:
    """'The' becoming 'A' where a sentence starts is a rewritten sentence, not a name."""
    edits = edits_of(("The deal was signed.",), ("A deal was signed.",))
    assert kinds(edits) == ["rewritten"]


def test_a_name_opening_a_sentence_is_a_name_when_the_article_names_it_elsewhere() -> None:
    """'Sherman said' becoming 'Blinken said' is a name: the article has Sherman mid-sentence."""
    story = ("Officials met Wendy Sherman on Monday.", "Sherman said it went well.")
    (edit,) = edits_of(story, (story[0], "Blinken said it went well."))
    assert (edit.kind, edit.label) == ("name", "Sherman → Blinken")


# -- whole sentences and paragraphs -----------------------------------------------------------


def test_identical_text_has_no_edits() -> None:
    """Two identical articles have no edit, typography aside."""
    assert edits_of(("He said “yes.”",), ('He said "yes."',)) == ()


def test_a_sentence_moved_to_another_paragraph() -> None:
    """A sentence taken out of one paragraph and put, unchanged, into another moved."""
    old = ("First point here. A key sentence stands here.", "Second point there.")
    new = ("First point here.", "Second point there. A key sentence stands here.")
    assert kinds(edits_of(old, new)) == ["moved"]
    assert edits_of(old, new)[0].label == "sentence moved"


def test_a_sentence_added_and_one_rewritten_in_one_paragraph() -> None:
    """In one changed paragraph, a new sentence is added and an altered one rewritten."""
    old = ("The ministry denied the report on Thursday.",)
    new = ("The ministry firmly denied the report on Thursday. It gave no reason.",)
    assert kinds(edits_of(old, new)) == ["added", "rewritten"]


def test_headline_and_byline_are_kinds_of_their_own() -> None:
    """A new headline and a new byline are a headline edit and a byline edit."""
    edits = edits_of(("Text.",), ("Text.",), title="New headline", byline="By B. Writer")
    assert [(e.kind, e.old, e.new) for e in edits] == [
        ("headline", "Headline", "New headline"),
        ("byline", "By A. Writer", "By B. Writer"),
    ]


# -- saying them --------------------------------------------------------------------------------


def edit(kind: str, label: str) -> Edit:
    return Edit(kind, "", "", label)  # type: ignore[arg-type]


def test_describe_counts_sentences_and_names_the_rest() -> None:
    """Sentence kinds are counted; the others are said by their label, or counted when many."""
    edits = [
        edit("number", "toll 12 → 15"),
        edit("number", "3 → 4"),
        edit("quote", "quote “a” → “b”"),
        edit("added", "sentence added"),
        edit("added", "sentence added"),
        edit("moved", "paragraph moved"),
        edit("moved", "sentence moved"),
    ]
    assert describe(edits) == (
        "2 numbers changed, quote “a” → “b”, 2 sentences added, 1 paragraph moved, 1 sentence moved"
    )


def test_describe_says_one_change_made_in_several_places_once() -> None:
    """A name swapped the same way in two places reads as that one swap, not '2 names'."""
    swap = edit("name", "Nathan Willis → Daniel Okafor")
    assert describe([swap, swap]) == "Nathan Willis → Daniel Okafor"


def test_describe_leaves_out_what_does_not_fit_and_counts_it() -> None:
    """With a limit, phrases that do not fit are left out and counted as '(+N more)'."""
    edits = [edit("headline", "headline rewritten"), *[edit("added", "sentence added")] * 3]
    assert describe(edits, 30) == "headline rewritten (+3 more)"
    assert describe(edits, 100) == "headline rewritten, 3 sentences added"


def test_describe_always_says_the_first_phrase_cut_to_fit() -> None:
    """The most newsworthy phrase is there even when it alone is over the limit."""
    line = describe([edit("name", "Alexandria Ocasio-Cortez → Someone Else Entirely")], 20)
    assert len(line) <= 20 and line.startswith("Alexandria") and line.endswith("…")


def test_an_edit_round_trips_through_its_dict() -> None:
    """An edit written as a dict (JSON in the database) reads back equal."""
    one = Edit("number", "12", "15", "toll 12 → 15")
    assert Edit.from_dict(one.as_dict()) == one
    assert Edit.from_dict({**one.as_dict(), "kind": "future"}).kind == "rewritten"
