"""How fast this machine runs Python today, so rates from different runs can be compared.

The benchmark machines vary: the same code and data have run at rates a factor of two
apart on different days. :func:`reference_ms` times a fixed pure-Python workload shaped
like the ingest client's work (building small dicts, JSON round trips with orjson, BLAKE2b
digests, a counting loop) and returns the best of five runs in milliseconds. It depends
on nothing in Kizuna, so a change of code never moves it; a slower machine raises it in
proportion. Rates from two runs compare fairly after scaling by the ratio of their figures.

    python bench/machine.py
"""

from __future__ import annotations

import hashlib
import time

import orjson

RUNS = 5


def _workload() -> int:
    total = 0
    for n in range(20_000):
        coding = {"system": "urn:oid:1.2.392.100495.20.2.71", "code": str(620000000 + n)}
        resource = {"resourceType": "Procedure", "id": f"p{n}", "code": {"coding": [coding]}}
        text = orjson.dumps(resource)
        total += len(hashlib.blake2b(text, digest_size=16).digest())
        total += len(orjson.loads(text)["code"]["coding"][0]["code"])
    for i in range(1_000_000):
        total += i & 7
    return total


def reference_ms() -> float:
    """The best of five runs of the fixed workload, in milliseconds."""
    best = float("inf")
    for _ in range(RUNS):
        started = time.perf_counter()
        _workload()
        best = min(best, time.perf_counter() - started)
    return round(1000 * best, 1)


if __name__ == "__main__":
    print(f"machine reference: {reference_ms()} ms (best of {RUNS})")
