"""Writes the viewer makes on a person's behalf: consent capture and care information."""

from __future__ import annotations

from kizuna.access import decision as access
from kizuna.audit.event import Action, AuditEvent, actor_fields
from kizuna.audit.store import record
from kizuna.auth.principal import Principal
from kizuna.auth.roles import Permission
from kizuna.consent.model import ConsentState
from kizuna.consent.service import list_consents
from kizuna.fhir import writes
from kizuna.fhir.instant import format_instant, now_ms
from kizuna.fhir.validate import check_resource
from kizuna.ingest.base import stable_id
from kizuna.store.db import Database
from kizuna.viewer.compose.careinfo import CareForm, build_care_plan


class CareInfoNotAllowed(PermissionError):
    """Only a guardian (or a clinician allowed to) may register a child's care information."""


def person_of(db: Database, patient_id: str) -> tuple[str, ...]:
    with db.read() as tx:
        return access.person_patients(tx, patient_id)


def consent_overview(
    db: Database, principal: Principal, patient_id: str
) -> tuple[ConsentState, list[dict[str, object]]]:
    with db.read() as tx:
        patients = access.person_patients(tx, patient_id)
        return access.consent_state(tx, principal, patients), list_consents(tx, patients)


def care_plan_id(patient_id: str) -> str:
    return stable_id("CarePlan", "medical-care-child", patient_id)


def save_care_info(
    db: Database, principal: Principal, patient_id: str, form: CareForm, address: str | None = None
) -> str:
    """Store the guardian's care information as the child's CarePlan; returns its id."""
    if principal.role != "guardian" or not principal.permits(Permission.WRITE_CARE_INFO):
        raise CareInfoNotAllowed("only a guardian may register care information here")
    if patient_id not in principal.patient_ids:
        raise CareInfoNotAllowed("not this guardian's child")
    plan_id = care_plan_id(patient_id)
    plan = build_care_plan(
        patient_id, form, f"guardian:{principal.subject}", format_instant(now_ms()), plan_id
    )
    check_resource(plan, "CarePlan")
    with db.transaction() as tx:
        (outcome,) = writes.apply(tx, [writes.Put(plan)])
        action = Action.CREATE if outcome.status == 201 else Action.UPDATE
        record(
            tx,
            AuditEvent(
                action=action,
                patient_ids=(patient_id,),
                data=(f"CarePlan/{plan_id}",),
                purpose="patient-request",
                client_ip=address,
                **actor_fields(principal),
            ),
        )
    return plan_id


def audit_consent_change(
    db: Database,
    principal: Principal,
    patient_ids: tuple[str, ...],
    consent_ids: list[str],
    address: str | None,
) -> None:
    purpose = "patient-request" if principal.role in ("patient", "guardian") else "treatment"
    record(
        db,
        AuditEvent(
            action=Action.CONSENT_CHANGE,
            patient_ids=patient_ids,
            data=tuple(f"Consent/{c}" for c in consent_ids),
            purpose=purpose,
            client_ip=address,
            **actor_fields(principal),
        ),
    )
