"""Jaro–Winkler similarity for short strings (names of a few kana or kanji)."""

from __future__ import annotations

from functools import lru_cache


def _matches(a: str, b: str) -> tuple[int, int]:
    """(matching characters, transpositions) of the Jaro measure."""
    window = max(0, max(len(a), len(b)) // 2 - 1)
    used = [False] * len(b)
    matched_a: list[str] = []
    for i, char in enumerate(a):
        for j in range(max(0, i - window), min(len(b), i + window + 1)):
            if not used[j] and b[j] == char:
                used[j] = True
                matched_a.append(char)
                break
    matched_b = [b[j] for j in range(len(b)) if used[j]]
    transpositions = sum(x != y for x, y in zip(matched_a, matched_b, strict=True)) // 2
    return len(matched_a), transpositions


@lru_cache(maxsize=262144)
def jaro_winkler(a: str, b: str, prefix_scale: float = 0.1) -> float:
    """1.0 for equal strings, 0.0 for strings with nothing in common."""
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    m, t = _matches(a, b)
    if m == 0:
        return 0.0
    jaro = (m / len(a) + m / len(b) + (m - t) / m) / 3
    prefix = 0
    for x, y in zip(a[:4], b[:4], strict=False):
        if x != y:
            break
        prefix += 1
    return jaro + prefix * prefix_scale * (1 - jaro)
