"""The emergency review queue: every emergency access waits for an auditor's note.

An entry opens in the same transaction as the emergency-access audit record (see
``store.append``), so none can be skipped. Closing one needs the review-audit permission
and a note; the closing itself is recorded on the chain, with the SHA-256 of the note, so a
note edited afterwards no longer matches its chained digest (``note_digest``).
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from kizuna.audit.event import Action, AuditEvent, Purpose
from kizuna.audit.records import ROW_COLUMNS, AuditRecord
from kizuna.audit.store import append
from kizuna.auth.principal import Principal
from kizuna.auth.roles import Permission
from kizuna.store.db import Database

MIN_NOTE = 5
_COLUMNS = ", ".join(f"l.{c}" for c in ROW_COLUMNS)
_SELECT = (
    f"SELECT r.seq, r.opened_ms, r.status, r.closed_ms, r.auditor, r.note, {_COLUMNS}"
    " FROM audit_reviews r JOIN audit_log l ON l.seq = r.seq"
)


def note_digest(note: str) -> str:
    """What the chained review-close event keeps of a note (``data`` entry)."""
    return "note-sha256:" + hashlib.sha256(note.encode("utf-8")).hexdigest()


class ReviewError(ValueError):
    """The review cannot be closed (unknown, already closed, or no note)."""


def _review(row: tuple[Any, ...]) -> dict[str, Any]:
    record = AuditRecord.from_row(row[6:])
    return {
        "review_id": row[0],
        "opened_ms": row[1],
        "status": row[2],
        "closed_ms": row[3],
        "auditor": row[4],
        "note": row[5],
        "at": record.local_time(),
        "actor_subject": record.actor_subject,
        "actor_name": record.actor_name,
        "actor_role": record.actor_role,
        "facility_code": record.facility_code,
        "facility_name": record.facility_name,
        "patient_ids": list(record.patient_ids),
        "data": list(record.data),
        "outcome": record.outcome,
        "emergency_reason": record.emergency_reason,
        "client_ip": record.client_ip,
    }


def open_reviews(db: Database, limit: int = 100) -> list[dict[str, Any]]:
    """Emergency accesses still waiting for review, oldest first."""
    with db.read() as tx:
        rows = tx.fetchall(
            f"{_SELECT} WHERE r.status = 'open' ORDER BY r.seq LIMIT ?", (max(1, limit),)
        )
    return [_review(r) for r in rows]


def get_review(db: Database, review_id: int) -> dict[str, Any] | None:
    with db.read() as tx:
        row = tx.fetchone(f"{_SELECT} WHERE r.seq = ?", (review_id,))
    return _review(row) if row else None


def close_review(
    db: Database, review_id: int, auditor: Principal, note: str, at_ms: int | None = None
) -> dict[str, Any]:
    """Close an open review with the auditor's note; recorded on the audit chain."""
    if not auditor.permits(Permission.REVIEW_AUDIT):
        raise PermissionError(f"role {auditor.role!r} may not review emergency access")
    note = note.strip()
    if len(note) < MIN_NOTE:
        raise ReviewError(f"a review note needs at least {MIN_NOTE} characters")
    at = at_ms if at_ms is not None else int(time.time() * 1000)
    lock = " FOR UPDATE" if db.dialect == "postgresql" else ""
    with db.transaction() as tx:
        row = tx.fetchone(f"SELECT status FROM audit_reviews WHERE seq = ?{lock}", (review_id,))
        if row is None:
            raise ReviewError(f"no review {review_id}")
        if row[0] != "open":
            raise ReviewError(f"review {review_id} is already closed")
        tx.execute(
            "UPDATE audit_reviews SET status = 'closed', closed_ms = ?, auditor = ?, note = ?"
            " WHERE seq = ?",
            (at, auditor.subject, note, review_id),
        )
        pids = tx.fetchone("SELECT patient_ids FROM audit_log WHERE seq = ?", (review_id,))
        event = AuditEvent.by(
            auditor,
            Action.REVIEW_CLOSE,
            patient_ids=tuple((pids[0] or "").split()) if pids else (),
            data=(f"AuditEvent/{review_id}", note_digest(note)),
            purpose=Purpose.AUDIT,
            at_ms=at,
        )
        append(tx, [event], at)
    review = get_review(db, review_id)
    assert review is not None
    return review
