"""The hash chain over a watch's versions: pure functions, no database and no clock.

Each version's chain hash is the SHA-256 of the previous version's chain hash and of the
version's own content: its number, fetch time, HTTP status, final URL, response headers,
the SHA-256 of the body as fetched, and the text read from it. Changing any of these, or
taking a version out, changes every chain hash after it.

The encoding is part of the stored data: never change it in place. A new one takes a new
``FORMAT`` tag, and a migration re-chains.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

FORMAT = b"monitor-chain/1"
GENESIS = "0" * 64
"""The 'previous chain hash' of a watch's first version."""

Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Content:
    """What a version's chain hash covers, beside the previous hash."""

    number: int
    fetched_at: datetime
    status: int | None
    """None for versions stored before monitor kept the response (revision 0007)."""
    final_url: str | None
    headers: Headers | None
    body_sha256: str
    kind: str
    title: str
    byline: str
    published: str | None
    modified: str | None
    canonical: str | None
    text: str


def link_hash(previous: str, content: Content) -> str:
    """The chain hash of a version with this content, after one whose chain hash is
    ``previous``."""
    encoded = _encoded(_fields(content))
    digest = hashlib.sha256(FORMAT + b"\n" + previous.encode("ascii") + b"\n")
    digest.update(encoded)
    return digest.hexdigest()


DIGEST_CHARS = 12
"""Hex digits kept of each field's own digest: enough to tell which field changed."""


def field_digests(content: Content) -> dict[str, str]:
    """A short SHA-256 of each field the chain covers, stored beside the chain hash: when
    a version no longer matches its chain hash, they say which of its fields changed."""
    return {
        name: hashlib.sha256(_encoded(value)).hexdigest()[:DIGEST_CHARS]
        for name, value in _fields(content).items()
    }


def _fields(content: Content) -> dict[str, object]:
    if content.fetched_at.tzinfo is None:
        raise ValueError("naive fetch time given to the chain; pass an aware UTC datetime")
    return {
        "number": content.number,
        "fetched_at": content.fetched_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "status": content.status,
        "final_url": content.final_url,
        "headers": None if content.headers is None else [list(h) for h in content.headers],
        "body_sha256": content.body_sha256,
        "kind": content.kind,
        "title": content.title,
        "byline": content.byline,
        "published": content.published,
        "modified": content.modified,
        "canonical": content.canonical,
        "text": content.text,
    }


def _encoded(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=True, separators=(",", ":")).encode(
        "ascii"
    )


def gap_hash(previous: str, number: int) -> str:
    """The chain hash that stands for a version forgotten before the chain existed (a
    database upgraded to revision 0007 after retention dropped some versions)."""
    return hashlib.sha256(
        FORMAT + b"\n" + previous.encode("ascii") + b"\nforgotten:" + str(number).encode()
    ).hexdigest()


@dataclass(frozen=True)
class Link:
    """One version as stored, for checking its place in the chain."""

    number: int
    chain_hash: str
    """The chain hash stored with it."""
    content: Content | None
    """None: retention forgot the version; only its chain hash was kept."""
    body_sha256: str | None = None
    """The SHA-256 of the body as it reads now; None when it cannot be read."""
    body_problem: str | None = None
    """Why the body cannot be read (missing, corrupt), if it cannot."""
    digests: Mapping[str, str] | None = None
    """The field digests stored with it (``field_digests``)."""


@dataclass(frozen=True)
class Break:
    """The first place a watch's chain does not hold."""

    number: int
    """The version at which it breaks."""
    problem: str
    """What differs, in words."""


@dataclass(frozen=True)
class Verdict:
    """A watch's chain, checked."""

    versions: int
    """Versions re-hashed (those retention forgot are not counted)."""
    head: str
    """The chain hash of the latest version: keep it elsewhere to detect truncation."""
    broken: Break | None = None


def verify(links: Iterable[Link]) -> Verdict:
    """Re-hash a watch's versions, oldest first, and find the first break: a missing
    version, a body whose bytes changed, content or a chain hash that changed."""
    previous, expected, checked = GENESIS, 1, 0
    for link in links:
        if link.number != expected:
            missing = (
                f"version {expected} is missing"
                if link.number == expected + 1
                else f"versions {expected} to {link.number - 1} are missing"
            )
            return Verdict(
                checked,
                previous,
                Break(link.number, f"{missing}: deleted, not forgotten by retention"),
            )
        expected += 1
        if link.content is None:
            previous = link.chain_hash
            continue
        broken = _problem(previous, link, link.content)
        if broken is not None:
            return Verdict(checked, previous, Break(link.number, broken))
        checked += 1
        previous = link.chain_hash
    return Verdict(checked, previous)


def _problem(previous: str, link: Link, content: Content) -> str | None:
    if link.body_problem is not None:
        return link.body_problem
    if link.body_sha256 != content.body_sha256:
        return (
            f"the stored page's SHA-256 is {link.body_sha256}, not {content.body_sha256} as "
            "fetched: its bytes were altered"
        )
    if link_hash(previous, content) == link.chain_hash:
        return None
    changed = [
        name
        for name, digest in field_digests(content).items()
        if link.digests is not None and link.digests.get(name) != digest
    ]
    if changed:
        verb = "differs" if len(changed) == 1 else "differ"
        return f"its {', '.join(changed)} {verb} from what was stored"
    return (
        "its chain hash does not follow from its content and the version before: the hash "
        "was changed (or the content, and the field digests stored with it)"
    )
