"""Benchmark: what one conditional GET through ``Fetcher`` costs, per transport.

Run from the checkout, with the venv active::

    python bench/fetch.py                       # 2000 requests x 5 repeats, ~1 minute
    python bench/fetch.py --requests 500 --repeats 3

It starts an aiohttp server in a separate process on 127.0.0.1 that answers every
GET carrying the right If-None-Match with an empty 304 (a watch whose page has not
changed: the daemon's commonest exchange). Then, for each transport (``httpx``:
httpx's own connection pool; ``aiohttp``: the same httpx client over aiohttp's
connector via httpx_aiohttp) and each concurrency (1 and 64), it makes N conditional
GETs through ``monitor.fetch.Fetcher`` and measures the client process's CPU time per
request (``time.process_time``) and requests per second. Runs are interleaved and
repeated; the table shows medians and the aiohttp/httpx ratio (below 1 means aiohttp
is cheaper or, for req/s, slower). The server has its own core on a two-core
machine, so CPU per request is the steadier measure of the client.

One host, so per_host is raised to the concurrency for the benchmark.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import multiprocessing
import socket
import statistics
import sys
import time
from dataclasses import dataclass
from ipaddress import ip_network
from multiprocessing.connection import Connection

from aiohttp import web

from monitor.fetch import Fetcher, FetchSettings, TransportKind

ETAG = '"bench-v1"'
TRANSPORTS: tuple[TransportKind, ...] = ("httpx", "aiohttp")


def serve(port_out: Connection) -> None:
    """Serve 304s for the current ETag (and a small page otherwise) until terminated."""

    async def page(request: web.Request) -> web.Response:
        if request.headers.get("If-None-Match") == ETAG:
            return web.Response(status=304, headers={"ETag": ETAG})
        return web.Response(body=b"<html><p>unchanged</p></html>", headers={"ETag": ETAG})

    async def main() -> None:
        app = web.Application()
        app.router.add_get("/page", page)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        await web.SockSite(runner, sock, backlog=1024).start()
        port_out.send(sock.getsockname()[1])
        await asyncio.Event().wait()

    asyncio.run(main())


@dataclass(frozen=True)
class Sample:
    cpu_us: float
    """Client CPU time per request, microseconds."""
    rps: float


async def drive(fetcher: Fetcher, url: str, concurrency: int, n: int) -> None:
    remaining = n

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            result = await fetcher.fetch(url, etag=ETAG)
            if not result.not_modified:
                raise RuntimeError(f"expected 304, got {result.status}")

    await asyncio.gather(*(worker() for _ in range(concurrency)))


async def measure(kind: TransportKind, concurrency: int, n: int, url: str) -> Sample:
    settings = FetchSettings(
        transport=kind,
        per_host=concurrency,
        max_connections=concurrency,
        allow_internal=(ip_network("127.0.0.1/32"),),  # the page server is local, on purpose
    )
    async with Fetcher(settings) as fetcher:
        await drive(fetcher, url, concurrency, 2 * concurrency)  # open the connections
        gc.collect()
        cpu, wall = time.process_time(), time.perf_counter()
        await drive(fetcher, url, concurrency, n)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return Sample(cpu_us=cpu / n * 1e6, rps=n / wall)


def table(results: dict[tuple[int, TransportKind], list[Sample]], repeats: int) -> str:
    lines = [
        "| concurrency | transport | CPU µs/req (median) | CPU µs/req (min–max) "
        "| req/s (median) | CPU vs httpx | req/s vs httpx |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for concurrency in sorted({c for c, _ in results}):
        base = results[(concurrency, "httpx")]
        base_cpu = statistics.median(s.cpu_us for s in base)
        base_rps = statistics.median(s.rps for s in base)
        for kind in TRANSPORTS:
            samples = results[(concurrency, kind)]
            cpus = [s.cpu_us for s in samples]
            cpu = statistics.median(cpus)
            rps = statistics.median(s.rps for s in samples)
            lines.append(
                f"| {concurrency} | {kind} | {cpu:.0f} | {min(cpus):.0f}–{max(cpus):.0f} "
                f"| {rps:.0f} | {cpu / base_cpu:.2f} | {rps / base_rps:.2f} |"
            )
    lines.append(f"\nmedians of {repeats} runs; ratios are aiohttp ÷ httpx (httpx = 1.00)")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per run")
    parser.add_argument("--repeats", type=int, default=5, help="runs per combination")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 64])
    args = parser.parse_args()

    ctx = multiprocessing.get_context("spawn")
    port_in, port_out = ctx.Pipe(duplex=False)
    server = ctx.Process(target=serve, args=(port_out,), daemon=True)
    server.start()
    try:
        url = f"http://127.0.0.1:{port_in.recv()}/page"
        results: dict[tuple[int, TransportKind], list[Sample]] = {}
        started = time.perf_counter()
        for repeat in range(args.repeats):
            for concurrency in args.concurrency:
                for kind in TRANSPORTS:
                    sample = asyncio.run(measure(kind, concurrency, args.requests, url))
                    results.setdefault((concurrency, kind), []).append(sample)
            print(f"run {repeat + 1}/{args.repeats} done", file=sys.stderr)
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.join()
    print(f"{args.requests} conditional GETs (304) per run, python {sys.version.split()[0]},")
    print(f"{multiprocessing.cpu_count()} cores, {elapsed:.0f}s\n")
    print(table(results, args.repeats))


if __name__ == "__main__":
    main()
