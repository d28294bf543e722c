"""``monitor serve``: aiohttp's own web server over a read-only ``Monitor``.

The handlers parse the request, call the core methods the CLI calls (in a thread: the
database is synchronous) and hand the values to the pure builders of ``pages``, ``feed``
and ``metrics``.
Anything but loopback needs a credential; every answer carries a strict
Content-Security-Policy.
"""

from __future__ import annotations

import asyncio
import base64
import hmac
import ipaddress
import signal
import sys
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import TYPE_CHECKING

from aiohttp import web

from monitor.config import ServeSettings
from monitor.errors import MonitorError, ServeError, VersionNotFound, WatchNotFound
from monitor.history.match import CHANGE_KINDS, parse_since
from monitor.serve import feed, pages
from monitor.serve.metrics import Progress, exposition

if TYPE_CHECKING:
    from monitor.app import Monitor

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
FEED_ENTRIES = 50
METRICS_TYPE = "text/plain; version=0.0.4; charset=utf-8"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def parse_listen(listen: str) -> tuple[str, int]:
    """'HOST:PORT' ('[::1]:8080' for IPv6) as (host, port); raises ``ServeError``."""
    host, _, port = listen.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not host or not port.isdigit() or int(port) > 65535:
        raise ServeError(
            f"--listen {listen!r} is not HOST:PORT; write e.g. 127.0.0.1:8080 or [::1]:8080"
        )
    return host, int(port)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name may resolve to anything


def refusal(host: str, settings: ServeSettings) -> str | None:
    """Why ``serve`` must not listen on ``host``, or None: an address others can reach
    needs a credential in the config file."""
    if is_loopback(host) or settings.guarded:
        return None
    return (
        f"refusing to listen on {host}, which others can reach, with no credential: set "
        '[serve] token = "..." (or user and password) in the config file, or listen on '
        "127.0.0.1"
    )


def authorized(header: str | None, settings: ServeSettings) -> bool:
    """Whether an Authorization header carries the configured credential (compared in
    constant time); True when none is configured."""
    if not settings.guarded:
        return True
    if header is None:
        return False
    scheme, _, value = header.partition(" ")
    if settings.token is not None and scheme.lower() == "bearer":
        return hmac.compare_digest(value.strip().encode(), settings.token.encode())
    if settings.user is not None and settings.password is not None and scheme.lower() == "basic":
        expected = f"{settings.user}:{settings.password}".encode()
        try:
            given = base64.b64decode(value.strip(), validate=True)
        except ValueError:
            return False
        return hmac.compare_digest(given, expected)
    return False


def _challenge(settings: ServeSettings) -> str:
    return 'Basic realm="monitor"' if settings.token is None else 'Bearer realm="monitor"'


def application(monitor: Monitor) -> web.Application:
    """The web application: pages, feeds and metrics, read-only, behind the credential."""
    settings = monitor.config.serve
    progress = Progress()
    lock = asyncio.Lock()

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not authorized(request.headers.get("Authorization"), settings):
            response: web.StreamResponse = web.Response(
                status=401,
                text="a credential is needed: see [serve] in the config file\n",
                headers={"WWW-Authenticate": _challenge(settings)},
            )
        else:
            try:
                response = await handler(request)
            except web.HTTPException as error:
                error.headers.update(HEADERS)
                raise
            except MonitorError as error:  # the database went away: say so, in one line
                response = web.Response(status=503, text=f"{error}\n")
        response.headers.update(HEADERS)
        return response

    async def metrics(request: web.Request) -> web.Response:
        nonlocal progress
        async with lock:  # two scrapes at once must not fold the same rows twice
            readings, progress = await asyncio.to_thread(monitor.metrics, progress)
        return web.Response(body=exposition(readings), headers={"Content-Type": METRICS_TYPE})

    async def changes_feed(
        request: web.Request, title: str, *, watch_id: int | None = None, tag: str | None = None
    ) -> web.Response:
        try:
            watches, records = await asyncio.to_thread(
                monitor.recent_changes, watch_id=watch_id, tag=tag, limit=FEED_ENTRIES
            )
        except WatchNotFound as error:
            raise web.HTTPNotFound(text=f"{error}\n") from error
        if watch_id is not None:
            title = f"{title}: {watches[watch_id].label}"
        body = feed.atom(
            feed_id=str(request.url),
            title=title,
            self_url=str(request.url),
            updated=monitor.clock(),
            items=feed.entries(watches, records),
        )
        return web.Response(body=body, headers={"Content-Type": feed.CONTENT_TYPE})

    async def global_feed(request: web.Request) -> web.Response:
        if "watch" in request.query:
            return await changes_feed(
                request, "monitor: changes", watch_id=_watch_id(request.query["watch"])
            )
        if "tag" in request.query:
            tag = request.query["tag"]
            return await changes_feed(request, f"monitor: changes tagged {tag}", tag=tag)
        return await changes_feed(request, "monitor: changes")

    async def watch_feed(request: web.Request) -> web.Response:
        watch_id = _watch_id(request.match_info["id"])
        return await changes_feed(request, "monitor: changes", watch_id=watch_id)

    async def tag_feed(request: web.Request) -> web.Response:
        tag = request.match_info["tag"]
        return await changes_feed(request, f"monitor: changes tagged {tag}", tag=tag)

    async def page(build: Callable[[], str]) -> web.Response:
        """The page ``build`` makes (reading and rendering, in a thread); a watch or a
        version not there is the not-found page."""
        try:
            body = await asyncio.to_thread(build)
        except WatchNotFound as error:
            raise _page_error(404, f"There is no watch {error.url}.") from error
        except VersionNotFound as error:
            message = f"{error.url} has no version {error.number}: its page lists those kept."
            raise _page_error(404, message) from error
        return web.Response(text=body, content_type="text/html")

    async def watch_list(request: web.Request) -> web.Response:
        return await page(lambda: pages.watch_list(monitor.watches()))

    async def watch_page(request: web.Request) -> web.Response:
        watch_id = _page_watch_id(request)

        def build() -> str:
            watch = monitor.watch_numbered(watch_id)
            return pages.timeline(watch, monitor.history(watch.url))

        return await page(build)

    async def diff_page(request: web.Request) -> web.Response:
        watch_id = _page_watch_id(request)
        old, new = _version_number(request, "from"), _version_number(request, "to")
        if old is None and new is not None:
            old = new - 1

        def build() -> str:
            watch = monitor.watch_numbered(watch_id)
            if old is None and watch.versions < 2:
                raise _page_error(404, f"{watch.url} has no two versions to compare yet.")
            return pages.diff_page(watch, *monitor.diff(watch.url, old, new))

        return await page(build)

    async def changes_page(request: web.Request) -> web.Response:
        from monitor.history.values import ChangeFilter

        since = request.query.get("since") or monitor.clock().date().isoformat()
        kind = request.query.get("kind") or None
        try:
            moment = parse_since(since)
        except ValueError as error:
            raise _page_error(400, f"since: {error}") from error
        chosen = tuple(k for k in CHANGE_KINDS if k == kind)
        if kind is not None and not chosen:
            raise _page_error(400, f"kind: {kind!r} is none of {', '.join(CHANGE_KINDS)}")

        def build() -> str:
            changes = monitor.changes(ChangeFilter(since=moment, changes=chosen))
            ids = {w.url: w.id for w in monitor.all_watches()}
            return pages.changes_page(changes, ids, since, kind)

        return await page(build)

    async def stylesheet(request: web.Request) -> web.Response:
        return web.Response(
            body=pages.STYLESHEET,
            content_type="text/css",
            charset="utf-8",
            headers={"Cache-Control": "max-age=3600"},
        )

    async def nowhere(request: web.Request) -> web.Response:
        raise _page_error(404, f"There is no page at {request.path}.")

    app = web.Application(middlewares=[guard])
    app.router.add_get("/", watch_list)
    app.router.add_get("/watch/{id}", watch_page)
    app.router.add_get("/watch/{id}/diff", diff_page)
    app.router.add_get("/changes", changes_page)
    app.router.add_get("/static/monitor.css", stylesheet)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/feed.atom", global_feed)
    app.router.add_get("/watch/{id}/feed.atom", watch_feed)
    app.router.add_get("/tag/{tag}/feed.atom", tag_feed)
    app.router.add_get("/{path:.*}", nowhere)  # last: every other address
    return app


def _page_error(status: int, message: str) -> web.HTTPException:
    """An error answer as a page (its text escaped by the template)."""
    error = web.HTTPNotFound if status == 404 else web.HTTPBadRequest
    return error(text=pages.error_page(status, message), content_type="text/html")


def _page_watch_id(request: web.Request) -> int:
    text = request.match_info["id"]
    if not text.isdigit():
        raise _page_error(404, "A watch is named by its number: see the list of watches.")
    return int(text)


def _version_number(request: web.Request, name: str) -> int | None:
    text = request.query.get(name, "")
    if not text:
        return None
    if not text.isdigit():
        raise _page_error(400, f"{name}: {text!r} is not a version number (1, 2, …).")
    return int(text)


def _watch_id(text: str) -> int:
    if not text.isdigit():
        raise web.HTTPNotFound(text="a watch is named by its number (see `monitor list`)\n")
    return int(text)


class Server:
    """The server, started and stopped on the running event loop."""

    def __init__(self, monitor: Monitor, listen: str) -> None:
        self.host, self.port = parse_listen(listen)
        reason = refusal(self.host, monitor.config.serve)
        if reason is not None:
            raise ServeError(reason)
        self.runner = web.AppRunner(application(monitor), access_log=None)

    async def start(self) -> int:
        """Listen; returns the port (the one chosen, for port 0)."""
        await self.runner.setup()
        site = web.TCPSite(self.runner, self.host, self.port)
        try:
            await site.start()
        except OSError as error:
            await self.runner.cleanup()
            raise ServeError(
                f"cannot listen on {self.host}:{self.port} ({error.strerror or error}); "
                "choose another --listen address"
            ) from error
        return int(self.runner.addresses[0][1])

    async def stop(self) -> None:
        await self.runner.cleanup()


def serve_forever(monitor: Monitor, listen: str) -> None:
    """Serve until SIGINT or SIGTERM."""

    async def main() -> None:
        server = Server(monitor, listen)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        port = await server.start()
        shown = f"[{server.host}]" if ":" in server.host else server.host
        print(f"monitor: serving on http://{shown}:{port}/", file=sys.stderr, flush=True)
        try:
            await stop.wait()
        finally:
            with suppress(Exception):
                await server.stop()

    asyncio.run(main())
