"""An open-loop load: requests sent at a fixed rate, latency counted from the planned send.

wrk keeps every connection busy (a closed loop): it measures how much the server can do
and the latency at that saturation. A target such as "p95 ≤ 20 ms at 1,000 requests/s"
asks for the latency of a server *offered* 1,000 requests a second. Here request ``i`` is
due at ``start + i / rate``; it goes out on the first idle connection, and its latency runs
from when it was due, so a request that waited for a connection (the server falling behind)
counts that wait too (no coordinated omission).

HTTP/1.1 keep-alive on raw asyncio streams under uvloop, so the client costs little CPU on
the machine it shares with the server (its own CPU time is reported).

    python bench/open_loop.py http://127.0.0.1:8080 paths.txt --rate 1000 --connections 16
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import uvloop


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, path: str
) -> int:
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length:
        await reader.readexactly(length)
    return status


async def _run(
    url: str, paths: list[str], rate: float, connections: int, seconds: float, warmup: float
) -> dict[str, Any]:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    idle: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for _ in range(connections):
        idle.put_nowait(await asyncio.open_connection(host, port))
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = 0
    clock = time.perf_counter  # uvloop's loop.time() counts whole milliseconds
    start = clock() + 0.1
    measure_from = start + warmup
    total = int((warmup + seconds) * rate)
    pending: set[asyncio.Task[None]] = set()

    async def one(due: float, path: str) -> None:
        nonlocal errors
        conn = await idle.get()
        try:
            status = await _exchange(*conn, f"{host}:{port}", path)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            errors += 1
            conn = await asyncio.open_connection(host, port)
            status = 0
        idle.put_nowait(conn)
        if due >= measure_from:
            latencies.append(clock() - due)
            statuses[status] = statuses.get(status, 0) + 1

    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    for i in range(total):
        due = start + i / rate
        delay = due - clock()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(one(due, paths[(i * 7919) % len(paths)]))
        pending.add(task)
        task.add_done_callback(pending.discard)
    await asyncio.gather(*pending)
    ended = clock()
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    while not idle.empty():
        _, writer = idle.get_nowait()
        writer.close()
    latencies.sort()
    count = len(latencies)

    def pct(p: float) -> float:
        return round(latencies[min(count - 1, int(p / 100 * count))] * 1000, 2)

    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    return {
        "offered_per_second": rate,
        "connections": connections,
        "requests": count,
        "achieved_per_second": round(count / (ended - measure_from)),
        "p50": pct(50),
        "p95": pct(95),
        "p99": pct(99),
        "max": round(latencies[-1] * 1000, 2),
        "errors": errors,
        "non2xx": sum(n for s, n in statuses.items() if not 200 <= s < 300),
        "client_cpu_share": round(cpu / (ended - start), 3),
    }


def run(
    url: str, paths: list[str], rate: float, connections: int, seconds: float, warmup: float = 5.0
) -> dict[str, Any]:
    return uvloop.run(_run(url, paths, rate, connections, seconds, warmup))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("paths", type=Path, help="one request path a line")
    parser.add_argument("--rate", type=float, default=1000)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    paths = [line for line in args.paths.read_text().splitlines() if line]
    print(json.dumps(run(args.url, paths, args.rate, args.connections, args.seconds)))


if __name__ == "__main__":
    main()
