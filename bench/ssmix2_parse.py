"""Parse+map throughput of the SS-MIX2 sample messages (no database).

Usage: .venv/bin/python bench/ssmix2_parse.py [seconds]

Every sample message is parsed and mapped repeatedly on one core; prints messages per
CPU-second overall and CPU microseconds per message for each data type (CPU time,
so other load on the machine does not count).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from kizuna.codes.checkdigit import with_check_digit
from kizuna.ingest.ssmix2.mapper import MapOptions, map_message
from kizuna.ingest.ssmix2.parser import parse_message
from kizuna.ingest.ssmix2.storage import parse_name

ROOT = Path(__file__).resolve().parent.parent / "samples" / "ssmix2" / "sampleData"
FACILITY = with_check_digit("221315001")


def load() -> list[tuple[str, bytes, MapOptions]]:
    out = []
    for path in sorted(ROOT.rglob("*")):
        name = parse_name(path.name) if path.is_file() else None
        if name is not None:
            out.append((name.data_type, path.read_bytes(), MapOptions(FACILITY, name)))
    return out


def per_message(raw: bytes, options: MapOptions, rounds: int) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        for _ in range(rounds):
            map_message(parse_message(raw, "bench"), options)
        best = min(best, (time.process_time() - start) / rounds)
    return best * 1e6


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
    messages = load()
    count = 0
    start, cpu_start = time.perf_counter(), time.process_time()
    while time.perf_counter() - start < seconds:
        for _, raw, options in messages:
            map_message(parse_message(raw, "bench"), options)
        count += len(messages)
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    print(
        f"{count} messages in {elapsed:.2f} s wall, {cpu:.2f} s CPU: "
        f"{count / cpu:,.0f} messages per CPU-second "
        f"({cpu / count * 1e6:.0f} us CPU/message, one core, parse+map)"
    )
    for data_type, raw, options in messages:
        print(f"  {data_type:7s} {len(raw):5d} bytes  {per_message(raw, options, 200):7.1f} us")


if __name__ == "__main__":
    main()
