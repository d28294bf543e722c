"""Benchmark: does the monitor alert on every real edit, and never on page chrome?

Run from the checkout, with the venv active::

    python bench/detection.py                 # all 40 corpus pages, ~2 minutes
    python bench/detection.py --pages 14 --quick

It serves the real article pages of ``/work/shared/corpus/news-pages`` from a local
HTTP server, each wrapped in dynamic chrome that changes on every fetch (clocks,
weather, counters, ad slot ids, script nonces, "most read" lists, a cookie banner;
inside the article's container a share bar with counts, a "related stories" box, an
ad slot, a relative "last updated" line and a class-less "Read more" link; see
``pagegen.py``). Then it runs rounds of ``monitor --config CFG check --all --json``,
the real CLI in a subprocess, with alerts going through Apprise's ``json://`` target
to a local receiver:

- round 0: first versions;
- chrome-only rounds: new chrome on every page; any alert is a false alert;
- one round per edit kind (word, update, delete, headline, byline, correction,
  swap): a few pages (different ones per kind) get that edit, every page gets new
  chrome. The edited pages must alert, with the edit (its *marker*) in the alert's
  text; any other alert is false.

In the same run, on the same HTML, the naive baseline a user would write: extract
each fetch with ``trafilatura.extract`` and alert when the text differs from the last
fetch's. Last, the CPU cost of one check, in-process: the monitor's extraction with
the hint of the previous check, for a chrome-only change and for a real edit, against
``trafilatura.extract`` alone.

Prints Markdown tables and every false alert and missed edit of the monitor; writes
``bench/results/detection.json``. The working directory (config, SQLite database) is
kept, so ``monitor --config DIR/monitor.toml diff URL`` can show what was stored.
"""

from __future__ import annotations

import argparse
import difflib
import gc
import json
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import trafilatura
from pagegen import (
    EDIT_KINDS,
    MARKER_OR,
    CorpusPage,
    EditNotApplicable,
    apply_edit,
    load_corpus,
    squash,
    with_chrome,
)

from monitor.extract import extract
from monitor.models import WatchOptions

HOST = "127.0.0.1"
RESULTS = Path(__file__).parent / "results" / "detection.json"
# Pages get their edit kind in this order, the pickiest kind first (few pages have a byline).
_ASSIGN_ORDER = ("byline", "swap", "delete", "update", "word", "correction", "headline")
_SNIPPET = 400


# -- the local servers ----------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True


@contextmanager
def _serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[_Server]:
    server = _Server((HOST, 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class Pages:
    """What the page server answers: the HTML set for the current round."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._bodies: dict[str, bytes] = {}
        self.requests = 0

    def set(self, bodies: dict[str, bytes]) -> None:
        with self._lock:
            self._bodies = dict(bodies)

    def get(self, name: str) -> bytes | None:
        with self._lock:
            self.requests += 1
            return self._bodies.get(name)


class Alerts:
    """What Apprise's json:// target posted to the receiver."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._received: list[dict[str, Any]] = []

    def add(self, payload: dict[str, Any]) -> None:
        with self._lock:
            self._received.append(payload)

    def take(self) -> list[dict[str, Any]]:
        with self._lock:
            taken, self._received = self._received, []
            return taken


@contextmanager
def page_server(pages: Pages) -> Iterator[str]:
    """Serve ``pages`` at http://127.0.0.1:PORT/<name>.html; yields the base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            match = re.fullmatch(r"/([\w.-]+)\.html", self.path)
            body = pages.get(match.group(1)) if match else None
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    with _serving(Handler) as server:
        yield f"http://{HOST}:{server.server_address[1]}"


@contextmanager
def alert_receiver(alerts: Alerts) -> Iterator[str]:
    """Receive Apprise JSON posts; yields the json:// URL to configure."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            alerts.add(json.loads(self.rfile.read(length) or b"{}"))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    with _serving(Handler) as server:
        yield f"json://{HOST}:{server.server_address[1]}/alerts"


# -- the plan ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Edit:
    page: str
    kind: str
    marker: str


@dataclass(frozen=True)
class Round:
    number: int
    label: str
    """'first', 'chrome-only', or the edit kind."""
    seed: int
    edits: dict[str, Edit]


@dataclass
class Plan:
    rounds: list[Round]
    bases: dict[int, dict[str, str]]
    """Round number -> the chrome-less HTML of each page in that round."""
    skipped: list[tuple[str, str, str]] = field(default_factory=list)
    """(kind, page, why) for each edit a page cannot take."""


def make_plan(pages: Sequence[CorpusPage], chrome_rounds: int, per_kind: int) -> Plan:
    """Rounds and each round's pages; deterministic. Each page takes at most one edit
    while pages last; edits are cumulative on the page's current version."""
    by_name = {page.name: page for page in pages}
    order = [page.name for page in pages]
    random.Random("plan").shuffle(order)
    skipped: list[tuple[str, str, str]] = []
    takes: dict[str, set[str]] = {kind: set() for kind in EDIT_KINDS}
    for page in pages:
        for kind in EDIT_KINDS:
            try:
                apply_edit(page.html, page, kind, 0)
            except EditNotApplicable as why:
                skipped.append((kind, page.name, str(why)))
            else:
                takes[kind].add(page.name)
    chosen: dict[str, list[str]] = {}
    used: set[str] = set()
    for kind in _ASSIGN_ORDER:
        candidates = [n for n in sorted(order, key=lambda n: n in used) if n in takes[kind]]
        chosen[kind] = candidates[:per_kind]  # unused pages first
        used.update(chosen[kind])
    current = {page.name: page.html for page in pages}
    rounds = [Round(0, "first", 0, {})]
    bases = {0: dict(current)}
    for number in range(1, chrome_rounds + 1):
        rounds.append(Round(number, "chrome-only", number, {}))
        bases[number] = dict(current)
    for kind in EDIT_KINDS:
        number = len(rounds)
        edits = {}
        for name in chosen[kind]:
            try:
                current[name], marker = apply_edit(current[name], by_name[name], kind, number)
            except EditNotApplicable as why:  # a page edited before may no longer take it
                skipped.append((kind, name, str(why)))
                continue
            edits[name] = Edit(name, kind, marker)
        rounds.append(Round(number, kind, number, edits))
        bases[number] = dict(current)
    return Plan(rounds, bases, skipped)


# -- scoring ----------------------------------------------------------------------------------


@dataclass
class Tally:
    edits: int = 0
    false_alerts: int = 0
    caught: int = 0
    missed: int = 0
    edit_not_shown: int = 0
    """Caught, but the alert's text does not show the edit."""

    def add(self, other: Tally) -> None:
        for key in asdict(self):
            setattr(self, key, getattr(self, key) + getattr(other, key))


@dataclass(frozen=True)
class Incident:
    detector: str
    round: int
    label: str
    page: str
    what: str
    """'false alert', 'missed', 'edit not shown'."""
    detail: str


_INSERTED = re.compile(r"\{\+(.*?)\+\}", re.DOTALL)
_DELETED = re.compile(r"\[-(.*?)-\]", re.DOTALL)


def views(alert_text: str) -> list[str]:
    """The alert, and the new and old text its word diffs read as."""
    new = _INSERTED.sub(r"\1", _DELETED.sub("", alert_text))
    old = _DELETED.sub(r"\1", _INSERTED.sub("", alert_text))
    return [alert_text, new, old]


def shows(texts: Sequence[str], marker: str) -> bool:
    """Whether any of ``texts`` contains any alternative of ``marker`` (spacing and case aside)."""
    wanted = [squash(alt).casefold() for alt in marker.split(MARKER_OR) if alt.strip()]
    return any(alt in squash(text).casefold() for text in texts for alt in wanted)


def _snippet(text: str) -> str:
    text = " ⏎ ".join(line for line in text.splitlines() if line.strip())
    return text if len(text) <= _SNIPPET else text[:_SNIPPET] + " …"


def _alert_body(title: str, message: str) -> str:
    """The alert's kind (from its subject) and its diff lines, without the header lines."""
    kind = title.removeprefix("[monitor] ").split(":")[0]
    head, _, diff = message.partition("\n\n")
    summary = head.splitlines()[-1] if head else ""
    return f"{kind}: {summary}\n{diff}"


# Text that identifies each piece of generated chrome (see pagegen), for naming the cause.
_CHROME_SIGNS = (
    ("read more:", "the class-less 'Read more' link paragraph inside the article"),
    ("breaking:", "the class-less breaking-news strip at the top of <body>"),
    ("readers online", "the header bar (clock, weather, markets, readers online)"),
    (" shares", "the share bar"),
    ("last updated", "the relative 'Last updated' line"),
    ("related stories", "the related-stories box"),
    ("advertisement", "an ad slot"),
    ("most read", "the 'Most read' list"),
    ("cookies", "the cookie banner"),
    ("page generated", "the footer"),
)


def chrome_cause(diff: str) -> str:
    """Which generated chrome an alert's diff shows, if any."""
    found = [what for sign, what in _CHROME_SIGNS if sign in diff.casefold()]
    return "; ".join(found) or "no generated chrome in the diff: the page's own text"


def _text_diff(old: str, new: str) -> str:
    lines = difflib.unified_diff(old.splitlines(), new.splitlines(), n=0, lineterm="")
    return "\n".join(line for line in lines if line[:1] in "+-" and line[:3] not in ("+++", "---"))


def score(
    detector: str,
    round_: Round,
    alerts: dict[str, list[str]],
    shown_in: dict[str, list[str]],
    extra: dict[str, str],
) -> tuple[Tally, list[Incident]]:
    """Count one round of one detector: ``alerts`` maps a page to its alert texts,
    ``shown_in`` to the texts the marker is looked for in, ``extra`` to context."""
    tally = Tally(edits=len(round_.edits))
    incidents = []
    for page, texts in sorted(alerts.items()):
        if page not in round_.edits:
            tally.false_alerts += len(texts)
            for text in texts:
                detail = f"cause: {chrome_cause(text)}. Alert: {_snippet(text)}"
                incidents.append(
                    Incident(detector, round_.number, round_.label, page, "false alert", detail)
                )
    for page, edit in sorted(round_.edits.items()):
        if page not in alerts:
            tally.missed += 1
            incidents.append(
                Incident(
                    detector,
                    round_.number,
                    round_.label,
                    page,
                    "missed",
                    f"marker {edit.marker!r}; {extra.get(page, '')}".strip("; "),
                )
            )
        elif shows(shown_in.get(page, []), edit.marker):
            tally.caught += 1
        else:
            tally.caught += 1
            tally.edit_not_shown += 1
            incidents.append(
                Incident(
                    detector,
                    round_.number,
                    round_.label,
                    page,
                    "edit not shown",
                    f"marker {edit.marker!r}; alert: {_snippet(alerts[page][0])}",
                )
            )
    return tally, incidents


# -- running the monitor and the baseline -----------------------------------------------------


def write_config(workdir: Path, base_url: str, notify_url: str, names: Sequence[str]) -> Path:
    lines = [
        "[storage]",
        f'url = "sqlite:///{workdir / "monitor.db"}"',
        "",
        "[notify]",
        f'urls = ["{notify_url}"]',
        "",
        "[monitor]",
        "concurrency = 4",
        "per_host = 4  # every page is on the one local server",
        "",
    ]
    for name in names:
        lines += ["[[watch]]", f'url = "{base_url}/{name}.html"', 'every = "1h"', ""]
    path = workdir / "monitor.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def monitor_command() -> list[str]:
    script = Path(sys.executable).with_name("monitor")
    return [str(script)] if script.exists() else [sys.executable, "-m", "monitor.cli"]


def run_check(config: Path) -> tuple[list[dict[str, Any]], float]:
    """One ``monitor check --all --json``; returns its reports and wall seconds."""
    started = time.perf_counter()
    done = subprocess.run(
        [*monitor_command(), "--config", str(config), "check", "--all", "--json"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 2):
        sys.exit(f"monitor check failed ({done.returncode}):\n{done.stderr}")
    return json.loads(done.stdout), seconds


def _page_of(url: str) -> str:
    match = re.search(r"/([\w.-]+)\.html", url)
    return match.group(1) if match else url


@dataclass
class Outcome:
    tallies: dict[str, dict[str, Tally]] = field(default_factory=dict)
    """Detector -> round label -> tally (summed over rounds with that label)."""
    incidents: list[Incident] = field(default_factory=list)
    outcomes: list[dict[str, Any]] = field(default_factory=list)
    """Per round: the monitor's outcome counts."""
    seconds: dict[str, float] = field(default_factory=dict)

    def record(self, detector: str, label: str, tally: Tally, incidents: list[Incident]) -> None:
        self.tallies.setdefault(detector, {}).setdefault(label, Tally()).add(tally)
        self.incidents.extend(incidents)


def run_rounds(pages: Sequence[CorpusPage], plan: Plan, workdir: Path, log: Any) -> Outcome:
    """Serve each round, check it with the monitor and the baseline, and score both."""
    by_name = {page.name: page for page in pages}
    result = Outcome()
    served_pages, alerts = Pages(), Alerts()
    previous_text: dict[str, str] = {}
    baseline_seconds = chrome_seconds = monitor_seconds = 0.0
    with page_server(served_pages) as base_url, alert_receiver(alerts) as notify_url:
        config = write_config(workdir, base_url, notify_url, [p.name for p in pages])
        for round_ in plan.rounds:
            started = time.perf_counter()
            bodies = {
                name: with_chrome(html, round_.seed, by_name[name].paragraphs).encode()
                for name, html in plan.bases[round_.number].items()
            }
            chrome_seconds += time.perf_counter() - started
            served_pages.set(bodies)
            alerts.take()
            reports, seconds = run_check(config)
            monitor_seconds += seconds
            received = alerts.take()
            outcomes = Counter(report["outcome"] for report in reports)
            errors = {_page_of(r["url"]): r["error"] for r in reports if r["outcome"] == "error"}
            result.outcomes.append(
                {"round": round_.number, "label": round_.label, **dict(sorted(outcomes.items()))}
            )
            started = time.perf_counter()
            texts = {name: trafilatura.extract(body) or "" for name, body in bodies.items()}
            baseline_seconds += time.perf_counter() - started
            log(
                f"round {round_.number:2d} {round_.label:<11} edits {len(round_.edits)}: "
                f"monitor {seconds:4.1f} s, {len(received)} alert(s), "
                + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items()))
            )
            for page, error in errors.items():
                log(f"    error on {page}: {error}")
            if round_.number > 0:
                _score_round(result, round_, reports, received, texts, previous_text)
            previous_text = texts
    result.seconds = {
        "chrome": round(chrome_seconds, 1),
        "monitor_checks": round(monitor_seconds, 1),
        "baseline_extraction": round(baseline_seconds, 1),
    }
    return result


def _score_round(
    result: Outcome,
    round_: Round,
    reports: list[dict[str, Any]],
    received: list[dict[str, Any]],
    texts: dict[str, str],
    previous_text: dict[str, str],
) -> None:
    label = round_.label
    monitor_alerts: dict[str, list[str]] = {}
    for payload in received:
        message = str(payload.get("message", ""))
        page = _page_of(message)
        body = _alert_body(str(payload.get("title", "")), message)
        monitor_alerts.setdefault(page, []).append(body)
    monitor_views = {
        page: [view for text in alert_texts for view in views(text)]
        for page, alert_texts in monitor_alerts.items()
    }
    outcome_of = {_page_of(r["url"]): r["outcome"] for r in reports}
    extra = {page: f"monitor outcome {outcome}" for page, outcome in outcome_of.items()}
    tally, incidents = score("monitor", round_, monitor_alerts, monitor_views, extra)
    result.record("monitor", label, tally, incidents)

    baseline_alerts: dict[str, list[str]] = {}
    baseline_shown: dict[str, list[str]] = {}
    for page, text in texts.items():
        old = previous_text.get(page, "")
        if text != old:
            baseline_alerts[page] = [_text_diff(old, text)]
            edit = round_.edits.get(page)
            baseline_shown[page] = [old if edit and edit.kind == "delete" else text]
    extra = {page: "trafilatura text unchanged" for page in texts}
    tally, incidents = score("baseline", round_, baseline_alerts, baseline_shown, extra)
    result.record("baseline", label, tally, incidents)


# -- CPU cost ---------------------------------------------------------------------------------


def _cpu_ms(work: Any, repeats: int) -> tuple[float, Any]:
    """The least CPU time of ``repeats`` runs of ``work()``, in ms, and its last result."""
    best, value = float("inf"), None
    for _ in range(repeats):
        gc.collect()
        started = time.process_time()
        value = work()
        best = min(best, time.process_time() - started)
    return best * 1000, value


def measure_cpu(pages: Sequence[CorpusPage], plan: Plan, repeats: int, log: Any) -> dict[str, Any]:
    """Median CPU ms per page: the monitor's check (hinted) for noise and for an edit,
    its first check, and trafilatura.extract alone."""
    kind_of = {e.page: e.kind for r in plan.rounds for e in r.edits.values()}
    options = WatchOptions()
    rows: dict[str, list[float]] = {"first": [], "noise": [], "edit": [], "trafilatura": []}
    fast_noise = full_edit = 0
    no_container: list[str] = []
    for page in pages:
        url = f"http://{HOST}/{page.name}.html"
        before = with_chrome(page.html, 1000, page.paragraphs).encode()
        after = with_chrome(page.html, 1001, page.paragraphs).encode()
        edited = None
        for kind in (kind_of.get(page.name, "word"), *EDIT_KINDS):
            try:
                edited_html, _ = apply_edit(page.html, page, kind, 1001)
            except EditNotApplicable:
                continue
            edited = with_chrome(edited_html, 1001, page.paragraphs).encode()
            break
        ms, first = _cpu_ms(partial(extract, before, url, options), repeats)
        rows["first"].append(ms)
        if first.hint is None:
            no_container.append(page.name)
        ms, noise = _cpu_ms(partial(extract, after, url, options, first.hint), repeats)
        rows["noise"].append(ms)
        fast_noise += noise.article is None
        if edited is not None:
            ms, change = _cpu_ms(partial(extract, edited, url, options, first.hint), repeats)
            rows["edit"].append(ms)
            full_edit += change.hint is None
        ms, _ = _cpu_ms(partial(trafilatura.extract, after), repeats)
        rows["trafilatura"].append(ms)
    medians = {key: round(statistics.median(values), 2) for key, values in rows.items() if values}
    log(f"CPU measured on {len(pages)} pages, best of {repeats} per page")
    return {
        "median_ms": medians,
        "pages": len(pages),
        "edit_pages": len(rows["edit"]),
        "noise_checks_on_fast_path": fast_noise,
        "edit_checks_without_hint": full_edit,
        "pages_without_container": no_container,
        "repeats": repeats,
    }


# -- the report -------------------------------------------------------------------------------


def _row(label: str, monitor: Tally, baseline: Tally) -> str:
    def cells(t: Tally) -> str:
        return f"{t.false_alerts} | {t.caught} | {t.missed} | {t.edit_not_shown}"

    return f"| {label} | {monitor.edits} | {cells(monitor)} | {cells(baseline)} |"


def detection_table(outcome: Outcome, chrome_rounds: int) -> list[str]:
    monitor, baseline = outcome.tallies["monitor"], outcome.tallies["baseline"]
    lines = [
        "| round | edits | monitor false alerts | caught | missed | edit not in alert "
        "| baseline false alerts | caught | missed | edit not in text |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    total_m, total_b = Tally(), Tally()
    for label in ("chrome-only", *EDIT_KINDS):
        if label not in monitor:
            continue
        name = f"chrome only ×{chrome_rounds}" if label == "chrome-only" else label
        lines.append(_row(name, monitor[label], baseline[label]))
        total_m.add(monitor[label])
        total_b.add(baseline[label])
    lines.append(_row("**total**", total_m, total_b))
    return lines


def cpu_table(cpu: dict[str, Any]) -> list[str]:
    medians = cpu["median_ms"]
    traf = medians["trafilatura"]
    lines = [
        "| check (median CPU ms per page) | monitor | trafilatura.extract "
        "| monitor / trafilatura |",
        "|---|--:|--:|--:|",
    ]
    for key, label in (
        ("noise", "chrome-only change (hinted)"),
        ("edit", "real edit (hinted)"),
        ("first", "first check (no hint)"),
    ):
        if key in medians:
            lines.append(
                f"| {label} | {medians[key]:.1f} | {traf:.1f} | {medians[key] / traf:.2f} |"
            )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=None, help="use the first N corpus pages")
    parser.add_argument(
        "--quick", action="store_true", help="14 pages, one chrome-only round, 2 edits per kind"
    )
    parser.add_argument(
        "--per-kind", type=int, default=None, help="pages edited per edit kind (default 20)"
    )
    parser.add_argument("--workdir", type=Path, help="where to keep the config and database")
    parser.add_argument("--results", type=Path, default=RESULTS, help="the JSON results file")
    args = parser.parse_args(argv)
    started = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f} s] {message}", file=sys.stderr, flush=True)

    corpus = load_corpus()
    count = args.pages or (14 if args.quick else len(corpus))
    pages = corpus[:count]
    chrome_rounds = 1 if args.quick else 3
    per_kind = args.per_kind or min(2 if args.quick else 20, len(pages))
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="monitor-detection-"))
    workdir.mkdir(parents=True, exist_ok=True)
    if (workdir / "monitor.db").exists():
        sys.exit(f"{workdir} already holds a monitor.db; choose an empty --workdir")
    plan = make_plan(pages, chrome_rounds, per_kind)
    log(f"{len(pages)} pages, {len(plan.rounds)} rounds, {per_kind} edit(s) per kind; {workdir}")
    outcome = run_rounds(pages, plan, workdir, log)
    cpu = measure_cpu(pages, plan, 1 if args.quick else 3, log)

    print(f"## Detection: {len(pages)} pages, {len(plan.rounds)} rounds\n")
    print("\n".join(detection_table(outcome, chrome_rounds)))
    print(
        "\nfalse alerts: alerts for pages whose article did not change; edit not in alert: "
        "caught, but the alert's text lacks the edit's marker (baseline: the marker is not "
        "in the extracted text).\n"
    )
    print("## CPU cost of one check\n")
    print("\n".join(cpu_table(cpu)))
    print(
        f"\n{cpu['noise_checks_on_fast_path']}/{cpu['pages']} chrome-only checks took the "
        f"fast path; {cpu['edit_checks_without_hint']}/{cpu['edit_pages']} edit checks "
        "fell back to a full extraction. Pages where the monitor finds no container (a full "
        f"extraction on every check): {', '.join(cpu['pages_without_container']) or 'none'}.\n"
    )
    mine = [i for i in outcome.incidents if i.detector == "monitor"]
    print(f"## The monitor's false alerts, missed edits and unshown edits ({len(mine)})\n")
    for incident in mine or ():
        print(
            f"- round {incident.round} ({incident.label}) **{incident.what}** "
            f"{incident.page}: {incident.detail}"
        )
    baseline_false = Counter(
        i.page for i in outcome.incidents if i.detector == "baseline" and i.what == "false alert"
    )
    print(
        "\nBaseline false alerts by page: "
        + (", ".join(f"{p} {n}" for p, n in sorted(baseline_false.items())) or "none")
    )
    if plan.skipped:
        print("\nEdits some pages cannot take (other pages took them):")
        for kind in EDIT_KINDS:
            cannot = [(page, why) for k, page, why in plan.skipped if k == kind]
            if cannot:
                print(f"- {kind}: " + "; ".join(f"{page} ({why})" for page, why in cannot))
    print(f"\nMonitor outcomes per round: {json.dumps(outcome.outcomes)}")
    print(f"\nWork directory (config, database): {workdir}")
    print(f"Inspect with: monitor --config {workdir / 'monitor.toml'} diff URL")

    results = {
        "pages": [page.name for page in pages],
        "rounds": [
            {
                "round": r.number,
                "label": r.label,
                "seed": r.seed,
                "edits": {name: e.marker for name, e in r.edits.items()},
            }
            for r in plan.rounds
        ],
        "tallies": {
            detector: {label: asdict(t) for label, t in by_label.items()}
            for detector, by_label in outcome.tallies.items()
        },
        "monitor_incidents": [asdict(i) for i in mine],
        "baseline_false_alerts_by_page": dict(sorted(baseline_false.items())),
        "monitor_outcomes": outcome.outcomes,
        "skipped_edits": [list(s) for s in plan.skipped],
        "cpu": cpu,
        "seconds": {**outcome.seconds, "total": round(time.perf_counter() - started, 1)},
    }
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    log(f"done; results in {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
