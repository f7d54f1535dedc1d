"""What operators do: work the review queue, and link, unlink or merge by hand.

Every action goes through :mod:`kizuna.identity.persons` (so it is a link event with
who, when and why) and leaves a decided pair behind, so the matcher never undoes it: an
accepted pair stays linked, a rejected pair (or a patient unlinked from its person) is
never proposed or auto-linked again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kizuna.identity import index, pairs, persons
from kizuna.identity.compare import FEATURES, LEVELS, compare
from kizuna.identity.features import Features
from kizuna.identity.matcher import current_model
from kizuna.store.db import Tx


class ReviewError(LookupError):
    """The pair or patient named does not exist, or the action does not apply."""


@dataclass(frozen=True, slots=True)
class Evidence:
    feature: str
    level: str | None  # None: one side lacks the value
    weight: float | None
    left: str
    right: str


def _show(f: Features, feature: str) -> str:
    if feature in ("family", "given"):
        kanji = getattr(f, f"{feature}_kanji")
        kana = getattr(f, f"{feature}_kana")
        full = f.full_kanji + f.full_kana if not (kanji or kana) else ()
        return " / ".join(kanji + kana + full)
    if feature == "birth":
        return f.birth
    if feature == "sex":
        return f.sex
    if feature == "address":
        return " / ".join(a.line or a.postal for a in f.addresses)
    return " / ".join(f.phones)


def evidence(tx: Tx, pair: pairs.Pair) -> list[Evidence]:
    """Per feature: the level, its weight in the current model, and both sides' values."""
    found = index.stored(tx, [pair.patient_a, pair.patient_b])
    empty = Features()
    a, b = found.get(pair.patient_a, empty), found.get(pair.patient_b, empty)
    vector = compare(a, b) if pair.patient_a in found and pair.patient_b in found else pair.vector
    weights = current_model(tx).feature_weights(vector)
    return [
        Evidence(
            f, None if level is None else LEVELS[f][level], weights[f], _show(a, f), _show(b, f)
        )
        for f, level in zip(FEATURES, vector, strict=True)
    ]


def _pair(tx: Tx, pair_id: int) -> pairs.Pair:
    found = pairs.by_id(tx, pair_id)
    if found is None:
        raise ReviewError(f"no candidate pair {pair_id}")
    return found


def accept(tx: Tx, pair_id: int, actor: str, reason: str | None = None) -> str:
    """Link the pair's patients (manual link); returns the person id."""
    pair = _pair(tx, pair_id)
    person = persons.link(tx, pair.patient_a, pair.patient_b, actor, reason or "review: accepted")
    pairs.record(
        tx, pair.patient_a, pair.patient_b, pair.probability, pair.vector, "accepted", reason, actor
    )
    return person


def reject(tx: Tx, pair_id: int, actor: str, reason: str | None = None) -> None:
    """Never link the pair; if it was auto-linked, take the second patient out again."""
    pair = _pair(tx, pair_id)
    if persons.person_of(tx, pair.patient_a) == persons.person_of(tx, pair.patient_b):
        persons.unlink(tx, pair.patient_b, actor, reason or "review: rejected")
    pairs.record(
        tx, pair.patient_a, pair.patient_b, pair.probability, pair.vector, "rejected", reason, actor
    )


def link_patients(tx: Tx, a: str, b: str, actor: str, reason: str | None = None) -> str:
    if a == b:
        raise ReviewError("a patient cannot be linked to itself")
    try:
        person = persons.link(tx, a, b, actor, reason)
    except persons.UnknownPatient as exc:
        raise ReviewError(f"unknown patient {exc}") from None
    known = pairs.get(tx, a, b)
    probability, vector = (known.probability, known.vector) if known else (1.0, _vector(tx, a, b))
    pairs.record(tx, a, b, probability, vector, "accepted", reason, actor)
    return person


def unlink_patient(tx: Tx, patient_id: str, actor: str, reason: str | None = None) -> str:
    """Separate a patient from its person; it will not be matched back to those patients."""
    try:
        person, others = persons.unlink(tx, patient_id, actor, reason)
    except persons.UnknownPatient as exc:
        raise ReviewError(f"unknown patient {exc}") from None
    for other in others:
        known = pairs.get(tx, patient_id, other)
        probability = known.probability if known else 0.0
        vector = known.vector if known else _vector(tx, patient_id, other)
        pairs.record(
            tx, patient_id, other, probability, vector, "rejected", reason or "unlinked", actor
        )
    return person


def merge_persons(tx: Tx, keep: str, gone: str, actor: str, reason: str | None = None) -> str:
    if not persons.patients_of(tx, keep) or not persons.patients_of(tx, gone):
        raise ReviewError("both persons must exist")
    return persons.merge(tx, keep, gone, actor, reason)


def _vector(tx: Tx, a: str, b: str) -> tuple[Any, ...]:
    found = index.stored(tx, [a, b])
    if a in found and b in found:
        return compare(found[a], found[b])
    return tuple(None for _ in FEATURES)
