"""Estimating the model from the data.

* **u** (how often non-matching pairs agree) is counted on random pairs of patients: almost
  every random pair is a non-match, so no labels are needed. Counting on random pairs,
  not on candidate pairs, matters: blocking makes non-matching candidates agree on the
  blocked fields far more often than people in general, and the features stop being
  independent (a same-name pair from the name block rarely also shares a birth date).
* **m** (how often matching pairs agree) and the share of matches among candidate pairs
  are estimated by expectation–maximisation on the candidate pairs with u held fixed, or
  m is counted on labelled pairs (a synthetic population with its truth). m describes
  how sources err (typos, moves, missing kana) and carries over between populations far
  better than u, so the usual re-estimate keeps m and fits only the share by EM.
* The **prior** is the chance that two random patients match: matches among candidates
  divided by all pairs of patients.

Estimation works on the pattern table (comparison vector -> number of pairs), which has
at most a few thousand rows however many pairs there are.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterable

from kizuna.identity.compare import FEATURES, LEVELS, Vector
from kizuna.identity.model import Model, Table, Thresholds

SMOOTHING = 0.5  # pseudo-count per level, so no probability is zero


def _normalise(counts: dict[str, list[float]]) -> Table:
    table: Table = {}
    for f, row in counts.items():
        total = sum(row) + SMOOTHING * len(row)
        table[f] = [(x + SMOOTHING) / total for x in row]
    return table


def _empty() -> dict[str, list[float]]:
    return {f: [0.0] * len(LEVELS[f]) for f in FEATURES}


def _add(counts: dict[str, list[float]], vector: Vector, weight: float) -> None:
    for f, level in zip(FEATURES, vector, strict=True):
        if level is not None:
            counts[f][level] += weight


def estimate_u(
    ids: list[str], compare_ids: Callable[[str, str], Vector], samples: int = 200_000, seed: int = 1
) -> Table:
    """u from random pairs of patients (each level's share among non-missing values)."""
    if len(ids) < 2:
        raise ValueError("at least two patients are needed")
    rng = random.Random(seed)
    counts = _empty()
    for _ in range(samples):
        a, b = rng.sample(ids, 2)
        _add(counts, compare_ids(a, b), 1.0)
    return _normalise(counts)


def _likelihood(table: Table, vector: Vector) -> float:
    value = 1.0
    for f, level in zip(FEATURES, vector, strict=True):
        if level is not None:
            value *= table[f][level]
    return value


def _initial_m() -> Table:
    """Matches mostly agree: the usual starting point."""
    return {
        f: [0.9 if i == 0 else 0.1 / (len(LEVELS[f]) - 1) for i in range(len(LEVELS[f]))]
        for f in FEATURES
    }


def _population_prior(share: float, candidates: int, patients: int) -> float:
    all_pairs = max(patients * (patients - 1) // 2, 1)
    return min(max(share * candidates / all_pairs, 1e-12), 0.5)


def estimate_em(
    patterns: Counter[Vector],
    u: Table,
    patients: int,
    iterations: int = 300,
    tolerance: float = 1e-8,
    thresholds: Thresholds | None = None,
    fixed_m: Table | None = None,
) -> Model:
    """The match share of candidate pairs by EM with u held fixed, and m too unless
    ``fixed_m`` is given (then only the share, hence the prior, is estimated)."""
    total = sum(patterns.values())
    if total == 0:
        raise ValueError("no candidate pairs to estimate from")
    m, share = fixed_m or _initial_m(), 0.1
    for _ in range(iterations):
        counts, matched = _empty(), 0.0
        for vector, n in patterns.items():
            pm = share * _likelihood(m, vector)
            pu = (1 - share) * _likelihood(u, vector)
            g = pm / (pm + pu) if pm + pu > 0 else 0.0
            _add(counts, vector, n * g)
            matched += n * g
        m = fixed_m or _normalise(counts)
        new_share = min(max(matched / total, 1e-9), 1 - 1e-9)
        done, share = abs(new_share - share) < tolerance, new_share
        if done:
            break
    prior = _population_prior(share, total, patients)
    method = "em-prior" if fixed_m else "em"
    return Model(m, u, prior, thresholds or Thresholds(), method, total)


def estimate_labelled(
    pairs: Iterable[tuple[Vector, bool]],
    u: Table,
    patients: int,
    thresholds: Thresholds | None = None,
) -> Model:
    """m counted on candidate pairs whose truth is known (a synthetic population)."""
    counts, matches, total = _empty(), 0, 0
    for vector, is_match in pairs:
        total += 1
        if is_match:
            matches += 1
            _add(counts, vector, 1.0)
    if matches == 0:
        raise ValueError("no matching pairs to estimate m from")
    prior = _population_prior(matches / total, total, patients)
    return Model(_normalise(counts), u, prior, thresholds or Thresholds(), "labels", total)
