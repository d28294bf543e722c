"""Fetching: one shared HTTP client for the whole daemon, polite to every host.

``Fetcher.fetch`` makes one conditional GET and reduces it to a ``FetchResult``.
Any HTTP status is a result, not an error: a 404 or 410 is a lifecycle event the
pipeline reports, and ``status_reason`` words the others for the user. Only
failures to get an answer at all (network, timeout, redirect loop, oversize body,
invalid URL) raise ``FetchError``.

The transport is a seam: ``"httpx"`` is httpx's own connection pool, ``"aiohttp"``
runs the same client over aiohttp's connector (``httpx_aiohttp``); tests may pass
any ``httpx.AsyncBaseTransport``.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http import HTTPStatus
from http.cookiejar import CookieJar, DefaultCookiePolicy
from importlib import metadata
from types import TracebackType
from typing import Literal, Self

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport

from monitor.errors import ConfigError, FetchError
from monitor.models import FetchResult

TransportKind = Literal["aiohttp", "httpx"]

PROJECT_URL = "https://pypi.org/project/monitor/"
MiB = 1024 * 1024


def _version() -> str:
    try:
        return metadata.version("monitor")
    except metadata.PackageNotFoundError:
        return "0+unknown"


DEFAULT_USER_AGENT = f"monitor/{_version()} (+{PROJECT_URL}; page-change monitor)"
_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@dataclass(frozen=True)
class FetchSettings:
    """How the daemon fetches: time and size limits, identity, and politeness."""

    timeout: float = 30.0
    """Seconds for a whole fetch, redirects and body included (waiting for a slot is not)."""
    connect_timeout: float = 10.0
    """Seconds to open a connection."""
    read_timeout: float = 30.0
    """Seconds the server may stay silent while we wait for bytes."""
    max_redirects: int = 5
    max_bytes: int = 5 * MiB
    """Largest body accepted, after decompression."""
    user_agent: str = DEFAULT_USER_AGENT
    per_host: int = 2
    """Requests in flight to one host at a time."""
    max_connections: int = 32
    """Requests in flight (and open connections) over all hosts."""
    transport: TransportKind = "aiohttp"

    def __post_init__(self) -> None:
        for name in ("timeout", "connect_timeout", "read_timeout"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"fetch {name} must be a positive number of seconds")
        for name in ("per_host", "max_connections", "max_bytes"):
            if getattr(self, name) < 1:
                raise ConfigError(f"fetch {name} must be at least 1")
        if self.max_redirects < 0:
            raise ConfigError("fetch max_redirects must be 0 or more")
        if self.transport not in ("aiohttp", "httpx"):
            raise ConfigError('fetch transport must be "aiohttp" or "httpx"')

    @property
    def limits(self) -> httpx.Limits:
        return httpx.Limits(
            max_connections=self.max_connections,
            max_keepalive_connections=self.max_connections,
            keepalive_expiry=5.0,
        )


def make_transport(
    kind: TransportKind, limits: httpx.Limits, *, per_host: int | None = None
) -> httpx.AsyncBaseTransport:
    """Build the connection pool: httpx's own, or aiohttp's connector via httpx_aiohttp.

    ``per_host`` caps connections to one host; only aiohttp's pool can enforce it,
    so with httpx the ``Fetcher``'s per-host semaphore is what keeps it small.
    """
    if kind == "httpx":
        return httpx.AsyncHTTPTransport(limits=limits)
    if kind == "aiohttp":
        # The session must be created inside the running loop, so hand over a
        # factory; httpx_aiohttp calls it on the first request.
        def session() -> aiohttp.ClientSession:
            connector = aiohttp.TCPConnector(
                limit=limits.max_connections or 0,
                limit_per_host=per_host or 0,
                keepalive_timeout=limits.keepalive_expiry,
                ssl=httpx.create_ssl_context(),
            )
            # Cookies are refused (see Fetcher): a second jar here would only hold them.
            return aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar())

        return _AiohttpTransport(limits=limits, client=session)
    raise ValueError(f'unknown transport {kind!r}; use "aiohttp" or "httpx"')


class _AiohttpTransport(AiohttpTransport):
    """httpx_aiohttp's transport, made safe for redirected GETs."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        # httpx hands a redirected request its body as an unread stream; httpx_aiohttp
        # then passes it to aiohttp as a streamed payload, and aiohttp writes a stray
        # chunked terminator ("0\r\n\r\n") after the GET, which the server reads as
        # a malformed next request. Reading the (empty) body first avoids that.
        await request.aread()
        return await super().handle_async_request(request)


def status_reason(status: int) -> str:
    """What an HTTP error status means for a watch, and what to do about it."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "error"
    head = f"HTTP {status} {phrase}"
    if status in (404, 410):
        return f"{head}: the page is gone; fix the URL or remove the watch"
    if status in (401, 403):
        return f"{head}: the site refuses us; it may need a login or block monitors"
    if status == 429:
        return f"{head}: the site is rate-limiting us; check it less often"
    if status >= 500:
        return f"{head}: the server failed; the next check will try again"
    return f"{head}: the server rejected the request"


class Fetcher:
    """Makes conditional GETs through one shared client, at most ``per_host`` per host."""

    def __init__(
        self,
        settings: FetchSettings | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings = settings or FetchSettings()
        if transport is None:
            transport = make_transport(
                settings.transport, settings.limits, per_host=settings.per_host
            )
        self._client = httpx.AsyncClient(
            transport=transport,
            # Each check is a first visit: a cookie from one watch's site must not change
            # what another check sees (A/B buckets, paywall counters, consent state).
            cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
            headers={"User-Agent": settings.user_agent, "Accept": _ACCEPT},
            timeout=httpx.Timeout(
                settings.timeout,
                connect=settings.connect_timeout,
                read=settings.read_timeout,
            ),
            follow_redirects=True,
            max_redirects=settings.max_redirects,
        )
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._slots: asyncio.Semaphore | None = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close every pooled connection; the fetcher cannot be used afterwards."""
        await self._client.aclose()

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        """GET ``url``, conditionally when ``etag`` or ``last_modified`` is given.

        A 304 comes back with an empty body and ``not_modified`` true; its ``etag``
        falls back to the one sent when the server does not repeat it. Raises
        ``FetchError`` when no complete answer arrives.
        """
        host = _checked_host(url)
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        # Waiting for a slot is queueing, not slowness: the timeout starts after it.
        async with self._host_slot(host), self._total_slot():
            started = time.perf_counter()
            try:
                async with asyncio.timeout(self.settings.timeout):
                    status, final_url, response_headers, body = await self._get(url, headers)
            except TimeoutError as exc:
                raise FetchError(url, self._timed_out("total")) from exc
            except httpx.HTTPError as exc:
                raise FetchError(url, self._describe(exc)) from exc
        new_etag = response_headers.get("etag")
        if status == 304 and new_etag is None:
            new_etag = etag
        return FetchResult(
            url=url,
            final_url=final_url,
            status=status,
            body=body,
            etag=new_etag,
            last_modified=response_headers.get("last-modified")
            or (last_modified if status == 304 else None),
            duration_ms=(time.perf_counter() - started) * 1000,
            content_type=response_headers.get("content-type", ""),
        )

    async def _get(
        self, url: str, headers: dict[str, str]
    ) -> tuple[int, str, httpx.Headers, bytes]:
        async with self._client.stream("GET", url, headers=headers) as response:
            # httpx normalises the URL; only a redirect should make final_url differ.
            final_url = str(response.url) if response.history else url
            if response.status_code == 304:
                # Reading the (empty) body lets httpcore see the message end and
                # keep the connection; closing unread would drop it every time.
                await response.aread()
                return 304, final_url, response.headers, b""
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self.settings.max_bytes:
                raise FetchError(
                    url, self._too_large(f"Content-Length says {_size(int(declared))}")
                )
            chunks: list[bytes] = []
            received = 0
            async for chunk in response.aiter_bytes():
                received += len(chunk)
                if received > self.settings.max_bytes:
                    raise FetchError(url, self._too_large("stopped reading there"))
                chunks.append(chunk)
            return response.status_code, final_url, response.headers, b"".join(chunks)

    def _host_slot(self, host: str) -> asyncio.Semaphore:
        slot = self._hosts.get(host)
        if slot is None:
            slot = self._hosts[host] = asyncio.Semaphore(self.settings.per_host)
        return slot

    def _total_slot(self) -> asyncio.Semaphore:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.settings.max_connections)
        return self._slots

    def _too_large(self, detail: str) -> str:
        limit = _size(self.settings.max_bytes)
        return (
            f"the response is larger than the {limit} limit ({detail}); "
            "raise max_bytes in the [monitor] table of the config if the page really is this big"
        )

    def _timed_out(self, limit: Literal["total", "connect", "read"]) -> str:
        s = self.settings
        if limit == "connect":
            return (
                f"timed out after {s.connect_timeout:g}s connecting; "
                "the host may be down or firewalled, the next check will try again"
            )
        if limit == "read":
            return (
                f"timed out after {s.read_timeout:g}s waiting for the server to send data; "
                "it may be overloaded, the next check will try again"
            )
        return (
            f"timed out after {s.timeout:g}s; the server is slow or stuck, "
            "the next check will try again (or raise timeout in the [monitor] table)"
        )

    def _describe(self, exc: httpx.HTTPError) -> str:
        """Say what went wrong from the root cause: httpx_aiohttp mislabels errors."""
        causes = list(_causes(exc))

        def caused_by(kind: type[BaseException]) -> bool:
            return any(isinstance(c, kind) for c in causes)

        if caused_by(ConnectionRefusedError):
            return (
                "connection refused: nothing is listening there; "
                "check the URL's host and port, or whether the site is down"
            )
        if caused_by(socket.gaierror):
            return "host name not found (DNS); check the URL's spelling"
        if caused_by(ssl.SSLCertVerificationError):
            return "the TLS certificate is not valid for this host; check the URL or the site"
        if caused_by(ssl.SSLError):
            return f"TLS handshake failed ({exc}); the site's HTTPS setup may be broken"
        if isinstance(exc, httpx.TooManyRedirects):
            return (
                f"more than {self.settings.max_redirects} redirects (the last to "
                f"{exc.request.url}); the page may redirect in a loop, check it in a browser"
            )
        if isinstance(exc, httpx.UnsupportedProtocol):
            return f"invalid URL ({exc}); use an absolute http:// or https:// URL"
        timeout = _timeout_limit(exc, caused_by)
        if timeout is not None:
            return self._timed_out(timeout)
        if isinstance(exc, httpx.DecodingError):
            return f"could not decode the response body ({exc}); the server sent it corrupt"
        if caused_by(aiohttp.ServerDisconnectedError) or isinstance(exc, httpx.RemoteProtocolError):
            return "the server closed the connection without a complete answer; try again later"
        return f"network error ({type(exc).__name__}: {exc}); the next check will try again"


def _timeout_limit(
    exc: httpx.HTTPError, caused_by: Callable[[type[BaseException]], bool]
) -> Literal["total", "connect", "read"] | None:
    """Which limit ran out, if the error is a timeout at all."""
    if caused_by(aiohttp.ConnectionTimeoutError):
        return "connect"
    if caused_by(aiohttp.SocketTimeoutError):
        return "read"
    if caused_by(aiohttp.ClientError):
        # httpx_aiohttp maps any aiohttp connection error to ConnectTimeout.
        return "read" if caused_by(TimeoutError) else None
    if isinstance(exc, httpx.ConnectTimeout):
        return "connect"
    if isinstance(exc, httpx.PoolTimeout):
        return "total"
    if isinstance(exc, httpx.TimeoutException):
        return "read"
    return None


def _checked_host(url: str) -> str:
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise FetchError(url, f"invalid URL ({exc}); use an absolute http(s) URL") from exc
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise FetchError(
            url, "invalid URL; use an absolute http:// or https:// URL with a host name"
        )
    return parsed.host


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _size(n: int) -> str:
    if n >= MiB and n % MiB == 0:
        return f"{n // MiB} MiB"
    if n >= 1024 and n % 1024 == 0:
        return f"{n // 1024} KiB"
    return f"{n} bytes"
