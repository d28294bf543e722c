"""Benchmark: the daemon (`monitor run`) at N watches for a set time, behind nginx.

Run from the checkout, with the venv's python (Linux: it reads /proc)::

    .venv/bin/python bench/daemon.py                              # 10,000 watches, 60 min
    .venv/bin/python bench/daemon.py --watches 2000 --minutes 10
    .venv/bin/python bench/daemon.py --watches 2000 --minutes 10 --noise 0.1

The pages are ``bench/throughput.py``'s: N real corpus pages made unique, served by a
real nginx on 127.0.0.1 (ETag and Last-Modified, so a page that did not change answers
304). Every watch is checked ``--every`` (default 1 minute); the daemon starts on an
empty SQLite database, so its first minutes are first checks (the cold pass), then
conditional requests. With ``--noise F``, a fraction F of the pages get a new ticker (a
clock and a counter outside the article) every ``--every``: checks that fetch and read a
page whose article did not change.

Every ``--sample`` seconds the script records: the checks done so far (rows of the
database's check log), the schedule lag (how long the most overdue watch has been due:
now less the earliest ``next_check_at`` of an enabled watch, 0 if none is due), and the
memory of the daemon and of all its processes together (RSS and PSS, from /proc). It
prints a line per sample, then a table per minute (checks per second, lag, memory) and a
summary over the steady part (after the first checks: from the first sample at which
every watch had a version or an error), with each memory series' slope per hour and
whether it is flat (``bench/soak.py``'s rule: the median of the last quarter exceeds that
of the second by at most 3%, 2 MiB at least). SIGTERM ends the daemon; it must exit 0.
Writes ``bench/results/daemon.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import soak
import throughput

MONITOR = str(Path(sys.executable).with_name("monitor"))
RESULTS = Path(__file__).resolve().parent / "results" / "daemon.json"


def config(database: Path, urls: list[str], every: str) -> str:
    lines = [
        "[monitor]",
        'allow_internal = ["127.0.0.1"]',
        'tick = "1s"',
        "",
        "[storage]",
        f'url = "sqlite:///{database}"',
    ]
    for url in urls:
        lines += ["", "[[watch]]", f'url = "{url}"', f'every = "{every}"']
    return "\n".join(lines) + "\n"


def memory(pid: int) -> dict[str, float]:
    """The daemon's RSS, and RSS and PSS summed over it and its processes, in MiB."""
    pids = [pid, *soak.descendants(pid)]
    rss = pss = 0
    for each in pids:
        r, _, p = throughput._memory_kib(each)
        rss += r
        pss += p
    daemon_rss, _, _ = throughput._memory_kib(pid)
    return {
        "rss_daemon_mib": daemon_rss / 1024,
        "rss_all_mib": rss / 1024,
        "pss_all_mib": pss / 1024,
        "processes": len(pids),
    }


def cpu_seconds(pid: int) -> float:
    """The CPU time (user and system) a process has used so far, from /proc/PID/stat."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # After the command's ")": state is field 3, utime and stime fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def progress(database: Path, now: datetime) -> dict[str, float]:
    """Checks done, watches read at least once, and the schedule lag, from the database."""
    if not database.exists():
        return {"checks": 0, "read": 0, "lag_s": 0.0}
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
        db.execute("PRAGMA busy_timeout = 5000")
        try:
            checks = db.execute("SELECT count(*) FROM check_log").fetchone()[0]
            read = db.execute(
                "SELECT count(*) FROM watch WHERE last_check_at IS NOT NULL"
            ).fetchone()[0]
            earliest = db.execute("SELECT min(next_check_at) FROM watch WHERE enabled").fetchone()[
                0
            ]
        except sqlite3.OperationalError:  # not migrated yet
            return {"checks": 0, "read": 0, "lag_s": 0.0}
    lag = 0.0
    if earliest:
        due = datetime.fromisoformat(earliest).replace(tzinfo=UTC)
        lag = max(0.0, (now - due).total_seconds())
    return {"checks": checks, "read": read, "lag_s": lag}


def run(args: argparse.Namespace, log: Any) -> dict[str, Any]:
    every_s = {"s": 1, "m": 60, "h": 3600}[args.every[-1]] * float(args.every[:-1])
    sources = throughput.load_sources()
    throughput.become_subreaper()
    with tempfile.TemporaryDirectory(prefix="monitor-daemon-") as tmp:
        root = Path(tmp)
        site = throughput.Site(root / "www", sources, args.watches)
        log(f"writing {args.watches} pages")
        site.write(range(args.watches))
        (root / "nginx").mkdir()
        nginx = throughput.Nginx(root / "nginx", site.root)
        database = root / "monitor.db"
        config_path = root / "monitor.toml"
        urls = [nginx.url(i) for i in range(args.watches)]
        config_path.write_text(config(database, urls, args.every), encoding="utf-8")
        noisy = [i for i in range(args.watches) if (i * 7919) % 1000 < args.noise * 1000]
        env = {**os.environ, "HOME": str(root)}
        samples: list[dict[str, float]] = []
        log(f"starting monitor run: {args.watches} watches every {args.every}")
        started = time.monotonic()
        daemon = subprocess.Popen(
            [MONITOR, "--config", str(config_path), "run"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=(root / "daemon.log").open("w"),
            start_new_session=True,
        )
        cpu_before = os.times()  # the daemon's, and its workers' (we reap them: subreaper)
        next_noise = started + every_s
        try:
            while (elapsed := time.monotonic() - started) < args.minutes * 60:
                if daemon.poll() is not None:
                    raise throughput.BenchError(
                        f"the daemon exited early ({daemon.returncode}); see its log:\n"
                        + (root / "daemon.log").read_text()[-2000:]
                    )
                if noisy and time.monotonic() >= next_noise:
                    for index in noisy:
                        site.states[index].tick += 1
                    site.write(noisy)
                    next_noise += every_s
                point = {
                    "t": round(elapsed, 1),
                    **progress(database, datetime.now(UTC)),
                    **memory(daemon.pid),
                    "cpu_daemon_s": cpu_seconds(daemon.pid),
                }
                samples.append(point)
                log(
                    f"{point['t']:7.1f} s  checks {point['checks']:>7}  read "
                    f"{point['read']:>6}/{args.watches}  lag {point['lag_s']:6.1f} s  "
                    f"RSS daemon {point['rss_daemon_mib']:6.1f} MiB, all "
                    f"{point['rss_all_mib']:6.1f} MiB (PSS {point['pss_all_mib']:6.1f})"
                )
                time.sleep(max(0.0, started + len(samples) * args.sample - time.monotonic()))
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.kill(daemon.pid, signal.SIGTERM)
            try:
                status = daemon.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(daemon.pid, signal.SIGKILL)
                status = daemon.wait()
            throughput._reap({nginx.process.pid})
            nginx.stop()
        cpu_after = os.times()
        cpu = (cpu_after.children_user - cpu_before.children_user) + (
            cpu_after.children_system - cpu_before.children_system
        )
        requests = nginx.counts_since(0)
        db_mib = throughput.disk_mib(database)
    return {
        "watches": args.watches,
        "every": args.every,
        "minutes": args.minutes,
        "noise": args.noise,
        "exit_status": status,
        "cpu_s": round(cpu, 1),
        "requests": requests.requests,
        "not_modified": requests.not_modified,
        "db_mib": round(db_mib, 1),
        "samples": samples,
        "load": [round(x, 2) for x in os.getloadavg()],
    }


def per_minute(samples: list[dict[str, float]]) -> list[dict[str, float]]:
    rows = []
    for minute in range(int(samples[-1]["t"] // 60) + 1):
        inside = [s for s in samples if minute * 60 <= s["t"] < (minute + 1) * 60]
        if len(inside) < 2:
            continue
        first, last = inside[0], inside[-1]
        span = last["t"] - first["t"]
        rows.append(
            {
                "minute": minute,
                "checks_per_s": (last["checks"] - first["checks"]) / span if span else 0.0,
                "read": last["read"],
                "lag_max_s": max(s["lag_s"] for s in inside),
                "rss_all_mib": max(s["rss_all_mib"] for s in inside),
                "pss_all_mib": max(s["pss_all_mib"] for s in inside),
                "rss_daemon_mib": max(s["rss_daemon_mib"] for s in inside),
                "processes": max(s["processes"] for s in inside),
            }
        )
    return rows


def summary(result: dict[str, Any]) -> dict[str, Any]:
    samples = result["samples"]
    steady = [s for s in samples if s["read"] >= result["watches"]]
    out: dict[str, Any] = {"first_checks_done_at_s": steady[0]["t"] if steady else None}
    if len(steady) >= 8:
        span = steady[-1]["t"] - steady[0]["t"]
        out["steady_checks_per_s"] = (steady[-1]["checks"] - steady[0]["checks"]) / span
        lags = [s["lag_s"] for s in steady]
        out["lag_median_s"] = statistics.median(lags)
        out["lag_max_s"] = max(lags)
        # The main process's CPU per check (the GIL-bound part: claims, fetches, saves).
        checks = steady[-1]["checks"] - steady[0]["checks"]
        spent = steady[-1]["cpu_daemon_s"] - steady[0]["cpu_daemon_s"]
        out["daemon_cpu_ms_per_check"] = 1000 * spent / checks if checks else None
        hours = [s["t"] / 3600 for s in steady]
        for key in ("rss_daemon_mib", "rss_all_mib", "pss_all_mib"):
            values = [s[key] for s in steady]
            quarter = len(values) // 4
            second = statistics.median(values[quarter : 2 * quarter])
            last = statistics.median(values[3 * quarter :])
            out[key] = {
                "median": statistics.median(values),
                "peak": max(values),
                "slope_per_hour": soak.slope(hours, values),
                "second_to_last_quarter": last - second,
                "flat": last - second <= max(2.0, 0.03 * statistics.median(values)),
            }
    return out


def report(result: dict[str, Any], summarised: dict[str, Any]) -> str:
    lines = [
        f"`monitor run`, {result['watches']:,} watches every {result['every']}, "
        f"{result['minutes']} min, noise {result['noise']:.0%}; exit status "
        f"{result['exit_status']}; {result['requests']:,} requests "
        f"({result['not_modified']:,} answered 304); CPU {result['cpu_s']} s; database "
        f"{result['db_mib']} MiB; load at the end {result['load']}",
        "",
        "| minute | checks/s | watches read | max lag (s) | RSS daemon (MiB) "
        "| RSS all (MiB) | PSS all (MiB) | processes |",
        "|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for row in per_minute(result["samples"]):
        lines.append(
            f"| {row['minute']} | {row['checks_per_s']:.1f} | {row['read']:,} | "
            f"{row['lag_max_s']:.1f} | {row['rss_daemon_mib']:.1f} | {row['rss_all_mib']:.1f} "
            f"| {row['pss_all_mib']:.1f} | {row['processes']:.0f} |"
        )
    lines.append("")
    done = summarised["first_checks_done_at_s"]
    lines.append(
        f"First checks of every watch done after {done:.0f} s."
        if done is not None
        else "The first checks were not done by the end of the run."
    )
    if "steady_checks_per_s" in summarised:
        lines.append(
            f"After them: {summarised['steady_checks_per_s']:.1f} checks/s, schedule lag "
            f"median {summarised['lag_median_s']:.1f} s, max {summarised['lag_max_s']:.1f} s; "
            f"the daemon process's CPU {summarised['daemon_cpu_ms_per_check']:.2f} ms a check."
        )
        for key in ("rss_daemon_mib", "rss_all_mib", "pss_all_mib"):
            s = summarised[key]
            lines.append(
                f"- {key}: median {s['median']:.1f}, peak {s['peak']:.1f}, "
                f"{s['slope_per_hour']:+.1f} MiB/h, second → last quarter "
                f"{s['second_to_last_quarter']:+.1f} MiB: {'flat' if s['flat'] else 'GROWS'}"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--watches", type=int, default=10_000)
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--every", default="1m", help="each watch's interval (default 1m)")
    parser.add_argument("--noise", type=float, default=0.0, help="pages changed per interval")
    parser.add_argument("--sample", type=float, default=5.0, help="seconds between samples")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    began = time.monotonic()

    def log(message: str) -> None:
        print(f"[{time.monotonic() - began:7.1f} s] {message}", file=sys.stderr, flush=True)

    try:
        result = run(args, log)
    except throughput.BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    summarised = summary(result)
    print(report(result, summarised))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({**result, "summary": summarised}, indent=1) + "\n")
    return 0 if result["exit_status"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
