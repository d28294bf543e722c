"""Versions as WARC 1.1: a request and a response record per version, written by warcio.

Each response record is the exchange a version was read from: its status line and
headers, and the body as stored. WARC-Date is the fetch time, WARC-Target-URI the final
URL after redirects, WARC-Payload-Digest the body's SHA-256 (the hash the version names
it by). monitor keeps a body as it was decoded (gzip, chunks undone), so a response
record carries it without its Content-Encoding and Transfer-Encoding, which are kept as
``X-Archive-Orig-*`` headers, and with the Content-Length it has.

A version stored before monitor kept the exchange (revision 0007) has no status or
headers to tell: it is a ``resource`` record, the body alone.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC
from http import HTTPStatus
from io import BytesIO
from typing import BinaryIO
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from monitor.models import Evidence, Headers

_DECODED = ("content-encoding", "transfer-encoding", "content-length")
"""Headers that described the body as sent, not as monitor keeps it."""


@dataclass(frozen=True)
class Capture:
    """One version to archive: which watch, its evidence, and its body."""

    url: str
    """The watch's URL (the target when the final URL was not kept)."""
    evidence: Evidence
    body: bytes


def payload_digest(sha256_hex: str) -> str:
    """A SHA-256 in the WARC-Payload-Digest form: 'sha256:' and base 32."""
    return "sha256:" + base64.b32encode(bytes.fromhex(sha256_hex)).decode("ascii")


def write_warc(out: BinaryIO, captures: Iterable[Capture], *, software: str) -> int:
    """Write a warcinfo record, then a request and response pair per capture (gzipped
    record by record, as archives expect); returns the number of versions written."""
    writer = WARCWriter(out, gzip=True, warc_version="1.1")
    info = {"software": software, "format": "WARC File Format 1.1"}
    writer.write_record(writer.create_warcinfo_record("", info))
    written = 0
    for capture in captures:
        content = capture.evidence.content
        if content is None:
            continue  # forgotten by retention: nothing left to archive
        target = content.final_url or capture.url
        warc_headers = {
            "WARC-Date": datetime_to_iso_date(
                content.fetched_at.astimezone(UTC).replace(tzinfo=None), use_micros=True
            ),
            "WARC-Payload-Digest": payload_digest(content.body_sha256),
        }
        if content.status is None or content.headers is None:
            record = writer.create_warc_record(
                target,
                "resource",
                payload=BytesIO(capture.body),
                length=len(capture.body),
                warc_content_type="text/html",
                warc_headers_dict=warc_headers,
            )
            writer.write_record(record)
        else:
            protocol = capture.evidence.http_version or "HTTP/1.1"
            response = writer.create_warc_record(
                target,
                "response",
                payload=BytesIO(capture.body),
                length=len(capture.body),
                warc_headers_dict=warc_headers,
                http_headers=StatusAndHeaders(
                    _status_line(content.status),
                    _as_stored(content.headers, len(capture.body)),
                    protocol=protocol,
                ),
            )
            request = writer.create_warc_record(
                target,
                "request",
                http_headers=StatusAndHeaders(
                    f"GET {_request_target(target)} {protocol}",
                    list(capture.evidence.request_headers or ()),
                    is_http_request=True,
                ),
            )
            writer.write_request_response_pair(request, response)
        written += 1
    return written


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def _as_stored(headers: Headers, length: int) -> list[tuple[str, str]]:
    kept = [
        (f"X-Archive-Orig-{name}" if name.lower() in _DECODED else name, value)
        for name, value in headers
    ]
    return [*kept, ("Content-Length", str(length))]


def _request_target(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
