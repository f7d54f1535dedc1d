"""What to generate: population size, seed, timeline and the noise model's rates."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import date
from pathlib import Path

DEFAULT_END = date(2026, 10, 31)


@dataclass(frozen=True, slots=True)
class NoiseConfig:
    """Rates of the ways source systems get a person wrong (see docs/synth.md).

    Per registration (one person at one facility in one format), except ``moves``,
    ``marriage`` and ``twins``, which change the people themselves.
    """

    kana_variant: float = 0.08  # ｶﾀｶﾅ, ひらがな, ヴ/ブ, small/large kana, long-vowel bar
    kanji_variant: float = 0.30  # of registrations whose name has a variant kanji (髙/高...)
    typo: float = 0.02  # one wrong kana or kanji
    dob_swap: float = 0.01  # birth day and month swapped (when both <= 12)
    missing_insurance: float = 0.05  # no insurance numbers where the format allows it
    missing_branch: float = 0.10  # insurance without the 枝番 (old cards, old systems)
    stale_address: float = 0.5  # a facility keeps the old address after a move
    moves: float = 0.08  # households that move during the timeline
    marriage: float = 0.10  # single women 24-38 who marry (family name changes)
    twins: float = 0.02  # births that are twins

    @classmethod
    def none(cls) -> NoiseConfig:
        """No noise at all: every source writes the person exactly."""
        return cls(**{f.name: 0.0 for f in fields(cls)})

    def scaled(self, factor: float) -> NoiseConfig:
        return replace(
            self, **{f.name: min(1.0, getattr(self, f.name) * factor) for f in fields(self)}
        )


@dataclass(frozen=True, slots=True)
class SynthConfig:
    patients: int
    seed: int
    out: Path
    end: date = DEFAULT_END
    years: int = 3
    noise: NoiseConfig = field(default_factory=NoiseConfig)
    showcase: bool = True  # include the hand-picked showcase patients
    workers: int = 1

    @property
    def start(self) -> date:
        return date(self.end.year - self.years, self.end.month, 1)
