"""Break-the-glass emergency access and disaster mode.

A clinician or emergency-team member declares an emergency for one person with a reason and
gets the emergency data set for a limited time (24 hours unless configured otherwise). The
patient (or guardian) is notified, and every declaration enters the audit review queue. A
network administrator may declare a disaster for prefectures and a period: registered
responders in those prefectures then have emergency access without declaring per patient.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass

from kizuna.fhir.instant import now_ms
from kizuna.store.db import Tx

HOUR_MS = 3_600_000


def grant_hours() -> float:
    return float(os.environ.get("KIZUNA_EMERGENCY_HOURS", "24"))


@dataclass(frozen=True)
class Grant:
    grant_id: str
    subject: str
    patient_id: str
    reason: str
    started_ms: int
    expires_ms: int


def declare(
    tx: Tx,
    subject: str,
    role: str,
    facility_code: str | None,
    patient_id: str,
    reason: str,
    hours: float | None = None,
    at_ms: int | None = None,
) -> Grant:
    reason = reason.strip()
    if len(reason) < 2:  # two characters: 心停止 and 震災 are reasons
        raise ValueError("an emergency needs a reason")
    start = at_ms if at_ms is not None else now_ms()
    grant = Grant(
        uuid.uuid4().hex,
        subject,
        patient_id,
        reason[:500],
        start,
        start + int((hours if hours is not None else grant_hours()) * HOUR_MS),
    )
    tx.execute(
        "INSERT INTO emergency_grants (grant_id, subject, role, facility_code, patient_id, reason, "
        "started_ms, expires_ms) VALUES (?,?,?,?,?,?,?,?)",
        (
            grant.grant_id,
            subject,
            role,
            facility_code,
            patient_id,
            grant.reason,
            grant.started_ms,
            grant.expires_ms,
        ),
    )
    return grant


def active_grant(
    tx: Tx, subject: str, patient_ids: tuple[str, ...], at_ms: int | None = None
) -> str | None:
    """The id of a live grant of ``subject`` for any of the person's records."""
    when = at_ms if at_ms is not None else now_ms()
    marks = ",".join("?" * len(patient_ids))
    row = tx.fetchone(
        f"SELECT grant_id FROM emergency_grants WHERE subject = ? AND patient_id IN ({marks}) "
        "AND started_ms <= ? AND expires_ms > ? AND revoked_ms IS NULL "
        "ORDER BY expires_ms DESC, grant_id",
        [subject, *patient_ids, when, when],
    )
    return str(row[0]) if row else None


def declare_disaster(
    tx: Tx, prefectures: list[str], starts_ms: int, ends_ms: int, reason: str, declared_by: str
) -> str:
    codes = sorted({f"{int(p):02d}" for p in prefectures})
    if not codes or any(not 1 <= int(c) <= 47 for c in codes):
        raise ValueError("prefectures are numbers 01 to 47")
    if ends_ms <= starts_ms:
        raise ValueError("a disaster period must end after it starts")
    disaster_id = uuid.uuid4().hex[:12]
    tx.execute(
        "INSERT INTO disasters (disaster_id, prefectures, starts_ms, ends_ms, reason, declared_by, declared_ms) "
        "VALUES (?,?,?,?,?,?,?)",
        (disaster_id, ",".join(codes), starts_ms, ends_ms, reason[:500], declared_by, now_ms()),
    )
    return disaster_id


def end_disaster(tx: Tx, disaster_id: str) -> None:
    tx.execute("UPDATE disasters SET ended_ms = ? WHERE disaster_id = ?", (now_ms(), disaster_id))


def active_disaster(tx: Tx, prefecture: str | None, at_ms: int | None = None) -> str | None:
    """The id of a disaster covering ``prefecture`` now, if any."""
    if not prefecture:
        return None
    when = at_ms if at_ms is not None else now_ms()
    rows = tx.fetchall(
        "SELECT disaster_id, prefectures FROM disasters WHERE starts_ms <= ? AND ends_ms > ? AND ended_ms IS NULL",
        (when, when),
    )
    code = f"{int(prefecture):02d}" if prefecture.isdigit() else prefecture
    return next((str(r[0]) for r in rows if code in str(r[1]).split(",")), None)
