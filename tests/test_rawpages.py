"""How a fetched page is kept: keyframes, deltas of the page before, and what a corrupt
frame or a wrong base gives. Pure: no database (tests/test_storage.py stores them)."""

from __future__ import annotations

import hashlib
import os
import zlib

import pytest
import zstandard
from fixtures.edited_pages import corpus_page

from monitor import rawpages
from monitor.errors import PageUnreadable, StorageError

PAGE = corpus_page("lemonde-1").encode()


def edited(page: bytes, counter: int) -> bytes:
    """The page with a re-rolled counter in its chrome and a sentence added mid-page, as a
    site serves the same story an hour later."""
    middle = len(page) // 2
    chrome = f'<div class="readers">{counter} lecteurs</div>'.encode()
    body = page.index(b"<body")
    return (
        page[:body] + chrome + page[body:middle] + " Une phrase ajoutée.".encode() + page[middle:]
    )


def base_of(page: bytes, depth: int = 0) -> rawpages.Base:
    return rawpages.Base(hashlib.sha256(page).hexdigest(), page, depth)


def read(encoded: rawpages.Encoded, size: int, base: bytes | None = None) -> bytes:
    return rawpages.decode("digest", encoded.codec, encoded.data, size, base)


def test_a_page_without_a_base_is_a_keyframe_that_reads_back_exact() -> None:
    """A watch's first page is a standalone zstd frame, smaller than zlib's, and decodes to
    its exact bytes."""
    encoded = rawpages.encode(PAGE, None)
    assert (encoded.codec, encoded.base_hash, encoded.depth) == (rawpages.ZSTD, None, 0)
    assert len(encoded.data) < len(zlib.compress(PAGE, 6))
    assert read(encoded, len(PAGE)) == PAGE


def test_a_near_identical_page_is_a_delta_a_fraction_of_its_keyframe() -> None:
    """The next version of a real page (chrome and a sentence changed) is stored as a delta
    of the page before: under 1% of its keyframe, one deeper, the exact bytes back."""
    new = edited(PAGE, 1234)
    encoded = rawpages.encode(new, base_of(PAGE, depth=4))
    assert encoded.codec == rawpages.DELTA
    assert (encoded.base_hash, encoded.depth) == (hashlib.sha256(PAGE).hexdigest(), 5)
    assert len(encoded.data) * 100 < len(rawpages.encode(new, None).data)
    assert read(encoded, len(new), PAGE) == new


def test_a_base_at_the_depth_limit_makes_a_keyframe() -> None:
    """A page whose base is already ``MAX_DEPTH`` deltas from its keyframe starts a new
    chain, so that no read decodes more than ``MAX_DEPTH + 1`` frames."""
    encoded = rawpages.encode(edited(PAGE, 1), base_of(PAGE, depth=rawpages.MAX_DEPTH))
    assert (encoded.codec, encoded.base_hash, encoded.depth) == (rawpages.ZSTD, None, 0)


def test_a_delta_no_smaller_than_the_keyframe_is_not_kept() -> None:
    """A page unlike its base (another site's page) is stored as a keyframe."""
    noise = os.urandom(4096)
    encoded = rawpages.encode(noise, base_of(PAGE))
    assert (encoded.codec, encoded.base_hash) == (rawpages.ZSTD, None)
    assert read(encoded, len(noise)) == noise


@pytest.mark.parametrize("name", ["lemonde-1", "engadget", "lwn-1", "medium-3", "tmz-1"])
def test_a_delta_is_kept_as_a_comparison_with_the_keyframe_would_keep_it(name: str) -> None:
    """A delta under a 64th of its page is kept without the keyframe being worked out (no
    web page compresses 64 times): on real pages, the same choice as comparing the two."""
    page = corpus_page(name).encode()
    for new in (edited(page, 7), edited(page, 7) + os.urandom(len(page) // 8)):
        keyframe = zstandard.ZstdCompressor(level=rawpages.LEVEL).compress(new)
        delta = rawpages.encode(new, base_of(page))
        expected = rawpages.DELTA if len(delta.data) < len(keyframe) else rawpages.ZSTD
        assert delta.codec == expected
        assert read(delta, len(new), page if delta.codec == rawpages.DELTA else None) == new


def test_an_empty_page_is_stored_and_read() -> None:
    """An empty body (a 200 with nothing in it) is a keyframe of nothing, as a base too."""
    empty = rawpages.encode(b"", base_of(PAGE))
    assert read(empty, 0) == b""
    assert rawpages.encode(PAGE, base_of(b"")).codec == rawpages.ZSTD


def test_a_delta_read_on_an_altered_base_is_refused() -> None:
    """A delta decoded on a base whose bytes changed is ``PageUnreadable`` (zstd's checksum
    of the output), never other bytes."""
    new = edited(PAGE, 7)
    encoded = rawpages.encode(new, base_of(PAGE))
    altered = bytearray(PAGE)
    altered[len(PAGE) // 2] ^= 0x01
    with pytest.raises(PageUnreadable, match="corrupt"):
        read(encoded, len(new), bytes(altered))


def test_a_delta_without_its_base_is_refused() -> None:
    """A delta given no base, or a keyframe given one, says so."""
    delta = rawpages.encode(edited(PAGE, 7), base_of(PAGE))
    with pytest.raises(PageUnreadable, match="wrong base"):
        read(delta, len(PAGE))
    with pytest.raises(PageUnreadable, match="wrong base"):
        read(rawpages.encode(PAGE, None), len(PAGE), PAGE)


def test_a_flipped_byte_in_a_frame_is_refused() -> None:
    """A byte changed in the stored frame itself is ``PageUnreadable``, a ``StorageError``."""
    encoded = rawpages.encode(PAGE, None)
    data = bytearray(encoded.data)
    data[len(data) // 2] ^= 0x01
    with pytest.raises(StorageError, match="the page digest is corrupt"):
        rawpages.decode("digest", encoded.codec, bytes(data), len(PAGE))


def test_a_frame_claiming_another_size_is_refused_before_it_is_decoded() -> None:
    """A frame whose header says more bytes than the row's size is refused, not allocated:
    a corrupt header costs no memory."""
    bomb = zstandard.ZstdCompressor().compress(b"\0" * 50_000_000)
    with pytest.raises(PageUnreadable, match="does not say 100 bytes"):
        rawpages.decode("digest", rawpages.ZSTD, bomb, 100)


def test_pages_stored_before_zstd_read_as_they_are() -> None:
    """A zlib page (revision 0008 and before) reads back; a cut or oversized stream is
    ``PageUnreadable``."""
    stored = zlib.compress(PAGE, 6)
    assert rawpages.decode("digest", rawpages.ZLIB, stored, len(PAGE)) == PAGE
    with pytest.raises(PageUnreadable, match="cut short"):
        rawpages.decode("digest", rawpages.ZLIB, stored[:-10], len(PAGE))
    with pytest.raises(PageUnreadable, match="not the 100 stored"):
        rawpages.decode("digest", rawpages.ZLIB, stored, 100)


def test_an_unknown_codec_says_to_upgrade() -> None:
    """A codec this monitor does not know was written by a newer one."""
    with pytest.raises(PageUnreadable, match="upgrade this one"):
        rawpages.decode("digest", "brotli", b"", 0)
