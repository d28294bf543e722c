"""Real local servers for the end-to-end tests: web pages, SMTP and a Slack webhook.

Every server binds 127.0.0.1 on a port the OS picks, runs in its own thread and is
stopped by its context manager. Tests wait for traffic with ``wait_for``, which
blocks on a condition variable the server notifies, never on a sleep loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import email
import email.policy
import hashlib
import json
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal, NamedTuple, Self

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

HOST = "127.0.0.1"
HTML = "text/html; charset=utf-8"

# Validators must move forward on every edit, even two edits within one second,
# so Last-Modified comes from a fixed clock that ticks once per change of body.
_EPOCH = datetime(2021, 6, 2, 16, 4, tzinfo=UTC)
_TICK = timedelta(minutes=1)
# A held request that nobody releases gives up so a forgotten gate cannot hang the run.
_HOLD_LIMIT = 30.0
_CHUNK = 64 * 1024
# serve_forever notices shutdown() only between polls; the default 0.5 s slows teardown.
_SHUTDOWN_POLL = 0.02
_FILLER = (b"<p>Lorem ipsum dolor sit amet.</p>\n" * (_CHUNK // 16))[:_CHUNK]


class SeenRequest(NamedTuple):
    """One request as the server received it (header names lower-cased)."""

    method: str
    path: str
    headers: dict[str, str]


def _wait(condition: threading.Condition, ready: Callable[[], bool], timeout: float) -> bool:
    with condition:
        return condition.wait_for(ready, timeout)


class _LocalHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that timed out and hung up is the point of some tests, not an error.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _QuietHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(
        self, status: int, headers: dict[str, str], body: bytes, *, head: bool = False
    ) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status not in (204, 304) and "Content-Length" not in headers:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head and status not in (204, 304):
            self.wfile.write(body)


# --- web pages ---------------------------------------------------------------------


@dataclass
class _Route:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: datetime | None = None
    large: int | None = None
    """Stream this many bytes of filler instead of ``body``."""
    declare_length: bool = True
    hold: threading.Event | None = None
    hold_stage: Literal["headers", "body"] = "headers"


class PageServer:
    """A web server whose pages the test sets, replaces, redirects, holds and removes.

    GET and HEAD only. Pages answer with a strong ETag (a hash of the body) and a
    Last-Modified that advances each time the body changes, and honour
    If-None-Match and If-Modified-Since with 304. Unknown paths answer 404.
    """

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._routes: dict[str, _Route] = {}
        self._gates: list[threading.Event] = []
        self._clock = _EPOCH
        self.requests: list[SeenRequest] = []
        self._httpd = _LocalHTTPServer((HOST, 0), self._handler_class())
        self.port: int = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            args=(_SHUTDOWN_POLL,),
            name=f"page-server-{self.port}",
            daemon=True,
        )

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release every held request, stop serving and free the port."""
        with self._lock:
            for gate in self._gates:
                gate.set()
        if self._thread.is_alive():
            self._httpd.shutdown()
            self._thread.join()
        self._httpd.server_close()

    def url(self, path: str = "/") -> str:
        """The absolute URL of ``path`` on this server."""
        return f"http://{HOST}:{self.port}{path}"

    def set(
        self,
        path: str,
        body: str | bytes,
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        content_type: str = HTML,
        conditional: bool = True,
        last_modified: datetime | None = None,
    ) -> None:
        """Serve ``body`` at ``path`` from now on.

        ``conditional=False`` sends no validators and never answers 304, like a
        server that ignores conditional requests.
        """
        data = body.encode("utf-8") if isinstance(body, str) else body
        with self._lock:
            previous = self._routes.get(path)
            if last_modified is None:
                if previous is not None and previous.body == data and previous.last_modified:
                    last_modified = previous.last_modified
                else:
                    self._clock += _TICK
                    last_modified = self._clock
            self._routes[path] = _Route(
                status=status,
                body=data,
                headers={"Content-Type": content_type, **(headers or {})},
                etag=f'"{hashlib.sha256(data).hexdigest()[:32]}"' if conditional else None,
                last_modified=last_modified if conditional else None,
            )

    def set_large(self, path: str, size: int, *, declare_length: bool = True) -> None:
        """Serve ``size`` bytes of HTML filler at ``path``, streamed in chunks.

        With ``declare_length=False`` the body is sent chunked, so only counting
        the bytes read tells the client how big it is.
        """
        with self._lock:
            self._routes[path] = _Route(
                headers={"Content-Type": HTML}, large=size, declare_length=declare_length
            )

    def redirect(self, path: str, to: str, status: int = 301) -> None:
        """Answer ``path`` with a redirect to ``to`` (a path or an absolute URL)."""
        self.set(path, b"", status=status, headers={"Location": to}, conditional=False)

    def remove(self, path: str) -> None:
        """Answer 404 at ``path`` from now on."""
        with self._lock:
            self._routes.pop(path, None)

    def hold(self, path: str, *, stage: Literal["headers", "body"] = "headers") -> threading.Event:
        """Make requests for ``path`` wait until the returned event is set.

        ``stage="headers"`` waits before anything is sent; ``stage="body"`` sends
        the status and headers, then waits before the body. The path must be set.
        """
        release = threading.Event()
        with self._lock:
            route = self._routes[path]
            route.hold = release
            route.hold_stage = stage
            self._gates.append(release)
        return release

    def hits(self, path: str) -> int:
        """How many requests for ``path`` arrived so far."""
        with self._lock:
            return sum(1 for seen in self.requests if seen.path == path)

    def wait_for(self, n: int, path: str | None = None, timeout: float = 10.0) -> list[SeenRequest]:
        """Block until ``n`` requests (for ``path``, if given) have arrived; return them."""

        def matching() -> list[SeenRequest]:
            return [seen for seen in self.requests if path is None or seen.path == path]

        if not _wait(self._lock, lambda: len(matching()) >= n, timeout):
            raise AssertionError(
                f"expected {n} requests for {path or 'any path'}, got {matching()}"
            )
        with self._lock:
            return matching()

    def _record(self, seen: SeenRequest) -> _Route | None:
        with self._lock:
            self.requests.append(seen)
            self._lock.notify_all()
            route = self._routes.get(seen.path) or self._routes.get(seen.path.split("?")[0])
            return None if route is None else dataclasses.replace(route)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(_QuietHandler):
            def do_GET(self) -> None:
                self._answer(head=False)

            def do_HEAD(self) -> None:
                self._answer(head=True)

            def _answer(self, *, head: bool) -> None:
                headers = {name.lower(): value for name, value in self.headers.items()}
                route = server._record(SeenRequest(self.command, self.path, headers))
                with contextlib.suppress(ConnectionError):
                    if route is None:
                        self._send(404, {"Content-Type": HTML}, b"<h1>Not Found</h1>", head=head)
                    elif route.large is not None:
                        self._stream_large(route, head=head)
                    else:
                        self._answer_route(route, headers, head=head)

            def _answer_route(self, route: _Route, request: dict[str, str], *, head: bool) -> None:
                if route.hold is not None and route.hold_stage == "headers":
                    route.hold.wait(_HOLD_LIMIT)
                headers = dict(route.headers)
                if route.etag is not None:
                    headers["ETag"] = route.etag
                if route.last_modified is not None:
                    headers["Last-Modified"] = format_datetime(route.last_modified, usegmt=True)
                status = 304 if _not_modified(route, request) else route.status
                if route.hold is not None and route.hold_stage == "body" and status != 304:
                    headers["Content-Length"] = str(len(route.body))
                    self._send(status, headers, b"", head=True)
                    self.wfile.flush()
                    route.hold.wait(_HOLD_LIMIT)
                    if not head:
                        self.wfile.write(route.body)
                    return
                if status == 304:
                    headers.pop("Content-Type", None)
                self._send(status, headers, route.body, head=head)

            def _stream_large(self, route: _Route, *, head: bool) -> None:
                size = route.large or 0
                self.send_response(200)
                self.send_header("Content-Type", HTML)
                if route.declare_length:
                    self.send_header("Content-Length", str(size))
                else:
                    self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                if head:
                    return
                sent = 0
                while sent < size:
                    piece = _FILLER[: min(_CHUNK, size - sent)]
                    if route.declare_length:
                        self.wfile.write(piece)
                    else:
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                    sent += len(piece)
                if not route.declare_length:
                    self.wfile.write(b"0\r\n\r\n")

        return Handler


def _not_modified(route: _Route, request: dict[str, str]) -> bool:
    if route.status != 200:
        return False
    if "if-none-match" in request:
        # RFC 9110: If-None-Match wins over If-Modified-Since; GET uses weak comparison.
        if route.etag is None:
            return False
        tags = {tag.strip().removeprefix("W/") for tag in request["if-none-match"].split(",")}
        return "*" in tags or route.etag in tags
    if "if-modified-since" in request and route.last_modified is not None:
        try:
            since = parsedate_to_datetime(request["if-modified-since"])
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        return route.last_modified <= since
    return False


# --- SMTP --------------------------------------------------------------------------


class _LocalController(Controller):
    """An aiosmtpd controller that can listen on port 0."""

    def _trigger_server(self) -> None:
        # Controller pokes its own port to start the protocol; learn the real one first.
        assert isinstance(self.server, asyncio.Server)
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()  # type: ignore[no-untyped-call]


class SMTPServer:
    """An SMTP server on 127.0.0.1 that keeps every message it receives.

    Plain SMTP: no TLS, no authentication, every recipient accepted.
    """

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        """(MAIL FROM, RCPT TO) of each message, in order."""
        self._controller = _LocalController(
            self, hostname=HOST, port=0, server_hostname="smtp.test.invalid"
        )
        self.host = HOST
        self.port = 0

    def __enter__(self) -> Self:
        self._controller.start()
        self.port = self._controller.port
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._controller.stop()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        """aiosmtpd hook: parse and keep the message."""
        content = envelope.original_content or b""
        message = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self.messages.append(message)
            self.envelopes.append((str(envelope.mail_from), list(envelope.rcpt_tos)))
            self._lock.notify_all()
        return "250 Message accepted for delivery"

    def apprise_url(self, to: str = "desk@example.org", sender: str = "monitor@example.org") -> str:
        """The Apprise URL that delivers to this server over plain SMTP."""
        return f"mailto://{HOST}:{self.port}?mode=insecure&from={sender}&to={to}"

    def wait_for(self, n: int, timeout: float = 10.0) -> list[EmailMessage]:
        """Block until ``n`` messages have arrived; return all received so far."""
        if not _wait(self._lock, lambda: len(self.messages) >= n, timeout):
            raise AssertionError(f"expected {n} messages, got {len(self.messages)}")
        with self._lock:
            return list(self.messages)


# --- Slack webhook ------------------------------------------------------------------


class Post(NamedTuple):
    """One webhook delivery: the path posted to and its JSON payload."""

    path: str
    payload: Any


class _PostReceiver:
    """A JSON webhook on 127.0.0.1 that keeps every POST; ``fail = True`` answers 500."""

    name = "webhook"
    content_type = "application/json"
    ok_body = b"{}"
    fail_body = b'{"error": "internal"}'

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self.posts: list[Post] = []
        self.fail = False
        self._httpd = _LocalHTTPServer((HOST, 0), self._handler_class())
        self.port: int = self._httpd.server_address[1]
        self.netloc = f"{HOST}:{self.port}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            args=(_SHUTDOWN_POLL,),
            name=f"{self.name}-{self.port}",
            daemon=True,
        )

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._httpd.shutdown()
        self._thread.join()
        self._httpd.server_close()

    @property
    def payloads(self) -> list[Any]:
        """The JSON payloads received so far, in order."""
        with self._lock:
            return [post.payload for post in self.posts]

    def wait_for(self, n: int, timeout: float = 10.0) -> list[Post]:
        """Block until ``n`` posts have arrived; return all posts so far."""
        if not _wait(self._lock, lambda: len(self.posts) >= n, timeout):
            raise AssertionError(f"expected {n} {self.name} posts, got {len(self.posts)}")
        with self._lock:
            return list(self.posts)

    def _record(self, post: Post) -> bool:
        with self._lock:
            self.posts.append(post)
            self._lock.notify_all()
            return self.fail

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(_QuietHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    payload: Any = json.loads(raw)
                except ValueError:
                    payload = raw.decode("utf-8", "replace")
                failing = receiver._record(Post(self.path, payload))
                answer = {"Content-Type": receiver.content_type}
                with contextlib.suppress(ConnectionError):
                    if failing:
                        self._send(500, answer, receiver.fail_body)
                    else:
                        self._send(200, answer, receiver.ok_body)

        return Handler


class SlackReceiver(_PostReceiver):
    """Stands in for hooks.slack.com: keeps each JSON POST and answers 200 'ok'.

    Set ``fail = True`` to answer 500 instead, like a dead or broken webhook; a
    failed POST is still recorded in ``posts``.
    """

    name = "slack"
    content_type = "text/plain; charset=utf-8"
    ok_body = b"ok"
    fail_body = b"internal_error"
    token = "T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"

    def __init__(self) -> None:
        super().__init__()
        self.webhook_url = f"http://{HOST}:{self.port}/services"
        """What replaces NotifySlack.webhook_url so Apprise posts here."""
        self.apprise_url = f"slack://{self.token}"

    def wait_for_payloads(self, n: int, timeout: float = 10.0) -> list[Any]:
        """Block until ``n`` posts have arrived; return all payloads so far."""
        return [post.payload for post in self.wait_for(n, timeout)]


class DiscordReceiver(_PostReceiver):
    """Stands in for discord.com's webhooks: keeps each JSON POST and answers 200 ``{}``."""

    name = "discord"
    webhook_id = "112233445566778899"
    webhook_token = "dIsC0rdT0kenSecretAbCdEf"

    def __init__(self) -> None:
        super().__init__()
        self.webhook_url = f"http://{HOST}:{self.port}/api/webhooks"
        """What replaces NotifyDiscord.notify_url so Apprise posts here."""
        self.apprise_url = f"discord://{self.webhook_id}/{self.webhook_token}"


class WebhookReceiver(_PostReceiver):
    """Any JSON webhook on 127.0.0.1 (Apprise's json://, a Misskey or Rocket.Chat host).

    Keeps each POST, whatever its path, and answers 200 with ``{}``; set
    ``fail = True`` to answer 500 instead. Apprise URLs reach it at ``netloc``.
    """


SlackPost = WebhookPost = Post
