"""Hostile servers, end to end: every way a server can misbehave ends each check in a
clear per-watch error or a stored version, in bounded time and memory, never a traceback.

One raw asyncio server on 127.0.0.1 plays every misbehaviour at once, one path each, and
one real `monitor check --all` (a subprocess, as a user runs it) checks them all; each
test reads one watch's report from that run. tests/test_fetch.py covers the fetcher's
side of some of these cases alone; here they go through the whole pipeline.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gzip
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fixtures.hostile_pages import PROSE, byline_of_spaces, digits_ago, json_ld_author_bomb

HOST = "127.0.0.1"
MiB = 1024 * 1024
TIMEOUT = 2
"""The fetch timeout the run is configured with, in seconds: short, so hangs end fast."""
EXTRACT_TIMEOUT = 20
"""Seconds a page may take to read. The odd pages take up to 3 s of CPU each, and a
deadline is wall-clock time: on two cores shared with other work a page gets a quarter
of one, so 8 s failed them on a loaded machine. The JSON-LD bomb takes more still."""
MAX_BYTES = 1 * MiB
MONITOR = str(Path(sys.executable).with_name("monitor"))
"""The command as pip installed it in this venv, as a user runs it."""
RUN_LIMIT = 60.0
"""Seconds the whole run may take before the test kills it and fails."""

ARTICLE = (
    "<html><head><title>Story</title></head><body><article><h1>Story</h1>"
    + PROSE * 4
    + "</article></body></html>"
)

Writer = asyncio.StreamWriter
Behaviour = Callable[[Writer, asyncio.Event], Awaitable[None]]


def _head(status: str, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status}", *(f"{k}: {v}" for k, v in headers.items()), "", ""]
    return "\r\n".join(lines).encode("latin-1")


def answer(
    status: str, body: bytes, content_type: str = "text/html; charset=utf-8", **extra: str
) -> Behaviour:
    """A complete response: status, headers (Content-Length from the body), body."""

    async def behave(writer: Writer, stop: asyncio.Event) -> None:
        # The server closes each connection after its answer, and says so: else a client
        # may send its next request (a redirect's) on it as it closes, and lose the race.
        headers = {
            "Content-Type": content_type,
            "Content-Length": str(len(body)),
            "Connection": "close",
        }
        headers.update({k.replace("_", "-"): v for k, v in extra.items()})
        writer.write(_head(status, headers) + body)
        await writer.drain()

    return behave


async def never_answer(writer: Writer, stop: asyncio.Event) -> None:
    await stop.wait()


async def trickle(writer: Writer, stop: asyncio.Event) -> None:
    # A byte every 50 ms: never idle long enough for a read timeout, never done either.
    writer.write(_head("200 OK", {"Content-Type": "text/html", "Content-Length": "100000"}))
    while not stop.is_set():
        writer.write(b"x")
        await writer.drain()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.05)


async def stall_body(writer: Writer, stop: asyncio.Event) -> None:
    writer.write(_head("200 OK", {"Content-Type": "text/html", "Content-Length": "10000"}))
    writer.write(b"<html><body><p>The start of a page, then nothing.")
    await writer.drain()
    await stop.wait()


async def declare_oversized(writer: Writer, stop: asyncio.Event) -> None:
    writer.write(
        _head("200 OK", {"Content-Type": "text/html", "Content-Length": str(MAX_BYTES * 4)})
    )
    writer.write(b"<p>" * 1000)
    await writer.drain()


@functools.cache
def _bomb() -> bytes:
    # 64 MiB of HTML, 64 times the cap, in about 64 KiB on the wire.
    return gzip.compress(b"<html><body>" + b"<p></p>" * (64 * MiB // 7), compresslevel=9)


async def gzip_bomb(writer: Writer, stop: asyncio.Event) -> None:
    # Made by the fixture before the run (compressing would stall the server's loop), not
    # when the module is collected.
    await answer("200 OK", _bomb(), Content_Encoding="gzip")(writer, stop)


async def stream_50mb(writer: Writer, stop: asyncio.Event) -> None:
    # No Content-Length: only counting what arrives can tell the size.
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n")
    chunk = b"<p>filler</p>" * 5000
    sent = 0
    while sent < 50 * MiB and not writer.is_closing():
        writer.write(chunk)
        sent += len(chunk)
        await writer.drain()


async def huge_header(writer: Writer, stop: asyncio.Event) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\nX-Padding: " + b"a" * MiB + b"\r\n")
    writer.write(b"Content-Type: text/html\r\nContent-Length: 2\r\n\r\nhi")
    await writer.drain()


async def short_length(writer: Writer, stop: asyncio.Event) -> None:
    body = ARTICLE.encode()
    writer.write(
        _head("200 OK", {"Content-Type": "text/html", "Content-Length": str(len(body) + 5000)})
    )
    writer.write(body)
    await writer.drain()
    writer.close()


async def reset_mid_body(writer: Writer, stop: asyncio.Event) -> None:
    writer.write(_head("200 OK", {"Content-Type": "text/html", "Content-Length": "100000"}))
    writer.write(ARTICLE.encode())
    await writer.drain()
    # Pacing, so the client is reading the body when the reset comes.
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), 0.2)
    sock = writer.get_extra_info("socket")
    # Linger 0: close() sends RST instead of FIN, like a crashed peer or a middlebox.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


def _binary() -> bytes:
    # Deterministic noise: every byte value, NULs and invalid UTF-8 included.
    return bytes((i * 7919 + (i >> 8) * 31) % 256 for i in range(200_000))


PAGES: dict[str, Behaviour] = {
    "/never": never_answer,
    "/trickle": trickle,
    "/stalled-body": stall_body,
    "/oversized": declare_oversized,
    "/gzip-bomb": gzip_bomb,
    "/redirect-loop": answer("302 Found", b"", Location="/redirect-loop"),
    "/404": answer("404 Not Found", b"<h1>Not Found</h1>"),
    "/410": answer("410 Gone", b"<h1>Gone</h1>"),
    "/429": answer("429 Too Many Requests", b"slow down", Retry_After="120"),
    "/500": answer("500 Internal Server Error", b"<h1>Oops</h1>"),
    "/503": answer("503 Service Unavailable", b"<h1>Down</h1>", Retry_After="60"),
    "/empty": answer("200 OK", b""),
    "/binary": answer("200 OK", _binary(), content_type="image/png"),
    "/binary-as-html": answer("200 OK", _binary()),
    "/lying-charset": answer(
        "200 OK",
        # Says UTF-8 twice, is Windows-1252 ("café", "naïve", curly quotes).
        ARTICLE.replace("Story", "Caf\xe9 na\xefve \u201cstory\u201d")
        .replace("<head>", '<head><meta charset="utf-8">')
        .encode("cp1252"),
    ),
    "/invalid-utf8": answer(
        "200 OK",
        ARTICLE.encode().replace(
            b"<h1>Story</h1>", b"<h1>Story \xff\xfe \xc3\x28 \xed\xa0\x80 \xf4\x90\x80\x80</h1>"
        ),
    ),
    "/deeply-nested": answer(
        "200 OK",
        ("<html><body>" + "<div><span>" * 5000 + PROSE + "</span></div>" * 5000).encode(),
    ),
    "/50mb": stream_50mb,
    "/1mb-header": huge_header,
    "/short-content-length": short_length,
    "/reset-mid-body": reset_mid_body,
    "/json-ld-bomb": answer("200 OK", json_ld_author_bomb()),
    "/byline-spaces": answer("200 OK", byline_of_spaces(MAX_BYTES - 4096)),
    "/digits-ago": answer("200 OK", digits_ago(MAX_BYTES - 4096)),
}


class HostileServer:
    """A raw HTTP/1.1 server on 127.0.0.1 that answers each path with its misbehaviour.

    It runs its own event loop in a thread; closing it releases every held connection.
    """

    def __init__(self, pages: dict[str, Behaviour]) -> None:
        self.pages = pages
        self.port = 0
        self.held: dict[str, float] = {}
        """Seconds from each request to the client dropping a response still under way."""
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="hostile-server", daemon=True)
        self._stop: asyncio.Event | None = None

    def url(self, path: str) -> str:
        return f"http://{HOST}:{self.port}{path}"

    def __enter__(self) -> HostileServer:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)

    def _serve(self) -> None:
        self._loop.run_until_complete(self._main())
        self._loop.close()

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        server = await asyncio.start_server(self._handle, HOST, 0)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        async with server:
            await self._stop.wait()

    async def _handle(self, reader: asyncio.StreamReader, writer: Writer) -> None:
        assert self._stop is not None
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            request = await reader.readuntil(b"\r\n\r\n")
            path = request.split(b" ", 2)[1].decode("latin-1")
            behave = self.pages.get(path, answer("404 Not Found", b"no such page"))
            started = self._loop.time()
            behaving = asyncio.ensure_future(behave(writer, self._stop))
            # The client sends nothing more: end of stream is the client hanging up.
            hung_up = asyncio.ensure_future(reader.read())
            await asyncio.wait([behaving, hung_up], return_when=asyncio.FIRST_COMPLETED)
            if not behaving.done():
                self.held[path] = self._loop.time() - started
                behaving.cancel()
            hung_up.cancel()
            await asyncio.gather(behaving, hung_up, return_exceptions=True)
        if not writer.is_closing():
            writer.close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@dataclass
class Run:
    """What one `monitor check --all` over every hostile page did."""

    reports: dict[str, dict[str, Any]]
    """Each watch's report, by its path ("refused" for the closed port)."""
    stdout: str
    stderr: str
    status: int
    seconds: float
    held: dict[str, float]
    """Seconds from each request to the client hanging up before its response ended."""
    peak_rss_mib: float
    """The largest resident set of the command or any of its worker processes."""


# Runs the command and writes the peak resident set of it and every process it reaped.
# Measured from this small process, not from pytest: a child's peak counts the resident
# set of the process it was forked or spawned from (pytest's, grown by every test before).
_MEASURED = (
    "import os, resource, sys\n"
    "code = os.spawnv(os.P_WAIT, sys.argv[2], sys.argv[2:])\n"
    "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "open(sys.argv[1], 'w').write(str(peak))\n"
    "sys.exit(code if code >= 0 else 128 - code)\n"
)


def _run_check(config: Path) -> tuple[int, str, str, float, float]:
    started = time.monotonic()
    out_path, err_path = config.with_suffix(".out"), config.with_suffix(".err")
    peak_path = config.with_suffix(".peak")
    argv = [MONITOR, "--config", str(config), "check", "--all", "--json"]
    with out_path.open("wb") as out, err_path.open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-c", _MEASURED, str(peak_path), *argv],
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
        killer = threading.Timer(RUN_LIMIT, os.killpg, (proc.pid, signal.SIGKILL))
        killer.start()
        try:
            returncode = proc.wait()
        finally:
            killer.cancel()
    seconds = time.monotonic() - started
    return (
        returncode,
        out_path.read_text(),
        err_path.read_text(),
        seconds,
        int(peak_path.read_text()) / 1024,
    )


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    """Every hostile page watched, and checked once by `monitor check --all`."""
    tmp = tmp_path_factory.mktemp("hostile")
    _bomb()
    with HostileServer(PAGES) as server:
        urls = {path: server.url(path) for path in PAGES}
        urls["refused"] = f"http://{HOST}:{closed_port()}/"
        watches = "".join(f'[[watch]]\nurl = "{url}"\n' for url in urls.values())
        config = tmp / "monitor.toml"
        config.write_text(
            f'[storage]\nurl = "sqlite:///{tmp}/monitor.db"\n'
            "[monitor]\n"
            'allow_internal = ["127.0.0.1"]\n'  # the hostile server is on loopback
            f'timeout = "{TIMEOUT}s"\nextract_timeout = "{EXTRACT_TIMEOUT}s"\n'
            f"max_bytes = {MAX_BYTES}\nper_host = {len(urls)}\nconcurrency = {len(urls)}\n"
            + watches,
            encoding="utf-8",
        )
        status, stdout, stderr, seconds, peak = _run_check(config)
        held = dict(server.held)
    by_url = {report["url"]: report for report in json.loads(stdout or "[]")}
    reports = {path: by_url[url] for path, url in urls.items() if url in by_url}
    yield Run(reports, stdout, stderr, status, seconds, held, peak)


ERRORS = {
    "refused": r"refused",
    "/never": rf"timed out after {TIMEOUT}s",
    "/trickle": rf"timed out after {TIMEOUT}s",
    "/stalled-body": rf"timed out after {TIMEOUT}s",
    "/oversized": r"larger than .*max_bytes",
    "/gzip-bomb": r"larger than .*max_bytes",
    "/50mb": r"larger than .*max_bytes",
    "/redirect-loop": r"more than \d+ redirects",
    "/404": r"404",
    "/410": r"410",
    "/429": r"429",
    "/500": r"500",
    "/503": r"503",
    "/binary": r"serves image/png, not a web page",
    "/1mb-header": r"malformed HTTP response",
    "/short-content-length": r"closed the connection before the whole response arrived",
    "/reset-mid-body": r"reset|closed the connection",
}
"""The pages that cannot be read: each must be its watch's error, saying why."""

READABLE = ["/lying-charset", "/invalid-utf8", "/deeply-nested", "/byline-spaces", "/digits-ago"]
"""Pages that are odd but readable: each must be stored as the watch's first version."""

EITHER = ["/empty", "/binary-as-html", "/json-ld-bomb"]
"""Pages with nothing to read, or built to make reading slow: a version or an error,
whichever the monitor judges, but a clear one."""


def test_every_hostile_page_got_a_report(run: Run) -> None:
    """The run reports on every watch, none of them as busy or left unchecked."""
    assert set(run.reports) == {*PAGES, "refused"}, run.stderr[-3000:]
    assert all(report["outcome"] != "busy" for report in run.reports.values())


@pytest.mark.parametrize("path", list(ERRORS))
def test_an_unreadable_response_is_a_clear_per_watch_error(run: Run, path: str) -> None:
    """A response that cannot be read is the watch's error: one printable line saying why."""
    report = run.reports[path]
    assert report["outcome"] == "error", report
    error = report["error"]
    assert re.search(ERRORS[path], error), error
    assert error.isprintable() and len(error) < 400, error
    assert "internal error" not in error


@pytest.mark.parametrize("path", READABLE)
def test_an_odd_but_readable_page_is_stored(run: Run, path: str) -> None:
    """A page with a lying charset, invalid UTF-8, deep nesting, or a page's worth of spaces
    or digits where a pattern could rescan them (byline, relative time), is stored as
    version 1, read well within its deadline."""
    report = run.reports[path]
    assert report["error"] is None, report
    assert report["version"] == 1, report


@pytest.mark.parametrize("path", EITHER)
def test_an_empty_binary_or_hostile_page_ends_in_a_version_or_a_clear_error(
    run: Run, path: str
) -> None:
    """An empty page, noise served as HTML, and the JSON-LD bomb end in a version or in
    an error that says why, not in an internal error."""
    report = run.reports[path]
    if report["outcome"] == "error":
        assert report["error"].isprintable() and "internal error" not in report["error"]
    else:
        assert report["version"] == 1, report


def test_hostile_pages_never_print_a_traceback(run: Run) -> None:
    """Nothing the servers did makes the command print a traceback or an internal error;
    it exits 2, the status for failed checks."""
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    assert "internal error" not in run.stdout + run.stderr
    assert run.status == 2


HELD = ["/never", "/trickle", "/stalled-body"]
"""The responses the server would hold for ever (a byte at a time, for /trickle)."""


def test_hostile_pages_are_checked_in_bounded_time(run: Run) -> None:
    """Every check ends within its limits: each response the server would hold for ever
    is dropped at the fetch timeout, and the whole run ends by itself, not killed at
    its limit. (Its length is no measure: the odd pages take CPU, and on a loaded machine
    a few seconds of CPU take many more of the clock.)"""
    assert set(HELD) <= set(run.held), run.held
    # The timeout's timer, read late by a loaded machine's scheduler, but read.
    assert all(run.held[path] < TIMEOUT + 8 for path in HELD), run.held
    assert run.status == 2 and run.seconds < RUN_LIMIT, (run.status, run.seconds)


def test_hostile_pages_are_checked_in_bounded_memory(run: Run) -> None:
    """Neither the 50 MB body, the gzip bomb nor the 1 MB header is held whole: no
    process of the run grows past a few hundred MiB."""
    assert run.peak_rss_mib < 400, run.peak_rss_mib
