"""How a fetched page is kept on disk: pure functions, no database.

A watch's successive pages are nearly the same bytes (the chrome moved, a sentence was
edited), so a new page is compressed with zstd using the page of the watch's previous
version as a raw-content dictionary: a *delta*, some hundreds of bytes where the page
alone takes tens of kilobytes. Reading a delta needs its base page, which may itself be a delta:
``MAX_DEPTH`` bounds that chain, and a page at the bound, a watch's first page, or one
whose delta would not be smaller, is stored alone (a *keyframe*). Pages stored before
revision 0009 are zlib streams, and are read as they are.

Every frame carries zstd's checksum of its output and its size: a corrupt frame, or a
delta decoded on the wrong base, is an error, not other bytes.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import zstandard

from monitor.errors import PageUnreadable

ZLIB = "zlib"
"""A zlib stream (level 6): every page stored before revision 0009."""
ZSTD = "zstd"
"""A standalone zstd frame: a keyframe."""
DELTA = "zstd-delta"
"""A zstd frame compressed against the base page's bytes as a raw-content dictionary."""

LEVEL = 9
"""zstd's level for keyframes and deltas. Measured on 20 corpus pages with a counter and
a sentence changed: below 5 zstd's fast strategies miss most of the dictionary (deltas
of ~1 KB where levels 5 to 9 find ~75 bytes); level 12 took 8 times level 9's time for
1% less (a page of ~200 KB: 2.2 ms a keyframe, 0.7 ms a delta at level 9)."""

MAX_DEPTH = 64
"""The most deltas between a page and its keyframe: a read decodes at most 65 frames, and
a keyframe's tens of KB are shared by up to 65 versions. Measured (bench/storage.py, 100
versions of real pages): at 32, keyframes made the stored pages 3.1 times what zstd
--long needs for the whole history, at 64 2.0 times; reading the deepest page took about
8 ms at either (the query and the load, not the 0.05 ms a frame of decoding), against 3 ms
for a zlib page, on a machine at load 3 to 10.
"""

LONGEST_CHAIN = 1024
"""Pages a reader follows before it calls a chain altered (a cycle made by hand): far past
``MAX_DEPTH``, so that a lower limit in a later monitor still reads the chains before it."""


@dataclass(frozen=True)
class Base:
    """The page a new page may be stored as a delta of."""

    hash: str
    raw: bytes
    depth: int
    """Its own depth: 0 for a keyframe (or a zlib page), else its base's plus one."""


@dataclass(frozen=True)
class Encoded:
    """A page as it is stored."""

    codec: str
    data: bytes
    base_hash: str | None
    """The page it is a delta of; None for a keyframe."""
    depth: int


def encode(raw: bytes, base: Base | None) -> Encoded:
    """``raw`` as a delta of ``base``, or as a keyframe when there is no base, the base is
    at ``MAX_DEPTH``, or the delta would not be smaller than the keyframe."""
    if base is None or base.depth >= MAX_DEPTH or not base.raw:
        return Encoded(ZSTD, _compressor().compress(raw), None, 0)
    delta = _compressor(base.raw).compress(raw)
    # A delta this small beats any keyframe of a web page (zstd compresses HTML 5 to 10
    # times, not 64): the keyframe is not worked out (~3 ms a page of 300 KB).
    if len(delta) * _SURE_RATIO > len(raw):
        keyframe = _compressor().compress(raw)
        if len(delta) >= len(keyframe):
            return Encoded(ZSTD, keyframe, None, 0)
    return Encoded(DELTA, delta, base.hash, base.depth + 1)


_SURE_RATIO = 64


def decode(digest: str, codec: str, data: bytes, size: int, base: bytes | None = None) -> bytes:
    """The page's bytes from its stored form (``base``: its base page's bytes, for a
    delta); ``PageUnreadable`` when the frame is corrupt or the bytes are not ``size`` long.
    The bytes are not checked against ``digest`` (``monitor verify`` does that)."""
    try:
        if codec == ZLIB:
            stream = zlib.decompressobj()
            raw = stream.decompress(data, size + 1)  # at most what the row says, and a byte
            if not stream.eof and len(raw) <= size:
                raise zlib.error("the stream is cut short")
        elif codec in (ZSTD, DELTA):
            if (codec == DELTA) != (base is not None):
                raise PageUnreadable(f"the page {digest} is a {codec} frame given the wrong base")
            if zstandard.frame_content_size(data) != size:  # never allocate what a header says
                raise zstandard.ZstdError(f"the frame's header does not say {size} bytes")
            dictionary = None if base is None else _dictionary(base)
            raw = zstandard.ZstdDecompressor(dict_data=dictionary).decompress(
                data, max_output_size=size
            )
        else:
            raise PageUnreadable(
                f"the page {digest} is stored with an unknown codec {codec!r}; "
                "a newer monitor wrote it: upgrade this one"
            )
    except (zlib.error, zstandard.ZstdError) as error:
        raise PageUnreadable(
            f"the page {digest} is corrupt ({codec}: {error}); "
            "`monitor verify` names the versions it belongs to"
        ) from error
    if len(raw) != size:
        raise PageUnreadable(
            f"the page {digest} decodes to {len(raw)} bytes, not the {size} stored: it is "
            "corrupt; `monitor verify` names the versions it belongs to"
        )
    return raw


def _dictionary(raw: bytes) -> zstandard.ZstdCompressionDict:
    return zstandard.ZstdCompressionDict(raw, dict_type=zstandard.DICT_TYPE_RAWCONTENT)


def _compressor(base: bytes | None = None) -> zstandard.ZstdCompressor:
    dictionary = None if base is None else _dictionary(base)
    return zstandard.ZstdCompressor(level=LEVEL, dict_data=dictionary, write_checksum=True)
