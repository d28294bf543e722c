"""Fetching: one shared HTTP client for the whole daemon, polite to every host.

``PageFetcher`` is the seam the pipeline depends on: a fetch takes a URL and the
validators of the version stored (ETag, Last-Modified), and returns a ``FetchResult``
or raises ``FetchError``, under the ``FetchSettings`` the fetcher was built with.
``Fetcher``, over httpx, is its first implementation; a headless browser is another.

``Fetcher.fetch`` makes one conditional GET and reduces it to a ``FetchResult``.
Any HTTP status is a result, not an error: a 404 or 410 is a lifecycle event the
pipeline reports, and ``status_reason`` words the others for the user. Only
failures to get an answer at all (network, timeout, redirect loop, oversize body,
invalid URL) raise ``FetchError``.

The transport is a seam: ``"httpx"`` is httpx's own connection pool, ``"aiohttp"``
runs the same client over aiohttp's connector (``httpx_aiohttp``); tests may pass
any ``httpx.AsyncBaseTransport``.

Only public addresses are fetched (``addresses.py``), unless ``allow_internal`` says
otherwise: every request's URL is checked, redirects included, and both transports
resolve a host name through ``_Guard``, then connect only to the addresses it let
through, so a name cannot turn internal between the check and the connection.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from importlib import metadata
from types import TracebackType
from typing import Literal, Protocol, Self

import aiohttp
import httpcore
import httpx
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.http_exceptions import ContentLengthError, HttpProcessingError, TransferEncodingError
from httpx_aiohttp import AiohttpTransport

from monitor.addresses import AddressPolicy, IPAddress, IPNetwork, literal_address
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
    allow_internal: tuple[IPNetwork, ...] = ()
    """Networks fetched although they are not public (loopback, private, link-local...)."""

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

    @property
    def policy(self) -> AddressPolicy:
        return AddressPolicy(self.allow_internal)


Resolver = Callable[[str, int], Awaitable[Sequence[str]]]
"""Looks a host name up: the addresses (as text) a connection to ``host:port`` may use."""


async def system_resolver(host: str, port: int) -> list[str]:
    """The operating system's resolver (getaddrinfo: /etc/hosts, then DNS)."""
    infos = await asyncio.get_running_loop().getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_ADDRCONFIG
    )
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class AddressRefused(OSError):
    """A connection the address policy forbids; the message says why, for the user."""


class _Guard:
    """Resolves host names and lets through only the addresses the policy permits."""

    def __init__(self, policy: AddressPolicy, resolver: Resolver) -> None:
        self.policy = policy
        self.resolver = resolver

    def check_host(self, host: str) -> None:
        """Refuse a URL's host that is an internal address by its text alone."""
        refusal = self.policy.host_refusal(host)
        if refusal is not None:
            raise AddressRefused(refusal)

    async def addresses(self, host: str, port: int) -> list[IPAddress]:
        """The permitted addresses of ``host``; AddressRefused when none is."""
        literal = literal_address(host)
        if literal is not None:
            found = [literal]
        else:
            found = [ipaddress.ip_address(a) for a in await self.resolver(host, port)]
        if not found:
            raise socket.gaierror(socket.EAI_NONAME, f"{host} has no address")
        permitted = [address for address in found if self.policy.permits(address)]
        if not permitted:
            refusal = self.policy.refusal(found[0], None if literal else host)
            raise AddressRefused(refusal)
        return permitted


def make_transport(
    settings: FetchSettings, *, resolver: Resolver = system_resolver
) -> httpx.AsyncBaseTransport:
    """Build the connection pool: httpx's own, or aiohttp's connector via httpx_aiohttp.

    ``per_host`` caps connections to one host; only aiohttp's pool can enforce it,
    so with httpx the ``Fetcher``'s per-host semaphore is what keeps it small. Either
    pool connects only to addresses ``settings.policy`` permits.
    """
    limits = settings.limits
    guard = _Guard(settings.policy, resolver)
    if settings.transport == "httpx":
        return _HttpxTransport(limits, guard)
    if settings.transport == "aiohttp":
        # The session must be created inside the running loop, so hand over a
        # factory; httpx_aiohttp calls it on the first request.
        def session() -> aiohttp.ClientSession:
            connector = aiohttp.TCPConnector(
                limit=limits.max_connections or 0,
                limit_per_host=settings.per_host,
                keepalive_timeout=limits.keepalive_expiry,
                ssl=httpx.create_ssl_context(),
                resolver=_GuardedResolver(guard),
            )
            # Cookies are refused (see Fetcher): a second jar here would only hold them.
            return aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar())

        return _AiohttpTransport(limits=limits, client=session)
    raise ValueError(f'unknown transport {settings.transport!r}; use "aiohttp" or "httpx"')


class _GuardedResolver(AbstractResolver):
    """aiohttp's resolver seam: host names resolve to permitted addresses only.

    (aiohttp does not resolve an address written in the URL; the Fetcher checks those.)
    """

    def __init__(self, guard: _Guard) -> None:
        self.guard = guard

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            ResolveResult(
                hostname=host,
                host=str(address),
                port=port,
                family=socket.AF_INET6 if address.version == 6 else socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST | socket.AI_NUMERICSERV,
            )
            for address in await self.guard.addresses(host, port)
        ]

    async def close(self) -> None:
        pass


class _HttpxTransport(httpx.AsyncHTTPTransport):
    """httpx's own pool, connecting through the guard."""

    def __init__(self, limits: httpx.Limits, guard: _Guard) -> None:
        super().__init__(limits=limits)
        # httpx offers no way to pass httpcore a network backend, so the pool it
        # built is replaced by the same pool over the guarded backend.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_GuardedBackend(guard),
        )


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network seam: resolve through the guard, connect to what it permits."""

    def __init__(self, guard: _Guard) -> None:
        self.guard = guard
        self.inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):  # the lookup is part of connecting
                addresses = await self.guard.addresses(host, port)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"looking up {host} took too long") from exc
        except OSError as exc:  # refused, or not found (socket.gaierror)
            raise httpcore.ConnectError(str(exc)) from exc
        failure: httpcore.ConnectError | None = None
        for address in addresses:
            try:
                return await self.inner.connect_tcp(
                    str(address), port, timeout, local_address, socket_options
                )
            except httpcore.ConnectError as exc:
                failure = exc
        raise failure or httpcore.ConnectError(f"{host} has no address")

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("monitor fetches over TCP only")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class _AiohttpTransport(AiohttpTransport):
    """httpx_aiohttp's transport, made safe for redirected GETs."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        # httpx hands a redirected request its body as an unread stream; httpx_aiohttp
        # then passes it to aiohttp as a streamed payload, and aiohttp writes a stray
        # chunked terminator ("0\r\n\r\n") after the GET, which the server reads as
        # a malformed next request. Reading the (empty) body first avoids that.
        await request.aread()
        if request.url.userinfo:
            # httpx already turned user:password@ into an Authorization header; aiohttp
            # refuses a request that carries both.
            request.url = request.url.copy_with(userinfo=b"")
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


class PageFetcher(Protocol):
    """What the pipeline needs of a fetcher: one page, conditionally, as a ``FetchResult``.

    Any HTTP status is a result; only getting no complete answer raises ``FetchError``
    (whose ``reason`` says what to do). A 304 comes back with ``not_modified`` true and
    an empty body, its validators falling back to the ones sent.
    """

    @property
    def settings(self) -> FetchSettings:
        """The limits, identity and address policy every fetch keeps to."""
        ...

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        """Get ``url``; with ``etag`` or ``last_modified``, only if it changed since."""
        ...


class _NoCookies(httpx.Cookies):
    """A jar that holds no cookie: each check is a first visit, so a cookie from one
    watch's site must not change what another check sees (A/B buckets, paywall counters,
    consent state). Set-Cookie is not even read: httpx builds urllib's request and
    response for every answer to offer the jar its cookies (a twentieth of a 304's CPU)."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None

    def set_cookie_header(self, request: httpx.Request) -> None:
        return None


class _Client(httpx.AsyncClient):
    """httpx's client with ``_NoCookies`` for its jar."""

    _no_cookies = _NoCookies()

    @property
    def cookies(self) -> httpx.Cookies:
        return self._no_cookies

    @cookies.setter
    def cookies(self, cookies: object) -> None:
        raise TypeError("the monitor's client keeps no cookies")


class Fetcher:
    """A ``PageFetcher`` over httpx: conditional GETs through one shared client, at most
    ``per_host`` per host."""

    def __init__(
        self,
        settings: FetchSettings | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        resolver: Resolver = system_resolver,
    ) -> None:
        self.settings = settings = settings or FetchSettings()
        if transport is None:
            transport = make_transport(settings, resolver=resolver)
        self._guard = _Guard(settings.policy, resolver)
        self._client = _Client(
            transport=transport,
            headers={"User-Agent": settings.user_agent, "Accept": _ACCEPT},
            timeout=httpx.Timeout(
                settings.timeout,
                connect=settings.connect_timeout,
                read=settings.read_timeout,
            ),
            follow_redirects=True,
            max_redirects=settings.max_redirects,
            # Runs before every request, each redirect included.
            event_hooks={"request": [self._check_address]},
        )
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._slots: asyncio.Semaphore | None = None

    async def _check_address(self, request: httpx.Request) -> None:
        """Refuse a request to an internal address written in its URL, before any traffic."""
        try:
            self._guard.check_host(request.url.host)
        except AddressRefused as exc:
            raise httpx.ConnectError(str(exc), request=request) from exc

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
        target = _checked_url(url)
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        # Waiting for a slot is queueing, not slowness: the timeout starts after it.
        async with self._host_slot(target.host), self._total_slot():
            started = time.perf_counter()
            try:
                async with asyncio.timeout(self.settings.timeout):
                    status, final_url, response, body = await self._get(url, target, headers)
            except TimeoutError as exc:
                raise FetchError(url, self._timed_out("total")) from exc
            except (httpx.HTTPError, aiohttp.ClientError) as exc:
                # httpx_aiohttp lets some of aiohttp's errors through unmapped (a
                # malformed status line or header), so both families end here.
                raise FetchError(url, self._describe(exc)) from exc
        response_headers = response.headers
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
            retry_after=response_headers.get("retry-after"),
            headers=_as_sent(response_headers),
            request_headers=_as_sent(response.request.headers),
            http_version=response.http_version or "HTTP/1.1",
        )

    async def _get(
        self, url: str, target: httpx.URL, headers: dict[str, str]
    ) -> tuple[int, str, httpx.Response, bytes]:
        # ``target`` is ``url`` parsed once (httpx would parse the string again).
        async with self._client.stream("GET", target, headers=headers) as response:
            # httpx normalises the URL; only a redirect should make final_url differ.
            final_url = str(response.url) if response.history else url
            if response.status_code == 304:
                # Reading the (empty) body lets httpcore see the message end and
                # keep the connection; closing unread would drop it every time.
                await response.aread()
                return 304, final_url, response, b""
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
            return response.status_code, final_url, response, b"".join(chunks)

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

    def _describe(self, exc: httpx.HTTPError | aiohttp.ClientError) -> str:
        """Say what went wrong from the root cause: httpx_aiohttp mislabels errors."""
        causes = list(_causes(exc))

        def caused_by(kind: type[BaseException]) -> bool:
            return any(isinstance(c, kind) for c in causes)

        refused = next((c for c in causes if isinstance(c, AddressRefused)), None)
        if refused is not None:
            return str(refused)
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
        if _cut_short(causes):
            return (
                "the server closed the connection before the whole response arrived; "
                "the next check will try again"
            )
        malformed = _malformed(causes)
        if malformed is not None:
            return (
                f"the server sent a malformed HTTP response ({malformed}); the site is "
                "broken or is no web server, the next check will try again"
            )
        if caused_by(aiohttp.ServerDisconnectedError) or isinstance(exc, httpx.RemoteProtocolError):
            return "the server closed the connection without a complete answer; try again later"
        return f"network error ({type(exc).__name__}: {exc}); the next check will try again"


def _cut_short(causes: Sequence[BaseException]) -> bool:
    """Whether the body ended before the length its headers announced."""
    return any(
        isinstance(c, ContentLengthError | TransferEncodingError)
        or (isinstance(c, httpcore.RemoteProtocolError) and "complete message body" in str(c))
        for c in causes
    )


def _malformed(causes: Sequence[BaseException]) -> str | None:
    """What the HTTP parser (aiohttp's or h11) rejected in the response, briefly; None
    if the failure is no parse error."""
    for cause in causes:
        if isinstance(cause, HttpProcessingError):
            return _parser_words(cause.message)
        if isinstance(cause, httpcore.RemoteProtocolError | httpx.RemoteProtocolError) and (
            "disconnected" not in str(cause)
        ):
            return _parser_words(str(cause))
    return None


def _parser_words(message: str) -> str:
    """The parser's words, without the data it quotes after a colon: that is the page's,
    and may hold anything (escape codes, a megabyte of header)."""
    words = [line.split(":")[0].strip() for line in message.splitlines()]
    quoted = ("^", "b'", 'b"', "bytearray(")  # aiohttp's quote of the line, and its caret
    return "; ".join(w for w in words if w and not w.startswith(quoted))[:120] or "unparsable"


def _timeout_limit(
    exc: httpx.HTTPError | aiohttp.ClientError, caused_by: Callable[[type[BaseException]], bool]
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


def _as_sent(headers: httpx.Headers) -> tuple[tuple[str, str], ...]:
    """Headers as they went over the wire: names in their case, order and repeats kept
    (latin-1 maps every byte to one character, so nothing is lost)."""
    return tuple((name.decode("latin-1"), value.decode("latin-1")) for name, value in headers.raw)


def _checked_url(url: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise FetchError(url, f"invalid URL ({exc}); use an absolute http(s) URL") from exc
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise FetchError(
            url, "invalid URL; use an absolute http:// or https:// URL with a host name"
        )
    return parsed


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
