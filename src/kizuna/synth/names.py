"""Drawing Japanese names: family names by frequency, given names by sex and birth cohort."""

from __future__ import annotations

import random
from datetime import date

from kizuna.synth import namedata as nd
from kizuna.synth.model import Name
from kizuna.synth.rand import Weighted

_FAMILY = Weighted([(k, r) for k, r, _ in nd.FAMILY_NAMES], [w for _, _, w in nd.FAMILY_NAMES])
_GIVEN = {
    (sex, cohort): Weighted([(k, r) for k, r, _ in names], [w for _, _, w in names])
    for sex, table in (("M", nd.MALE_GIVEN), ("F", nd.FEMALE_GIVEN))
    for cohort, names in table.items()
}
_FOREIGN_FAMILY = Weighted([n for n, _ in nd.FOREIGN_FAMILY], [w for _, w in nd.FOREIGN_FAMILY])
_FOREIGN_GIVEN = {
    "M": Weighted([n for n, _ in nd.FOREIGN_GIVEN_MALE], [w for _, w in nd.FOREIGN_GIVEN_MALE]),
    "F": Weighted([n for n, _ in nd.FOREIGN_GIVEN_FEMALE], [w for _, w in nd.FOREIGN_GIVEN_FEMALE]),
}


def cohort(birth: date) -> str:
    if birth.year < 1950:
        return "pre1950"
    if birth.year < 1975:
        return "1950s"
    if birth.year < 2000:
        return "1975s"
    return "2000s"


def family_name(rng: random.Random, foreign: bool = False) -> tuple[str, str]:
    """(kanji, kana) of a family name; for foreign residents both are katakana."""
    if foreign:
        kana = _FOREIGN_FAMILY.pick(rng)
        return kana, kana
    kanji, kana = _FAMILY.pick(rng)
    return kanji, kana


def given_name(
    rng: random.Random,
    sex: str,
    birth: date,
    foreign: bool = False,
    avoid: frozenset[str] = frozenset(),
) -> tuple[str, str]:
    """(kanji, kana) of a given name fitting the sex and birth year, not in ``avoid``."""
    for _ in range(20):
        if foreign:
            kana = _FOREIGN_GIVEN[sex].pick(rng)
            kanji = kana
        else:
            kanji, kana = _GIVEN[(sex, cohort(birth))].pick(rng)
        if kanji not in avoid:
            return kanji, kana
    return kanji, kana


def full_name(family: tuple[str, str], given: tuple[str, str]) -> Name:
    return Name(family[0], given[0], family[1], given[1])
