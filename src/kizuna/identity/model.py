"""The Fellegi–Sunter model: per-feature m and u probabilities, a prior, and thresholds.

For a candidate pair with comparison vector γ, each feature adds the weight
``log2(m[level] / u[level])`` (a missing value adds nothing); with the prior odds
``λ / (1 - λ)`` of a candidate pair being a match, the sum gives the posterior match
probability. Thresholds on that probability sort a pair into auto-link, review or no link.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from importlib import resources
from typing import Any

import orjson

from kizuna.identity.compare import FEATURES, LEVELS, Vector
from kizuna.identity.features import Features

Table = dict[str, list[float]]
#: Name tables whose value frequencies adjust an exact agreement (term frequency).
FREQUENCY_TABLES = ("family_kanji", "given_kanji", "family_kana", "given_kana")
TF_CAP = 6.0  # bits: how far a name's frequency may move its agreement weight


@dataclass(frozen=True)
class Thresholds:
    auto: float = 0.95  # posterior at or above which a pair is linked without review
    review: float = 0.2  # at or above which (and below auto) a pair goes to the review queue
    possible: float = 0.05  # $match reports pairs down to this as "possible"


@dataclass(frozen=True)
class Model:
    m: Table
    u: Table
    prior: float  # λ: the share of candidate pairs that are matches
    thresholds: Thresholds = field(default_factory=Thresholds)
    trained_by: str = "default"  # "em" | "labels" | "default"
    pairs: int = 0  # how many candidate pairs the estimate saw
    #: table -> value -> share of patients with that value (values seen twice or more)
    frequencies: dict[str, dict[str, float]] = field(default_factory=dict)
    #: table -> the share assumed for a value not in ``frequencies`` (seen once or never)
    frequency_floor: dict[str, float] = field(default_factory=dict)
    #: table -> the chance that two random patients bear the same value (Σ share²)
    collision: dict[str, float] = field(default_factory=dict)

    @cached_property
    def weights(self) -> list[list[float]]:
        """weights[feature index][level] = log2(m / u)."""
        return [
            [math.log2(m / u) for m, u in zip(self.m[f], self.u[f], strict=True)] for f in FEATURES
        ]

    @cached_property
    def prior_weight(self) -> float:
        return math.log2(self.prior / (1 - self.prior))

    def match_weight(self, vector: Vector) -> float:
        """The sum of the feature weights (without the prior)."""
        weights = self.weights
        return sum(weights[i][level] for i, level in enumerate(vector) if level is not None)

    def probability(self, vector: Vector, adjustment: float = 0.0) -> float:
        total = self.prior_weight + self.match_weight(vector) + adjustment
        return 1.0 / (1.0 + 2.0 ** -max(min(total, 60.0), -60.0))

    def share(self, table: str, value: str) -> float | None:
        found = self.frequencies.get(table, {}).get(value)
        return found if found is not None else self.frequency_floor.get(table)

    def name_adjustment(self, a: Features, b: Features, vector: Vector) -> float:
        """Term-frequency weight: agreeing on 佐藤 says less than agreeing on 勅使河原.

        For an exact (kanji) or kana-only agreement, the chance that two random patients
        share a name (the table's collision probability, Σ share²) is replaced by the
        share of patients bearing the agreed name; the change is capped at ±TF_CAP bits.
        """
        total = 0.0
        for index, feature in ((0, "family"), (1, "given")):
            level = vector[index]
            if level not in (0, 1):
                continue
            table = f"{feature}_kanji" if level == 0 else f"{feature}_kana"
            agreed = set(getattr(a, table)) & set(getattr(b, table))
            shares = [s for s in (self.share(table, v) for v in agreed) if s]
            collision = self.collision.get(table)
            if shares and collision:
                change = math.log2(collision / max(shares))
                total += max(-TF_CAP, min(TF_CAP, change))
        return total

    def feature_weights(self, vector: Vector) -> dict[str, float | None]:
        return {
            f: None if level is None else round(self.weights[i][level], 3)
            for i, (f, level) in enumerate(zip(FEATURES, vector, strict=True))
        }

    def as_json(self) -> dict[str, Any]:
        return {
            "features": {f: list(LEVELS[f]) for f in FEATURES},
            "m": self.m,
            "u": self.u,
            "prior": self.prior,
            "thresholds": vars(self.thresholds),
            "trained_by": self.trained_by,
            "pairs": self.pairs,
            "frequency_floor": self.frequency_floor,
            "collision": self.collision,
            "frequencies": self.frequencies,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Model:
        for f in FEATURES:
            if len(data["m"][f]) != len(LEVELS[f]) or len(data["u"][f]) != len(LEVELS[f]):
                raise ValueError(f"the model's levels for {f!r} do not match the comparators")
        return cls(
            m={f: [float(x) for x in data["m"][f]] for f in FEATURES},
            u={f: [float(x) for x in data["u"][f]] for f in FEATURES},
            prior=float(data["prior"]),
            thresholds=Thresholds(**data.get("thresholds", {})),
            trained_by=data.get("trained_by", "default"),
            pairs=int(data.get("pairs", 0)),
            frequencies=data.get("frequencies", {}),
            frequency_floor=data.get("frequency_floor", {}),
            collision=data.get("collision", {}),
        )

    def with_thresholds(self, thresholds: Thresholds) -> Model:
        return replace(self, thresholds=thresholds)

    def with_frequencies(
        self,
        frequencies: dict[str, dict[str, float]],
        floor: dict[str, float],
        collision: dict[str, float],
    ) -> Model:
        return replace(self, frequencies=frequencies, frequency_floor=floor, collision=collision)


@lru_cache(maxsize=1)
def default_model() -> Model:
    """The parameters shipped with Kizuna (estimated on the synthetic population)."""
    raw = resources.files("kizuna.identity").joinpath("default_model.json").read_bytes()
    return Model.from_json(orjson.loads(raw))
