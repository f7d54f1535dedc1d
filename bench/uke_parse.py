"""Parse and map time per receipt for the public 医科 sample, repeated into a large file.

Usage: .venv/bin/python bench/uke_parse.py [copies] [rounds]

The sample's receipts are repeated ``copies`` times under one header (so the file looks like
a large monthly submission); each round parses the whole file and maps every receipt to its
unit, as the adapter does. The best round is reported, per receipt, as CPU time of this
process (steadier than wall time on a shared machine).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from kizuna.codes.masters import Masters
from kizuna.ingest.uke.adapter import UkeAdapter
from kizuna.ingest.uke.parser import parse_header, parse_receipt, split_file

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "uke" / "RECEIPTC_GAIRAI_SAMPLE.UKE"


def repeated(copies: int) -> bytes:
    lines = SAMPLE.read_bytes().rstrip(b"\x1a").split(b"\r\n")
    header, body, trailer = lines[0], [line for line in lines[1:] if line], []
    if body and body[-1].startswith(b"GO,"):
        trailer = [body.pop()]
    return b"\r\n".join([header, *(body * copies), *trailer, b""])


def best_of(rounds: int, run) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        run()
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    copies = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    data = repeated(copies)
    masters = Masters(None)
    adapter = UkeAdapter(masters)
    count = sum(1 for _ in adapter.read_bytes(data, "bench.UKE"))  # warm-up, loads masters

    def parse_only() -> None:
        blocks = split_file(data)
        header_block = blocks.receipts[0].header
        assert header_block is not None
        header = parse_header(header_block, "bench.UKE")
        for block in blocks.receipts:
            parse_receipt(block, "bench.UKE", header)

    def parse_and_map() -> None:
        for _ in adapter.read_bytes(data, "bench.UKE"):
            pass

    parse = best_of(rounds, parse_only)
    total = best_of(rounds, parse_and_map)
    print(f"{count} receipts ({len(data) / 1e6:.1f} MB), best of {rounds} rounds")
    print(f"parse          {parse / count * 1e3:.3f} ms per receipt")
    print(
        f"parse + map    {total / count * 1e3:.3f} ms per receipt "
        f"({count / total:,.0f} receipts/s per core)"
    )


if __name__ == "__main__":
    main()
