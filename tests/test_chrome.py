"""Boilerplate by markup: trafilatura's own patterns, and hidden elements."""

from __future__ import annotations

import pytest

from monitor.extract.chrome import is_boilerplate, is_hidden


@pytest.mark.parametrize(
    "attrs",
    [
        {"class": "share-tools"},
        {"class": "comments-area"},
        {"class": "related-stories"},
        {"id": "newsletter"},
        {"class": "ad-slot dfpAd"},
    ],
)
def test_boilerplate_that_names_itself_is_known_by_trafilaturas_patterns(
    attrs: dict[str, str | None],
) -> None:
    """Share bars, comments, related links, newsletters and ads, as trafilatura lists them."""
    assert is_boilerplate(attrs)


@pytest.mark.parametrize(
    "attrs",
    [
        {"class": "article-body"},
        {"class": "css-1q2w3e sc-a4b7"},
        {"id": "sharing-mutable-history-with-others"},
        {},
    ],
)
def test_article_markup_and_heading_slugs_are_not_boilerplate(
    attrs: dict[str, str | None],
) -> None:
    """An article's body, build-hash classes and a section's heading slug are no chrome."""
    assert not is_boilerplate(attrs)


def test_hidden_elements_are_chrome() -> None:
    """The hidden attribute, aria-hidden and an inline display:none all hide an element."""
    assert is_hidden({"hidden": None})
    assert is_hidden({"aria-hidden": "true"})
    assert is_hidden({"style": "display: none"})
    assert not is_hidden({"style": "color: red"})
