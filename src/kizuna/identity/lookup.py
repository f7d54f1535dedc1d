"""Finding patients for the FHIR operations: ``Patient/$match`` and the PIXm-style
``Patient/$ihe-pix`` cross-reference.

``find_matches`` scores a Patient that is not (necessarily) stored against the index:
deterministic keys first (a known member id or local id is a certain match), then the
probabilistic matcher over the candidate's blocks. ``cross_reference`` turns one
identifier into every identifier and Patient of the same person.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from kizuna.fhir import jpcore
from kizuna.identity import index, persons
from kizuna.identity.decide import judge
from kizuna.identity.features import features_of
from kizuna.identity.keys import link_keys, local_key, member_key
from kizuna.identity.matcher import current_model
from kizuna.store import resources as sql
from kizuna.store.db import Tx

GRADES = ("certain", "probable", "possible", "certainly-not")


@dataclass(frozen=True, slots=True)
class Match:
    patient_id: str
    score: float
    grade: str  # certain | probable | possible
    resource: dict[str, Any]


def _stored_patients(tx: Tx, ids: list[str]) -> dict[str, dict[str, Any]]:
    found = sql.current(tx, [("Patient", i) for i in ids])
    return {
        key[1]: orjson.loads(v.content) for key, v in found.items() if v.content and not v.deleted
    }


def _key_owners(tx: Tx, keys: list[str]) -> list[str]:
    if not keys:
        return []
    rows = sql.rows_by_values(tx, "identity_keys", ("patient_id",), "link_key", keys)
    return sorted({r[0] for r in rows})


def _grade(decision: str, probability: float, possible: float) -> str | None:
    if decision == "auto":
        return "certain"
    if decision == "review":
        return "probable"
    if decision == "none" and probability >= possible:
        return "possible"
    return None


def find_matches(
    tx: Tx, patient: dict[str, Any], only_certain: bool = False, count: int | None = None
) -> list[Match]:
    """Stored patients that match ``patient``, best first."""
    scored: dict[str, tuple[float, str]] = {
        p: (1.0, "certain") for p in _key_owners(tx, link_keys(patient))
    }
    features = features_of(patient)
    model = current_model(tx)
    candidates = index.stored(tx, index.candidate_ids(tx, features, ""))
    for other, theirs in candidates.items():
        if other in scored:
            continue
        judgement = judge(model, features, theirs)
        grade = _grade(judgement.decision, judgement.probability, model.thresholds.possible)
        if grade is not None:
            scored[other] = (round(judgement.probability, 6), grade)
    if only_certain:
        scored = {p: s for p, s in scored.items() if s[1] == "certain"}
    ranked = sorted(scored.items(), key=lambda item: (-item[1][0], item[0]))
    if count is not None:
        ranked = ranked[:count]
    resources = _stored_patients(tx, [p for p, _ in ranked])
    return [Match(p, score, grade, resources[p]) for p, (score, grade) in ranked if p in resources]


def patients_with_identifier(tx: Tx, system: str, value: str) -> list[str]:
    """Patients bearing the identifier: through the link keys (normalised, so full-width
    digits still match), else through the FHIR search index (exact system and value)."""
    key = member_key(value) if system == jpcore.INSURANCE_MEMBER_ID else local_key(system, value)
    found = _key_owners(tx, [key]) if key else []
    if not found:
        rows = tx.fetchall(
            "SELECT DISTINCT res_id FROM sp_token WHERE res_type = 'Patient'"
            " AND param = 'identifier' AND code = ? AND system = ?",
            (value, system),
        )
        found = [r[0] for r in rows]
    return sorted(set(found) & set(_stored_patients(tx, found)))


@dataclass(frozen=True, slots=True)
class CrossReference:
    person_id: str | None
    patient_ids: list[str]
    identifiers: list[dict[str, Any]]


def _identity(identifier: dict[str, Any]) -> tuple[str, str]:
    system, value = identifier.get("system") or "", identifier.get("value") or ""
    key = member_key(value) if system == jpcore.INSURANCE_MEMBER_ID else None
    return system, key or value


def cross_reference(
    tx: Tx, system: str, value: str, targets: list[str] | None = None
) -> CrossReference | None:
    """Every identifier and Patient of the person bearing ``system|value``; None if no
    patient bears it. ``targets`` keeps only identifiers of those systems."""
    owners = patients_with_identifier(tx, system, value)
    if not owners:
        return None
    people = {p for p in (persons.person_of(tx, o) for o in owners) if p}
    patient_ids = set(owners)
    for person in people:
        patient_ids.update(persons.patients_of(tx, person))
    resources = _stored_patients(tx, sorted(patient_ids))
    identifiers: dict[tuple[str, str], dict[str, Any]] = {}
    for patient_id in sorted(resources):
        for ident in resources[patient_id].get("identifier") or []:
            if isinstance(ident, dict) and ident.get("value"):
                identifiers.setdefault(_identity(ident), ident)
    chosen = [i for i in identifiers.values() if not targets or (i.get("system") or "") in targets]
    person_id = sorted(people)[0] if len(people) == 1 else None
    return CrossReference(person_id, sorted(resources), chosen)
