"""Appending events to the chain: one linear sequence, whatever the number of writers.

``append`` runs inside the caller's write transaction. It locks the chain head (a row
lock on PostgreSQL; SQLite's write transaction is already exclusive), numbers the events
after the head, chains their hashes, inserts them with their patient index rows and
review-queue entries, and moves the head. Concurrent writers therefore serialise on the
head for the few statements of an append and produce one gap-free chain.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import orjson

from kizuna.audit.chain import CHAIN_COLUMNS, GENESIS, ROW_COLUMNS, SEQ, row_hash
from kizuna.audit.event import LIMITS, Action, AuditEvent, clean_text
from kizuna.store.db import Database, Tx


def _now_ms() -> int:
    return int(time.time() * 1000)


def event_values(event: AuditEvent, seq: int, at_ms: int) -> list[Any]:
    """The CHAIN_COLUMNS values of ``event`` as they are stored (and hashed)."""
    pids = " ".join(dict.fromkeys(event.patient_ids)) or None
    data = orjson.dumps(list(dict.fromkeys(event.data))).decode() if event.data else None
    fields = {
        "seq": seq,
        "at_ms": event.at_ms if event.at_ms is not None else at_ms,
        "patient_ids": pids,
        "data": data,
    }
    values = []
    for column in CHAIN_COLUMNS:
        if column in fields:
            values.append(fields[column])
        else:
            raw = getattr(event, column)
            values.append(
                clean_text(str(raw), LIMITS.get(column, 500)) if raw is not None else None
            )
    return values


def lock_head(tx: Tx) -> tuple[int, str]:
    """The chain head (seq, hash), locked until the transaction ends."""
    lock = " FOR UPDATE" if tx.dialect == "postgresql" else ""
    row = tx.fetchone(f"SELECT seq, hash FROM audit_head WHERE id = 1{lock}")
    if row is None:
        last = tx.fetchone("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
        seq, head = (last[0], last[1]) if last else (0, GENESIS)
        tx.execute(
            "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?) ON CONFLICT (id) DO NOTHING",
            (seq, head),
        )
        row = tx.fetchone(f"SELECT seq, hash FROM audit_head WHERE id = 1{lock}")
    assert row is not None
    return int(row[0]), str(row[1])


def append(tx: Tx, events: Sequence[AuditEvent], at_ms: int | None = None) -> list[int]:
    """Chain ``events`` onto the log in this transaction; returns their sequence numbers."""
    if not events:
        return []
    now = at_ms if at_ms is not None else _now_ms()
    prepared = [event_values(event, 0, now) for event in events]  # before taking the lock
    seq, prev = lock_head(tx)
    rows: list[tuple[Any, ...]] = []
    patients: list[tuple[str, int]] = []
    reviews: list[tuple[int, int, str]] = []
    seqs: list[int] = []
    for event, values in zip(events, prepared, strict=True):
        seq += 1
        values[SEQ] = seq
        digest = row_hash(prev, values)
        rows.append((*values, prev, digest))
        patients.extend((pid, seq) for pid in dict.fromkeys(event.patient_ids))
        if event.action == Action.EMERGENCY_ACCESS:
            reviews.append((seq, values[1], "open"))
        seqs.append(seq)
        prev = digest
    tx.insert_rows("audit_log", ROW_COLUMNS, rows)
    tx.insert_rows("audit_patients", ("patient_id", "seq"), patients)
    tx.insert_rows("audit_reviews", ("seq", "opened_ms", "status"), reviews)
    tx.execute("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", (seq, prev))
    return seqs


def append_committed(db: Database, events: Sequence[AuditEvent]) -> list[int]:
    """Chain ``events`` onto the log in a transaction of their own; their sequence numbers.

    On PostgreSQL this is one statement on an autocommit connection: the database
    function ``kizuna_audit_append`` (migration ``audit_0003``) does what :func:`append`
    does, so the chain head is locked only while the database works."""
    if not events:
        return []
    if db.dialect != "postgresql":
        with db.transaction() as tx:
            return append(tx, events)
    now = _now_ms()
    lines = b"\n".join(orjson.dumps(event_values(event, 0, now)[1:]) for event in events)
    with db.read() as tx:  # autocommit: the call is its own transaction
        row = tx.fetchone(_APPEND_CALL, (lines.decode(),))
    assert row is not None
    first = int(row[0])
    return list(range(first, first + len(events)))


_APPEND_CALL = "SELECT kizuna_audit_append(?::text)"


def record(target: Database | Tx, event: AuditEvent) -> int:
    """Append one event: inside ``target`` if it is a write transaction, else in its own.

    Recording inside the transaction that changes data makes the change and its audit
    record commit (or fail) together.
    """
    if isinstance(target, Database):
        with target.transaction() as tx:
            return append(tx, [event])[0]
    return append(target, [event])[0]
