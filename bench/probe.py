"""Probe: which blocks of real chrome, set alone in another page, change its reading?

``detection.py`` dresses each page with a few pieces of chrome drawn at random, so a
block that the monitor reads as the article's is found only when a seed happens to draw
it into a slot where it is read. This probe tries them all: every block harvested from
the OPEN pages (``chrome.harvest``: what reader mode leaves out of a page, with its real
markup), re-rolled twice as the benchmark re-rolls it (numbers, names, times,
headlines), set alone in each slot of a few other open pages (``chrome.INSIDE_SLOTS``
where it fits, and before and after the article's element). A pair whose two readings
differ is one the monitor may alert on at a chrome-only reload; with ``--cli`` those
pairs are served over four checks (a first version, three re-rolls) to the real CLI,
as ``detection.py`` serves its rounds, and its alerts are counted.

Run from the checkout, with the venv active::

    python bench/probe.py                          # the default hosts, ~2 minutes each
    python bench/probe.py --hosts news/cnn web/medium-1 --cli

Sealed pages are never hosts nor donors: what fails among them must not be seen.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import chrome
import detection
import pagegen

from monitor.extract import extract

DEFAULT_HOSTS = (
    "news/nytimes-1",
    "news/guardian-1",
    "news/heise",
    "news/cnn",
    "news/lemonde-1",
    "web/medium-1",
    "web/mozilla-2",
    "web/ehow-1",
    "aeb/aeb-0d46122928",
)
SLOTS = ("lead", "mid-1", "end", "before-article", "after-article")
HEADLINES = ("Another story entirely, about other things", "A third story on the list")
ROLLS = 4  # the first version and three re-rolls, as a benchmark page's chrome rounds


@dataclass(frozen=True)
class Pair:
    host: str
    slot: str
    block: int  # its index in the open harvest
    donor: str
    before: str  # what the reading lost and gained between the two rolls
    after: str


@dataclass(frozen=True)
class _Watched:
    """What ``detection.write_config`` reads of a page: its key."""

    key: str


def _open_material() -> tuple[dict[str, detection.Page], list[chrome.Block]]:
    pages, harvests, _ = detection.load_pages()
    opened = {p.key: p for p in pages if not p.group.startswith("sealed")}
    names = {p.name for p in opened.values()}
    blocks = [b for name in sorted(harvests) if name in names for b in harvests[name]]
    return opened, blocks


_HOSTS, _BLOCKS = _open_material()
_FIRST: dict[str, tuple[list[str], Any]] = {}  # per host: its own reading and hint


def _reading(html: str, url: str, hint: Any) -> tuple[list[str], Any]:
    found = extract(html.encode(), url, hint=hint)
    article = found.article
    lines = [article.title, article.byline, *article.paragraphs] if article else []
    return lines, found.hint


def dressed(host: str, slot: str, block: int, roll: int) -> str:
    """The host page wearing one block in one slot, re-rolled for ``roll``."""
    page = _HOSTS[host]
    doc = pagegen.parse(page.corpus.html)
    nodes = pagegen.find_article(doc, page.corpus.paragraphs)
    chrome._place(_element(block, roll), slot, doc.find("body"), nodes, None)
    chrome.apply_class_mode(doc, page.mode, page.name, roll)
    return str(pagegen.serialize(doc))


def _element(block: int, roll: int) -> Any:
    """The block's markup, re-rolled for ``roll`` as the benchmark re-rolls a round's."""
    source = chrome.Source(block=_BLOCKS[block])
    return chrome._make(source, chrome._rng("stable"), chrome._rng("roll", roll), HEADLINES)


def _rolled_text(block: int, roll: int) -> str:
    return str(chrome.visible_text(_element(block, roll)))


def probe(job: tuple[str, int]) -> list[Pair]:
    """The slots of ``host`` where the block's two rolls read differently."""
    host, block = job
    found = _BLOCKS[block]
    if found.donor == _HOSTS[host].name or _rolled_text(block, 1) == _rolled_text(block, 2):
        return []  # its own chrome, or nothing in it that a re-roll changes
    url = f"http://{detection.HOST}/{host}.html"
    if host not in _FIRST:
        _FIRST[host] = _reading(_HOSTS[host].corpus.html, url, None)
    hint = _FIRST[host][1]
    pairs = []
    for slot in SLOTS:
        if slot in chrome.INSIDE_SLOTS and not found.fits_inside:
            continue
        one, two = (_reading(dressed(host, slot, block, roll), url, hint)[0] for roll in (1, 2))
        if one != two:
            lost = " | ".join(line for line in one if line not in two)
            gained = " | ".join(line for line in two if line not in one)
            pairs.append(Pair(host, slot, block, found.donor, lost, gained))
    return pairs


def through_cli(pairs: Sequence[Pair]) -> Counter[tuple[str, str, int]]:
    """Serve each pair over ``ROLLS`` checks to the real CLI; alerts per pair."""
    served, alerts = detection.Served(), detection.Alerts()
    keys = {f"web/probe-{at}": pair for at, pair in enumerate(pairs)}
    alerted: Counter[tuple[str, str, int]] = Counter()
    workdir = Path(tempfile.mkdtemp(prefix="monitor-probe-"))
    with detection.page_server(served) as base, detection.alert_receiver(alerts) as notify:
        config = detection.write_config(workdir, base, notify, [_Watched(k) for k in keys])
        for roll in range(1, ROLLS + 1):
            served.set(
                {key: dressed(p.host, p.slot, p.block, roll).encode() for key, p in keys.items()}
            )
            alerts.take()
            detection.Check(config).reports()
            for alert in alerts.take():
                key = detection._key_of(json.dumps(alert))
                if roll > 1 and key in keys:
                    pair = keys[key]
                    alerted[(pair.host, pair.slot, pair.block)] += 1
    return alerted


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", nargs="+", default=DEFAULT_HOSTS, help="open page keys")
    parser.add_argument("--cli", action="store_true", help="then serve the pairs to the CLI")
    args = parser.parse_args(argv)
    unknown = [h for h in args.hosts if h not in _HOSTS]
    if unknown:
        sys.exit(f"not open pages: {', '.join(unknown)} (sealed pages are never probed)")
    jobs = [(host, block) for host in args.hosts for block in range(len(_BLOCKS))]
    with ProcessPoolExecutor(os.cpu_count() or 1) as pool:
        pairs = [pair for found in pool.map(probe, jobs, chunksize=64) for pair in found]
    print(f"# Probe: {len(_BLOCKS)} open chrome blocks × {len(args.hosts)} hosts\n")
    print(f"Pairs (host, slot, block) whose reading changed between two rolls: {len(pairs)}\n")
    alerted = through_cli(pairs) if args.cli and pairs else None
    print("| host | slot | donor | alerts | lost → gained |\n|---|---|---|--:|---|")
    for p in pairs:
        count = "–" if alerted is None else str(alerted[(p.host, p.slot, p.block)])
        change = f"{p.before[:90]} → {p.after[:90]}".replace("|", "/")
        print(f"| {p.host} | {p.slot} | {p.donor} | {count} | {change} |")
    if alerted is not None:
        print(
            f"\n{sum(1 for n in alerted.values() if n)} of {len(pairs)} pairs alerted "
            f"through the CLI ({sum(alerted.values())} alerts in {ROLLS - 1} re-rolls each)."
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
