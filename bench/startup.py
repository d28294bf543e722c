"""Benchmark: how long a command takes from process start, on an empty database, at
10,000 watches, and on a big history.

Run from the checkout, with the venv active::

    python bench/startup.py                  # 7 rounds, 10,000 watches, ~1.5 minutes
    python bench/startup.py --rounds 5 --watches 2000
    python bench/startup.py --history /tmp/history.db   # and on bench/history.py's database
    python bench/startup.py --history postgresql+psycopg://postgres@127.0.0.1:5432/bench

SQLite databases are made in a temp dir: one empty (migrated), one with N watches
(Core inserts, as ``monitor add`` would leave them: never checked), of which one has
50 versions of a ~60-paragraph article (stored through ``Storage.save_check``). Each
round runs, one after the other, every command below as the installed ``monitor``
script in a new process, and ``python -c pass`` as the floor; the time is the wall
time from spawning the process to its exit. Medians over the rounds are printed, with
each command's ratio to ``python -c pass`` measured in the same rounds. A first round,
not timed, lets Python cache every module's bytecode as an installed package has it
(``PYTHONDONTWRITEBYTECODE`` is dropped: with it, each start compiles monitor's modules
again).

``--history FILE`` (or ``--history URL``, a PostgreSQL one) also times `list`,
`history`, `show` and `diff` (the last two, and the first against the middle one) on the
first watch of a database ``bench/history.py --keep FILE`` (or ``--url URL``) built
(1,000 watches × 1,000 versions by default), and its `search` and `changes --since 1d
--limit 0`.

``monitor check --all`` on a third database of N watches, served by a local HTTP server
in this process, is timed from spawning it to the first request reaching the server
(its start-up: config, schema, claiming every watch, the HTTP client), then killed;
the next round's run takes the dead process's leases at once (it ran on this host).

``--before DIR`` times an older commit in the same rounds, each command run again right
after with DIR (a directory holding that commit's ``monitor`` package, e.g. from ``git
archive COMMIT monitor | tar -x -C DIR``) first on ``PYTHONPATH``: both columns then
share the machine's load.

``--imports`` also prints, for each command, which of the heavy packages (trafilatura,
htmldate, Apprise, Alembic, httpx, the PostgreSQL dialect) its process imported, read
from ``python -X importtime``.
"""

from __future__ import annotations

import argparse
import http.server
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from history import SENTENCE  # bench/history.py, beside this file
from sqlalchemy import insert

from monitor.models import Article, CheckOutcome, NewVersion
from monitor.schema import WatchRow
from monitor.storage import Storage

HEAVY = ("trafilatura", "htmldate", "apprise", "alembic", "httpx", "sqlalchemy.dialects.postgresql")
HISTORY_URL = "https://example.org/news/0"
BIG_HISTORY_URL = "https://news.example/0/story"
"""The first watch of ``bench/history.py``'s database."""


def make_database(path: Path, watches: int, base: str = "https://example.org/news/") -> str:
    """A migrated SQLite database with ``watches`` watches (URLs ``base`` + a number);
    when ``base`` is the default, the first has 50 versions."""
    url = f"sqlite:///{path}"
    storage = Storage(url)
    storage.migrate()
    now = datetime.now(UTC)
    if watches:
        rows = [
            {
                "url": f"{base}{i}",
                "name": "",
                "every": "1h",
                "notify": [],
                "options": {},
                "source": "cli",
                "enabled": True,
                "state": "active",
                "created_at": now,
                "next_check_at": now,
                "error_count": 0,
            }
            for i in range(watches)
        ]
        with storage.engine.begin() as connection:
            connection.execute(insert(WatchRow), rows)
    if watches and HISTORY_URL.startswith(base):
        watch = storage.get_watch(HISTORY_URL)
        paragraphs = [f"Paragraph {p} of the story, as it was first told." for p in range(60)]
        for n in range(50):
            paragraphs[n % 60] = f"Paragraph {n % 60}, edited for the {n}th time."
            at = now + timedelta(minutes=n)
            article = Article(title=f"Story {n}", paragraphs=tuple(paragraphs))
            html = f"<html><body>{''.join(paragraphs)}</body></html>".encode()
            version = NewVersion(article=article, raw_html=html, kind="edit" if n else "first")
            outcome = CheckOutcome(at=at, outcome=version.kind, next_check_at=at, version=version)
            storage.save_check(watch.id, "bench", outcome)
    storage.close()
    return url


def config_for(directory: Path, url: str, name: str) -> Path:
    path = directory / f"{name}.toml"
    path.write_text(f'[storage]\nurl = "{url}"\n')
    return path


def monitor_command() -> list[str]:
    script = Path(sys.executable).parent / "monitor"
    return [str(script)] if script.exists() else [sys.executable, "-m", "monitor.cli"]


def timed(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed: {done.stderr.decode(errors='replace')}")
    return elapsed


def big_history(where: str, directory: Path, monitor: list[str]) -> dict[str, list[str]]:
    """The commands timed on ``bench/history.py``'s database (a SQLite file, or the URL
    given to its ``--url``): its first watch's versions, a search and the changes."""
    sizes = (
        "SELECT count(DISTINCT watch_id), count(*) FROM version",
        "SELECT count(*) FROM version WHERE watch_id = (SELECT id FROM watch WHERE url = ?)",
    )
    if "://" in where:
        import psycopg

        url = where
        with psycopg.connect(url.replace("+psycopg", "")) as connection:
            watches, versions = connection.execute(sizes[0]).fetchone() or (0, 0)
            sized = connection.execute(sizes[1].replace("?", "%s"), (BIG_HISTORY_URL,))
            (count,) = sized.fetchone() or (0,)
    else:
        url = f"sqlite:///{Path(where).resolve()}"
        with sqlite3.connect(f"file:{where}?mode=ro", uri=True) as database:
            watches, versions = database.execute(sizes[0]).fetchone()
            (count,) = database.execute(sizes[1], (BIG_HISTORY_URL,)).fetchone()
    config = config_for(directory, url, "history")
    size = f"{watches:,} × {versions // max(watches, 1):,}"
    base = [*monitor, "--config", str(config)]
    return {
        f"monitor list ({size} versions)": [*base, "list"],
        f"monitor history ({count:,} versions; {size})": [*base, "history", BIG_HISTORY_URL],
        f"monitor show (latest; {size})": [*base, "show", BIG_HISTORY_URL],
        f"monitor diff (last two; {size})": [*base, "diff", BIG_HISTORY_URL],
        f"monitor diff (1 and {count // 2}; {size})": [
            *base,
            "diff",
            BIG_HISTORY_URL,
            "1",
            str(count // 2),
        ],
        f'monitor search "{SENTENCE[:20]}…" ({size})': [*base, "search", SENTENCE],
        f"monitor changes --since 1d --limit 0 ({size})": [
            *base,
            "changes",
            "--since",
            "1d",
            "--limit",
            "0",
        ],
    }


class FirstRequest(http.server.BaseHTTPRequestHandler):
    """Answers every GET with a small page, and marks the first one's arrival."""

    arrived = threading.Event()

    def do_GET(self) -> None:
        FirstRequest.arrived.set()
        body = b"<html><body><p>A page.</p></body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def until_first_request(argv: list[str], env: dict[str, str]) -> float:
    """Seconds from spawning ``argv`` to the first request it makes; it is then killed,
    with its worker processes."""
    FirstRequest.arrived.clear()
    started = time.perf_counter()
    process = subprocess.Popen(
        argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    while not FirstRequest.arrived.wait(0.001):
        if process.poll() is not None:
            assert process.stderr is not None
            sys.exit(f"{' '.join(argv)} ended before any request: {process.stderr.read()!r}")
    elapsed = time.perf_counter() - started
    os.killpg(process.pid, signal.SIGKILL)
    process.communicate()
    return elapsed


def imported(args: list[str], env: dict[str, str]) -> list[str]:
    """The heavy packages ``monitor ARGS`` imports (by ``-X importtime``)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "monitor.cli", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    names = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()}
    return [name for name in HEAVY if name in names]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--watches", type=int, default=10_000)
    parser.add_argument("--imports", action="store_true", help="list the heavy imports too")
    parser.add_argument(
        "--history",
        metavar="FILE|URL",
        help="a database bench/history.py built (its --keep FILE, or its --url)",
    )
    parser.add_argument(
        "--before", type=Path, metavar="DIR", help="time DIR's monitor package in the same rounds"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="monitor-startup-") as temp:
        directory = Path(temp)
        env = {**os.environ, "HOME": temp, "XDG_STATE_HOME": temp}
        env.pop("MONITOR_CONFIG", None)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FirstRequest)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        made = time.perf_counter()
        empty = config_for(directory, make_database(directory / "empty.db", 0), "empty")
        full = config_for(directory, make_database(directory / "full.db", args.watches), "full")
        served = f"http://127.0.0.1:{server.server_address[1]}/"
        checked = config_for(
            directory, make_database(directory / "check.db", args.watches, served), "check"
        )
        with checked.open("a") as config:
            config.write('[monitor]\nallow_internal = ["127.0.0.1"]\n')
        made = time.perf_counter() - made
        started_load = f"{os.getloadavg()[0]:.1f}"
        monitor = monitor_command()
        many = f"{args.watches:,}"
        commands: dict[str, list[str]] = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "monitor --help": [*monitor, "--help"],
            "monitor list (empty)": [*monitor, "--config", str(empty), "list"],
            f"monitor list ({many} watches)": [*monitor, "--config", str(full), "list"],
            f"monitor history (50 versions; {many} watches)": [
                *monitor,
                "--config",
                str(full),
                "history",
                HISTORY_URL,
            ],
            "monitor show (latest version)": [*monitor, "--config", str(full), "show", HISTORY_URL],
            "monitor diff (last two)": [*monitor, "--config", str(full), "diff", HISTORY_URL],
            "monitor diff (1 and 25)": [
                *monitor,
                "--config",
                str(full),
                "diff",
                HISTORY_URL,
                "1",
                "25",
            ],
        }
        if args.history:
            commands.update(big_history(args.history, directory, monitor))
        check_all = f"monitor check --all ({many} watches), until its first request"
        envs = {"after": env}
        if args.before:
            envs["before"] = {**env, "PYTHONPATH": str(args.before.resolve())}
        times: dict[str, dict[str, list[float]]] = {
            name: {which: [] for which in envs} for name in [*commands, check_all]
        }
        check = [*monitor, "--config", str(checked), "check", "--all"]
        for index in range(args.rounds + 1):
            for name, argv in commands.items():
                for which, environment in envs.items():
                    elapsed = timed(argv, environment)
                    if index:  # the first writes the bytecode caches
                        times[name][which].append(elapsed)
            for which, environment in envs.items():
                elapsed = until_first_request(check, environment)
                if index:
                    times[check_all][which].append(elapsed)
        server.shutdown()
        floor = statistics.median(times["python -c pass"]["after"])
        print(
            f"{args.rounds} rounds, python {sys.version.split()[0]}, {os.cpu_count()} cores, "
            f"load average {started_load} at the start, {os.getloadavg()[0]:.1f} at the end; "
            f"databases made in {made:.0f} s\n"
        )
        print(f"`python -c pass`: {floor * 1000:.0f} ms (median)\n")
        columns = [which for which in ("before", "after") if which in envs]
        print(
            "| command | "
            + " | ".join(f"{w} (ms) | {w} min–max | {w} ÷ python -c pass" for w in columns)
            + " |"
        )
        print("|---|" + "--:|--:|--:|" * len(columns))
        for name, by_env in times.items():
            cells = []
            for which in columns:
                samples = by_env[which]
                median = statistics.median(samples)
                cells += [
                    f"{median * 1000:.0f}",
                    f"{min(samples) * 1000:.0f}–{max(samples) * 1000:.0f}",
                    f"{median / floor:.1f}",
                ]
            print(f"| {name} | " + " | ".join(cells) + " |")
        if args.imports:
            print()
            for name, argv in commands.items():
                if argv[: len(monitor)] == monitor:
                    heavy = imported(argv[len(monitor) :], env)
                    print(f"{name}: {', '.join(heavy) or 'none of them'}")


if __name__ == "__main__":
    main()
