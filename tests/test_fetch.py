"""Fetcher against a real HTTP server on 127.0.0.1, over both transports."""

from __future__ import annotations

import asyncio
import base64
import ipaddress
import socket
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import asynccontextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
import pytest
from servers import PageServer

from monitor.errors import ConfigError, FetchError
from monitor.fetch import (
    Fetcher,
    FetchSettings,
    Resolver,
    TransportKind,
    make_transport,
    status_reason,
    system_resolver,
)
from monitor.models import FetchResult

T = TypeVar("T")

ETAG = '"v1"'
LAST_MODIFIED = "Wed, 01 Jan 2025 00:00:00 GMT"
PAGE = b"<html><body><p>Hello</p></body></html>"
BIG = b"x" * 5000
HOLD_LIMIT = 10.0
"""Seconds a held handler waits at most, so a broken test fails instead of hanging."""
LOOPBACK = (ipaddress.ip_network("127.0.0.1/32"),)
"""The test servers' address: allowed on purpose, since by default it is refused."""


class ServerState:
    """What the server saw, and the events a test steers it with."""

    def __init__(self) -> None:
        self.requests: list[dict[str, str]] = []
        self.clients: set[tuple[str, int]] = set()
        self.release = threading.Event()
        self.cond = threading.Condition()
        self.in_flight = 0
        self.max_in_flight = 0
        self.waiting = 0
        self.wave = 0
        self.wave_size = 2


class LocalServer(ThreadingHTTPServer):
    """A threaded HTTP/1.1 server with the routes the tests need."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.state = ServerState()

    def url(self, path: str) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}{path}"

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (the timeout test) leaves a broken pipe behind.
        pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = HOLD_LIMIT
    server: LocalServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        state = self.server.state
        state.requests.append({k.lower(): v for k, v in self.headers.items()})
        state.clients.add(self.client_address)
        parts = urlsplit(self.path)
        route = parts.path.split("/")[1]
        if route in ("page", ""):
            if (
                self.headers.get("If-None-Match") == ETAG
                or self.headers.get("If-Modified-Since") == LAST_MODIFIED
            ):
                self.respond(304, b"", {"ETag": ETAG})
            else:
                self.respond(200, PAGE, {"ETag": ETAG, "Last-Modified": LAST_MODIFIED})
        elif route == "redirect":
            left = int(parts.path.split("/")[2])
            target = f"/redirect/{left - 1}" if left > 0 else "/page"
            self.respond(302, b"", {"Location": target})
        elif route == "big":
            if parts.query == "declared":
                self.respond(200, BIG)
            else:
                self.respond_chunked(BIG)
        elif route == "hold":
            state.release.wait(HOLD_LIMIT)
            self.respond(200, PAGE)
        elif route == "missing":
            self.respond(404, b"not here")
        elif route == "slot":
            self.hold_for_wave(state)
            self.respond(200, PAGE)
        else:
            self.respond(500, b"no such route")

    def hold_for_wave(self, state: ServerState) -> None:
        """Count this request in flight and hold it until a full wave of them has arrived."""
        with state.cond:
            state.in_flight += 1
            state.max_in_flight = max(state.max_in_flight, state.in_flight)
            state.waiting += 1
            wave = state.wave
            if state.waiting == state.wave_size:
                state.wave += 1
                state.waiting = 0
                state.cond.notify_all()
            else:
                state.cond.wait_for(lambda: state.wave > wave, HOLD_LIMIT)
            # Before answering: the client cannot send its next request until it reads this.
            state.in_flight -= 1

    def respond(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def respond_chunked(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for start in range(0, len(body), 1000):
            chunk = body[start : start + 1000]
            self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        self.wfile.write(b"0\r\n\r\n")


@pytest.fixture(scope="module")
def running_server() -> Iterator[LocalServer]:
    httpd = LocalServer()
    thread = threading.Thread(target=httpd.serve_forever)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


@pytest.fixture
def server(running_server: LocalServer) -> Iterator[LocalServer]:
    running_server.state = ServerState()
    try:
        yield running_server
    finally:
        running_server.state.release.set()


@pytest.fixture(params=["httpx", "aiohttp"])
def transport(request: pytest.FixtureRequest) -> TransportKind:
    kind: TransportKind = request.param
    return kind


def run(
    kind: TransportKind,
    body: Callable[[Fetcher], Awaitable[T]],
    resolver: Resolver = system_resolver,
    **settings: Any,
) -> T:
    """Run ``body`` with a fetcher that may fetch from 127.0.0.1 (unless told otherwise)."""
    settings = {"allow_internal": LOOPBACK, **settings}

    async def main() -> T:
        async with Fetcher(FetchSettings(transport=kind, **settings), resolver=resolver) as f:
            return await body(f)

    return asyncio.run(main())


def fetch(
    kind: TransportKind, url: str, resolver: Resolver = system_resolver, **settings: Any
) -> FetchResult:
    return run(kind, lambda fetcher: fetcher.fetch(url), resolver, **settings)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_a_page_comes_back_with_its_validators(
    server: LocalServer, transport: TransportKind
) -> None:
    """A 200 carries the body, the ETag, Last-Modified and Content-Type, and ends where it began."""
    result = fetch(transport, server.url("/page"))
    assert result.status == 200
    assert result.body == PAGE
    assert result.etag == ETAG
    assert result.last_modified == LAST_MODIFIED
    assert result.content_type.startswith("text/html")
    assert result.final_url == result.url == server.url("/page")
    assert result.duration_ms > 0
    assert not result.not_modified
    assert result.status == 200


def test_a_conditional_get_of_an_unchanged_page_is_not_modified(
    server: LocalServer, transport: TransportKind
) -> None:
    """Sending the stored ETag and date gets a 304 with an empty body and keeps the validators."""
    url = server.url("/page")
    result = run(transport, lambda f: f.fetch(url, etag=ETAG, last_modified=LAST_MODIFIED))
    assert result.status == 304
    assert result.not_modified
    assert result.body == b""
    assert result.etag == ETAG
    assert result.last_modified == LAST_MODIFIED
    sent = server.state.requests[-1]
    assert sent["if-none-match"] == ETAG
    assert sent["if-modified-since"] == LAST_MODIFIED


def test_not_modified_answers_keep_the_connection_open(
    server: LocalServer, transport: TransportKind
) -> None:
    """Repeated 304s reuse one connection instead of opening a new one per check."""
    url = server.url("/page")

    async def three(fetcher: Fetcher) -> list[FetchResult]:
        return [await fetcher.fetch(url, etag=ETAG) for _ in range(3)]

    assert all(r.not_modified for r in run(transport, three))
    assert len(server.state.clients) == 1


def test_an_unconditional_get_sends_no_validators(
    server: LocalServer, transport: TransportKind
) -> None:
    """Without an ETag or date, no If-None-Match or If-Modified-Since header is sent."""
    fetch(transport, server.url("/page"))
    assert "if-none-match" not in server.state.requests[-1]
    assert "if-modified-since" not in server.state.requests[-1]


def test_the_user_agent_names_monitor(server: LocalServer, transport: TransportKind) -> None:
    """Every request says it comes from monitor, with its version."""
    fetch(transport, server.url("/page"))
    user_agent = server.state.requests[-1]["user-agent"]
    assert user_agent == FetchSettings().user_agent
    assert user_agent.startswith("monitor/")


def test_redirects_are_followed_to_the_final_url(
    server: LocalServer, transport: TransportKind
) -> None:
    """A chain of three redirects ends at the page, and final_url says where."""
    result = fetch(transport, server.url("/redirect/2"))
    assert result.status == 200
    assert result.body == PAGE
    assert result.url == server.url("/redirect/2")
    assert result.final_url == server.url("/page")


def test_without_a_redirect_final_url_is_the_url_as_given(
    server: LocalServer, transport: TransportKind
) -> None:
    """A URL httpx would normalise (no trailing slash) is not reported as moved."""
    url = server.url("")
    assert fetch(transport, url).final_url == url


def test_too_many_redirects_is_an_error(server: LocalServer, transport: TransportKind) -> None:
    """A chain longer than max_redirects raises FetchError saying how many were allowed."""
    with pytest.raises(FetchError, match="more than 5 redirects"):
        fetch(transport, server.url("/redirect/9"), max_redirects=5)


@pytest.mark.parametrize("length", ["declared", "chunked"])
def test_an_oversize_body_is_refused(
    server: LocalServer, transport: TransportKind, length: str
) -> None:
    """A body over max_bytes raises FetchError naming the limit and how to raise it."""
    url = server.url("/big?declared" if length == "declared" else "/big")
    with pytest.raises(FetchError, match="1000 bytes limit") as caught:
        fetch(transport, url, max_bytes=1000)
    assert "max_bytes" in caught.value.reason


def test_a_body_at_the_limit_is_accepted(server: LocalServer, transport: TransportKind) -> None:
    """A body of exactly max_bytes is not too large."""
    assert fetch(transport, server.url("/big"), max_bytes=len(BIG)).body == BIG


def test_a_stalled_server_times_out(server: LocalServer, transport: TransportKind) -> None:
    """A server that never answers raises FetchError saying the time limit ran out."""
    with pytest.raises(FetchError, match=r"timed out after 0\.2s"):
        fetch(transport, server.url("/hold"), timeout=0.2)
    server.state.release.set()


def test_a_closed_port_is_connection_refused(transport: TransportKind) -> None:
    """Nothing listening raises FetchError saying the connection was refused."""
    with pytest.raises(FetchError, match="connection refused"):
        fetch(transport, f"http://127.0.0.1:{closed_port()}/")


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/file", "not a url", "http:///no-host"])
def test_an_invalid_url_is_an_error(transport: TransportKind, url: str) -> None:
    """A URL that is not absolute http(s) raises FetchError before any network traffic."""
    with pytest.raises(FetchError, match="invalid URL"):
        fetch(transport, url)


def test_a_missing_page_is_a_result_not_an_error(
    server: LocalServer, transport: TransportKind
) -> None:
    """A 404 comes back as a result with its status, which status_reason puts in words."""
    result = fetch(transport, server.url("/missing"))
    assert result.status == 404
    assert result.body == b"not here"
    assert status_reason(result.status).startswith("HTTP 404 Not Found: the page is gone")


class CountingTransport(httpx.AsyncBaseTransport):
    """Wraps a transport and records the most requests it was handed at once."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.in_flight = 0
        self.max_in_flight = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return await self.inner.handle_async_request(request)
        finally:
            self.in_flight -= 1

    async def aclose(self) -> None:
        await self.inner.aclose()


def test_requests_to_one_host_are_bounded_by_per_host(
    server: LocalServer, transport: TransportKind
) -> None:
    """Six simultaneous fetches to one host go out two at a time, never more.

    The server holds each request until a second one joins it, so the fetches must
    really run two at once; a fetcher ignoring the bound would hand all six to the
    transport before the first answer, which the counting transport sees.
    """
    settings = FetchSettings(transport=transport, per_host=2, allow_internal=LOOPBACK)
    counting = CountingTransport(make_transport(settings))

    async def six() -> list[FetchResult]:
        async with Fetcher(settings, transport=counting) as fetcher:
            urls = [server.url(f"/slot/{i}") for i in range(6)]
            return await asyncio.gather(*(fetcher.fetch(url) for url in urls))

    results = asyncio.run(six())
    assert [r.status for r in results] == [200] * 6
    assert counting.max_in_flight == 2
    assert server.state.max_in_flight == 2


def test_settings_reject_a_zero_per_host_limit() -> None:
    """per_host below 1 is a ConfigError, since no request could ever start."""
    with pytest.raises(ConfigError, match="per_host"):
        FetchSettings(per_host=0)


def test_cookies_a_site_sets_are_not_sent_back(
    page_server: PageServer, transport: TransportKind
) -> None:
    """Every check is a first visit: a Set-Cookie never comes back, on the next request
    nor on the redirect that it came with."""
    page_server.set("/c", "<p>hi</p>", headers={"Set-Cookie": "bucket=B; Path=/"})
    page_server.set(
        "/gate",
        "",
        status=302,
        headers={"Location": page_server.url("/c"), "Set-Cookie": "consent=1; Path=/"},
    )

    async def thrice(fetcher: Fetcher) -> None:
        await fetcher.fetch(page_server.url("/c"))
        await fetcher.fetch(page_server.url("/c"))
        assert (await fetcher.fetch(page_server.url("/gate"))).body == b"<p>hi</p>"

    run(transport, thrice)
    assert [seen.path for seen in page_server.requests] == ["/c", "/c", "/gate", "/c"]
    assert [seen.headers.get("cookie") for seen in page_server.requests] == [None] * 4


# -- internal addresses (SSRF) --------------------------------------------------------------

INTERNAL = "127.0.0.1"
"""Stands for any internal address: the page server's, so a request to it would be seen."""
PUBLIC = "127.0.0.2"
"""Stands for a public address: loopback too, but the only one these tests allow."""


def names(table: dict[str, str]) -> Resolver:
    """A resolver that knows only these names, as a DNS server under an attacker's control
    would answer them."""

    async def resolve(host: str, port: int) -> Sequence[str]:
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [table[host]]

    return resolve


@asynccontextmanager
async def raw_server(response: bytes, host: str = "127.0.0.1") -> AsyncIterator[str]:
    """A server on ``host`` that answers any request with ``response`` byte for byte,
    then hangs up; yields its base URL."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(response)
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client gave up on the answer: what some tests are about
        finally:
            writer.close()

    server = await asyncio.start_server(answer, host, 0)
    async with server:
        port = server.sockets[0].getsockname()[1]
        yield f"http://{host}:{port}"


def redirect_to(location: str) -> bytes:
    return f"HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n".encode()


def test_an_internal_address_is_refused_by_default(
    page_server: PageServer, transport: TransportKind
) -> None:
    """Without allow_internal, a loopback URL is a FetchError naming the address and the
    switch, and no request reaches the server."""
    page_server.set("/secret", "<p>db_password=hunter2</p>")
    with pytest.raises(FetchError) as caught:
        fetch(transport, page_server.url("/secret"), allow_internal=())
    assert caught.value.reason.startswith("refused: 127.0.0.1 is a loopback address;")
    assert "allow_internal in the [monitor] table" in caught.value.reason
    assert page_server.requests == []


@pytest.mark.parametrize("host", ["localhost", "0x7f.1", "2130706433", "127.1", "[::ffff:7f00:1]"])
def test_loopback_is_refused_in_any_spelling(
    page_server: PageServer, transport: TransportKind, host: str
) -> None:
    """localhost and the odd spellings of 127.0.0.1 are refused before any request."""
    page_server.set("/secret", "<p>db_password=hunter2</p>")
    with pytest.raises(FetchError, match="loopback address"):
        fetch(transport, f"http://{host}:{page_server.port}/secret", allow_internal=())
    assert page_server.requests == []


def test_a_name_resolving_to_an_internal_address_is_refused(
    page_server: PageServer, transport: TransportKind
) -> None:
    """A public-looking name whose DNS answer is internal is refused at connect time."""
    page_server.set("/secret", "<p>db_password=hunter2</p>")
    url = f"http://news.example:{page_server.port}/secret"
    with pytest.raises(FetchError) as caught:
        fetch(transport, url, names({"news.example": INTERNAL}), allow_internal=())
    assert caught.value.reason.startswith(
        "refused: news.example resolves to 127.0.0.1, a loopback address;"
    )
    assert page_server.requests == []


def test_a_name_is_fetched_from_the_address_it_was_checked_at(
    page_server: PageServer, transport: TransportKind
) -> None:
    """The connection goes to the address the guard resolved and allowed, not to a
    second lookup of the name."""
    page_server.set("/story", "<p>Hello</p>")
    url = f"http://news.example:{page_server.port}/story"
    result = fetch(transport, url, names({"news.example": INTERNAL}))
    assert result.status == 200
    assert page_server.requests[-1].headers["host"] == f"news.example:{page_server.port}"


@pytest.mark.parametrize("target", ["address", "name"])
def test_a_redirect_to_an_internal_address_is_not_followed(
    page_server: PageServer, transport: TransportKind, target: str
) -> None:
    """A page on an allowed address redirecting to an internal one (written as an address,
    or as a name resolving to it) is refused, and the internal page is never requested."""
    page_server.set("/admin", "<p>rebooted</p>")
    host = INTERNAL if target == "address" else "admin.example"
    admin = f"http://{host}:{page_server.port}/admin?action=reboot"
    public = (ipaddress.ip_network(f"{PUBLIC}/32"),)

    async def main() -> None:
        async with raw_server(redirect_to(admin), host=PUBLIC) as base:
            settings = FetchSettings(transport=transport, allow_internal=public)
            resolver = names({"admin.example": INTERNAL})
            async with Fetcher(settings, resolver=resolver) as fetcher:
                await fetcher.fetch(f"{base}/story")

    with pytest.raises(FetchError, match=r"refused: .*127\.0\.0\.1.* loopback address"):
        asyncio.run(main())
    assert page_server.requests == []


def test_allow_internal_lets_a_loopback_redirect_through(
    page_server: PageServer, transport: TransportKind
) -> None:
    """With the network allowed, the same redirect is followed to the page."""
    page_server.set("/admin", "<p>fine</p>")
    page_server.redirect("/story", "/admin")
    result = fetch(transport, page_server.url("/story"))
    assert result.status == 200
    assert result.final_url == page_server.url("/admin")


# -- malformed responses --------------------------------------------------------------------

MALFORMED = {
    "too-many-headers": (
        b"HTTP/1.1 200 OK\r\n"
        + b"".join(b"X-H%d: v\r\n" % i for i in range(20_000))
        + b"Content-Length: 2\r\n\r\nhi",
        "malformed HTTP response",
    ),
    "nul-in-header": (
        b"HTTP/1.1 200 OK\r\nX-Bad: a\x00b\r\nContent-Length: 2\r\n\r\nhi",
        "malformed HTTP response",
    ),
    "invalid-header-name": (
        b"HTTP/1.1 200 OK\r\nX Bad\x1b[31m: b\r\nContent-Length: 2\r\n\r\nhi",
        "malformed HTTP response",
    ),
    "bad-status-line": (
        b"HTTP/1.1 two hundred OK\r\nContent-Length: 2\r\n\r\nhi",
        "malformed HTTP response",
    ),
    "truncated-chunked-body": (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nhello",
        "closed the connection before the whole response arrived",
    ),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_malformed_response_is_a_short_fetch_error(transport: TransportKind, case: str) -> None:
    """A response no HTTP parser accepts is a FetchError saying so in a line, without
    the server's bytes."""
    response, expected = MALFORMED[case]

    async def main() -> FetchResult:
        async with raw_server(response) as base:
            settings = FetchSettings(transport=transport, allow_internal=LOOPBACK)
            async with Fetcher(settings) as fetcher:
                return await fetcher.fetch(f"{base}/")

    with pytest.raises(FetchError, match=expected) as caught:
        asyncio.run(main())
    reason = caught.value.reason
    assert reason.isprintable()
    assert len(reason) < 200
    assert "next check will try again" in reason


def test_credentials_in_the_url_are_sent_as_basic_auth(
    server: LocalServer, transport: TransportKind
) -> None:
    """A watch URL with user:password@ logs in with them, on either transport."""
    url = server.url("/page").replace("http://", "http://reader:s3cret@")
    assert fetch(transport, url).status == 200
    expected = "Basic " + base64.b64encode(b"reader:s3cret").decode()
    assert server.state.requests[-1]["authorization"] == expected
