"""Helpers for the audit tests: fill a chain, and tamper with it the way someone with
direct database access would (append-only triggers switched off first)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from tests.conftest import sqlite_triggers_off

from kizuna.audit.chain import ROW_COLUMNS, row_hash
from kizuna.audit.event import AuditEvent
from kizuna.audit.store import append, event_values
from kizuna.store.db import Database, Tx

TABLES = ("audit_log", "audit_patients", "audit_checkpoints")
AT = 1_800_000_000_000


def event(n: int, **fields: object) -> AuditEvent:
    base: dict[str, object] = {
        "action": "read",
        "actor_kind": "user",
        "actor_subject": f"user-{n % 3}",
        "actor_name": f"医師 {n}",
        "actor_role": "physician",
        "patient_ids": (f"patient-{n % 4}",),
        "data": (f"Observation/obs-{n}",),
        "purpose": "treatment",
        "at_ms": AT + n,
    }
    return AuditEvent(**{**base, **fields})  # type: ignore[arg-type]


def fill(db: Database, count: int) -> None:
    with db.transaction() as tx:
        append(tx, [event(n) for n in range(1, count + 1)])


@contextmanager
def tamper(db: Database) -> Iterator[Tx]:
    """A write transaction with the append-only triggers off (restored afterwards)."""
    with db.transaction() as tx:
        if tx.dialect == "postgresql":
            for table in TABLES:
                tx.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            yield tx
            for table in TABLES:
                tx.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        else:
            with sqlite_triggers_off(tx, TABLES):
                yield tx


def move(tx: Tx, old: int, new: int) -> None:
    tx.execute("UPDATE audit_log SET seq = ? WHERE seq = ?", (new, old))


def shift_up(tx: Tx, first: int) -> None:
    """Renumber rows from ``first`` on one place later (via negatives: unique keys)."""
    tx.execute("UPDATE audit_log SET seq = -seq WHERE seq >= ?", (first,))
    tx.execute("UPDATE audit_log SET seq = 1 - seq WHERE seq < 0")


def forge_after(tx: Tx, seq: int, prev_hash: str, **fields: object) -> str:
    """Insert a row at ``seq`` whose hash is computed correctly from ``prev_hash``, with
    its patient index entries (as a careful forger would)."""
    forged = event(999, **fields)
    values = event_values(forged, seq, AT)
    digest = row_hash(prev_hash, values)
    columns = ",".join(ROW_COLUMNS)
    tx.execute(
        f"INSERT INTO audit_log ({columns}) VALUES ({','.join('?' * len(ROW_COLUMNS))})",
        (*values, prev_hash, digest),
    )
    for pid in forged.patient_ids:
        tx.execute(
            "INSERT INTO audit_patients (patient_id, seq) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (pid, seq),
        )
    return digest


def hash_of(db: Database, seq: int) -> str:
    with db.read() as tx:
        row = tx.fetchone("SELECT hash FROM audit_log WHERE seq = ?", (seq,))
    assert row is not None
    return str(row[0])
