"""The hash chain over a watch's versions, as pure functions: what it covers, and the
first break it finds."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from monitor.evidence.chain import (
    GENESIS,
    Content,
    Link,
    field_digests,
    gap_hash,
    link_hash,
    verify,
)

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
BODY = b"<html><p>The council met.</p></html>"


def content(number: int, text: str = "The council met.", body: bytes = BODY) -> Content:
    return Content(
        number=number,
        fetched_at=T0 + timedelta(hours=number),
        status=200,
        final_url="https://news.example/story",
        headers=(("Content-Type", "text/html"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")),
        body_sha256=hashlib.sha256(body).hexdigest(),
        kind="first" if number == 1 else "edit",
        title="Council meets",
        byline="By A. Writer",
        published="2026-03-01",
        modified=None,
        canonical=None,
        text=text,
    )


def chain(*contents: Content) -> list[Link]:
    links, previous = [], GENESIS
    for item in contents:
        previous = link_hash(previous, item)
        links.append(Link(item.number, previous, item, item.body_sha256, None, field_digests(item)))
    return links


def test_an_untouched_chain_verifies_and_names_its_head() -> None:
    """Three versions chained as stored: no break, three re-hashed, the last hash as head."""
    links = chain(content(1), content(2, "Changed."), content(3, "Again."))
    verdict = verify(links)
    assert verdict.broken is None
    assert (verdict.versions, verdict.head) == (3, links[-1].chain_hash)


@pytest.mark.parametrize(
    "change",
    [
        {"number": 7},
        {"fetched_at": T0 + timedelta(seconds=1)},
        {"status": 203},
        {"final_url": "https://news.example/other"},
        {"headers": (("Content-Type", "text/plain"),)},
        {"body_sha256": "0" * 64},
        {"kind": "revert"},
        {"title": "Council met"},
        {"byline": ""},
        {"published": None},
        {"modified": "2026-03-02"},
        {"canonical": "https://news.example/c"},
        {"text": "The council met!"},
    ],
    ids=lambda change: next(iter(change)),
)
def test_every_field_of_a_version_is_covered(change: dict[str, object]) -> None:
    """Changing any one field of a version's content changes its chain hash."""
    original = content(1)
    assert link_hash(GENESIS, replace(original, **change)) != link_hash(GENESIS, original)  # type: ignore[arg-type]


def test_the_previous_chain_hash_is_covered() -> None:
    """The same content after another predecessor has another chain hash."""
    assert link_hash(GENESIS, content(2)) != link_hash("1" * 64, content(2))


def test_a_changed_text_breaks_the_chain_at_its_version() -> None:
    """A version whose text was edited after it was stored is named, with what differs."""
    links = chain(content(1), content(2, "Changed."), content(3, "Again."))
    edited = replace(links[1], content=replace(content(2), text="Rewritten."))
    verdict = verify([links[0], edited, links[2]])
    assert verdict.broken is not None
    assert verdict.broken.number == 2
    assert verdict.broken.problem == "its text differs from what was stored"


def test_a_changed_chain_hash_is_told_from_changed_content() -> None:
    """A version whose content is as stored but whose chain hash was replaced is a break
    that says the hash does not follow."""
    links = chain(content(1), content(2, "Changed."))
    verdict = verify([links[0], replace(links[1], chain_hash="f" * 64)])
    assert verdict.broken is not None and verdict.broken.number == 2
    assert verdict.broken.problem.startswith("its chain hash does not follow")


def test_a_body_whose_bytes_changed_breaks_the_chain() -> None:
    """A stored body that no longer hashes to the SHA-256 the version names is a break."""
    links = chain(content(1), content(2, "Changed."))
    altered = replace(links[1], body_sha256=hashlib.sha256(BODY + b" ").hexdigest())
    verdict = verify([links[0], altered])
    assert verdict.broken is not None and verdict.broken.number == 2
    assert "SHA-256" in verdict.broken.problem


def test_a_version_deleted_from_the_middle_is_named_missing() -> None:
    """Versions 1 and 3 without 2: the break is at 3, and says 2 is missing."""
    first, _, third = chain(content(1), content(2, "Changed."), content(3, "Again."))
    verdict = verify([first, third])
    assert verdict.broken is not None
    assert verdict.broken.number == 3
    assert "version 2 is missing" in verdict.broken.problem


def test_a_version_forgotten_by_retention_keeps_the_chain() -> None:
    """A version retention dropped, whose chain hash was kept, is no break."""
    first, second, third = chain(content(1), content(2, "Changed."), content(3, "Again."))
    forgotten = Link(2, second.chain_hash, None)
    assert verify([first, forgotten, third]).broken is None


def test_a_gap_from_before_the_chain_stands_for_the_version() -> None:
    """A version dropped before the chain existed stands in it by its gap hash."""
    one = link_hash(GENESIS, content(1))
    gap = gap_hash(one, 2)
    three = link_hash(gap, content(3))
    links = [Link(1, one, content(1), content(1).body_sha256), Link(2, gap, None)]
    links.append(Link(3, three, content(3), content(3).body_sha256))
    assert verify(links).broken is None


def test_a_naive_fetch_time_is_refused() -> None:
    """A fetch time without a time zone would hash differently on another machine."""
    with pytest.raises(ValueError, match="naive"):
        link_hash(GENESIS, replace(content(1), fetched_at=datetime(2026, 3, 1)))
