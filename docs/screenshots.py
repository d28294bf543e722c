"""The README's screenshots of ``monitor serve``: the watch list and the reference story's
revision side by side, taken with Debian's Chromium as the page tests are (the story
served by a local web server, checked by a real monitor into a throw-away database).

    .venv/bin/python docs/screenshots.py        # writes docs/watches.png and docs/diff.png
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS.parent / "tests"))

from browsing import Chromium, check_story, serving, write_config  # noqa: E402
from servers import PageServer  # noqa: E402

from monitor.app import Monitor  # noqa: E402
from monitor.config import load_config  # noqa: E402

LARGEST = 200_000
"""Bytes: a screenshot bigger than this is too heavy for the README."""


def shoot(path: Path, top: str, bottom: str, below: int = 0) -> Any:
    """A function of the page: a screenshot from the top of the last element ``top``
    selects to the bottom of the last one ``bottom`` selects, and ``below`` pixels more."""

    def look(page: Any) -> None:
        first = page.locator(top).last.bounding_box()
        last = page.locator(bottom).last.bounding_box()
        height = last["y"] + last["height"] + below - first["y"]
        page.screenshot(
            path=str(path),
            full_page=True,
            clip={"x": 0, "y": first["y"], "width": 1280, "height": height},
        )

    return look


def main() -> int:
    chromium = Chromium()
    try:
        with PageServer() as pages, tempfile.TemporaryDirectory() as scratch:
            config = write_config(Path(scratch), f"sqlite:///{scratch}/monitor.db")
            check_story(
                config,
                pages,
                failing="/2021/06/03/a-typo-in-the-address",
                taken_down="/2021/06/01/a-page-taken-down",
            )
            monitor = Monitor(load_config(config), read_only=True)
            try:
                with serving(monitor) as base:
                    chromium.visit(f"{base}/", shoot(DOCS / "watches.png", "body", "main", 8))
                    # The paragraphs the revision added, a row of context on each side.
                    diff = shoot(
                        DOCS / "diff.png", "tr:not(:has(ins)):has(+ tr ins)", "tr:has(ins) + tr"
                    )
                    chromium.visit(f"{base}/watch/1/diff?from=1&to=2", diff)
            finally:
                monitor.close()
    finally:
        chromium.close()
    for name in ("watches.png", "diff.png"):
        size = (DOCS / name).stat().st_size
        print(f"docs/{name}: {size:,} bytes")
        if size > LARGEST:
            print(f"docs/{name} is over {LARGEST:,} bytes: shoot a smaller area", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":  # the checks' worker processes import this module again
    sys.exit(main())
