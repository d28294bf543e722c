"""Sentences, tokens and quotations: the units edits are named in, in any script."""

from __future__ import annotations

import pytest
from fixtures.edited_pages import URL, corpus_page
from fixtures.hostile_pages import page_text

from monitor.extract import extract_article
from monitor.sentences import (
    WORD_BEFORE_CHARS,
    quotation_spans,
    same_number,
    sentence_spans,
    split_sentences,
    tokens,
)

# -- the sentence splitter ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["ars-1", "heise", "lemonde-1", "liberation-1", "lwn-1", "medicalnewstoday", "yahoo-4"]
)
def test_sentences_cover_each_real_paragraph(name: str) -> None:
    """Split into sentences, a real paragraph loses nothing but the spaces between them."""
    for paragraph in extract_article(corpus_page(name), URL).paragraphs:
        sentences = split_sentences(paragraph)
        assert "".join(sentences).replace(" ", "") == paragraph.replace(" ", "")
        assert all(s == s.strip() and s for s in sentences)


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        pytest.param("One here. Another one.", ["One here.", "Another one."], id="two"),
        pytest.param("No terminator at all", ["No terminator at all"], id="no-terminator"),
        pytest.param("", [], id="empty"),
        pytest.param(
            "The U.S. had sanctioned Turkey. Then it talked.",
            ["The U.S. had sanctioned Turkey.", "Then it talked."],
            id="dotted-abbreviation",
        ),
        pytest.param(
            "Updated at 2:15 p.m. on June 3.", ["Updated at 2:15 p.m. on June 3."], id="time"
        ),
        pytest.param(
            "Mr. Obama spoke. Dr. Who did not.",
            ["Mr. Obama spoke.", "Dr. Who did not."],
            id="titles",
        ),
        pytest.param(
            "Prices rose 2.5 percent. Analysts were surprised.",
            ["Prices rose 2.5 percent.", "Analysts were surprised."],
            id="decimal",
        ),
        pytest.param(
            "“It is not possible,” he said. “Not at all.” Then he left.",
            ["“It is not possible,” he said.", "“Not at all.”", "Then he left."],
            id="closing-quote-stays",
        ),
        pytest.param(
            "Wait... what? Yes! Fine.", ["Wait... what?", "Yes!", "Fine."], id="lowercase-goes-on"
        ),
        pytest.param("¿Qué pasó? Nadie lo sabe.", ["¿Qué pasó?", "Nadie lo sabe."], id="spanish"),
        pytest.param(
            "„Wir gehen“, sagte er. Dann ging er.",
            ["„Wir gehen“, sagte er.", "Dann ging er."],
            id="german-quotes",
        ),
        pytest.param(
            "Il a dit « non ». Puis il est parti.",
            ["Il a dit « non ».", "Puis il est parti."],
            id="french-guillemets",
        ),
        pytest.param(
            "事实上，有证据表明。1985年，美国开展了一项研究。",
            ["事实上，有证据表明。", "1985年，美国开展了一项研究。"],
            id="chinese",
        ),
        pytest.param(
            "他说：“我们走吧？”然后走了。", ["他说：“我们走吧？”然后走了。"], id="chinese-quote"
        ),
        pytest.param(
            "トレンドマイクロは3月9日、発表した。同アプリを開始する。",
            ["トレンドマイクロは3月9日、発表した。", "同アプリを開始する。"],
            id="japanese",
        ),
    ],
)
def test_split_sentences(text: str, sentences: list[str]) -> None:
    """Sentences end at a terminator (and its closing quotes) before a new sentence."""
    assert list(split_sentences(text)) == sentences


def test_only_the_characters_just_before_a_point_say_if_it_is_an_abbreviation() -> None:
    """An abbreviation or a run of initials is looked for in the WORD_BEFORE_CHARS characters
    before a '.', whatever precedes them; a run of initials longer than that is not seen."""
    prose = "word " * 1000
    assert split_sentences(f"{prose}Dr. Roe came.") == (f"{prose}Dr. Roe came.",)
    initials = "A." * WORD_BEFORE_CHARS
    assert split_sentences(f"{initials} Next") == (initials, "Next")


@pytest.mark.usefixtures("hang_guard")
def test_a_paragraph_as_long_as_a_page_is_split_in_one_pass() -> None:
    """Each '.' is judged on the characters around it, never on the whole text before it: a
    page's worth (5 MiB) of long sentences with initials and abbreviations splits."""
    sentence = "Word " * 200 + "the U.S. Army and Dr. Roe met."
    paragraph = page_text(f"{sentence} ")
    assert len(sentence_spans(paragraph)) == paragraph.count("met.")


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("1,200", "1.200", True),
        ("1,200", "1200", True),
        ("1.5", "1,5", True),
        ("1.5", "15", False),
        ("12", "15", False),
        ("$12", "€12", False),
        ("50%", "50", False),
        ("2021-06-03", "2021-06-04", False),
    ],
)
def test_same_number(a: str, b: str, same: bool) -> None:
    """Two spellings of a figure are one number; other digits, currency or percent are not."""
    assert same_number(a, b) is same


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "in 2021-06-03 at 2:15",
            [("word", "in"), ("number", "2021-06-03"), ("word", "at"), ("number", "2:15")],
            id="date-and-time",
        ),
        pytest.param(
            "$2.5 billion, 100%",
            [("number", "$2.5"), ("word", "billion"), ("mark", ","), ("number", "100%")],
            id="money-and-percent",
        ),
        pytest.param(
            "COVID-19 G7 1990s 4K",
            [("word", "COVID-19"), ("word", "G7"), ("word", "1990s"), ("word", "4K")],
            id="digits-in-words",
        ),
        pytest.param(
            "the U.S. and p.m.",
            [("word", "the"), ("word", "U.S."), ("word", "and"), ("word", "p.m.")],
            id="initials",
        ),
        pytest.param(
            "約85％が",
            [("cjk", "約"), ("number", "85"), ("mark", "％"), ("cjk", "が")],
            id="japanese",
        ),
    ],
)
def test_tokens(text: str, expected: list[tuple[str, str]]) -> None:
    """A number stands alone or is part of a word; a date is one number; CJK goes by character."""
    assert [(t.kind, t.text) for t in tokens(text)] == expected


def test_token_positions_count_from_the_offset() -> None:
    """Tokens say where they are in the paragraph the sentence came from."""
    (token,) = tokens("12", offset=40)
    assert (token.start, token.end) == (40, 42)


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("He said “we stay” today.", ["we stay"]),
        ('He said "we stay" today.', ["we stay"]),
        ("Er sagte „wir bleiben“ heute.", ["wir bleiben"]),
        ("Il a dit « nous restons » lundi.", [" nous restons "]),
        ("Er sagte »wir bleiben« heute.", ["wir bleiben"]),
        ("He said ‘we won’t stay’ today.", ["we won’t stay"]),
        ("彼は「残ります」と述べた。", ["残ります"]),
        ("The experts won’t stay in Turkey’s bases.", []),
        ("An opening “without a close.", []),
    ],
    ids=[
        "curly",
        "straight",
        "german",
        "guillemets",
        "german-chevrons",
        "single",
        "japanese",
        "apostrophes",
        "unclosed",
    ],
)
def test_quotation_spans(text: str, quoted: list[str]) -> None:
    """Quotations are found in every style; an apostrophe or an unclosed mark is none."""
    assert [text[a + 1 : b] for a, b in quotation_spans(text)] == quoted
