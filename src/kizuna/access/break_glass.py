"""Declaring an emergency: the grant, the patient's notification and the audit record, at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kizuna.access import emergency, notify
from kizuna.access.decision import person_patients
from kizuna.auth.principal import Principal
from kizuna.auth.roles import Permission
from kizuna.fhir.instant import format_instant
from kizuna.store.db import Database


class EmergencyNotAllowed(PermissionError):
    """The principal's role may not break the glass."""


def declare_emergency(
    db: Database,
    principal: Principal,
    patient_id: str,
    reason: str,
    audit: Callable[[dict[str, Any]], None],
    hours: float | None = None,
) -> emergency.Grant:
    if not principal.permits(Permission.EMERGENCY_ACCESS):
        raise EmergencyNotAllowed("this role may not declare an emergency")
    with db.transaction() as tx:
        patients = person_patients(tx, patient_id)
        grant = emergency.declare(
            tx,
            principal.subject,
            principal.role,
            principal.facility_code,
            patient_id,
            reason,
            hours,
        )
        body = {
            "subject": "救急時の情報閲覧 / Emergency access to your health record",
            "text": (
                f"{principal.facility_name or principal.facility_code or ''} の {principal.role} が "
                f"{format_instant(grant.started_ms)} に救急時閲覧を開始しました。理由: {grant.reason}"
            ),
            "who": principal.name,
            "role": principal.role,
            "facility": principal.facility_code,
            "reason": grant.reason,
            "until": format_instant(grant.expires_ms),
        }
        ids = [notify.store(tx, p, "emergency-access", body) for p in patients]
    audit(
        {
            "action": "emergency-access",
            "outcome": "allowed",
            "reason": grant.reason,
            "purpose": "emergency",
            "principal": principal,
            "patient_ids": list(patients),
            "data": {"grant": grant.grant_id, "expires": format_instant(grant.expires_ms)},
            "grant": grant.grant_id,
        }
    )
    for notification_id in ids:
        notify.deliver(db, notification_id)
    return grant
