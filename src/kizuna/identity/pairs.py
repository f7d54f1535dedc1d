"""Candidate pairs the matcher has judged: the review queue and the operators' decisions.

A pair is stored once (``patient_a < patient_b``) with the model's probability and the
comparison vector (the evidence per feature). Its status is ``pending`` (in the review
queue), ``linked`` (auto-linked), ``accepted`` or ``rejected`` (an operator decided). A
decided pair is never proposed again and a rejected pair is never auto-linked.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import orjson

from kizuna.fhir.instant import now_ms
from kizuna.identity.compare import Vector
from kizuna.store.db import Row, Tx

DECIDED = ("accepted", "rejected")
_COLUMNS = (
    "SELECT pair_id, patient_a, patient_b, probability, vector, status, reason,"
    " decided_by, created_ms, updated_ms FROM identity_pairs"
)


@dataclass(frozen=True, slots=True)
class Pair:
    pair_id: int
    patient_a: str
    patient_b: str
    probability: float
    vector: Vector
    status: str
    reason: str | None
    decided_by: str | None
    created_ms: int
    updated_ms: int


def _pair(row: Row) -> Pair:
    vector = tuple(orjson.loads(row[4]))
    return Pair(row[0], row[1], row[2], row[3], vector, *row[5:])


def ordered(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def get(tx: Tx, a: str, b: str) -> Pair | None:
    row = tx.fetchone(f"{_COLUMNS} WHERE patient_a = ? AND patient_b = ?", ordered(a, b))
    return _pair(row) if row else None


def by_id(tx: Tx, pair_id: int) -> Pair | None:
    row = tx.fetchone(f"{_COLUMNS} WHERE pair_id = ?", (pair_id,))
    return _pair(row) if row else None


def record(
    tx: Tx,
    a: str,
    b: str,
    probability: float,
    vector: Vector,
    status: str,
    reason: str | None = None,
    decided_by: str | None = None,
) -> None:
    """Insert or update a pair; a pair an operator decided keeps its decision."""
    first, second = ordered(a, b)
    now = now_ms()
    tx.execute(
        "INSERT INTO identity_pairs (patient_a, patient_b, probability, vector, status, reason,"
        " decided_by, created_ms, updated_ms) VALUES (?,?,?,?,?,?,?,?,?)"
        " ON CONFLICT (patient_a, patient_b) DO UPDATE SET probability = excluded.probability,"
        " vector = excluded.vector, status = excluded.status, reason = excluded.reason,"
        " decided_by = excluded.decided_by, updated_ms = excluded.updated_ms"
        " WHERE identity_pairs.status NOT IN ('accepted', 'rejected')"
        " OR excluded.status IN ('accepted', 'rejected')",
        (
            first,
            second,
            probability,
            orjson.dumps(list(vector)).decode(),
            status,
            reason,
            decided_by,
            now,
            now,
        ),
    )


def listing(tx: Tx, status: str = "pending", limit: int = 50, offset: int = 0) -> list[Pair]:
    """Pairs with a status, most probable first."""
    rows = tx.fetchall(
        f"{_COLUMNS} WHERE status = ? ORDER BY probability DESC, pair_id LIMIT ? OFFSET ?",
        (status, limit, offset),
    )
    return [_pair(r) for r in rows]


def count(tx: Tx, status: str = "pending") -> int:
    row = tx.fetchone("SELECT COUNT(*) FROM identity_pairs WHERE status = ?", (status,))
    return int(row[0]) if row else 0


def rejected_across(tx: Tx, left: Iterable[str], right: Iterable[str]) -> bool:
    """Whether an operator rejected any pair with one patient in each group."""
    left_set, right_set = set(left), set(right)
    everyone = sorted(left_set | right_set)
    marks = ",".join("?" * len(everyone))
    rows = tx.fetchall(
        f"SELECT patient_a, patient_b FROM identity_pairs WHERE status = 'rejected'"
        f" AND patient_a IN ({marks}) AND patient_b IN ({marks})",
        [*everyone, *everyone],
    )
    return any(
        (a in left_set and b in right_set) or (a in right_set and b in left_set) for a, b in rows
    )
