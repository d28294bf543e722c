"""Bring in the Readability test pages that the shared corpus left out, as sealed pages.

``/work/shared/corpus`` holds 79 of the 130 test pages of Mozilla Readability
(github.com/mozilla/readability, folder test/test-pages, Apache License 2.0). Most of the
other 51 are small hand-written cases (a ``<br>`` to replace, a font tag); the ones whose
source is a real page (over 10 KB) were never in the corpus, so no rule was tuned on
them. ``detection.py`` reports them as the group sealed/rdb, counts only.

    git clone https://github.com/mozilla/readability /tmp/readability
    python bench/rdb.py /tmp/readability        # writes bench/.corpus/rdb/

A bare clone works too. The pages keep their own layout (``source.html``,
``expected.html``, ``expected-metadata.json``), each folder named ``rdb-<name>``.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from aeb import run_converter

CORPUS = Path("/work/shared/corpus")
DEFAULT_OUT = Path(__file__).parent / ".corpus" / "rdb"
PAGES = "test/test-pages"
MIN_SOURCE = 10_000
"""Smaller sources are Readability's hand-written cases, not real pages."""
FILES = ("source.html", "expected.html", "expected-metadata.json")


def _git(repo: Path, *args: str) -> bytes:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True).stdout


def _names(repo: Path) -> list[str]:
    if (repo / PAGES).is_dir():
        return sorted(p.name for p in (repo / PAGES).iterdir() if p.is_dir())
    listing = _git(repo, "ls-tree", "--name-only", f"HEAD:{PAGES}").decode()
    return sorted(listing.split())


def _read(repo: Path, path: str) -> bytes:
    if (repo / path).is_file():
        return (repo / path).read_bytes()
    return _git(repo, "show", f"HEAD:{path}")


def convert(repo: Path, out: Path) -> int:
    known = {p.name for root in CORPUS.iterdir() if root.is_dir() for p in root.iterdir()}
    written = 0
    for name in _names(repo):
        if name in known:
            continue
        source = _read(repo, f"{PAGES}/{name}/source.html")
        if len(source) < MIN_SOURCE:
            continue
        folder = out / f"rdb-{name}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "source.html").write_bytes(source)
        for file in FILES[1:]:
            (folder / file).write_bytes(_read(repo, f"{PAGES}/{name}/{file}"))
        written += 1
    return written


def main() -> None:
    run_converter(__doc__.split("\n")[0], "a clone of mozilla/readability", DEFAULT_OUT, convert)


if __name__ == "__main__":
    main()
