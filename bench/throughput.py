"""Benchmark: pages per second, side by side with urlwatch, on real pages behind nginx.

Run from the checkout, with the venv's python (Linux: it reads /proc)::

    .venv/bin/python bench/throughput.py                     # 2,000 pages, 1 run
    .venv/bin/python bench/throughput.py --pages 500 --repeats 3
    .venv/bin/python bench/throughput.py --pages 200 --per-host 8
    .venv/bin/python bench/throughput.py --pages 500 --profile /tmp/prof   # cProfile files
    .venv/bin/python bench/throughput.py --daemon --watches 10000 --minutes 60

``--daemon`` is the second mode: ``monitor run`` at N watches of these pages for a set
time, reporting checks per second, schedule lag, memory and CPU over time (``daemon.py``,
which takes the rest of the arguments; ``--daemon --help`` lists them).

Pages: the 79 real pages of ``/work/shared/corpus`` (news-pages and web-pages, each
``source.html``), page i being corpus page i mod 79, made unique: its ``<h1>`` and
``<title>`` end in "copy i", one sentence naming copy i ends a paragraph of the article
(of the paragraphs of 80 characters or more that ``expected.html``, the reader-mode
article, holds too, the middle one; ``--edit-at first``: the first; on a page without
one, it follows the longest text they share), and a ticker (a clock and a
readers-online counter) opens its ``<body>``, outside the article. They are
written to a temp dir and served by a real nginx on 127.0.0.1 (Debian's ``nginx``,
installed with apt-get when missing and the script runs as root; the config is generated
in the temp dir, run as the current user with ``-p``, ``etag on; if_modified_since
before;``, an access log of status codes that the script counts).

Passes, each run by both tools on the same bytes (urlwatch first, then the monitor):

- **cold**: the first check of every page (the monitor stores each page and its quick
  reading; the full reading of the article waits);
- **read** (``--read``, the monitor alone): ``monitor read``, the full reading of the
  pages the cold pass stored, as the daemon does while idle; without ``--read`` the
  noise pass, the next fetch of each page, does it before comparing. The table then adds
  a "cold + read" row: both passes' time and CPU against urlwatch's cold pass;
- **warm**: nothing changed; nginx answers 304 to a tool that sends its validators;
- **noise**: every page's ticker changed (its clock and counter), the article did not;
- **edit**: every page's ticker changed again, and on every tenth page (10%) one word of
  the added sentence changed (the desk that keeps it): one sentence of the article.

A written page gets a modification time later than any check before it (the script
waits out the second), so ETag and Last-Modified move exactly when the bytes do.

urlwatch 2.29 is installed from PyPI into its own venv under
``~/.cache/monitor-bench/urlwatch-2.29`` (once), and runs with a url job per page, each
with an ``html2text`` filter (its default method, ``re``: the tags stripped), its own
``--urls``, ``--config`` (every reporter off but stdout, no colour), ``--cache`` and
``--hooks`` in the temp dir, and HOME pointing there too. Its alerts are the jobs its
report lists as CHANGED.

The monitor runs as ``monitor --config FILE check --all --json``, from this venv: the
config lists the pages as ``[[watch]]`` entries, keeps its SQLite database in the temp
dir, allows ``127.0.0.1`` (``allow_internal``), and sends alerts to a ``json://``
webhook served by this process (its requests are counted). ``monitor migrate`` sets the
database up before the cold pass (not timed). Its alerts are the ``alerts`` of the
reports (and must equal the webhook's count). ``per_host`` is the monitor's default (2)
unless ``--per-host`` says otherwise: every page lives on one host, so at most that many
requests are in flight; urlwatch has no such limit (10 threads).

For each pass and tool: wall time from spawning the command to its exit; CPU time of
all its processes (``getrusage(RUSAGE_CHILDREN)`` deltas; this process is a child
subreaper, so the monitor's extraction workers, grandchildren through the forkserver,
are reaped here if their parent goes first, and counted); pages per second; the peak
memory of all its processes together, sampled every 0.1 s over the process tree, as PSS
(each shared page split between the processes sharing it: forked workers share much of
the parent's memory, which a sum of RSS would count again in each) and as a sum of RSS
(in the JSON), and the largest single process's peak RSS (VmHWM); nginx's requests and
304s (the access log's lines written during the run); alerts; the size on disk of the
tool's database or cache (SQLite file, WAL and journal) after the pass. Nothing else
should run: the load average at start and end is recorded.

Prints a Markdown table (medians over the repeats, each repeat a fresh temp dir, fresh
databases) with the ratios monitor / urlwatch, and writes
``bench/results/throughput.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import html
import http.server
import json
import math
import os
import platform
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
HERE = Path(__file__).resolve().parent
CORPUS = Path("/work/shared/corpus")
RESULTS = HERE / "results" / "throughput.json"
MONITOR = str(Path(sys.executable).with_name("monitor"))
URLWATCH_VERSION = "2.29"
URLWATCH_VENV = Path.home() / ".cache" / "monitor-bench" / f"urlwatch-{URLWATCH_VERSION}"
PASSES = ("cold", "read", "warm", "noise", "edit")
"""'read' (``--read``, the monitor alone): ``monitor read``, the full reading of the pages
the cold pass stored with their quick reading, as the daemon does while idle."""
TOOLS = ("urlwatch", "monitor")
EDIT_EVERY = 10
"""Every tenth page is edited in the edit pass (10%)."""
DESKS = ("city", "foreign", "science", "business", "culture", "sports", "weather")
SAMPLE_EVERY = 0.1
MONITOR_PER_HOST_DEFAULT = 2
"""``per_host`` when the config does not set it (``config/monitor.toml``)."""


class BenchError(Exception):
    """A reason the benchmark cannot run, said in one line."""


# -- pages (pure) ---------------------------------------------------------------------------

_PARAGRAPH = re.compile(r"<p\b[^>]*>(.*?)</p\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
_BODY = re.compile(r"<body\b[^>]*>", re.IGNORECASE)
_H1_END = re.compile(r"</h1\s*>", re.IGNORECASE)
_TITLE_END = re.compile(r"</title\s*>", re.IGNORECASE)


@dataclass(frozen=True)
class Source:
    """A corpus page and where the benchmark writes into it (offsets in ``html``)."""

    name: str
    html: str
    paragraph_end: int
    """Just before the ``</p>`` of an article paragraph: the added sentence goes here."""
    body_start: int
    """Just after ``<body ...>`` (0 if none): the ticker goes here."""
    h1_end: int | None
    title_end: int | None


@dataclass
class PageState:
    """How often a page's chrome (``tick``) and its article (``revision``) changed."""

    tick: int = 0
    revision: int = 0


def _text(fragment: str) -> str:
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", fragment))).strip()


def article_paragraph_end(source: str, expected: str, at: str = "middle") -> int:
    """Offset of the ``</p>`` closing an article paragraph of ``source``, among those of
    80 characters or more whose text opens a paragraph of ``expected`` (the reader-mode
    article): the middle one, or with ``at="first"`` the first (often a standfirst, a
    summary or a caption); else the longest paragraph of the page."""
    wanted = {t[:60] for m in _PARAGRAPH.finditer(expected) if len(t := _text(m[1])) >= 80}
    paragraphs = list(_PARAGRAPH.finditer(source))
    matches = [m for m in paragraphs if _text(m[1])[:60] in wanted]
    if matches:
        return matches[0 if at == "first" else len(matches) // 2].end(1)
    # No <p> of the article (a <pre> document): after the article's longest run of text.
    runs = sorted((r.strip() for r in _TAG.split(expected)), key=len, reverse=True)
    for run in runs:
        if len(run) < 40:
            break
        if (found := source.find(run)) >= 0:
            return found + len(run)
    if not paragraphs:
        raise BenchError("a corpus page has neither an article paragraph nor a <p>")
    return max(paragraphs, key=lambda m: len(m[1])).end(1)


def make_source(name: str, source: str, expected: str, at: str = "middle") -> Source:
    """A corpus page, with the offsets where the benchmark writes into it."""
    body = _BODY.search(source)
    h1 = _H1_END.search(source)
    title = _TITLE_END.search(source)
    return Source(
        name=name,
        html=source,
        paragraph_end=article_paragraph_end(source, expected, at),
        body_start=body.end() if body else 0,
        h1_end=h1.start() if h1 else None,
        title_end=title.start() if title else None,
    )


def load_sources(corpus: Path = CORPUS, at: str = "middle") -> list[Source]:
    """The corpus pages, news pages then web pages, by name."""
    sources = []
    for kind in ("news-pages", "web-pages"):
        for folder in sorted((corpus / kind).iterdir()):
            page = folder / "source.html"
            if page.is_file():
                raw = page.read_bytes().decode("utf-8", "surrogateescape")
                expected = (folder / "expected.html").read_text("utf-8", "replace")
                sources.append(make_source(f"{kind}/{folder.name}", raw, expected, at))
    if not sources:
        raise BenchError(f"no corpus pages under {corpus}/news-pages or web-pages")
    return sources


def ticker(index: int, tick: int) -> str:
    """Chrome outside the article: a clock and a readers-online counter, moved by ``tick``."""
    minutes = (index * 7 + tick * 13) % 1440
    readers = 10_000 + (index * 7919 + tick * 104_729) % 90_000
    return (
        f'<div class="site-ticker"><span class="clock">{minutes // 60:02d}:{minutes % 60:02d}'
        f'</span> <span class="readers">{readers:,} readers online</span></div>'
    )


def sentence(index: int, revision: int) -> str:
    """The sentence that makes page ``index`` unique; an edit changes its desk."""
    return f" This report is kept as copy {index} by the {DESKS[revision % len(DESKS)]} desk."


def render(source: Source, index: int, state: PageState) -> bytes:
    """Page ``index`` as served: ``source`` made unique, in the state ``state``."""
    inserts = [
        (source.body_start, ticker(index, state.tick)),
        (source.paragraph_end, sentence(index, state.revision)),
    ]
    for offset in (source.h1_end, source.title_end):
        if offset is not None:
            inserts.append((offset, f" copy {index}"))
    page = source.html
    for offset, text in sorted(inserts, key=lambda insert: insert[0], reverse=True):
        page = page[:offset] + text + page[offset:]
    return page.encode("utf-8", "surrogateescape")


def edited(index: int) -> bool:
    """Whether page ``index`` is among the 10% the edit pass edits."""
    return index % EDIT_EVERY == EDIT_EVERY // 2


# -- nginx (config and log: pure) ------------------------------------------------------------


def nginx_config(prefix: Path, root: Path, port: int, *, user: str | None = None) -> str:
    """nginx's config: one worker, ``root`` served on 127.0.0.1:``port``, validators on,
    an access log of ``status uri`` lines, every path under ``prefix``."""
    user_line = f"user {user};\n" if user else ""
    return f"""{user_line}worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    types {{ text/html html; }}
    default_type application/octet-stream;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    log_format bench '$status $request_uri';
    access_log {prefix}/access.log bench;
    sendfile on;
    keepalive_requests 100000;
    etag on;
    if_modified_since before;
    server {{
        listen {HOST}:{port};
        root {root};
    }}
}}
"""


@dataclass
class LogCounts:
    """Requests in a slice of nginx's access log, by status."""

    requests: int = 0
    statuses: dict[str, int] = field(default_factory=dict)

    @property
    def not_modified(self) -> int:
        return self.statuses.get("304", 0)


def count_log(lines: Sequence[str]) -> LogCounts:
    """Requests and their statuses in ``status uri`` access-log lines."""
    statuses: Counter[str] = Counter()
    for line in lines:
        status = line.split(" ", 1)[0].strip()
        if status:
            statuses[status] += 1
    return LogCounts(sum(statuses.values()), dict(sorted(statuses.items())))


def _nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/sbin/nginx") if os.access(p, os.X_OK)), None
    )


def _install_nginx() -> str:
    """Debian's nginx, installed once (as root, with apt-get), as CI installs Chromium."""
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise BenchError(
            "nginx is not installed: install Debian's package with "
            "`apt-get install -y nginx` (as root), then run this again"
        )
    print("installing Debian's nginx (once)", file=sys.stderr, flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "nginx"]):
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0 and command[1] == "install":
            raise BenchError(f"apt-get could not install nginx: {done.stderr.strip()[-300:]}")
    binary = _nginx_binary()
    if binary is None:
        raise BenchError("apt-get installed nginx, but no nginx binary is on the PATH")
    return binary


class Nginx:
    """A real nginx serving ``root`` on 127.0.0.1, from a config in ``prefix``."""

    def __init__(self, prefix: Path, root: Path) -> None:
        binary = _nginx_binary() or _install_nginx()
        self.prefix = prefix
        self.port = _free_port()
        user = None
        if os.geteuid() == 0:  # workers would switch to nobody, who cannot read the temp dir
            import grp
            import pwd

            user = f"{pwd.getpwuid(os.getuid()).pw_name} {grp.getgrgid(os.getgid()).gr_name}"
        config = prefix / "nginx.conf"
        config.write_text(nginx_config(prefix, root, self.port, user=user))
        self.log = prefix / "access.log"
        self.process = subprocess.Popen(
            [binary, "-p", str(prefix), "-c", str(config), "-e", str(prefix / "error.log")],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(OSError), socket.create_connection((HOST, self.port), 0.2):
                break
            if self.process.poll() is not None or time.monotonic() > deadline:
                error = self.process.stderr.read().decode() if self.process.stderr else ""
                self.stop()
                raise BenchError(f"nginx did not start: {error.strip() or 'no answer'}")
            time.sleep(0.05)

    def url(self, index: int) -> str:
        return f"http://{HOST}:{self.port}/p/{index}.html"

    def log_offset(self) -> int:
        return self.log.stat().st_size if self.log.exists() else 0

    def counts_since(self, offset: int) -> LogCounts:
        with self.log.open("rb") as log:
            log.seek(offset)
            return count_log(log.read().decode().splitlines())

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if self.process.stderr:
            self.process.stderr.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


# -- the pages on disk ------------------------------------------------------------------------


class Site:
    """N pages on disk, in their states; each write moves their modification time."""

    def __init__(self, root: Path, sources: Sequence[Source], pages: int) -> None:
        self.root = root
        self.sources = sources
        self.states = [PageState() for _ in range(pages)]
        self.mtime = 0
        (root / "p").mkdir(parents=True)

    def path(self, index: int) -> Path:
        return self.root / "p" / f"{index}.html"

    def write(self, indexes: Sequence[int]) -> None:
        """Write pages ``indexes``, with a modification time later than any check before
        (and wait for the clock to pass it, so no check after gets it wrong)."""
        self.mtime = max(self.mtime + 1, math.ceil(time.time()))
        for index in indexes:
            source = self.sources[index % len(self.sources)]
            path = self.path(index)
            path.write_bytes(render(source, index, self.states[index]))
            os.utime(path, (self.mtime, self.mtime))
        while time.time() < self.mtime + 1.05:
            time.sleep(0.05)

    def name(self, index: int) -> str:
        """Page ``index`` and the corpus page it copies."""
        return f"{index} ({self.sources[index % len(self.sources)].name})"

    def prepare(self, pass_name: str) -> list[int]:
        """Change the pages for ``pass_name``; return the pages whose article was edited."""
        everything = range(len(self.states))
        if pass_name == "cold":
            self.write(everything)
            return []
        if pass_name == "warm":
            return []
        for state in self.states:
            state.tick += 1
        edits = [i for i in everything if edited(i)] if pass_name == "edit" else []
        for index in edits:
            self.states[index].revision += 1
        self.write(everything)
        return edits


# -- running a tool and measuring it ----------------------------------------------------------


@dataclass
class Run:
    """One command's cost, all its processes together."""

    wall_s: float
    cpu_s: float
    peak_pss_mib: float
    peak_rss_mib: float
    peak_rss_largest_mib: float
    returncode: int
    stdout: str
    stderr: str


def become_subreaper() -> None:
    """Orphans of our children (the monitor's forkserver and its workers) become ours, so
    their CPU reaches ``RUSAGE_CHILDREN`` when we reap them."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


def _descendants(keep_out: set[int]) -> list[int]:
    """Every process below this one, but the trees rooted at ``keep_out`` (nginx)."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found: list[int] = []
    todo = [p for p in children.get(os.getpid(), []) if p not in keep_out]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(p for p in children.get(pid, []) if p not in keep_out)
    return found


def _memory_kib(pid: int) -> tuple[int, int, int]:
    """(VmRSS, VmHWM, Pss) of ``pid`` in KiB, 0 if it is gone."""
    rss = hwm = pss = 0
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1])
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                pss = int(line.split()[1])
                break
    return rss, hwm, pss


def _reap(keep_out: set[int]) -> None:
    """Wait for orphans reparented to us (not nginx), so their CPU is counted."""
    deadline = time.monotonic() + 10
    while (pids := _descendants(keep_out)) and time.monotonic() < deadline:
        for pid in pids:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
        time.sleep(0.02)


def measure(command: Sequence[str], env: dict[str, str], keep_out: set[int]) -> Run:
    """Run ``command`` to its end; its wall time, CPU and memory, all processes together."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_pss = peak_rss = largest = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_pss, peak_rss, largest
        while not done.is_set():
            total_pss = total_rss = 0
            for pid in _descendants(keep_out):
                rss, hwm, pss = _memory_kib(pid)
                total_rss += rss
                total_pss += pss
                largest = max(largest, hwm)
            peak_pss = max(peak_pss, total_pss)
            peak_rss = max(peak_rss, total_rss)
            done.wait(SAMPLE_EVERY)

    started = time.perf_counter()
    process = subprocess.Popen(
        list(command),
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        stdout, stderr = process.communicate()
    except BaseException:  # Ctrl-C, SIGTERM: the tool and all its processes go too
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        done.set()
        raise
    wall = time.perf_counter() - started
    _reap(keep_out)
    done.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(
        wall,
        cpu,
        peak_pss / 1024,
        peak_rss / 1024,
        largest / 1024,
        process.returncode,
        stdout,
        stderr,
    )


def disk_mib(path: Path) -> float:
    """Size of an SQLite database with its WAL, shared memory and journal files."""
    files = [path, *(path.with_name(path.name + s) for s in ("-wal", "-shm", "-journal"))]
    return sum(f.stat().st_size for f in files if f.exists()) / 2**20


# -- urlwatch --------------------------------------------------------------------------------

_SUMMARY = re.compile(r"^\d+\. (CHANGED|ERROR): p(\d+)$", re.MULTILINE)


def urlwatch_alerts(report: str) -> tuple[set[int], int]:
    """(pages changed, errors) in urlwatch's text report, from its numbered summary lines
    (job ``p<i>`` is page i)."""
    found = _SUMMARY.findall(report)
    return {int(i) for verb, i in found if verb == "CHANGED"}, sum(v == "ERROR" for v, _ in found)


def ensure_urlwatch(venv: Path = URLWATCH_VENV) -> Path:
    """The ``urlwatch`` script of urlwatch 2.29 in its own venv, installed once."""
    script = venv / "bin" / "urlwatch"
    if script.exists():
        return script
    print(f"installing urlwatch {URLWATCH_VERSION} into {venv} (once)", file=sys.stderr)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
        subprocess.run(
            [str(venv / "bin" / "pip"), "install", "-q", f"urlwatch=={URLWATCH_VERSION}"],
            check=True,
            capture_output=True,
            text=True,
        )
    except subprocess.CalledProcessError as error:
        shutil.rmtree(venv, ignore_errors=True)
        last = (error.stderr or "").strip().splitlines()[-1:] or ["no output"]
        raise BenchError(
            f"cannot install urlwatch {URLWATCH_VERSION} from PyPI into {venv}: {last[0]}"
        ) from error
    return script


def urlwatch_jobs(urls: Sequence[str]) -> str:
    """urlwatch's ``urls.yaml``: one url job per URL, with an ``html2text`` filter."""
    return "---\n".join(
        f"name: p{i}\nurl: {url}\nfilter:\n  - html2text\n" for i, url in enumerate(urls)
    )


URLWATCH_CONFIG = """\
report:
  stdout:
    enabled: true
    color: false
"""
"""Merged by urlwatch over its defaults, in which every other reporter is off."""


# -- monitor ---------------------------------------------------------------------------------


def monitor_config(
    database: Path, hook_port: int, urls: Sequence[str], per_host: int | None
) -> str:
    """The monitor's TOML config: SQLite in the temp dir, loopback allowed, the webhook."""
    lines = [
        "[monitor]",
        'allow_internal = ["127.0.0.1"]',
        *([f"per_host = {per_host}"] if per_host is not None else []),
        "",
        "[storage]",
        f'url = "sqlite:///{database}"',
        "",
        "[notify]",
        f'urls = ["json://{HOST}:{hook_port}/hook"]',
    ]
    for url in urls:
        lines += ["", "[[watch]]", f'url = "{url}"', 'every = "1h"']
    return "\n".join(lines) + "\n"


class Webhook:
    """Counts the alerts the monitor posts to it."""

    def __init__(self) -> None:
        self.count = 0
        lock = threading.Lock()
        hook = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with lock:
                    hook.count += 1
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer((HOST, 0), Handler)
        self.port: int = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# -- one run of every pass --------------------------------------------------------------------


@dataclass
class PassResult:
    """One tool's pass."""

    tool: str
    pass_name: str
    pages: int
    wall_s: float
    cpu_s: float
    pages_per_s: float
    peak_pss_mib: float
    peak_rss_mib: float
    peak_rss_largest_mib: float
    requests: int
    not_modified: int
    statuses: dict[str, int]
    alerts: int
    edited: int
    """Articles edited before this pass: the alerts a perfect tool would send."""
    false_alerts: int
    missed: int
    errors: int
    disk_mib: float
    returncode: int
    load_1m: float
    """The load average when the run started (other processes share the machine)."""
    missed_pages: list[str]
    false_alert_pages: list[str]
    """The first 20 (page index and corpus page)."""


def _environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MONITOR_", "XDG_"))}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), LC_ALL="C.UTF-8")
    for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        env.pop(proxy, None)
    env["NO_PROXY"] = env["no_proxy"] = HOST
    return env


def run_once(
    pages: int,
    per_host: int | None,
    sources: Sequence[Source],
    urlwatch: Path,
    profile: Path | None = None,
    read: bool = False,
) -> list[PassResult]:
    """Every pass for both tools in a fresh temp dir; one result per tool and pass (with
    ``profile``, the monitor's main process runs under cProfile, a file per pass there;
    with ``read``, the 'read' pass runs, the monitor alone)."""
    results: list[PassResult] = []
    with tempfile.TemporaryDirectory(prefix="monitor-throughput-") as tmp_name:
        tmp = Path(tmp_name)
        home = tmp / "home"
        (home / ".config").mkdir(parents=True)
        env = _environment(home)
        site = Site(tmp / "www", sources, pages)
        (tmp / "nginx").mkdir()
        nginx = Nginx(tmp / "nginx", site.root)
        webhook = Webhook()
        try:
            urls = [nginx.url(i) for i in range(pages)]
            uw = tmp / "urlwatch"
            uw.mkdir()
            (uw / "urls.yaml").write_text(urlwatch_jobs(urls))
            (uw / "urlwatch.yaml").write_text(URLWATCH_CONFIG)
            (uw / "hooks.py").write_text("")
            urlwatch_command = [
                str(urlwatch),
                *("--urls", str(uw / "urls.yaml"), "--config", str(uw / "urlwatch.yaml")),
                *("--cache", str(uw / "cache.db"), "--hooks", str(uw / "hooks.py")),
            ]
            database = tmp / "monitor" / "monitor.db"
            database.parent.mkdir()
            config = tmp / "monitor" / "monitor.toml"
            config.write_text(monitor_config(database, webhook.port, urls, per_host))
            monitor_command = [MONITOR, "--config", str(config), "check", "--all", "--json"]
            migrated = subprocess.run(
                [MONITOR, "--config", str(config), "migrate"],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if migrated.returncode != 0:
                raise BenchError(f"monitor migrate failed: {migrated.stderr.strip()[-300:]}")
            keep_out = {nginx.process.pid}
            for pass_name in PASSES:
                if pass_name == "read" and not read:
                    continue
                edits = set() if pass_name == "read" else set(site.prepare(pass_name))
                for tool in ("monitor",) if pass_name == "read" else TOOLS:
                    offset = nginx.log_offset()
                    hooked = webhook.count
                    load = os.getloadavg()[0]
                    if tool == "urlwatch":
                        run = measure(urlwatch_command, env, keep_out)
                        alerted, errors = urlwatch_alerts(run.stdout)
                        disk = disk_mib(uw / "cache.db")
                    else:
                        profiled = [] if profile is None else _profiler(profile, pass_name)
                        command = monitor_command
                        if pass_name == "read":
                            command = [MONITOR, "--config", str(config), "read"]
                        run = measure([*profiled, *command], env, keep_out)
                        if pass_name == "read":  # "read N page(s) in full": no report
                            alerted, errors = set(), int(run.returncode != 0)
                        else:
                            alerted, errors = _monitor_outcome(run, webhook.count - hooked)
                        disk = disk_mib(database)
                    time.sleep(0.2)  # nginx writes its log line after the response
                    log = nginx.counts_since(offset)
                    missed, false = sorted(edits - alerted), sorted(alerted - edits)
                    result = PassResult(
                        tool=tool,
                        pass_name=pass_name,
                        pages=pages,
                        wall_s=run.wall_s,
                        cpu_s=run.cpu_s,
                        pages_per_s=pages / run.wall_s,
                        peak_pss_mib=run.peak_pss_mib,
                        peak_rss_mib=run.peak_rss_mib,
                        peak_rss_largest_mib=run.peak_rss_largest_mib,
                        requests=log.requests,
                        not_modified=log.not_modified,
                        statuses=log.statuses,
                        alerts=len(alerted),
                        edited=len(edits),
                        false_alerts=len(false),
                        missed=len(missed),
                        errors=errors,
                        disk_mib=disk,
                        returncode=run.returncode,
                        load_1m=load,
                        missed_pages=[site.name(i) for i in missed],
                        false_alert_pages=[site.name(i) for i in false[:20]],
                    )
                    results.append(result)
                    print(_progress(result), file=sys.stderr, flush=True)
        finally:
            webhook.close()
            nginx.stop()
    return results


_PAGE = re.compile(r"/p/(\d+)\.html$")


def _profiler(directory: Path, pass_name: str) -> list[str]:
    directory.mkdir(parents=True, exist_ok=True)
    return [sys.executable, "-m", "cProfile", "-o", str(directory / f"monitor-{pass_name}.prof")]


def _monitor_outcome(run: Run, hooked: int) -> tuple[set[int], int]:
    """(pages alerted, errors) of a ``check --all --json``; the webhook must agree."""
    try:
        reports = json.loads(run.stdout)
    except json.JSONDecodeError as error:
        raise BenchError(
            f"monitor check printed no JSON (status {run.returncode}): {run.stderr.strip()[-300:]}"
        ) from error
    alerts = sum(int(report.get("alerts") or 0) for report in reports)
    errors = sum(1 for report in reports if report.get("outcome") in ("error", "busy", "stopped"))
    if alerts != hooked:
        print(f"  (monitor reported {alerts} alerts, the webhook got {hooked})", file=sys.stderr)
    alerted = {
        int(found[1])
        for report in reports
        if report.get("alerts") and (found := _PAGE.search(str(report.get("url"))))
    }
    return alerted, errors


def _progress(r: PassResult) -> str:
    return (
        f"{r.pass_name:>5} {r.tool:<8} {r.wall_s:7.1f} s wall {r.cpu_s:7.1f} s CPU "
        f"{r.pages_per_s:7.1f} pages/s {r.peak_pss_mib:6.0f} MiB PSS  {r.requests} req "
        f"{r.not_modified} 304  {r.alerts} alerts ({r.false_alerts} false, {r.missed} missed)  "
        f"{r.errors} errors  {r.disk_mib:.1f} MiB  load {r.load_1m:.1f}"
    )


# -- the report --------------------------------------------------------------------------------


def summarise(results: Sequence[PassResult]) -> dict[str, dict[str, dict[str, float]]]:
    """Medians over the repeats, by pass and tool."""
    keys = (
        "wall_s",
        "cpu_s",
        "pages_per_s",
        "peak_pss_mib",
        "peak_rss_mib",
        "peak_rss_largest_mib",
        "requests",
        "not_modified",
        "alerts",
        "edited",
        "false_alerts",
        "missed",
        "errors",
        "disk_mib",
        "load_1m",
    )
    summary: dict[str, dict[str, dict[str, float]]] = {}
    for pass_name in PASSES:
        if not any(r.pass_name == pass_name for r in results):
            continue  # the read pass, when not asked for
        summary[pass_name] = {}
        for tool in TOOLS:
            mine = [r for r in results if r.pass_name == pass_name and r.tool == tool]
            if mine:
                summary[pass_name][tool] = {
                    key: statistics.median(float(getattr(r, key)) for r in mine) for key in keys
                }
                rates = [r.pages_per_s for r in mine]
                summary[pass_name][tool]["pages_per_s_min"] = min(rates)
                summary[pass_name][tool]["pages_per_s_max"] = max(rates)
    return summary


def _ratio(summary: dict[str, dict[str, float]], key: str) -> float:
    return summary["monitor"][key] / summary["urlwatch"][key]


def table(summary: dict[str, dict[str, dict[str, float]]], repeats: int) -> str:
    """Markdown: pages per second and their ratio, then each pass's costs per tool."""
    spread = repeats > 1

    def rate(s: dict[str, float]) -> str:
        text = f"{s['pages_per_s']:.1f}"
        if spread:
            text += f" ({s['pages_per_s_min']:.1f}–{s['pages_per_s_max']:.1f})"
        return text

    lines = [
        "| pass | urlwatch pages/s | monitor pages/s | monitor ÷ urlwatch "
        "| CPU: urlwatch ÷ monitor |",
        "|---|--:|--:|--:|--:|",
    ]
    for pass_name, tools in summary.items():
        if "urlwatch" not in tools:  # the read pass: the monitor's alone
            lines.append(f"| {pass_name} (monitor only) | – | {rate(tools['monitor'])} | – | – |")
            continue
        lines.append(
            f"| {pass_name} | {rate(tools['urlwatch'])} | {rate(tools['monitor'])} "
            f"| {_ratio(tools, 'pages_per_s'):.2f}× | {1 / _ratio(tools, 'cpu_s'):.2f}× |"
        )
    if "read" in summary and "cold" in summary:
        # The first checks and their full reading together, against urlwatch's first checks.
        cold, reading = summary["cold"]["monitor"], summary["read"]["monitor"]
        both = cold["pages_per_s"] / (1 + cold["pages_per_s"] / reading["pages_per_s"])
        cpu = cold["cpu_s"] + reading["cpu_s"]
        uw = summary["cold"]["urlwatch"]
        lines.append(
            f"| cold + read | {uw['pages_per_s']:.1f} | {both:.1f} "
            f"| {both / uw['pages_per_s']:.2f}× | {uw['cpu_s'] / cpu:.2f}× |"
        )
    lines += [
        "",
        "| pass | tool | wall s | CPU s | peak MiB: PSS all (RSS largest) | requests | 304s "
        "| alerts | false | missed (of edited) | errors | on disk MiB | load |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for pass_name, tools in summary.items():
        for tool, s in tools.items():
            lines.append(
                f"| {pass_name} | {tool} | {s['wall_s']:.1f} | {s['cpu_s']:.1f} "
                f"| {s['peak_pss_mib']:.0f} ({s['peak_rss_largest_mib']:.0f}) "
                f"| {s['requests']:.0f} | {s['not_modified']:.0f} | {s['alerts']:.0f} "
                f"| {s['false_alerts']:.0f} | {s['missed']:.0f} ({s['edited']:.0f}) "
                f"| {s['errors']:.0f} | {s['disk_mib']:.1f} | {s['load_1m']:.1f} |"
            )
    return "\n".join(lines)


def _git_commit() -> str:
    done = subprocess.run(
        ["git", "-C", str(HERE), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() or "unknown"


@contextlib.contextmanager
def _interrupts_end_the_run() -> Iterator[None]:
    """SIGTERM ends the run as Ctrl-C does: the tool's processes and nginx are stopped."""

    def terminated(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["--daemon"]:  # the second mode: the daemon over time
        import daemon

        return daemon.main(arguments[1:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000, help="pages served (default 2000)")
    parser.add_argument("--repeats", type=int, default=1, help="fresh runs, medians (default 1)")
    parser.add_argument(
        "--per-host",
        type=int,
        default=None,
        help=f"the monitor's per_host (default: its own, {MONITOR_PER_HOST_DEFAULT})",
    )
    parser.add_argument(
        "--edit-at",
        choices=("middle", "first"),
        default="middle",
        help="which of the article's long paragraphs takes the added sentence that the edit "
        "pass edits: the middle one (default), or the first (a standfirst, a summary, a "
        "caption: parts of the article the monitor does not always read)",
    )
    parser.add_argument(
        "--read",
        action="store_true",
        help="after the cold pass, time `monitor read` (the monitor alone): the full reading "
        "of the pages its first checks stored with their quick reading, which the daemon "
        "does while idle; without it the noise pass, the next fetch of each page, does it",
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="where the JSON goes")
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="run the monitor's main process under cProfile, writing DIR/monitor-PASS.prof "
        "(slower: for finding where the time goes, not for the figures)",
    )
    args = parser.parse_args(arguments)
    if args.pages < 1 or args.repeats < 1:
        parser.error("--pages and --repeats must be at least 1")
    try:
        with _interrupts_end_the_run():
            become_subreaper()
            sources = load_sources(at=args.edit_at)
            urlwatch = ensure_urlwatch()
            load_start = os.getloadavg()
            started = datetime.now(UTC)
            results: list[PassResult] = []
            for repeat in range(args.repeats):
                print(f"run {repeat + 1} of {args.repeats}, {args.pages} pages", file=sys.stderr)
                results += run_once(
                    args.pages, args.per_host, sources, urlwatch, args.profile, args.read
                )
            load_end = os.getloadavg()
    except BenchError as error:
        print(f"throughput: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("throughput: interrupted; nginx and the tools were stopped", file=sys.stderr)
        return 130
    summary = summarise(results)
    per_host = args.per_host if args.per_host is not None else MONITOR_PER_HOST_DEFAULT
    conditions = {
        "date": started.isoformat(timespec="seconds"),
        "pages": args.pages,
        "repeats": args.repeats,
        "corpus_pages": len(sources),
        "edited_pages": sum(1 for i in range(args.pages) if edited(i)),
        "edit_at": args.edit_at,
        "monitor_per_host": per_host,
        "monitor_per_host_is_default": args.per_host is None,
        "read_pass": args.read,
        "monitor_commit": _git_commit(),
        "urlwatch": URLWATCH_VERSION,
        "urlwatch_filter": "html2text (method re)",
        "nginx": _nginx_version(),
        "python": platform.python_version(),
        "cores": os.cpu_count(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "load_average_start": [round(x, 2) for x in load_start],
        "load_average_end": [round(x, 2) for x in load_end],
        "seconds": round((datetime.now(UTC) - started).total_seconds(), 1),
    }
    print()
    print(
        f"{args.pages} pages ({conditions['edited_pages']} edited), {args.repeats} run(s), "
        f"monitor per_host {per_host}, {conditions['cores']} cores, "
        f"load {load_start[0]:.2f} → {load_end[0]:.2f}, {conditions['seconds']:.0f} s"
    )
    print()
    print(table(summary, args.repeats))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {**conditions, "summary": summary, "runs": [asdict(r) for r in results]}, indent=2
        )
        + "\n"
    )
    return 0


def _nginx_version() -> str:
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    done = subprocess.run([binary, "-v"], capture_output=True, text=True, check=False)
    return done.stderr.strip().removeprefix("nginx version: ")


if __name__ == "__main__":
    sys.exit(main())
