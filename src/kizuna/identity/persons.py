"""Persons: each Patient (one per source record after deterministic linking) belongs to
exactly one person, and every change of membership is an append-only link event.

``identity_links`` holds the current membership (one row per patient, indexed both ways);
``identity_events`` holds how it came to be: create, link, unlink and merge, each with
the kind (deterministic, auto, manual), the score, who and when. Nothing is deleted.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from kizuna.fhir.instant import now_ms
from kizuna.ingest.base import stable_id
from kizuna.store.db import Tx

KINDS = ("deterministic", "auto", "manual")


class UnknownPatient(LookupError):
    """The patient is not in the patient index."""


@dataclass(frozen=True, slots=True)
class LinkEvent:
    event_id: int
    at_ms: int
    action: str  # create | link | unlink | merge
    patient_id: str
    person_id: str
    previous_person_id: str | None
    kind: str
    score: float | None
    actor: str
    reason: str | None


def person_of(tx: Tx, patient_id: str) -> str | None:
    """The person a patient belongs to; None if the patient is not indexed."""
    row = tx.fetchone("SELECT person_id FROM identity_links WHERE patient_id = ?", (patient_id,))
    return row[0] if row else None


def patients_of(tx: Tx, person_id: str) -> list[str]:
    """Every patient of a person, in id order (empty for an unknown person)."""
    rows = tx.fetchall(
        "SELECT patient_id FROM identity_links WHERE person_id = ? ORDER BY patient_id",
        (person_id,),
    )
    return [r[0] for r in rows]


def linked_patients(tx: Tx, patient_id: str) -> list[str]:
    """Every patient of the person ``patient_id`` belongs to, in id order, in one query
    (empty if the patient is not indexed)."""
    rows = tx.fetchall(
        "SELECT l.patient_id FROM identity_links l WHERE l.person_id = "
        "(SELECT p.person_id FROM identity_links p WHERE p.patient_id = ?) ORDER BY l.patient_id",
        (patient_id,),
    )
    return [r[0] for r in rows]


def _event(
    tx: Tx,
    action: str,
    patient_id: str,
    person_id: str,
    previous: str | None,
    kind: str,
    score: float | None,
    actor: str,
    reason: str | None,
) -> None:
    tx.execute(
        "INSERT INTO identity_events (at_ms, action, patient_id, person_id, previous_person_id,"
        " kind, score, actor, reason) VALUES (?,?,?,?,?,?,?,?,?)",
        (now_ms(), action, patient_id, person_id, previous, kind, score, actor, reason),
    )


def ensure_person(tx: Tx, patient_id: str, actor: str = "ingest") -> str:
    """The patient's person, creating a person of its own when it has none."""
    found = person_of(tx, patient_id)
    if found is not None:
        return found
    return create_person(tx, patient_id, actor)


def create_person(tx: Tx, patient_id: str, actor: str = "ingest") -> str:
    """A person of its own for a patient known to have none."""
    person_id = stable_id("Person", patient_id)
    tx.execute(
        "INSERT INTO identity_links (patient_id, person_id, kind, score, actor, linked_ms)"
        " VALUES (?,?,?,?,?,?)",
        (patient_id, person_id, "deterministic", None, actor, now_ms()),
    )
    _event(tx, "create", patient_id, person_id, None, "deterministic", None, actor, None)
    return person_id


def _move(
    tx: Tx,
    patient_ids: list[str],
    to_person: str,
    action: str,
    kind: str,
    score: float | None,
    actor: str,
    reason: str | None,
) -> None:
    for patient_id in patient_ids:
        previous = person_of(tx, patient_id)
        tx.execute(
            "UPDATE identity_links SET person_id = ?, kind = ?, score = ?, actor = ?,"
            " linked_ms = ? WHERE patient_id = ?",
            (to_person, kind, score, actor, now_ms(), patient_id),
        )
        _event(tx, action, patient_id, to_person, previous, kind, score, actor, reason)


def _require(tx: Tx, patient_id: str) -> str:
    person = person_of(tx, patient_id)
    if person is None:
        raise UnknownPatient(patient_id)
    return person


def merge(
    tx: Tx,
    keep: str,
    gone: str,
    actor: str,
    reason: str | None = None,
    kind: str = "manual",
    score: float | None = None,
    action: str = "merge",
) -> str:
    """Move every patient of person ``gone`` into person ``keep``; returns ``keep``."""
    if kind not in KINDS:
        raise ValueError(f"unknown link kind {kind!r}")
    if keep != gone:
        _move(tx, patients_of(tx, gone), keep, action, kind, score, actor, reason)
    return keep


def link(
    tx: Tx,
    patient_a: str,
    patient_b: str,
    actor: str,
    reason: str | None = None,
    kind: str = "manual",
    score: float | None = None,
) -> str:
    """Put two patients in one person (the larger of their persons absorbs the other)."""
    person_a, person_b = _require(tx, patient_a), _require(tx, patient_b)
    if person_a == person_b:
        return person_a
    keep, gone = person_a, person_b
    if len(patients_of(tx, person_b)) > len(patients_of(tx, person_a)):
        keep, gone = person_b, person_a
    return merge(tx, keep, gone, actor, reason, kind, score, action="link")


def unlink(tx: Tx, patient_id: str, actor: str, reason: str | None = None) -> tuple[str, list[str]]:
    """Take a patient out of its person into a new person of its own.

    Returns the new person id and the patients it was separated from.
    """
    person = _require(tx, patient_id)
    others = [p for p in patients_of(tx, person) if p != patient_id]
    if not others:
        return person, []
    new_person = str(uuid.uuid4())
    _move(tx, [patient_id], new_person, "unlink", "manual", None, actor, reason)
    return new_person, others


def history(
    tx: Tx, patient_id: str | None = None, person_id: str | None = None, limit: int = 1000
) -> list[LinkEvent]:
    """Link events of a patient, or of a person (events into or out of it), oldest first."""
    columns = (
        "SELECT event_id, at_ms, action, patient_id, person_id, previous_person_id, kind,"
        " score, actor, reason FROM identity_events"
    )
    if patient_id is not None:
        rows = tx.fetchall(
            f"{columns} WHERE patient_id = ? ORDER BY event_id LIMIT ?", (patient_id, limit)
        )
    elif person_id is not None:
        rows = tx.fetchall(
            f"{columns} WHERE person_id = ? OR previous_person_id = ? ORDER BY event_id LIMIT ?",
            (person_id, person_id, limit),
        )
    else:
        rows = tx.fetchall(f"{columns} ORDER BY event_id DESC LIMIT ?", (limit,))
        rows.reverse()
    return [LinkEvent(*r) for r in rows]
