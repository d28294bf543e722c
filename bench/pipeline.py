"""Benchmark: checks per second through the real pipeline, fast path against full extraction.

Run from the checkout, with the venv active (Linux: it reads /proc)::

    python bench/pipeline.py                       # 400 watches, 3 rounds, ~1.5 minutes
    python bench/pipeline.py --watches 80 --rounds 2

A page server in its own process (aiohttp, spawned, so its CPU is not the monitor's)
serves N URLs ``/p/<i>.html``: page i is corpus page i mod 40 wrapped in
``pagegen.with_chrome`` with seed ``k * 100000 + i`` in served round k, so from one
round to the next every body differs by its chrome only. No ETag or Last-Modified is
sent, so every check is a 200 and an extraction. The server renders a round's bodies
before the round starts (not timed).

This process runs ``Monitor.check()`` (one pass of the daemon's pipeline: fetch,
extraction in the ``ExtractionPool``, decide, store) over the N watches of a temp
SQLite database, with concurrency 16, per_host 16 and no notify targets. Round 0
stores the first versions. Then R chrome-only rounds of each of

- monitor: as configured; a check reads the article's container found by the
  previous check (the fast path);
- baseline: the same pipeline with the watches' hints cleared in the database
  (``UPDATE watch SET hint = NULL``) before the round, so every check is a full
  extraction (trafilatura, then finding the container again);

interleaved (monitor, baseline, baseline, monitor, ...), each on fresh chrome. Every
outcome of a chrome-only round must be 'unchanged' (or 'not-modified'); anything
else is counted and printed.

CPU, per round: "process" is ``time.process_time()`` of this process (event loop,
fetching, SQLAlchemy, storage threads); "total" adds every other descendant of this
process but the page server. The extraction runs in the ``ExtractionPool`` (pebble's
process pool) whose workers the multiprocessing forkserver forks: they are
grandchildren, which ``getrusage(RUSAGE_CHILDREN)`` only sees once the forkserver
itself exits, so their time is read from /proc (utime+stime of live descendants,
cutime+cstime of what they reaped, plus RUSAGE_CHILDREN of this process). Peak RSS:
``ru_maxrss`` of this process, and the largest VmHWM of the descendants (the
extraction workers), sampled every 0.2 s.

Each ``Monitor.check()`` starts a new extraction pool (``--pool per-pass``, the
default), as ``monitor check`` does; ``monitor run`` keeps one for its lifetime, which
``--pool daemon`` reproduces by handing every pass the same pool. A new worker pays
twice: it imports the monitor again (on Python 3.11 the forkserver's preloading of
``__main__`` is a no-op, CPython gh-126631), which the script measures once; and the
first page that sends htmldate to dateparser costs it about 1.5 s more while
dateparser compiles the patterns of all its locales.

Prints a Markdown table (medians over the rounds) and writes ``bench/results/pipeline.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import gc
import json
import multiprocessing
import os
import platform
import resource
import socket
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from unittest import mock

from aiohttp import web
from pagegen import CorpusPage, load_corpus, with_chrome

import monitor.app
from monitor.app import Monitor
from monitor.config import DaemonSettings, load_config
from monitor.workers import ExtractionPool

HOST = "127.0.0.1"
RESULTS = Path(__file__).parent / "results" / "pipeline.json"
EXPECTED = frozenset({"unchanged", "not-modified"})
CORES = os.cpu_count() or 1
_TICK = os.sysconf("SC_CLK_TCK")


# -- the page server (its own process) ----------------------------------------------------


@functools.cache
def _corpus() -> list[CorpusPage]:
    return load_corpus()


def render_page(job: tuple[int, int]) -> bytes:
    """Page ``index`` of served round ``served_round``: corpus page index mod 40, new chrome."""
    served_round, index = job
    corpus = _corpus()
    page = corpus[index % len(corpus)]
    return with_chrome(page.html, served_round * 100_000 + index, page.paragraphs).encode()


def serve(control: Connection, watches: int) -> None:
    """Serve ``/p/<i>.html``; on each round number received, render that round, answer."""
    bodies: list[bytes] = []

    async def page(request: web.Request) -> web.Response:
        index = int(request.match_info["index"])
        if index >= len(bodies):
            raise web.HTTPNotFound()
        return web.Response(body=bodies[index], content_type="text/html", charset="utf-8")

    async def main(renderers: Executor) -> None:
        nonlocal bodies
        app = web.Application()
        app.router.add_get(r"/p/{index:\d+}.html", page)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        sock = socket.socket()
        sock.bind((HOST, 0))
        await web.SockSite(runner, sock, backlog=1024).start()
        control.send(sock.getsockname()[1])
        loop = asyncio.get_running_loop()
        while True:
            served_round = await loop.run_in_executor(None, control.recv)
            if served_round is None:
                break
            started = time.perf_counter()
            # Between rounds the monitor is idle: render on every core (not timed).
            jobs = [(served_round, index) for index in range(watches)]
            bodies = list(renderers.map(render_page, jobs, chunksize=16))
            control.send(time.perf_counter() - started)
        await runner.cleanup()

    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(os.cpu_count() or 1, mp_context=context) as renderers:
        asyncio.run(main(renderers))


class PageServer:
    """The page server process, driven round by round from here."""

    def __init__(self, watches: int) -> None:
        context = multiprocessing.get_context("spawn")
        self._control, theirs = context.Pipe()
        # Not a daemon process: it has renderer processes of its own; stop() ends it.
        self.process = context.Process(target=serve, args=(theirs, watches))
        self.process.start()
        self.port: int = self._control.recv()
        self.render_seconds = 0.0

    def url(self, index: int) -> str:
        return f"http://{HOST}:{self.port}/p/{index}.html"

    def serve_round(self, served_round: int) -> None:
        """Switch every page to ``served_round``'s chrome; returns once it is served."""
        self._control.send(served_round)
        self.render_seconds += self._control.recv()

    def cpu_seconds(self) -> float:
        assert self.process.pid is not None
        return _proc_cpu(self.process.pid)

    def stop(self) -> None:
        with contextlib.suppress(OSError):  # it may have died already
            self._control.send(None)
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join()


# -- measuring this process and its descendants -------------------------------------------


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as file:
                found.extend(int(child) for child in file.read().split())
    except OSError:  # it exited meanwhile
        pass
    return found


def descendants(root: int, exclude: int | None) -> list[int]:
    """Every live descendant of ``root``, leaving out ``exclude`` and its own descendants."""
    found, todo = [], [root]
    while todo:
        for child in _children(todo.pop()):
            if child != exclude:
                found.append(child)
                todo.append(child)
    return found


def _proc_cpu(pid: int) -> float:
    """utime + stime + cutime + cstime of a live process, in seconds (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as file:
            fields = file.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(value) for value in fields[11:15]) / _TICK


def _peak_rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as file:
            for line in file:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass(frozen=True)
class CpuClock:
    """CPU seconds so far: this process, and its descendants but the page server."""

    process: float
    children: float

    @classmethod
    def now(cls, server_pid: int | None) -> CpuClock:
        reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
        live = sum(_proc_cpu(pid) for pid in descendants(os.getpid(), server_pid))
        return cls(time.process_time(), reaped.ru_utime + reaped.ru_stime + live)


class RssSampler:
    """Keeps the largest peak RSS (VmHWM) seen among the descendants, per label."""

    def __init__(self, server_pid: int | None, interval: float = 0.2) -> None:
        self.server_pid = server_pid
        self.interval = interval
        self.label = "setup"
        self.peaks: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def sample(self) -> None:
        for pid in descendants(os.getpid(), self.server_pid):
            peak = _peak_rss_kib(pid)
            if peak > self.peaks.get(self.label, 0):
                self.peaks[self.label] = peak

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    @contextlib.contextmanager
    def running(self) -> Iterator[RssSampler]:
        self._thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            self._thread.join()


@dataclass(frozen=True)
class WorkerStart:
    wall_s: float
    cpu_s: float


def start_worker(server_pid: int | None) -> WorkerStart:
    """Start a one-process pool as ``ExtractionPool`` does, up to its first result."""
    before, wall = CpuClock.now(server_pid), time.perf_counter()
    with ExtractionPool(1, DaemonSettings().extract_timeout_seconds) as pool:
        asyncio.run(pool.run(os.getpid))
    wall = time.perf_counter() - wall
    after = CpuClock.now(server_pid)
    return WorkerStart(wall, after.process + after.children - before.process - before.children)


# -- the passes -----------------------------------------------------------------------------


@dataclass
class Pass:
    """One ``Monitor.check()`` over every watch: one round of one mode."""

    mode: str
    """'first', 'monitor' or 'baseline'."""
    served_round: int
    wall_s: float
    cpu_process_s: float
    cpu_children_s: float
    server_cpu_s: float
    outcomes: dict[str, int]
    errors: list[str] = field(default_factory=list)

    @property
    def checks(self) -> int:
        return sum(self.outcomes.values())

    @property
    def unexpected(self) -> int:
        return sum(n for outcome, n in self.outcomes.items() if outcome not in EXPECTED)


def write_config(workdir: Path, server: PageServer, watches: int, concurrency: int) -> Path:
    lines = [
        "[storage]",
        f'url = "sqlite:///{workdir / "monitor.db"}"',
        "",
        "[monitor]",
        f"concurrency = {concurrency}",
        f"per_host = {concurrency}  # every page is on the one local server",
        'allow_internal = ["127.0.0.1"]  # which is refused unless allowed',
        "",
    ]
    for index in range(watches):
        lines += ["[[watch]]", f'url = "{server.url(index)}"', 'every = "1h"', ""]
    path = workdir / "monitor.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def clear_hints(database: Path) -> None:
    """Forget every watch's container, so its next check is a full extraction."""
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE watch SET hint = NULL")
    connection.close()


def hinted_watches(database: Path) -> int:
    with sqlite3.connect(database) as connection:
        (count,) = connection.execute(
            "SELECT count(*) FROM watch WHERE hint IS NOT NULL AND hint != 'null'"
        ).fetchone()
    connection.close()
    return int(count)


def run_pass(
    watcher: Monitor, server: PageServer, sampler: RssSampler, mode: str, served_round: int
) -> Pass:
    server.serve_round(served_round)
    if mode == "baseline":
        clear_hints(Path(watcher.config.storage_url.removeprefix("sqlite:///")))
    sampler.label = mode
    gc.collect()
    server_pid = server.process.pid
    server_cpu = server.cpu_seconds()
    before, wall = CpuClock.now(server_pid), time.perf_counter()
    reports = watcher.check()
    wall = time.perf_counter() - wall
    after = CpuClock.now(server_pid)
    sampler.sample()
    return Pass(
        mode=mode,
        served_round=served_round,
        wall_s=wall,
        cpu_process_s=after.process - before.process,
        cpu_children_s=after.children - before.children,
        server_cpu_s=server.cpu_seconds() - server_cpu,
        outcomes=dict(sorted(Counter(r.outcome for r in reports).items())),
        errors=sorted({f"{r.outcome}: {r.error}" for r in reports if r.error})[:5],
    )


def schedule(rounds: int) -> list[str]:
    """The passes in order: first checks, then monitor and baseline rounds, ABBA."""
    order = ["first"]
    for number in range(1, rounds + 1):
        pair = ["monitor", "baseline"]
        order += pair if number % 2 else pair[::-1]
    return order


# -- reporting ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    rounds: int
    wall_s: float
    wall_min_s: float
    wall_max_s: float
    checks_per_s: float
    cpu_process_ms: float
    cpu_total_ms: float
    server_cpu_share: float
    """The page server's CPU seconds per wall second during the rounds (1.0 = one core)."""
    unexpected: int

    @classmethod
    def of(cls, passes: Sequence[Pass]) -> Summary:
        checks = passes[0].checks
        wall = statistics.median(p.wall_s for p in passes)
        return cls(
            rounds=len(passes),
            wall_s=wall,
            wall_min_s=min(p.wall_s for p in passes),
            wall_max_s=max(p.wall_s for p in passes),
            checks_per_s=checks / wall,
            cpu_process_ms=statistics.median(p.cpu_process_s / p.checks for p in passes) * 1e3,
            cpu_total_ms=statistics.median(
                (p.cpu_process_s + p.cpu_children_s) / p.checks for p in passes
            )
            * 1e3,
            server_cpu_share=statistics.median(p.server_cpu_s / p.wall_s for p in passes),
            unexpected=sum(p.unexpected for p in passes),
        )


def table(summaries: dict[str, Summary]) -> list[str]:
    labels = {
        "first": "first checks (round 0)",
        "monitor": "monitor (fast path)",
        "baseline": "baseline (full extraction)",
    }
    lines = [
        "| pass | rounds | wall s/round | (min–max) | checks/s | CPU ms/check: process | "
        "CPU ms/check: total | outcomes not unchanged |",
        "|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for mode, s in summaries.items():
        unexpected = "–" if mode == "first" else str(s.unexpected)
        lines.append(
            f"| {labels[mode]} | {s.rounds} | {s.wall_s:.2f} "
            f"| {s.wall_min_s:.2f}–{s.wall_max_s:.2f} | {s.checks_per_s:.0f} "
            f"| {s.cpu_process_ms:.2f} | {s.cpu_total_ms:.2f} | {unexpected} |"
        )
    m, b = summaries["monitor"], summaries["baseline"]
    lines.append(
        f"| **monitor ÷ baseline** | | {m.wall_s / b.wall_s:.2f} | "
        f"| {m.checks_per_s / b.checks_per_s:.2f} | {m.cpu_process_ms / b.cpu_process_ms:.2f} "
        f"| {m.cpu_total_ms / b.cpu_total_ms:.2f} | |"
    )
    return lines


class DaemonPool:
    """Stands in for ``ExtractionPool`` (``--pool daemon``): one pool for every pass.

    ``monitor run`` keeps one pool for its lifetime; ``Monitor.check()`` starts one per pass.
    """

    def __init__(self, jobs: int) -> None:
        self._pool = ExtractionPool(jobs, DaemonSettings().extract_timeout_seconds)

    def __call__(self, jobs: int, deadline: float) -> DaemonPool:
        return self

    def __enter__(self) -> ExtractionPool:
        return self._pool

    def __exit__(self, *exc: object) -> None:
        pass

    def close(self) -> None:
        self._pool.__exit__(None, None, None)


@dataclass
class Run:
    passes: list[Pass] = field(default_factory=list)
    hinted: int = 0
    """Watches with a container hint after round 0."""
    peaks_kib: dict[str, int] = field(default_factory=dict)
    render_s: float = 0.0


def run(args: argparse.Namespace, log: Callable[[str], None]) -> Run:
    """Serve the rounds and check each of them with ``Monitor.check()``."""
    result = Run()
    server = PageServer(args.watches)
    try:
        with contextlib.ExitStack() as stack:
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="monitor-bench-")))
            sampler = stack.enter_context(RssSampler(server.process.pid).running())
            if args.pool == "daemon":
                pool = DaemonPool(args.concurrency)
                stack.callback(pool.close)
                stack.enter_context(mock.patch.object(monitor.app, "ExtractionPool", pool))
            config = load_config(write_config(tmp, server, args.watches, args.concurrency))
            watcher = Monitor(config)
            stack.callback(watcher.close)
            for served_round, mode in enumerate(schedule(args.rounds)):
                done = run_pass(watcher, server, sampler, mode, served_round)
                result.passes.append(done)
                log(
                    f"round {served_round} {mode:<8} {done.wall_s:5.2f} s, CPU "
                    f"{done.cpu_process_s:5.2f} s + children {done.cpu_children_s:5.2f} s, "
                    f"server {done.server_cpu_s:4.2f} s; "
                    + ", ".join(f"{k} {v}" for k, v in done.outcomes.items())
                )
                for error in done.errors:
                    log(f"    {error}")
                if mode == "first":
                    result.hinted = hinted_watches(tmp / "monitor.db")
                    log(f"    {result.hinted}/{args.watches} watches have a container hint")
            result.peaks_kib = dict(sampler.peaks)
    finally:
        server.stop()
    result.render_s = server.render_seconds
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--watches", type=int, default=400, help="watches (pages served)")
    parser.add_argument("--rounds", type=int, default=3, help="chrome-only rounds per mode")
    parser.add_argument("--concurrency", type=int, default=16, help="checks at a time")
    parser.add_argument(
        "--pool",
        choices=("per-pass", "daemon"),
        default="per-pass",
        help="per-pass: a new extraction pool in each Monitor.check(), as it does; "
        "daemon: one pool for all passes, as `monitor run` keeps",
    )
    parser.add_argument("--results", type=Path, default=RESULTS, help="the JSON results file")
    args = parser.parse_args(argv)
    if args.watches < 1 or args.rounds < 1 or args.concurrency < 1:
        parser.error("--watches, --rounds and --concurrency must be at least 1")
    started = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f} s] {message}", file=sys.stderr, flush=True)

    start_worker(None)  # the forkserver: started once per process, by the daemon too
    worker = start_worker(None)
    log(f"one extraction worker starts in {worker.wall_s:.2f} s, {worker.cpu_s:.2f} s CPU")
    done = run(args, log)
    peak_self_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    elapsed = time.perf_counter() - started
    summaries = {
        mode: Summary.of([p for p in done.passes if p.mode == mode])
        for mode in ("first", "monitor", "baseline")
    }
    m, b = summaries["monitor"], summaries["baseline"]
    workers = min(args.watches if args.pool == "per-pass" else args.concurrency, CORES)

    print(f"## Pipeline throughput: {args.watches} watches, {args.rounds} chrome-only rounds\n")
    print(
        f"python {platform.python_version()}, {CORES} cores, concurrency {args.concurrency}, "
        f"extraction pool: {args.pool} ({workers} workers), {elapsed:.0f} s in all\n"
    )
    print("\n".join(table(summaries)))
    print(
        "\nMedians over the rounds. CPU process: this process (time.process_time); total: "
        "plus the extraction workers and every other descendant but the page server (/proc).\n"
    )
    print(
        f"- {done.hinted}/{args.watches} watches have a container after round 0 (the others "
        "take a full extraction on every check)."
    )
    print(
        f"- Peak RSS: this process {peak_self_kib / 1024:.0f} MiB; largest descendant "
        + ", ".join(
            f"{k} {done.peaks_kib[k] / 1024:.0f} MiB" for k in summaries if k in done.peaks_kib
        )
        + "."
    )
    print(
        "- Page server CPU per wall second (1.0 = a core): "
        + ", ".join(f"{mode} {s.server_cpu_share:.2f}" for mode, s in summaries.items())
        + f"; it rendered the rounds' pages in {done.render_s:.1f} s (untimed)."
    )
    print(
        f"- A new extraction worker takes {worker.wall_s:.2f} s and {worker.cpu_s:.2f} s CPU "
        "to start (it imports the monitor again)"
        + (f"; each pass starts {workers}." if args.pool == "per-pass" else ".")
    )
    results = {
        "watches": args.watches,
        "rounds": args.rounds,
        "concurrency": args.concurrency,
        "pool": args.pool,
        "pool_workers": workers,
        "python": platform.python_version(),
        "cores": CORES,
        "seconds": round(elapsed, 1),
        "hinted_watches": done.hinted,
        "summary": {mode: asdict(s) for mode, s in summaries.items()},
        "ratio_monitor_to_baseline": {
            "wall_s": m.wall_s / b.wall_s,
            "checks_per_s": m.checks_per_s / b.checks_per_s,
            "cpu_process_ms": m.cpu_process_ms / b.cpu_process_ms,
            "cpu_total_ms": m.cpu_total_ms / b.cpu_total_ms,
        },
        "peak_rss_kib": {"self": peak_self_kib, "descendants": done.peaks_kib},
        "worker_start": asdict(worker),
        "render_seconds": round(done.render_s, 1),
        "passes": [asdict(p) for p in done.passes],
    }
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\nResults: {args.results}")
    unexpected = m.unexpected + b.unexpected
    if unexpected:
        print(f"\n{unexpected} chrome-only check(s) had an outcome other than unchanged")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
