"""Reading stored audit rows back: one record type for the views and the FHIR endpoint."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import orjson

from kizuna.audit.chain import ROW_COLUMNS
from kizuna.fhir.instant import japan_time
from kizuna.store.db import Database, Row, Tx

_PIDS = ROW_COLUMNS.index("patient_ids")
_DATA = ROW_COLUMNS.index("data")
SELECT = f"SELECT {', '.join(f'l.{c}' for c in ROW_COLUMNS)} FROM audit_log l"


@dataclass(frozen=True)
class AuditRecord:
    seq: int
    at_ms: int
    action: str
    outcome: str
    reason: str | None
    actor_kind: str | None
    actor_subject: str | None
    actor_name: str | None
    actor_role: str | None
    facility_code: str | None
    facility_name: str | None
    client_id: str | None
    session_id: str | None
    request_id: str | None
    patient_ids: tuple[str, ...]
    data: tuple[str, ...]
    query: str | None
    purpose: str | None
    client_ip: str | None
    user_agent: str | None
    emergency_reason: str | None
    prev_hash: str
    hash: str

    @classmethod
    def from_row(cls, row: Row) -> AuditRecord:
        values = list(row)
        values[_PIDS] = tuple(values[_PIDS].split()) if values[_PIDS] else ()
        values[_DATA] = tuple(orjson.loads(values[_DATA])) if values[_DATA] else ()
        return cls(*values)

    def instant(self) -> str:
        """``recorded`` as a FHIR instant (UTC, milliseconds)."""
        at = datetime.fromtimestamp(self.at_ms / 1000, UTC)
        return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")

    def local_time(self) -> str:
        """Japan time, for people."""
        return japan_time(self.at_ms).isoformat(timespec="seconds")


def get_record(db: Database, seq: int) -> AuditRecord | None:
    with db.read() as tx:
        row = tx.fetchone(f"{SELECT} WHERE l.seq = ?", (seq,))
    return AuditRecord.from_row(row) if row else None


def search_records(
    db: Database,
    *,
    patient_id: str | None = None,
    actor: str | None = None,
    action: str | None = None,
    outcome: str | None = None,
    since_ms: int | None = None,
    until_ms: int | None = None,
    before_seq: int | None = None,
    limit: int = 100,
) -> list[AuditRecord]:
    """Newest first. ``before_seq`` pages backwards (pass the last seq of a page)."""
    where: list[str] = []
    params: list[object] = []
    source = SELECT
    if patient_id is not None:
        source += " JOIN audit_patients p ON p.seq = l.seq"
        where.append("p.patient_id = ?")
        params.append(patient_id)
    for column, value in (("l.actor_subject", actor), ("l.action", action), ("l.outcome", outcome)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    for clause, bound in (
        ("l.at_ms >= ?", since_ms),
        ("l.at_ms < ?", until_ms),
        ("l.seq < ?", before_seq),
    ):
        if bound is not None:
            where.append(clause)
            params.append(bound)
    sql = source + (" WHERE " + " AND ".join(where) if where else "")
    sql += " ORDER BY l.seq DESC LIMIT ?"
    params.append(max(1, min(limit, 1000)))
    with db.read() as tx:
        return _records(tx, sql, params)


def _records(tx: Tx, sql: str, params: list[object]) -> list[AuditRecord]:
    return [AuditRecord.from_row(r) for r in tx.fetchall(sql, params)]
