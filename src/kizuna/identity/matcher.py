"""Matching one patient against its candidates, and acting on each judgement.

An auto-link merges the two patients' persons (kind ``auto``) unless an operator has
rejected a pair across them, in which case the pair goes to the review queue instead.
A review judgement queues the pair; a pair an operator decided is left alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson

from kizuna.fhir.instant import now_ms
from kizuna.identity import index, pairs, persons
from kizuna.identity.decide import Judgement, judge
from kizuna.identity.features import Features
from kizuna.identity.model import Model, default_model
from kizuna.store.db import Tx


@dataclass
class Tally:
    compared: int = 0
    linked: int = 0
    queued: int = 0


_MODELS: dict[tuple[int, int], Model] = {}


def current_model(tx: Tx) -> Model:
    """The latest estimated model, or the shipped default before any estimate.

    A model with name frequencies is megabytes of JSON, so only its id and time are read
    per call; the parameters are read and parsed once per process.
    """
    row = tx.fetchone(
        "SELECT model_id, created_ms FROM identity_models ORDER BY model_id DESC LIMIT 1"
    )
    if row is None:
        return default_model()
    key = (int(row[0]), int(row[1]))
    if key not in _MODELS:
        params = tx.fetchone("SELECT params FROM identity_models WHERE model_id = ?", (key[0],))
        if len(_MODELS) >= 8:
            _MODELS.clear()
        _MODELS[key] = Model.from_json(orjson.loads(params[0] if params else "{}"))
    return _MODELS[key]


def save_model(tx: Tx, model: Model) -> None:
    tx.execute(
        "INSERT INTO identity_models (created_ms, params) VALUES (?, ?)",
        (now_ms(), orjson.dumps(model.as_json()).decode()),
    )


MAX_CROSS_CHECK = 400  # cross pairs compared before two persons are merged


def _conflict(tx: Tx, group_a: list[str], group_b: list[str], model: Model) -> str | None:
    """Why the two persons must not be merged automatically, or None.

    Linking two patients merges their whole persons, so one good-looking pair could
    chain a twin into her sister's person through a third record. Every pair across the
    two persons is checked: an operator's rejection, a never-link judgement (twins) or
    the parent-and-child guard on any of them sends the pair to review instead.
    """
    if pairs.rejected_across(tx, group_a, group_b):
        return "a rejected pair separates the persons"
    if len(group_a) * len(group_b) > MAX_CROSS_CHECK:
        return "the persons are too large to merge automatically"
    found = index.stored(tx, group_a + group_b)
    for x in group_a:
        for y in group_b:
            if x in found and y in found:
                cross = judge(model, found[x], found[y])
                if cross.decision == "never" or cross.guard == "parent-child":
                    return f"{cross.guard or 'a no-link judgement'} across the persons"
    return None


def act(
    tx: Tx, a: str, b: str, judgement: Judgement, actor: str, tally: Tally, model: Model
) -> None:
    """Link, queue or leave the pair (a, b) as ``judgement`` says."""
    if judgement.decision not in ("auto", "review"):
        return
    decided = pairs.get(tx, a, b)
    if decided is not None and decided.status in pairs.DECIDED:
        return
    person_a, person_b = persons.person_of(tx, a), persons.person_of(tx, b)
    if person_a is None or person_b is None or person_a == person_b:
        return
    p, vector = judgement.probability, judgement.vector
    if judgement.decision == "auto":
        group_a = persons.patients_of(tx, person_a)
        group_b = persons.patients_of(tx, person_b)
        conflict = _conflict(tx, group_a, group_b, model)
        if conflict is None:
            persons.link(tx, a, b, actor, "auto-link", kind="auto", score=round(p, 6))
            pairs.record(tx, a, b, p, vector, "linked")
            tally.linked += 1
            return
        pairs.record(tx, a, b, p, vector, "pending", conflict)
    else:
        pairs.record(tx, a, b, p, vector, "pending", judgement.guard)
    tally.queued += 1


def match_patient(
    tx: Tx,
    patient_id: str,
    features: Features,
    model: Model | None = None,
    actor: str = "matcher",
    tally: Tally | None = None,
    mark: bool = True,
) -> Tally:
    """Compare one patient with its block candidates and act on every judgement; then mark
    it matched (``mark=False``: it was indexed as matched, see ``index_patient``)."""
    model = model or current_model(tx)
    tally = tally or Tally()
    others = index.candidate_ids(tx, features, patient_id)
    for other, theirs in index.stored(tx, others).items():
        tally.compared += 1
        act(tx, patient_id, other, judge(model, features, theirs), actor, tally, model)
    if mark:
        index.mark_matched(tx, [patient_id])
    return tally
