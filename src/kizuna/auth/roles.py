"""Roles and what each may do: one declarative table (documented in docs/security/roles.md).

Two layers answer "may this principal do X":

* **permissions** name capabilities that are not a FHIR interaction (break-glass emergency
  access, consent capture, user administration, audit review, disaster declaration, ...);
* **scopes** (SMART) say which FHIR resource types and interactions the role reaches at
  all. A pharmacist's scopes cover medication-related types only; an emergency team's
  cover the emergency data set only.

Neither layer decides about one patient: the access decision combines the principal, these
tables, the patient's consent and the declared purpose of use.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Permission(StrEnum):
    READ_CLINICAL = "read-clinical"  # the shared record, with the patient's consent
    EMERGENCY_ACCESS = "emergency-access"  # break-glass: the emergency data set, no consent
    CAPTURE_CONSENT = "capture-consent"  # record a patient's consent at the facility
    READ_OWN_RECORD = "read-own-record"  # patients and guardians: their own / children's
    MANAGE_OWN_CONSENT = "manage-own-consent"
    VIEW_OWN_ACCESS_LOG = "view-own-access-log"
    WRITE_CARE_INFO = "write-care-info"  # 医療的ケア児 care information
    SUBMIT_DATA = "submit-data"  # facility systems pushing records
    BULK_EXPORT = "bulk-export"
    MANAGE_USERS = "manage-users"
    MANAGE_CLIENTS = "manage-clients"
    DECLARE_DISASTER = "declare-disaster"
    REVIEW_AUDIT = "review-audit"  # read the audit trail, close emergency reviews


P = Permission

#: the emergency data set (DOMAIN §6): what an emergency team's scopes reach
EMERGENCY_TYPES = (
    "Patient",
    "Coverage",
    "AllergyIntolerance",
    "Condition",
    "MedicationRequest",
    "MedicationDispense",
    "MedicationStatement",
    "Medication",
    "Procedure",
    "Device",
    "DeviceUseStatement",
    "Encounter",
    "Observation",
    "CarePlan",
    "RelatedPerson",
    "Organization",
    "Practitioner",
)

#: what dispensing needs: medication history, allergies, contraindicating diagnoses, labs
PHARMACY_TYPES = (
    "Patient",
    "Coverage",
    "AllergyIntolerance",
    "Condition",
    "MedicationRequest",
    "MedicationDispense",
    "MedicationStatement",
    "MedicationAdministration",
    "Medication",
    "Observation",
    "Organization",
    "Practitioner",
)


def _read(context: str, types: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f"{context}/{t}.rs" for t in types)


@dataclass(frozen=True)
class RoleSpec:
    name: str
    label: str  # English
    label_ja: str
    permissions: frozenset[Permission]
    scopes: tuple[str, ...]  # SMART scopes a principal of this role holds
    needs_facility: bool = False
    needs_prefecture: bool = False
    needs_patients: bool = False


def _role(
    name: str,
    label: str,
    label_ja: str,
    perms: set[Permission],
    scopes: tuple[str, ...],
    **needs: bool,
) -> RoleSpec:
    return RoleSpec(name, label, label_ja, frozenset(perms), scopes, **needs)


CLINICIAN = {P.READ_CLINICAL, P.EMERGENCY_ACCESS, P.CAPTURE_CONSENT}
PUBLIC = {P.READ_OWN_RECORD, P.MANAGE_OWN_CONSENT, P.VIEW_OWN_ACCESS_LOG}

ROLES: dict[str, RoleSpec] = {
    r.name: r
    for r in (
        _role(
            "physician",
            "physician",
            "医師",
            CLINICIAN | {P.WRITE_CARE_INFO},
            ("user/*.rs", "user/Consent.cru", "user/CarePlan.cru"),
            needs_facility=True,
        ),
        _role(
            "dentist",
            "dentist",
            "歯科医師",
            CLINICIAN,
            ("user/*.rs", "user/Consent.cru"),
            needs_facility=True,
        ),
        _role(
            "pharmacist",
            "pharmacist",
            "薬剤師",
            {P.READ_CLINICAL, P.CAPTURE_CONSENT},
            (*_read("user", PHARMACY_TYPES), "user/Consent.cru"),
            needs_facility=True,
        ),
        _role(
            "nurse",
            "nurse",
            "看護師",
            {P.READ_CLINICAL, P.CAPTURE_CONSENT, P.WRITE_CARE_INFO},
            ("user/*.rs", "user/Consent.cru", "user/CarePlan.cru"),
            needs_facility=True,
        ),
        _role(
            "emergency",
            "emergency medical team",
            "救急隊",
            {P.EMERGENCY_ACCESS},
            _read("user", EMERGENCY_TYPES),
            needs_prefecture=True,
        ),
        _role(
            "clerk",
            "reception clerk",
            "医療事務",
            {P.CAPTURE_CONSENT},
            ("user/Patient.rs", "user/Coverage.rs", "user/Organization.rs", "user/Consent.cru"),
            needs_facility=True,
        ),
        _role(
            "patient",
            "patient",
            "本人",
            PUBLIC,
            ("patient/*.rs", "patient/Consent.cru"),
            needs_patients=True,
        ),
        _role(
            "guardian",
            "guardian",
            "保護者",
            PUBLIC | {P.WRITE_CARE_INFO},
            (
                "patient/*.rs",
                "patient/Consent.cru",
                "patient/CarePlan.cru",
                "patient/RelatedPerson.cru",
            ),
            needs_patients=True,
        ),
        _role(
            "network_admin",
            "network administrator",
            "ネットワーク管理者",
            {P.MANAGE_USERS, P.MANAGE_CLIENTS, P.DECLARE_DISASTER},
            (),
        ),
        _role("auditor", "auditor", "監査担当者", {P.REVIEW_AUDIT}, ("user/AuditEvent.rs",)),
        # facility systems and regional networks; their scopes come from the registration
        _role("system", "facility system", "施設システム", {P.SUBMIT_DATA, P.BULK_EXPORT}, ()),
    )
}

USER_ROLES = tuple(name for name in ROLES if name != "system")
CLIENT_ROLES = ("system",)


def role_spec(role: str) -> RoleSpec:
    try:
        return ROLES[role]
    except KeyError:
        raise ValueError(f"unknown role {role!r}; known: {', '.join(ROLES)}") from None


def permits(role: str, permission: Permission | str) -> bool:
    """Whether ``role`` holds ``permission`` (unknown roles hold nothing)."""
    spec = ROLES.get(role)
    return spec is not None and Permission(permission) in spec.permissions


def permissions_of(role: str) -> frozenset[Permission]:
    spec = ROLES.get(role)
    return spec.permissions if spec else frozenset()


def roles_with(permission: Permission | str) -> list[str]:
    return [name for name, spec in ROLES.items() if Permission(permission) in spec.permissions]
