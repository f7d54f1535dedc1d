"""The one function every ingestion adapter uses to find its patient.

Deterministic linking: a candidate whose insurance member id (保険者番号:記号:番号:枝番) or
facility-local id is already known belongs to that patient; otherwise a new patient is
created with an id derived from its first key. The patient index (``kizuna.identity.mpi``)
adds probabilistic matching on top; this hook stays the single entry point.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from kizuna.fhir import writes
from kizuna.identity.keys import link_keys
from kizuna.identity.merge import merge_patient
from kizuna.ingest.base import stable_id
from kizuna.store import resources as sql
from kizuna.store.db import Tx


@dataclass
class Resolution:
    patient_id: str
    created: bool
    linked_by: str | None  # the key that linked to an existing patient, None when new
    conflicts: list[str] = field(default_factory=list)  # keys held by other patients
    write: writes.Put | None = None  # the merged Patient to store (None if unchanged)


class UnlinkablePatient(ValueError):
    """The candidate carries no identifier that could ever link it."""


def _known(tx: Tx, keys: list[str]) -> dict[str, str]:
    marks = ",".join("?" * len(keys))
    rows = tx.fetchall(
        f"SELECT link_key, patient_id FROM identity_keys WHERE link_key IN ({marks})", keys
    )
    return {r[0]: r[1] for r in rows}


def resolve_patient(tx: Tx, candidate: dict[str, Any]) -> Resolution:
    """Find or create the patient for ``candidate`` and record its new link keys."""
    keys = link_keys(candidate)
    if not keys:
        raise UnlinkablePatient("the patient has neither an insurance member id nor a local id")
    known = _known(tx, keys)
    owners = [known[k] for k in keys if k in known]
    patient_id = owners[0] if owners else stable_id("Patient", keys[0])
    linked_by = next((k for k in keys if known.get(k) == patient_id), None)
    conflicts = [k for k in keys if k in known and known[k] != patient_id]
    new_keys = [(k, patient_id) for k in keys if k not in known]
    if new_keys:
        tx.insert_rows("identity_keys", ("link_key", "patient_id"), new_keys)
    stored = sql.current(tx, [("Patient", patient_id)]).get(("Patient", patient_id))
    current = (
        orjson.loads(stored.content) if stored and stored.content and not stored.deleted else None
    )
    merged = merge_patient(current, candidate, patient_id)
    changed = current is None or {k: v for k, v in current.items() if k != "meta"} != merged
    if current is not None and "meta" in current:
        merged["meta"] = {
            k: v for k, v in current["meta"].items() if k not in ("versionId", "lastUpdated")
        }
        if not merged["meta"]:
            merged.pop("meta")
    return Resolution(
        patient_id, current is None, linked_by, conflicts, writes.Put(merged) if changed else None
    )
