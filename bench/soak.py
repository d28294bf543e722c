"""Soak: the daemon (`monitor run`) for a long run against pages that fail, stall, hang
its extraction and change, sampling its memory, file descriptors, database and event loop.

Run from the checkout, with the venv active (Linux: it reads /proc)::

    python bench/soak.py                    # 30 minutes, 60 watches
    python bench/soak.py --minutes 120      # longer
    python bench/soak.py --short            # a 15-second smoke run (the test suite's)

A page server in its own process (aiohttp) serves ``/p/<i>``; page i behaves by i mod 10:

- 0: alternately 200 and 500 (errors);
- 1: answers after 3 s, past the 2 s fetch timeout, every other time (slow pages);
- 2: a new revision at every fetch (a version and an alert per check);
- 3: alternately 200 and 404 (taken down, back online);
- 4: JSON-LD built to keep the extractor busy past the 3 s extraction deadline (each
  first check of it has its worker killed and replaced; it is never read);
- else: the same article, with a clock and counters in its chrome that change each time.

Every watch is checked every 10 s (the shortest interval), the daemon ticks every second,
and alerts go to a json:// webhook in the same server process. The daemon runs with
``NOTIFY_SOCKET`` and ``WATCHDOG_USEC`` set, as systemd would: it pings the watchdog
from its event loop every 50 ms, and the gap between two pings past that is the loop's
lag. Every ``--every`` seconds the script samples the daemon: RSS of the daemon and of
its worker processes (/proc/PID/status VmRSS), open file descriptors (/proc/PID/fd,
daemon and workers), the number of processes, and the database's size (SQLite file and
WAL). The first fifth of the run (start-up, first versions, workers' imports) is left
out; over the rest, each series gets its median and least-squares slope, and is "flat"
when the median of its last quarter exceeds that of its second quarter by at most 3% of
its median (2 MiB or 2 FDs at least): a leak grows from one to the other, noise
(connections opening and closing) does not. SIGTERM ends the run; the script then checks that the
daemon exited 0 and left no process behind.

Prints a Markdown table and writes ``bench/results/soak.json`` (``--short``: only prints).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
HERE = Path(__file__).resolve().parent
MONITOR = str(Path(sys.executable).with_name("monitor"))
PING_USEC = 100_000
"""WATCHDOG_USEC given to the daemon: it pings every half of it, 50 ms."""
WARM_UP = 0.2

ARTICLE = (
    "<p>The regional council met on Tuesday evening to discuss the new bridge over the "
    "river, which has divided the town for most of the year.</p>"
    "<p>Residents on both banks spoke for and against the plan in a session that lasted "
    "well past midnight, according to the minutes published the next day.</p>"
)


# -- the page server (its own process) ----------------------------------------------------


def page(i: int, revision: str, hits: int) -> str:
    chrome = (
        f"<header><span class='clock'>{hits % 24:02d}:{hits % 60:02d}</span></header>"
        f"<aside><p>{hits * 7} views · {hits} comments</p></aside>"
    )
    return (
        f"<html><head><title>Story {i}</title></head><body>{chrome}<article>"
        f"<h1>Story {i}</h1>{ARTICLE}<p>The clerk said the plan was revised {revision}.</p>"
        f"{ARTICLE}</article></body></html>"
    )


def bomb(i: int) -> str:
    return (
        '<html><head><script type="application/ld+json">'
        + '"author":{' * 8000
        + f"</script></head><body><article><h1>Story {i}</h1>{ARTICLE * 3}</article></body></html>"
    )


def serve(port_file: Path) -> None:
    """The page server: pages by behaviour, and a webhook that counts alerts."""
    from aiohttp import web

    hits: dict[int, int] = {}
    alerts = [0]

    async def one(request: web.Request) -> web.Response:
        i = int(request.match_info["i"])
        n = hits[i] = hits.get(i, 0) + 1
        kind = i % 10
        if kind == 0 and n % 2 == 0:
            return web.Response(status=500, text="<h1>Oops</h1>", content_type="text/html")
        if kind == 1 and n % 2 == 0:
            await asyncio.sleep(3)
        if kind == 3 and n % 2 == 0:
            return web.Response(status=404, text="<h1>Gone</h1>", content_type="text/html")
        if kind == 4:
            return web.Response(text=bomb(i), content_type="text/html")
        revision = f"{n} times" if kind == 2 else "twice"
        return web.Response(text=page(i, revision, n), content_type="text/html")

    async def hook(request: web.Request) -> web.Response:
        await request.read()
        alerts[0] += 1
        return web.json_response({})

    async def count(request: web.Request) -> web.Response:
        return web.json_response({"alerts": alerts[0], "fetches": sum(hits.values())})

    app = web.Application()
    app.add_routes([web.get("/p/{i}", one), web.post("/hook", hook), web.get("/count", count)])

    async def main() -> None:
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, HOST, 0)
        await site.start()
        port = runner.addresses[0][1]
        port_file.write_text(str(port))
        await asyncio.Event().wait()

    asyncio.run(main())


# -- sampling -----------------------------------------------------------------------------


def descendants(pid: int) -> list[int]:
    """The processes below ``pid`` (its workers, their forkserver), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def fds(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


class Watchdog:
    """Receives the daemon's watchdog pings on a datagram socket, as systemd would."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.settimeout(0.5)
        self.pings: list[float] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._listen, daemon=True)
        self._thread.start()

    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.sock.recv(4096)
            except TimeoutError:
                continue
            if b"WATCHDOG=1" in data:
                with self._lock:
                    self.pings.append(time.monotonic())

    def lags_since(self, since: float) -> list[float]:
        """Milliseconds each ping came late after ``since``."""
        interval = PING_USEC / 2_000_000
        with self._lock:
            times = [t for t in self.pings if t >= since]
        return [max(0.0, (b - a - interval) * 1000) for a, b in itertools.pairwise(times)]

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


def sample(pid: int, db: Path) -> dict[str, float]:
    workers = descendants(pid)
    db_bytes = sum(p.stat().st_size for p in db.parent.glob(db.name + "*") if p.is_file())
    return {
        "rss_daemon_mib": rss_mib(pid),
        "rss_workers_mib": sum(rss_mib(w) for w in workers),
        "fds_daemon": fds(pid),
        "fds_all": fds(pid) + sum(fds(w) for w in workers),
        "processes": 1 + len(workers),
        "db_mib": db_bytes / 1024 / 1024,
    }


# -- analysis -----------------------------------------------------------------------------


def slope(xs: list[float], ys: list[float]) -> float:
    """Least-squares slope of ys over xs."""
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den if den else 0.0


FLOOR = {"rss_daemon_mib": 2.0, "rss_workers_mib": 2.0, "fds_daemon": 2.0, "fds_all": 2.0}


def verdicts(samples: list[dict[str, float]]) -> dict[str, dict[str, Any]]:
    """Median, slope per hour and flat or not, for each series past the warm-up."""
    kept = samples[int(len(samples) * WARM_UP) :]
    xs = [s["t"] for s in kept]
    quarter = max(1, len(samples) // 4)
    out: dict[str, dict[str, Any]] = {}
    for key in ("rss_daemon_mib", "rss_workers_mib", "fds_daemon", "fds_all", "processes"):
        ys = [s[key] for s in kept]
        median = statistics.median(ys)
        second = statistics.median(s[key] for s in samples[quarter : 2 * quarter])
        last = statistics.median(s[key] for s in samples[-quarter:])
        allowed = max(0.03 * median, FLOOR.get(key, 0.5))
        out[key] = {
            "median": median,
            "max": max(ys),
            "slope_per_hour": slope(xs, ys) * 3600,
            "growth": last - second,
            "flat": last - second <= allowed,
        }
    db = [s["db_mib"] for s in kept]
    out["db_mib"] = {
        "median": statistics.median(db),
        "max": max(db),
        "slope_per_hour": slope(xs, db) * 3600,
        "flat": None,  # grows by design while a page changes at every check
    }
    return out


# -- the run ------------------------------------------------------------------------------


def write_config(tmp: Path, port: int, watches: int) -> Path:
    config = tmp / "monitor.toml"
    lines = [
        f'[storage]\nurl = "sqlite:///{tmp}/monitor.db"',
        f'[notify]\nurls = ["json://{HOST}:{port}/hook"]',
        "[monitor]",
        'allow_internal = ["127.0.0.1"]',
        'tick = "1s"\ntimeout = "2s"\nextract_timeout = "3s"\nconcurrency = 8\nper_host = 8',
    ]
    for i in range(watches):
        lines.append(f'[[watch]]\nurl = "http://{HOST}:{port}/p/{i}"\nevery = "10s"')
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


def run(
    seconds: float, every: float, watches: int, log: Any, until_alert: float = 0.0
) -> dict[str, Any]:
    """The soak; ``until_alert``: after ``seconds``, go on (up to that many seconds in
    all) until an alert has been delivered, so that a loaded machine's slow start does
    not end a short run before its first alert."""
    tmp = Path(tempfile.mkdtemp(prefix="monitor-soak-"))
    port_file = tmp / "port"
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port_file)])
    daemon = None
    watchdog = Watchdog(tmp / "notify.sock")
    try:
        while not port_file.exists() or not port_file.read_text():
            if server.poll() is not None:
                raise SystemExit("the page server did not start")
            time.sleep(0.05)
        port = int(port_file.read_text())
        config = write_config(tmp, port, watches)
        env = {
            **os.environ,
            "NOTIFY_SOCKET": str(watchdog.path),
            "WATCHDOG_USEC": str(PING_USEC),
            "XDG_STATE_HOME": str(tmp),
        }
        env.pop("WATCHDOG_PID", None)
        log_file = (tmp / "daemon.log").open("wb")
        daemon = subprocess.Popen(
            [MONITOR, "--config", str(config), "run"],
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        started = time.monotonic()
        samples: list[dict[str, float]] = []
        last = started
        while (now := time.monotonic()) - started < seconds or (
            now - started < until_alert and not _counts(port)["alerts"]
        ):
            if daemon.poll() is not None:
                raise SystemExit(f"the daemon exited with {daemon.returncode}; see {tmp}")
            time.sleep(max(0.0, every - (now - last)))
            last = time.monotonic()
            point = sample(daemon.pid, tmp / "monitor.db")
            lags = watchdog.lags_since(last - every)
            point.update(
                t=last - started,
                lag_median_ms=statistics.median(lags) if lags else float("nan"),
                lag_max_ms=max(lags) if lags else float("nan"),
            )
            samples.append(point)
            log(
                f"{point['t']:7.0f}s rss {point['rss_daemon_mib']:6.1f}+"
                f"{point['rss_workers_mib']:6.1f} MiB  fds {point['fds_daemon']:3.0f}/"
                f"{point['fds_all']:3.0f}  procs {point['processes']:.0f}  db "
                f"{point['db_mib']:6.2f} MiB  lag {point['lag_median_ms']:5.1f}/"
                f"{point['lag_max_ms']:6.1f} ms"
            )
        all_lags = watchdog.lags_since(started + seconds * WARM_UP)
        counts = _counts(port)
        daemon.send_signal(signal.SIGTERM)
        status = daemon.wait(60)
        # Workers notice their parent's end on their own: give them a few seconds to.
        deadline = time.monotonic() + 5
        while (leftovers := _session_members(daemon.pid)) and time.monotonic() < deadline:
            time.sleep(0.1)
        log_text = (tmp / "daemon.log").read_text(errors="replace")
        return {
            "seconds": seconds,
            "watches": watches,
            "samples": samples,
            "verdicts": verdicts(samples),
            "lag_ms": {
                "median": statistics.median(all_lags) if all_lags else None,
                "p99": _percentile(all_lags, 0.99),
                "max": max(all_lags) if all_lags else None,
                "pings": len(all_lags),
            },
            "alerts_received": counts["alerts"],
            "fetches": counts["fetches"],
            "exit_status": status,
            "left_behind": len(leftovers),
            "tracebacks": log_text.count("Traceback"),
            "log_lines": len(log_text.splitlines()),
        }
    finally:
        watchdog.close()
        if daemon is not None and daemon.poll() is None:
            daemon.kill()
        if daemon is not None:
            for pid in _session_members(daemon.pid):
                os.kill(pid, signal.SIGKILL)
        server.terminate()
        server.wait()


_COUNT = (
    "import json,sys,urllib.request;"
    "print(urllib.request.urlopen(f'http://127.0.0.1:{sys.argv[1]}/count').read().decode())"
)


def _counts(port: int) -> dict[str, int]:
    """What the page server counted: fetches and alerts received."""
    done = subprocess.run([sys.executable, "-c", _COUNT, str(port)], capture_output=True, text=True)
    return dict(json.loads(done.stdout))


def _session_members(sid: int) -> list[int]:
    """Processes still in the daemon's session (it started one: start_new_session)."""
    members = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.getsid(int(entry)) == sid:
                    members.append(int(entry))
            except OSError:
                continue
    return members


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def report(result: dict[str, Any]) -> str:
    rows = [
        "| series | median | max | slope per hour | 2nd → last quarter | verdict |",
        "|---|--:|--:|--:|--:|---|",
    ]
    names = {
        "rss_daemon_mib": "RSS, daemon (MiB)",
        "rss_workers_mib": "RSS, extraction workers (MiB)",
        "fds_daemon": "open FDs, daemon",
        "fds_all": "open FDs, daemon and workers",
        "processes": "processes",
        "db_mib": "database (MiB)",
    }
    for key, name in names.items():
        v = result["verdicts"][key]
        verdict = {True: "flat", False: "NOT flat", None: "grows (changing pages)"}[v["flat"]]
        growth = f"{v['growth']:+.1f}" if "growth" in v else ""
        rows.append(
            f"| {name} | {v['median']:.1f} | {v['max']:.1f} | {v['slope_per_hour']:+.2f} "
            f"| {growth} | {verdict} |"
        )
    lag = result["lag_ms"]
    rows.append(
        f"\nEvent-loop lag (watchdog pings every {PING_USEC // 2000} ms, {lag['pings']} gaps): "
        f"median {lag['median']:.1f} ms, p99 {lag['p99']:.1f} ms, max {lag['max']:.1f} ms."
    )
    rows.append(
        f"{result['watches']} watches, {result['seconds']:.0f} s, {result['fetches']} fetches, "
        f"{result['alerts_received']} alerts delivered; daemon exit status "
        f"{result['exit_status']}, {result['left_behind']} processes left behind, "
        f"{result['tracebacks']} tracebacks in {result['log_lines']} log lines."
    )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--watches", type=int, default=60)
    parser.add_argument("--every", type=float, default=10.0, help="seconds between samples")
    parser.add_argument("--short", action="store_true", help="a 15-second smoke run")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    seconds, every, watches = args.minutes * 60, args.every, args.watches
    if args.short:
        seconds, every, watches = 15.0, 1.0, 10

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    result = run(seconds, every, watches, log, until_alert=120.0 if args.short else 0.0)
    if args.json:
        print(json.dumps(result))
        return
    print(report(result))
    if not args.short:
        out = HERE / "results" / "soak.json"
        out.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
