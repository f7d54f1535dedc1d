"""Deterministic randomness: every part of the population draws from its own stream.

A stream is ``random.Random`` seeded from SHA-256 of the run seed and a path of names
(``derive(seed, "person", 42)``), so a person's history does not depend on how many
people came before, on the order of generation, or on Python's hash randomisation.
"""

from __future__ import annotations

import hashlib
import random
from bisect import bisect
from collections.abc import Sequence
from itertools import accumulate
from typing import Generic, TypeVar

T = TypeVar("T")


def derive(seed: int, *path: object) -> random.Random:
    """A random stream for ``path`` under ``seed``."""
    text = "\x1f".join([str(seed), *(str(p) for p in path)])
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return random.Random(int.from_bytes(digest[:16], "big"))


class Weighted(Generic[T]):
    """Weighted choice over fixed items, with the cumulative table built once."""

    __slots__ = ("_cum", "_items", "_total")

    def __init__(self, items: Sequence[T], weights: Sequence[float]) -> None:
        if len(items) != len(weights) or not items:
            raise ValueError("items and weights must be non-empty and of equal length")
        self._items = list(items)
        self._cum = list(accumulate(weights))
        self._total = self._cum[-1]

    def pick(self, rng: random.Random) -> T:
        return self._items[bisect(self._cum, rng.random() * self._total)]


def chance(rng: random.Random, probability: float) -> bool:
    """True with ``probability`` (always consumes one draw, so streams stay aligned)."""
    return rng.random() < probability
