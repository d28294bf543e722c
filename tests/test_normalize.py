"""Normalisation: only real edits survive ``comparison_key``; display text keeps its typography."""

from __future__ import annotations

import unicodedata

import pytest
from fixtures.hostile_pages import page_text

from monitor.normalize import (
    COMPARE_STEPS,
    DISPLAY_STEPS,
    Step,
    collapse_spaces,
    comparison_key,
    compose_unicode,
    drop_invisible,
    normalize_paragraphs,
    normalize_text,
    straighten_quotes,
    unify_hyphens,
)

NFD_CAFE = unicodedata.normalize("NFD", "café")

STEP_CASES = [
    pytest.param(compose_unicode, NFD_CAFE, "café", id="compose-decomposed-accent"),
    pytest.param(compose_unicode, "café", "café", id="compose-keeps-composed"),
    pytest.param(drop_invisible, "news\u00adpaper", "newspaper", id="invisible-soft-hyphen"),
    pytest.param(drop_invisible, "zero\u200bwidth\u200c\u200d", "zerowidth", id="invisible-zw"),
    pytest.param(drop_invisible, "\ufeffword\u2060", "word", id="invisible-bom-word-joiner"),
    pytest.param(drop_invisible, "bell\x07null\x00", "bellnull", id="invisible-control-chars"),
    pytest.param(drop_invisible, "tab\tline\nend", "tab\tline\nend", id="invisible-keeps-tab-lf"),
    pytest.param(straighten_quotes, "‘single’ “double”", "'single' \"double\"", id="quotes-curly"),
    pytest.param(straighten_quotes, "„low‟ ‚low‛", "\"low\" 'low'", id="quotes-low-and-reversed"),
    pytest.param(straighten_quotes, "«guillemets»", '"guillemets"', id="quotes-guillemets"),
    pytest.param(straighten_quotes, "5′ 11″ and it´s", "5' 11\" and it's", id="quotes-primes"),
    pytest.param(straighten_quotes, "plain 'ascii'", "plain 'ascii'", id="quotes-ascii-unchanged"),
    pytest.param(unify_hyphens, "S\u2010400 \u2011 x \u2012 y", "S-400 - x - y", id="hyphens"),
    pytest.param(unify_hyphens, "\u22125°C", "-5°C", id="hyphens-minus-sign"),
    pytest.param(unify_hyphens, "a – b — c", "a – b — c", id="hyphens-keep-en-em-dashes"),
    pytest.param(collapse_spaces, "a  \t b", "a b", id="spaces-run"),
    pytest.param(collapse_spaces, "a\u00a0\u00a0b", "a b", id="spaces-nbsp"),
    pytest.param(collapse_spaces, "a\u2009b\u202fc", "a b c", id="spaces-thin-and-narrow-nbsp"),
    pytest.param(collapse_spaces, "  padded  ", "padded", id="spaces-strip"),
    pytest.param(collapse_spaces, "one\r\ntwo", "one\n\ntwo", id="spaces-cr-becomes-lf"),
    pytest.param(collapse_spaces, "one \n two", "one \n two", id="spaces-keep-line-breaks"),
]


@pytest.mark.parametrize(("step", "text", "expected"), STEP_CASES)
def test_each_step(step: Step, text: str, expected: str) -> None:
    """Each normalisation step makes exactly its one kind of change."""
    assert step(text) == expected


def test_display_steps_clean_but_keep_typography() -> None:
    """DISPLAY steps compose, drop invisibles and collapse spaces; COMPARE steps do the rest."""
    assert (compose_unicode, drop_invisible, collapse_spaces) == DISPLAY_STEPS
    assert (straighten_quotes, unify_hyphens) == COMPARE_STEPS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("“Yes,” she said\u00a0 —\u00adtwice.", "“Yes,” she said —twice.", id="quotes"),
        pytest.param(f"  {NFD_CAFE}\u200b  au lait ", "café au lait", id="nfc-and-invisible"),
        pytest.param("S\u2010400", "S\u2010400", id="unicode-hyphen-kept"),
        pytest.param("plain  ascii ", "plain ascii", id="ascii"),
        pytest.param("ascii\x00with control", "asciiwith control", id="ascii-control"),
    ],
)
def test_normalize_text_for_display(text: str, expected: str) -> None:
    """Display normalisation cleans the text but keeps the newsroom's quotes and hyphens."""
    assert normalize_text(text) == expected


def test_normalize_text_runs_the_given_steps_in_order() -> None:
    """Custom steps run in the order given."""
    assert normalize_text(" “x” ", (straighten_quotes, str.strip, str.upper)) == '"X"'
    assert normalize_text(" “x” ", ()) == " “x” "


@pytest.mark.parametrize(
    ("a", "b"),
    [
        pytest.param("He said “no”.", 'He said "no".', id="curly-vs-straight-double"),
        pytest.param("Russia’s army", "Russia's army", id="curly-vs-straight-apostrophe"),
        pytest.param("news\u00adpaper", "newspaper", id="soft-hyphen"),
        pytest.param("10\u00a0km", "10 km", id="nbsp"),
        pytest.param(NFD_CAFE, "café", id="nfd-vs-nfc"),
        pytest.param("S\u2011400", "S-400", id="non-breaking-hyphen"),
        pytest.param("  two   spaces ", "two spaces", id="whitespace"),
        pytest.param("zero\u200bwidth", "zerowidth", id="zero-width-space"),
    ],
)
def test_comparison_key_ignores_cosmetic_differences(a: str, b: str) -> None:
    """Texts differing only in typography or invisible characters have the same key."""
    assert comparison_key(a) == comparison_key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        pytest.param("12 people died", "13 people died", id="digit"),
        pytest.param("the White House", "the white house", id="capitalisation"),
        pytest.param("He said no.", "He said no!", id="punctuation"),
        pytest.param("one word", "one words", id="letter"),
        pytest.param("a – b", "a - b", id="en-dash-vs-hyphen"),
        pytest.param("résumé", "resume", id="accents"),
    ],
)
def test_comparison_key_keeps_real_edits(a: str, b: str) -> None:
    """Texts differing in any real character have different keys."""
    assert comparison_key(a) != comparison_key(b)


@pytest.mark.parametrize(
    "text", ["“Quoted” text", NFD_CAFE, "a\u00a0b\u00ad", "S\u2010400", "plain"], ids=str
)
def test_comparison_key_is_idempotent(text: str) -> None:
    """The key of a key is itself."""
    assert comparison_key(comparison_key(text)) == comparison_key(text)


def test_normalize_paragraphs_splits_lines_and_drops_empty_ones() -> None:
    """Each line of each paragraph becomes one normalised paragraph; blank ones are dropped."""
    paragraphs = ["First\u00a0 line\nSecond line", "", "  \n \u200b ", f"Third {NFD_CAFE}\r\n"]
    assert normalize_paragraphs(paragraphs) == ("First line", "Second line", "Third café")


def test_normalize_paragraphs_keeps_typography() -> None:
    """Paragraphs are normalised for display, so curly quotes survive."""
    assert normalize_paragraphs(["“Quote”"]) == ("“Quote”",)


def test_a_line_read_from_the_page_is_normalised_as_any_text() -> None:
    from monitor.normalize import normalize_line

    for text in (
        "plain words",
        "a \u200b b",
        "e\u0301te\u0301 et cafe\u0301",
        "caf\u00e9 \u00ab oui \u00bb",
    ):
        line = " ".join(text.split())
        assert normalize_line(line) == normalize_text(line)


def test_relative_times_are_found_and_dropped_whatever_the_language() -> None:
    from monitor.normalize import has_relative_time, without_relative_time

    assert has_relative_time("Updated 43 minutes ago")
    assert has_relative_time("vor 2 Stunden aktualisiert")
    assert has_relative_time("3小时前")
    assert not has_relative_time("Chicago knows the snow")
    assert without_relative_time("Jane Doe 5 hours ago") == "Jane Doe"
    assert without_relative_time("Chicago, 1871") == "Chicago, 1871"


@pytest.mark.usefixtures("hang_guard")
def test_a_page_long_number_is_read_for_a_relative_time_from_its_first_digit() -> None:
    """A number is read from its first digit only: a page's worth of digits (5 MiB) before
    a relative time's cue is one number, read once."""
    from monitor.normalize import has_relative_time, without_relative_time

    digits = page_text("1")
    assert not has_relative_time(f"{digits}x ago")
    assert without_relative_time(f"{digits}x ago") == f"{digits}x ago"
    assert has_relative_time(f"{digits}日前")
    assert has_relative_time("更新于 12345小时前")


def test_a_lone_surrogate_becomes_a_replacement_character() -> None:
    """A broken JSON escape ("\\ud800") yields no character that UTF-8 can store."""
    assert normalize_text("Bad \ud800 name") == "Bad \ufffd name"
    assert normalize_text("Bad \ud800 name").encode("utf-8")
