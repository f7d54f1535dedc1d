"""Microseconds per deterministic resource id (UUIDv5), as the mappers make one per resource.

    python bench/resource_ids.py

Times :func:`kizuna.ingest.base.stable_id` and, for comparison, the same value through
``uuid.uuid5`` (what ``stable_id`` did before the twelfth run): best of five runs of
100,000 ids made from six parts shaped like an SS-MIX2 Observation's.
"""

from __future__ import annotations

import timeit
import uuid

from kizuna.ingest.base import _NAMESPACE, stable_id

PARTS = ("ssmix2", "1310100019", "0001234567", "Observation", "20240105", "3")
CALLS = 100_000


def through_uuid(*parts: object) -> str:
    return str(uuid.uuid5(_NAMESPACE, "\x1f".join(map(str, parts))))


def best_us(make: object) -> float:
    seconds = min(timeit.repeat(lambda: make(*PARTS), number=CALLS, repeat=5))  # type: ignore[operator]
    return seconds / CALLS * 1e6


def main() -> None:
    assert stable_id(*PARTS) == through_uuid(*PARTS)
    print(f"stable_id   {best_us(stable_id):.2f} us per id")
    print(f"uuid.uuid5  {best_us(through_uuid):.2f} us per id")


if __name__ == "__main__":
    main()
