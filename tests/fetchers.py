"""A test double of the fetcher seam (``monitor.fetch.PageFetcher``): scripted pages.

For tests about what the pipeline does with an answer (a status, a Retry-After, a
failure), not about HTTP itself: those run the real ``Fetcher`` against ``PageServer``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from monitor.errors import FetchError
from monitor.fetch import FetchSettings
from monitor.models import FetchResult


@dataclass(frozen=True)
class Scripted:
    """One page as the fake serves it, or the failure it raises instead."""

    body: bytes = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    etag: str | None = None
    last_modified: str | None = None
    retry_after: str | None = None
    final_url: str | None = None
    """Where a redirect landed (None: the URL asked for)."""
    failure: str | None = None
    """The reason of the ``FetchError`` raised instead of an answer."""


@dataclass(frozen=True)
class Request:
    """A fetch the pipeline made: the URL and the validators it sent."""

    url: str
    etag: str | None
    last_modified: str | None


@dataclass
class FakeFetcher:
    """Serves what the test set per URL; answers 304 when the validators sent match.

    An unset URL raises ``FetchError``, as a host that does not answer.
    """

    settings: FetchSettings = field(default_factory=FetchSettings)
    pages: dict[str, Scripted] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)

    def set(
        self,
        url: str,
        body: str | bytes,
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        final_url: str | None = None,
    ) -> None:
        """Serve ``body`` with ``status`` at ``url`` from now on; ``headers`` may give the
        ETag, Last-Modified, Retry-After and Content-Type."""
        given = {k.lower(): v for k, v in (headers or {}).items()}
        self.pages[url] = Scripted(
            body=body.encode("utf-8") if isinstance(body, str) else body,
            status=status,
            content_type=given.get("content-type", Scripted.content_type),
            etag=given.get("etag"),
            last_modified=given.get("last-modified"),
            retry_after=given.get("retry-after"),
            final_url=final_url,
        )

    def fail(self, url: str, reason: str) -> None:
        """Make every fetch of ``url`` raise ``FetchError`` with ``reason``."""
        self.pages[url] = Scripted(failure=reason)

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        self.requests.append(Request(url, etag, last_modified))
        page = self.pages.get(url)
        if page is None:
            raise FetchError(url, "connection refused: nothing is scripted at this URL")
        if page.failure is not None:
            raise FetchError(url, page.failure)
        unchanged = (etag is not None and etag == page.etag) or (
            last_modified is not None and last_modified == page.last_modified
        )
        status, body = (304, b"") if unchanged and page.status == 200 else (page.status, page.body)
        return FetchResult(
            url=url,
            final_url=page.final_url or url,
            status=status,
            body=body,
            etag=page.etag,
            last_modified=page.last_modified,
            duration_ms=1.0,
            content_type=page.content_type,
            retry_after=page.retry_after,
        )
