"""A real browser and a real ``monitor serve`` for the page tests and the README's
screenshots: Debian's Chromium driven by Playwright, and the reference story (v1, then
v2) served to a monitor by a local web server.

Playwright's synchronous API runs an event loop of its own on the thread that starts
it, and while it lives no other code on that thread may run one (``asyncio.run`` fails,
and ``Monitor.check`` uses it). So the browser lives on a thread of its own, and a test
hands it a function of the page to run there: ``Chromium.visit``.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from servers import PageServer

from monitor.app import Monitor
from monitor.config import load_config
from monitor.models import WatchSpec
from monitor.serve.server import Server

CHROMIUM = "/usr/bin/chromium"
ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
"""Nothing but the pages asked for: no update checks, no sync, no network of its own."""
INSTALL = "apt-get install -y chromium"
REQUIRE = "MONITOR_REQUIRE_CHROMIUM"
"""Set to 1 (as CI does), a Chromium that cannot start fails the page tests."""

SEED = Path(__file__).parent / "fixtures" / "seed" / "pages"
STORY_PATH = "/2021/06/02/turkey-to-send-home-russian-s-400-missile-system-experts-a74078"
STORY_NAME = "S-400 experts story"
ADDED = tuple((SEED / "added.txt").read_text(encoding="utf-8").splitlines())
"""The update line and the paragraphs the revision added (v1 → v2)."""

T = TypeVar("T")


class Chromium:
    """One headless Chromium for a whole test session, on its own thread."""

    def __init__(self) -> None:
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chromium")
        self._playwright: Any = None
        self._browser: Any = None
        self._pages: dict[bool, Any] = {}
        try:
            self._thread.submit(self._launch).result(timeout=120)
        except BaseException:
            self.close()
            raise

    def _launch(self) -> None:
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        self._browser = self._playwright.chromium.launch(
            executable_path=CHROMIUM, args=list(ARGS), timeout=60_000
        )

    def visit(self, url: str, look: Callable[[Any], T], *, javascript: bool = True) -> T:
        """Open ``url`` (with JavaScript off when asked), then return ``look(page)``, run on
        the browser's thread (``page``: a Playwright Page)."""

        def run() -> T:
            page = self._page(javascript)
            page.goto(url, wait_until="load", timeout=30_000)
            return look(page)

        return self._thread.submit(run).result(timeout=120)

    def _page(self, javascript: bool) -> Any:
        """One tab per setting, kept: a new tab costs a renderer process, and the pages
        under test keep no state (no cookies, no storage, no script)."""
        if javascript not in self._pages:
            context = self._browser.new_context(
                java_script_enabled=javascript, viewport={"width": 1280, "height": 800}
            )
            self._pages[javascript] = context.new_page()
        return self._pages[javascript]

    def close(self) -> None:
        def stop() -> None:
            if self._browser is not None:
                self._browser.close()
            if self._playwright is not None:
                self._playwright.stop()

        try:
            self._thread.submit(stop).result(timeout=60)
        finally:
            self._thread.shutdown()


def chromium_problem(error: BaseException) -> str:
    """What to say when Chromium does not start."""
    first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    where = "" if os.path.exists(CHROMIUM) else f" ({CHROMIUM} is missing: `{INSTALL}`)"
    return f"headless Chromium does not start{where}: {first}"


# -- the reference story, checked by a real monitor ------------------------------------------


def write_config(tmp_path: Path, db_url: str) -> Path:
    path = tmp_path / "monitor.toml"
    path.write_text(
        f'[storage]\nurl = "{db_url}"\n'
        # The story is served on 127.0.0.1, which is refused unless allowed.
        '[monitor]\nallow_internal = ["127.0.0.1"]\n',
        encoding="utf-8",
    )
    return path


def check_story(
    config: Path, page_server: PageServer, *, failing: str = "", taken_down: str = ""
) -> str:
    """Watch the reference story, check it at v1, then at v2; returns its URL. With a
    ``failing`` path (never served: an error at each check) and a ``taken_down`` one (the
    story's v1 there, gone at the second check) watched beside it, when given."""
    url = page_server.url(STORY_PATH)
    v1 = (SEED / "v1.html").read_text(encoding="utf-8")
    monitor = Monitor(load_config(config))
    try:
        page_server.set(STORY_PATH, v1)
        monitor.add(WatchSpec(url=url, name=STORY_NAME))
        for path in filter(None, (failing, taken_down)):
            monitor.add(WatchSpec(url=page_server.url(path)))
        if taken_down:
            page_server.set(taken_down, v1)
        monitor.check()
        page_server.set(STORY_PATH, (SEED / "v2.html").read_text(encoding="utf-8"))
        if taken_down:
            page_server.remove(taken_down)
        monitor.check()
    finally:
        monitor.close()
    return url


@contextmanager
def serving(monitor: Monitor, listen: str = "127.0.0.1:0") -> Iterator[str]:
    """``monitor serve`` on its own event loop in a thread; yields its base URL once it
    listens (an event says so: no polling, no sleep)."""
    server = Server(monitor, listen)
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    started: dict[str, Any] = {}

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            started["port"] = loop.run_until_complete(server.start())
        except BaseException as error:
            started["error"] = error
            ready.set()
            return
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=run, name="serve", daemon=True)
    thread.start()
    assert ready.wait(30), "the server did not start"
    if "error" in started:
        thread.join()
        loop.close()
        raise started["error"]
    try:
        yield f"http://127.0.0.1:{started['port']}"
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(30)
        loop.run_until_complete(server.stop())
        loop.close()
