"""Comparators: how closely two patients agree on each feature, as a discrete level.

Each comparator returns the index of a level in :data:`LEVELS` (0 is the strongest
agreement), or ``None`` when either side lacks the value, which the Fellegi–Sunter model
treats as no evidence either way.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from kizuna.identity.features import Features
from kizuna.identity.names import without_voicing
from kizuna.identity.similarity import jaro_winkler
from kizuna.identity.variants import equal_with_wildcards

#: Feature -> its levels, strongest agreement first, "differ" last.
LEVELS: dict[str, tuple[str, ...]] = {
    "family": ("exact", "kana", "reading", "close", "weak", "differ"),
    "given": ("exact", "kana", "reading", "close", "weak", "differ"),
    "birth": ("exact", "swap", "typo", "one", "differ"),
    "sex": ("agree", "differ"),
    "address": ("line", "postal", "city", "differ"),
    "phone": ("agree", "differ"),
}
FEATURES: tuple[str, ...] = tuple(LEVELS)
CLOSE, WEAK = 0.90, 0.80  # Jaro–Winkler bands of the kana readings

Level = int | None
Vector = tuple[Level, ...]


def _best_similarity(left: Iterable[str], right: Iterable[str]) -> float:
    return max((jaro_winkler(a, b) for a in left for b in right), default=0.0)


def _same_unvoiced(left: tuple[str, ...], right: tuple[str, ...]) -> bool:
    return bool({without_voicing(a) for a in left} & {without_voicing(b) for b in right})


def _one_kanji_apart(left: Iterable[str], right: Iterable[str]) -> bool:
    """Same length (two or more characters) and exactly one character differs."""
    return any(
        len(a) == len(b) >= 2 and sum(x != y for x, y in zip(a, b, strict=True)) == 1
        for a in left
        for b in right
    )


def name_level(
    kanji_a: tuple[str, ...],
    kanji_b: tuple[str, ...],
    kana_a: tuple[str, ...],
    kana_b: tuple[str, ...],
) -> Level:
    """exact (kanji equal, variants folded) / kana (readings equal, kanji unknown) /
    reading (readings equal, kanji differ) / close / weak (Jaro–Winkler bands of the
    readings, or readings equal but for a dakuten: わたなべ / わたなへ) / differ.

    When both the kanji and the readings are known and both differ, the names differ,
    however close the readings (陽子 ようこ and 京子 きょうこ): a misspelt reading of the
    same name keeps its kanji, and the reverse. Similarity bands apply when only one
    script is known on both sides. Without readings, one kanji apart is only weak:
    翔太 and 颯太 are two names.
    """
    has_kanji, has_kana = bool(kanji_a and kanji_b), bool(kana_a and kana_b)
    if not (has_kanji or has_kana):
        return None
    if has_kanji and any(equal_with_wildcards(a, b) for a in kanji_a for b in kanji_b):
        return 0
    if has_kana and set(kana_a) & set(kana_b):
        return 2 if has_kanji else 1
    if has_kanji and has_kana:
        return 5  # both the kanji and the readings differ: two names
    similarity = _best_similarity(kana_a, kana_b) if has_kana else 0.0
    if similarity >= CLOSE or (has_kana and _same_unvoiced(kana_a, kana_b)):
        return 3
    if similarity >= WEAK or (not has_kana and _one_kanji_apart(kanji_a, kanji_b)):
        return 4
    return 5


def _days_apart(a: str, b: str) -> int:
    try:
        return abs((date.fromisoformat(a) - date.fromisoformat(b)).days)
    except ValueError:
        return 10**6


def birth_level(a: str, b: str) -> Level:
    """exact / swap (day and month exchanged) / typo (one digit, or a day apart) /
    one (one of year, month, day differs otherwise) / differ."""
    if not a or not b:
        return None
    if a == b:
        return 0
    ya, ma, da = a.split("-")
    yb, mb, db = b.split("-")
    if ya == yb and ma == db and da == mb:
        return 1
    if sum(x != y for x, y in zip(a, b, strict=True)) == 1 or _days_apart(a, b) == 1:
        return 2
    return 3 if (ya != yb) + (ma != mb) + (da != db) == 1 else 4


def sex_level(a: str, b: str) -> Level:
    if not a or not b:
        return None
    return 0 if a == b else 1


def address_level(a: Features, b: Features) -> Level:
    """line (the same address) / postal (same postal code) / city (same 市区町村) / differ."""
    if not a.addresses or not b.addresses:
        return None
    best = 3
    for x in a.addresses:
        for y in b.addresses:
            if x.line and x.line == y.line:
                return 0
            if x.postal and x.postal == y.postal:
                best = min(best, 1)
            elif x.city and x.city == y.city:
                best = min(best, 2)
    return best


def phone_level(a: tuple[str, ...], b: tuple[str, ...]) -> Level:
    if not a or not b:
        return None
    return 0 if set(a) & set(b) else 1


Names = tuple[tuple[str, ...], tuple[str, ...]]


def _split_like(
    fulls: tuple[str, ...],
    family: tuple[str, ...],
    given: tuple[str, ...],
    other_family: tuple[str, ...],
    other_given: tuple[str, ...],
) -> Names:
    """Split unsplit names (山田太郎) where the other side's family or given name fits."""
    if not fulls:
        return family, given
    families, givens = list(family), list(given)
    for full in fulls:
        by_family = [f for f in other_family if full.startswith(f) and len(full) > len(f)]
        for f in by_family:
            families.append(f)
            givens.append(full[len(f) :])
        if by_family:
            continue  # the given-name route would invent a family (なかむら|きようこ)
        for g in other_given:
            if full.endswith(g) and len(full) > len(g):
                families.append(full[: -len(g)])
                givens.append(g)
    return tuple(dict.fromkeys(families)), tuple(dict.fromkeys(givens))


def _names(a: Features, b: Features, kanji: bool) -> tuple[Names, Names]:
    if kanji:
        fa, ga, xa, fb, gb, xb = (
            a.family_kanji,
            a.given_kanji,
            a.full_kanji,
            b.family_kanji,
            b.given_kanji,
            b.full_kanji,
        )
    else:
        fa, ga, xa, fb, gb, xb = (
            a.family_kana,
            a.given_kana,
            a.full_kana,
            b.family_kana,
            b.given_kana,
            b.full_kana,
        )
    return _split_like(xa, fa, ga, fb, gb), _split_like(xb, fb, gb, fa, ga)


def compare(a: Features, b: Features) -> Vector:
    """The comparison vector of two patients, one level per feature in :data:`FEATURES`."""
    (fka, gka), (fkb, gkb) = _names(a, b, kanji=True)
    (fya, gya), (fyb, gyb) = _names(a, b, kanji=False)
    return (
        name_level(fka, fkb, fya, fyb),
        name_level(gka, gkb, gya, gyb),
        birth_level(a.birth, b.birth),
        sex_level(a.sex, b.sex),
        address_level(a, b),
        phone_level(a.phones, b.phones),
    )


def describe(vector: Vector) -> dict[str, str | None]:
    """Feature -> level name (None when a side lacks it)."""
    return {
        feature: None if level is None else LEVELS[feature][level]
        for feature, level in zip(FEATURES, vector, strict=True)
    }
