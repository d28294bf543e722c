"""The full extractor's verdict on a line of ours: kept, or left out."""

from __future__ import annotations

from monitor.extract.container import Hint, line_digest
from monitor.extract.verdicts import Kept, remember, verdict

# The reference story's extractor text (tests/fixtures/seed), cut as trafilatura cuts it.
EXTRACTED = (
    "Russia's parliament on Wednesday approved a bill banning people tied to "
    "organizations deemed extremist from running for office.",
    "The legislation would bar founders, leaders and members of such groups from "
    "seeking seats in the State Duma.",
    "Year | Votes | Share",
)


def test_a_line_found_word_for_word_is_kept() -> None:
    kept = Kept(EXTRACTED)
    assert "Russia’s parliament on Wednesday approved a bill" in kept, "typography aside"
    assert "Votes" in kept, "a table cell"


def test_a_long_line_cut_differently_is_kept_by_most_of_its_word_triples() -> None:
    kept = Kept(EXTRACTED)
    joined = (
        "organizations deemed extremist from running for office. The legislation would "
        "bar founders, leaders and members"
    )
    assert joined in Kept((EXTRACTED[0], EXTRACTED[1]))
    assert "The legislation would bar founders, leaders and members of such cults" in kept


def test_a_line_it_left_out_is_not_kept() -> None:
    kept = Kept(EXTRACTED)
    assert "Sign up for our newsletter" not in kept
    assert "This is exactly what I have been saying for years, nobody listens." not in kept


def test_a_line_declaring_an_edit_is_always_the_articles() -> None:
    assert "Correction: an earlier version misstated the grant." in Kept(EXTRACTED)


def test_an_extractor_that_read_another_part_of_the_page_has_no_say() -> None:
    ours = ["Herbert Dürr", "63", "16.6%", "Jürgen Schmidt", "56", "14.7%", "Sign up"]
    assert "Sign up" not in Kept(EXTRACTED)
    assert "Sign up" in Kept(EXTRACTED, ours), "it keeps too little of our reading"


def test_verdicts_are_remembered_newest_first() -> None:
    hint = Hint(path=(), lines=(), content="", dates="")
    hint = remember(hint, ["Sign up for our newsletter", EXTRACTED[1]], Kept(EXTRACTED))
    assert verdict(hint, "Sign up for our newsletter") is False
    assert verdict(hint, EXTRACTED[1]) is True
    assert verdict(hint, "never seen") is None
    hint = remember(hint, ["Sign up for our newsletter"], Kept(("Sign up for our newsletter",)))
    assert verdict(hint, "Sign up for our newsletter") is True
    assert hint.kept[0] == line_digest("Sign up for our newsletter")
    assert Hint.from_json(hint.to_json()) == hint
