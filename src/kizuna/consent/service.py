"""Recording, revoking and listing a person's sharing consents.

Consent is captured at a facility by staff (the patient agrees in person) or given by the
patient or a guardian through the portal. Each change is a versioned FHIR Consent; a
revocation sets ``status`` to ``inactive`` and takes effect on the next request. Guardians
consent for the children their account is linked to.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import orjson

from kizuna.auth.principal import Principal
from kizuna.auth.roles import Permission
from kizuna.consent.model import build_consent, is_sharing_consent, today_iso
from kizuna.fhir import writes
from kizuna.fhir.instant import now_ms
from kizuna.fhir.validate import check_resource
from kizuna.store.db import Database, Tx


class ConsentNotAllowed(PermissionError):
    """The principal may not record or change this person's consent."""


@dataclass(frozen=True)
class ConsentRequest:
    scope: str  # facility | all | network
    start: str | None = None
    end: str | None = None
    network: str | None = None
    excluded_categories: tuple[str, ...] = ()
    excluded_facilities: tuple[str, ...] = ()


def _may_change(principal: Principal, patient_ids: tuple[str, ...]) -> bool:
    if principal.role in ("patient", "guardian"):
        return principal.permits(Permission.MANAGE_OWN_CONSENT) and bool(
            set(patient_ids) & set(principal.patient_ids)
        )
    return principal.permits(Permission.CAPTURE_CONSENT) and principal.facility_code is not None


def list_consents(tx: Tx, patient_ids: tuple[str, ...]) -> list[dict[str, Any]]:
    marks = ",".join("?" * len(patient_ids))
    rows = tx.fetchall(
        f"SELECT content FROM resources WHERE res_type = 'Consent' AND deleted = 0 AND patient_key IN ({marks})",
        list(patient_ids),
    )
    consents = [orjson.loads(r[0]) for r in rows]
    return sorted(
        (c for c in consents if is_sharing_consent(c)),
        key=lambda c: c.get("dateTime", ""),
        reverse=True,
    )


def record(
    db: Database, principal: Principal, patient_ids: tuple[str, ...], request: ConsentRequest
) -> dict[str, Any]:
    """Store a new sharing consent for the person; returns the stored Consent."""
    if not _may_change(principal, patient_ids):
        raise ConsentNotAllowed("not allowed to record consent for this person")
    stamp = now_ms()
    consent = build_consent(
        patient_ids[0],
        request.scope,
        facility_code=principal.facility_code
        if request.scope == "facility" or principal.facility_code
        else None,
        start=request.start or today_iso(stamp),
        end=request.end,
        network=request.network,
        excluded_categories=request.excluded_categories,
        excluded_facilities=request.excluded_facilities,
        recorded_by=f"{principal.role}:{principal.subject}",
        now_ms=stamp,
    )
    consent["id"] = uuid.uuid4().hex
    check_resource(consent, "Consent")
    with db.transaction() as tx:
        (outcome,) = writes.apply(tx, [writes.Put(consent)])
    return orjson.loads(outcome.content or "{}")


def revoke(
    db: Database, principal: Principal, patient_ids: tuple[str, ...], consent_id: str | None = None
) -> int:
    """Revoke one consent, or every active one when ``consent_id`` is None."""
    if not _may_change(principal, patient_ids):
        raise ConsentNotAllowed("not allowed to change consent for this person")
    with db.transaction() as tx:
        active = [c for c in list_consents(tx, patient_ids) if c.get("status") == "active"]
        chosen = [c for c in active if consent_id is None or c.get("id") == consent_id]
        ops: list[writes.Op] = []
        for consent in chosen:
            body = {k: v for k, v in consent.items() if k != "meta"}
            body["status"] = "inactive"
            ops.append(writes.Put(body))
        writes.apply(tx, ops)
    return len(chosen)
