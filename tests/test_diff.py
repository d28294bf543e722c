"""Diffs: paragraphs as units, words inside changed paragraphs, and counts a reader can trust."""

from __future__ import annotations

import itertools
import random
import time

import pytest
from fixtures.seed_pages import ADDED_IN_REVISION, UPDATED_LINE, article_v1, article_v2

from monitor.diff import (
    DIFF_TIMEOUT_S,
    Block,
    Segment,
    Summary,
    diff_articles,
    diff_paragraphs,
    diff_words,
)
from monitor.models import Article
from monitor.normalize import normalize_paragraphs

LEDE = "Turkey will send home the Russian experts who came to set up the S-400 system."
DEAL = "Ankara bought the system in a $2.5 billion deal that angered Washington."
QUOTE = "“The experts won’t stay in Turkey,” the foreign minister said on Wednesday."
KREMLIN = "The Kremlin confirmed the comments at a daily briefing on Thursday."
STORY = (LEDE, DEAL, QUOTE)


def article(*paragraphs: str, title: str = "Headline", byline: str = "By A. Writer") -> Article:
    return Article(title=title, byline=byline, paragraphs=paragraphs)


def kinds(blocks: tuple[Block, ...]) -> list[str]:
    return [block.kind for block in blocks]


def test_identical_articles_have_an_empty_diff() -> None:
    """Diffing an article with itself gives only equal blocks and an empty summary."""
    diff = diff_articles(article(*STORY), article(*STORY))
    assert kinds(diff.blocks) == ["equal", "equal", "equal"]
    assert diff.changed_blocks == ()
    assert diff.summary.is_empty
    assert (diff.title.kind, diff.byline.kind) == ("equal", "equal")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(STORY, (*STORY, KREMLIN), ["equal"] * 3 + ["added"], id="added-at-end"),
        pytest.param(
            STORY,
            (LEDE, KREMLIN, DEAL, QUOTE),
            ["equal", "added", "equal", "equal"],
            id="added-in-middle",
        ),
        pytest.param(STORY, (KREMLIN, *STORY), ["added"] + ["equal"] * 3, id="added-at-start"),
        pytest.param(STORY, (LEDE, QUOTE), ["equal", "removed", "equal"], id="removed"),
        pytest.param(STORY, (), ["removed"] * 3, id="all-removed"),
        pytest.param((), STORY, ["added"] * 3, id="all-added"),
        pytest.param(
            STORY,
            (LEDE, DEAL.replace("$2.5", "$3"), QUOTE),
            ["equal", "changed", "equal"],
            id="changed",
        ),
        pytest.param(
            STORY,
            (LEDE, KREMLIN, QUOTE),
            ["equal", "removed", "added", "equal"],
            id="replaced-by-unrelated-paragraph",
        ),
    ],
)
def test_paragraph_blocks(old: tuple[str, ...], new: tuple[str, ...], expected: list[str]) -> None:
    """Whole paragraphs show as added, removed or changed, in reading order."""
    assert kinds(diff_paragraphs(old, new)) == expected


def test_added_and_removed_blocks_carry_their_text() -> None:
    """An added block holds the new paragraph, a removed block the old one, each as one segment."""
    (added,) = diff_articles(article(*STORY), article(*STORY, KREMLIN)).changed_blocks
    (removed,) = diff_articles(article(*STORY), article(LEDE, QUOTE)).changed_blocks
    assert added == Block("added", "", KREMLIN, (Segment("insert", KREMLIN),))
    assert removed == Block("removed", DEAL, "", (Segment("delete", DEAL),))


def test_changed_paragraph_has_word_level_segments() -> None:
    """Inside a changed paragraph only the edited words are marked, the rest is equal."""
    new = DEAL.replace("$2.5 billion", "$2.7 billion").replace("angered", "infuriated")
    (block,) = diff_articles(article(*STORY), article(LEDE, new, QUOTE)).changed_blocks
    assert (block.kind, block.old, block.new) == ("changed", DEAL, new)
    assert block.segments == (
        Segment("equal", "Ankara bought the system in a $"),
        Segment("delete", "2.5"),
        Segment("insert", "2.7"),
        Segment("equal", " billion deal that "),
        Segment("delete", "angered"),
        Segment("insert", "infuriated"),
        Segment("equal", " Washington."),
    )


@pytest.mark.parametrize(
    ("old", "new"),
    [
        pytest.param(
            "The minister said 12 people died.", "The minister said 14 people died.", id="one-word"
        ),
        pytest.param("Police said on Monday.", "Police said late on Monday.", id="insertion"),
        pytest.param("one two three four", "one three four", id="deletion"),
        pytest.param("", "brand new text", id="from-empty"),
    ],
)
def test_diff_words_rebuilds_both_texts(old: str, new: str) -> None:
    """Equal and deleted segments spell the old text; equal and inserted ones the new text."""
    segments = diff_words(old, new)
    assert "".join(s.text for s in segments if s.op != "insert") == old
    assert "".join(s.text for s in segments if s.op != "delete") == new
    assert all(a.op != b.op for a, b in itertools.pairwise(segments))


def test_moved_paragraph_is_removed_and_added() -> None:
    """A paragraph moved elsewhere shows once as added and once as removed; the rest is equal."""
    diff = diff_articles(article(*STORY), article(QUOTE, LEDE, DEAL))
    assert kinds(diff.blocks) == ["added", "equal", "equal", "removed"]
    assert [b.new or b.old for b in diff.changed_blocks] == [QUOTE, QUOTE]
    assert (diff.summary.paragraphs_added, diff.summary.paragraphs_removed) == (1, 1)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        pytest.param(
            QUOTE,
            QUOTE.replace("“", '"').replace("”", '"').replace("’", "'"),
            id="curly-to-straight",
        ),
        pytest.param("It’s “here”.", 'It\'s "here".', id="short"),
        pytest.param("S\u2011400 system", "S-400 system", id="hyphen-variant"),
    ],
)
def test_typography_only_changes_are_no_change(old: str, new: str) -> None:
    """A CMS flipping quote styles or hyphen variants in the body produces no changed block."""
    diff = diff_articles(article(LEDE, old, DEAL), article(LEDE, new, DEAL))
    assert diff.changed_blocks == ()
    assert diff.summary.is_empty


def test_typography_changes_do_not_show_beside_a_real_edit() -> None:
    """With a real edit in one paragraph and only quote flips in another, only the edit shows."""
    straight = QUOTE.replace("“", '"').replace("”", '"').replace("’", "'")
    edited = DEAL.replace("$2.5", "$3")
    diff = diff_articles(article(*STORY), article(LEDE, edited, straight))
    assert [(b.kind, b.new) for b in diff.changed_blocks] == [("changed", edited)]
    assert (diff.summary.words_added, diff.summary.words_removed) == (1, 1)


def test_typography_changes_are_not_marked_inside_a_changed_paragraph() -> None:
    """Inside a changed paragraph, words that only changed quote style count as equal."""
    new = 'He said "no" on Tuesday.'
    (block,) = diff_articles(article("He said “no” on Monday."), article(new)).changed_blocks
    assert [s.text for s in block.segments if s.op == "insert"] == ["Tuesday"]


def test_headline_and_byline_changes() -> None:
    """Headline and byline are diffed as fields, word by word, and flagged in the summary."""
    old = article(*STORY, title="Turkey to Send Home Experts", byline="By A. Writer")
    new = article(*STORY, title="Turkey Sends Home Experts", byline="By A. Writer and B. Other")
    diff = diff_articles(old, new)
    assert (diff.title.kind, diff.byline.kind) == ("changed", "changed")
    assert diff.blocks == diff_articles(old, old).blocks
    assert diff.summary == Summary(
        words_added=4, words_removed=2, title_changed=True, byline_changed=True
    )


def test_headline_quote_style_is_no_change() -> None:
    """A headline that only changed quote style is equal."""
    diff = diff_articles(article(title="Putin’s “deal”"), article(title='Putin\'s "deal"'))
    assert diff.title.kind == "equal"
    assert diff.summary.is_empty


def test_summary_counts_words_and_paragraphs() -> None:
    """The summary counts the words and paragraphs added, removed and changed."""
    old = article(LEDE, DEAL, QUOTE, "A paragraph that will be cut entirely from the story.")
    new = article(LEDE, DEAL.replace("$2.5", "$3"), QUOTE, KREMLIN, "Two more words.")
    assert diff_articles(old, new).summary == Summary(
        words_added=1 + len(KREMLIN.split()) + 3,
        words_removed=1 + 10,
        paragraphs_added=2,
        paragraphs_removed=1,
        paragraphs_changed=1,
    )


@pytest.mark.parametrize(
    ("summary", "expected"),
    [
        pytest.param(Summary(), "+0 / -0 words", id="empty"),
        pytest.param(
            Summary(words_added=42, words_removed=3, paragraphs_added=3),
            "+42 / -3 words; 3 paragraphs added",
            id="plural",
        ),
        pytest.param(
            Summary(words_removed=9, paragraphs_removed=1),
            "+0 / -9 words; 1 paragraph removed",
            id="singular",
        ),
        pytest.param(
            Summary(words_added=1, words_removed=1, paragraphs_changed=2),
            "+1 / -1 words; 2 paragraphs changed",
            id="changed",
        ),
        pytest.param(
            Summary(2, 1, 1, 1, 1, title_changed=True, byline_changed=True),
            "+2 / -1 words; 1 paragraph added; 1 paragraph removed; "
            "1 paragraph changed; headline changed; byline changed",
            id="everything",
        ),
    ],
)
def test_summary_describe(summary: Summary, expected: str) -> None:
    """describe() is one human line listing only what changed."""
    assert summary.describe() == expected


def test_summary_is_empty_only_when_nothing_changed() -> None:
    """is_empty is true for the zero summary and false as soon as anything counts."""
    assert Summary().is_empty
    assert not Summary(title_changed=True).is_empty
    assert not Summary(words_removed=1).is_empty


def test_seed_story_revision_is_the_update_line_and_three_paragraphs() -> None:
    """The seed story's revision diffs as exactly the update line and three added paragraphs."""
    v1, v2 = article_v1(), article_v2()
    old = Article(v1.headline, v1.byline, paragraphs=normalize_paragraphs(v1.paragraphs))
    new = Article(
        v2.headline, v2.byline, paragraphs=normalize_paragraphs((UPDATED_LINE, *v2.paragraphs))
    )

    diff = diff_articles(old, new)

    added = [block.new for block in diff.changed_blocks]
    assert kinds(diff.changed_blocks) == ["added"] * 4
    assert added[0] == UPDATED_LINE
    assert [p[: len(start)] for p, start in zip(added[1:], ADDED_IN_REVISION, strict=True)] == list(
        ADDED_IN_REVISION
    )
    assert diff.summary == Summary(
        words_added=sum(len(p.split()) for p in added), paragraphs_added=4
    )
    assert diff.summary.describe().startswith(f"+{diff.summary.words_added} / -0 words; 4 para")


def _random_paragraphs(rng: random.Random, count: int, words: int) -> tuple[str, ...]:
    vocabulary = [f"w{n}" for n in range(5000)]
    return tuple(" ".join(rng.choices(vocabulary, k=words)) for _ in range(count))


def test_one_huge_rewritten_paragraph_returns_within_the_timeout() -> None:
    """A 40,000-word paragraph rewritten in full is diffed within about the diff timeout."""
    rng = random.Random(1)
    (old,), (new,) = _random_paragraphs(rng, 1, 40_000), _random_paragraphs(rng, 1, 40_000)
    # CPU time, here and below: other processes on a loaded machine stretch the wall
    # clock, not the work (the diff's own timeout runs on the wall clock, so it only
    # ends sooner there).
    started = time.process_time()
    diff = diff_articles(article(old), article(new))
    assert time.process_time() - started < 2 * DIFF_TIMEOUT_S
    assert diff.changed_blocks


def test_long_article_with_scattered_edits_is_fast_and_exact() -> None:
    """A 2,000-paragraph article with an edit every tenth paragraph is diffed fast and exactly."""
    old = _random_paragraphs(random.Random(2), 2000, 50)
    new = tuple(p + " extra" if n % 10 == 0 else p for n, p in enumerate(old))
    started = time.process_time()
    diff = diff_articles(article(*old), article(*new))
    assert time.process_time() - started < DIFF_TIMEOUT_S
    assert diff.summary == Summary(words_added=200, paragraphs_changed=200)


def test_fully_rewritten_article_returns_within_the_timeout() -> None:
    """An article whose 40 paragraphs were all replaced by unrelated ones is diffed in time."""
    rng = random.Random(3)
    old, new = _random_paragraphs(rng, 40, 60), _random_paragraphs(rng, 40, 60)
    started = time.process_time()
    diff = diff_articles(article(*old), article(*new))
    elapsed = time.process_time() - started
    assert (diff.summary.paragraphs_removed, diff.summary.paragraphs_added) == (40, 40)
    assert elapsed < 2 * DIFF_TIMEOUT_S, f"took {elapsed:.1f} s"
