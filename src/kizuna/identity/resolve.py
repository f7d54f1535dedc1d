"""The one function every ingestion adapter uses to find its patient.

1. **Deterministic linking.** A candidate whose insurance member id (保険者番号:記号:番号:枝番,
   never without 枝番) or facility-local id is already known belongs to that patient;
   otherwise a new patient is created with an id derived from its first key.
2. **The person index.** A new patient gets a person of its own. When the candidate's keys
   are held by two different patients (e.g. a receipt that carries both one hospital's
   chart number and a member id first seen at a pharmacy), their persons are linked
   deterministically, unless the demographics rule it out, which sends the pair to review.
3. **Probabilistic matching** (Fellegi–Sunter, :mod:`kizuna.identity.matcher`) runs only
   when the patient is new or its demographics changed, which is a small share of
   messages: in the same transaction by default (``KIZUNA_IDENTITY_MATCH=inline``), or
   left pending for ``kizuna identity match`` (``KIZUNA_IDENTITY_MATCH=queue``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from kizuna.fhir import writes
from kizuna.identity import index, pairs, persons
from kizuna.identity.cache import ResolveCache, patient_for
from kizuna.identity.decide import judge
from kizuna.identity.keys import link_keys
from kizuna.identity.matcher import current_model, match_patient
from kizuna.identity.merge import merge_patient
from kizuna.store.db import Tx

ACTOR = "ingest"


@dataclass
class Resolution:
    patient_id: str
    created: bool
    linked_by: str | None  # the key that linked to an existing patient, None when new
    conflicts: list[str] = field(default_factory=list)  # keys held by other patients
    # the merged Patient to store (None if unchanged), only over the version it was merged
    # from: a Patient another worker changed meanwhile fails the write (HTTP 412), to retry
    write: writes.Put | None = None
    person_id: str | None = None


class UnlinkablePatient(ValueError):
    """The candidate carries no identifier that could ever link it."""


def match_inline() -> bool:
    return os.environ.get("KIZUNA_IDENTITY_MATCH", "inline").strip().lower() != "queue"


def _link_shared_keys(tx: Tx, patient_id: str, owners: list[str]) -> None:
    """Patients that share a deterministic key with this one are the same person."""
    model = None
    for other in dict.fromkeys(owners):
        persons.ensure_person(tx, other, ACTOR)
        if persons.person_of(tx, other) == persons.person_of(tx, patient_id):
            continue
        decided = pairs.get(tx, patient_id, other)
        if decided is not None and decided.status == "rejected":
            continue
        found = index.stored(tx, [patient_id, other])
        if len(found) == 2:
            model = model or current_model(tx)
            judgement = judge(model, found[patient_id], found[other])
            if judgement.decision == "never":
                pairs.record(
                    tx,
                    patient_id,
                    other,
                    judgement.probability,
                    judgement.vector,
                    "pending",
                    "a shared identifier, but the demographics disagree",
                )
                continue
        persons.link(tx, other, patient_id, ACTOR, "shared identifier", kind="deterministic")


def resolve_patient(
    tx: Tx, candidate: dict[str, Any], cache: ResolveCache | None = None
) -> Resolution:
    """Find or create the patient for ``candidate``, record its keys, index and match it.

    ``cache`` carries what earlier resolutions in the same transaction read (the pipeline
    keeps one per group of units); without it every lookup is a query of its own.
    """
    cache = cache if cache is not None else ResolveCache()
    keys = link_keys(candidate)
    if not keys:
        raise UnlinkablePatient("the patient has neither an insurance member id nor a local id")
    known = cache.owners(tx, keys)
    patient_id = patient_for(keys, known)
    linked_by = next((k for k in keys if known.get(k) == patient_id), None)
    conflicts = [k for k in keys if k in known and known[k] != patient_id]
    new_keys = [(k, patient_id) for k in keys if k not in known]
    if new_keys:
        tx.insert_rows("identity_keys", ("link_key", "patient_id"), new_keys)
        cache.keys_added(new_keys)
    # a conflict links persons whatever the merge gives, so it is never skipped
    merge_key = None if conflicts else cache.merge_key(tx, patient_id, candidate)
    if cache.unchanged(merge_key):
        return Resolution(patient_id, False, linked_by, [], None, cache.person_of(tx, patient_id))
    current = cache.stored_patient(tx, patient_id)
    merged = merge_patient(current, candidate, patient_id)
    changed = current is None or {k: v for k, v in current.items() if k != "meta"} != merged
    if not changed:
        cache.note_unchanged(merge_key)  # the same candidate again: no merge
    _keep_meta(current, merged)
    person_id = _index(tx, cache, patient_id, merged, changed)
    if conflicts:
        _link_shared_keys(tx, patient_id, [known[k] for k in conflicts])
        cache.forget_persons()
        person_id = cache.person_of(tx, patient_id)
    version = cache.stored_version(tx, patient_id) if current is not None else None
    write = writes.Put(merged, if_match=version) if changed else None
    return Resolution(patient_id, current is None, linked_by, conflicts, write, person_id)


def _keep_meta(current: dict[str, Any] | None, merged: dict[str, Any]) -> None:
    """The stored meta (tags, security labels) stays; version and time are the store's."""
    if current is not None and "meta" in current:
        meta = {k: v for k, v in current["meta"].items() if k not in ("versionId", "lastUpdated")}
        if meta:
            merged["meta"] = meta


def _index(
    tx: Tx, cache: ResolveCache, patient_id: str, merged: dict[str, Any], changed: bool
) -> str | None:
    """Person and match features; only a new or changed patient costs more than a lookup."""
    person_id = cache.person_of(tx, patient_id)
    if not changed:
        return person_id
    if person_id is None:
        person_id = persons.create_person(tx, patient_id, ACTOR)
        cache.person_created(patient_id, person_id)
    inline = match_inline()
    features = index.index_patient(tx, patient_id, merged, pending=not inline)
    if features is not None and inline:
        tally = match_patient(tx, patient_id, features, cache.model(tx), "auto", mark=False)
        if tally.linked:
            cache.forget_persons()  # an auto-link merged persons
    return cache.person_of(tx, patient_id) or person_id
