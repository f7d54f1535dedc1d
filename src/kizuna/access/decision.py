"""The one access decision: may this principal, for this purpose, see this person's data?

It weighs who (role, facility, prefecture), why (purpose of use), and the person's consent
state, emergency grants and declared disasters, and answers with a :class:`Decision` that
every read path turns into SQL limits (``kizuna.access.gate``). A denial carries a reason
for the audit trail only; callers answer a denial exactly as they answer "no such data".
"""

from __future__ import annotations

from dataclasses import dataclass, field

import orjson

from kizuna.access import emergency
from kizuna.auth.principal import Principal
from kizuna.auth.roles import EMERGENCY_TYPES, Permission
from kizuna.consent.categories import CATEGORIES
from kizuna.consent.model import ConsentState, evaluate
from kizuna.fhir.instant import now_ms
from kizuna.identity import persons
from kizuna.store.db import Tx

PURPOSES = ("treatment", "emergency", "patient-request", "operations")
#: the principal of KIZUNA_AUTH=off (conformance testing): every read allowed, still audited
OPEN_ROLE = "open"
#: shown in an emergency even when the patient excluded a category: safety first
EMERGENCY_ALWAYS = frozenset(
    {
        "AllergyIntolerance",
        "MedicationRequest",
        "MedicationDispense",
        "MedicationStatement",
        "MedicationAdministration",
    }
)
STAFF_ROLES = frozenset({"physician", "dentist", "pharmacist", "nurse", "clerk"})


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str  # for the audit trail: consent-active, no-consent, emergency-grant, ...
    purpose: str
    patient_ids: tuple[str, ...] = ()
    excluded_categories: frozenset[str] = frozenset()
    types: frozenset[str] | None = None  # resource types within reach (None: as scopes allow)
    grant_id: str | None = None
    exempt_types: frozenset[str] = field(default_factory=frozenset)  # exclusions do not apply

    @classmethod
    def deny(cls, reason: str, purpose: str, patient_ids: tuple[str, ...] = ()) -> Decision:
        return cls(False, reason, purpose, patient_ids)


def person_patients(tx: Tx, patient_id: str) -> tuple[str, ...]:
    """Every Patient record of the person ``patient_id`` belongs to, that record first."""
    others = [p for p in persons.linked_patients(tx, patient_id) if p != patient_id]
    return (patient_id, *others)


def consents_of(tx: Tx, patient_ids: tuple[str, ...]) -> list[dict[str, object]]:
    marks = ",".join("?" * len(patient_ids))
    rows = tx.fetchall(
        f"SELECT content FROM resources WHERE res_type = 'Consent' AND deleted = 0 AND patient_key IN ({marks})",
        list(patient_ids),
    )
    return [orjson.loads(r[0]) for r in rows]


def networks_of(tx: Tx, facility_code: str | None) -> set[str]:
    """The regional networks (地域医療連携ネットワーク) the facility takes part in."""
    if not facility_code:
        return set()
    rows = tx.fetchall(
        "SELECT r.content FROM resources r WHERE r.res_type = 'OrganizationAffiliation' AND r.deleted = 0 "
        "AND r.res_id IN (SELECT s.res_id FROM sp_token s WHERE s.res_type = 'OrganizationAffiliation' "
        "AND s.param = 'participating-organization:identifier' AND s.code = ?)",
        (facility_code,),
    )
    networks: set[str] = set()
    for row in rows:
        identifier = (orjson.loads(row[0]).get("organization") or {}).get("identifier") or {}
        if identifier.get("system") == "urn:kizuna:network" and identifier.get("value"):
            networks.add(str(identifier["value"]))
    return networks


def consent_state(tx: Tx, principal: Principal, patient_ids: tuple[str, ...]) -> ConsentState:
    return evaluate(
        consents_of(tx, patient_ids),
        principal.facility_code,
        networks_of(tx, principal.facility_code),
        now_ms(),
    )


def _own(principal: Principal, patient_ids: tuple[str, ...], purpose: str) -> Decision:
    if principal.role not in ("patient", "guardian") or not principal.permits(
        Permission.READ_OWN_RECORD
    ):
        return Decision.deny("role-not-permitted", purpose, patient_ids)
    if not set(patient_ids) & set(principal.patient_ids):
        return Decision.deny("not-own-record", purpose, patient_ids)
    return Decision(True, "own-record", purpose, patient_ids)


def _treatment(
    tx: Tx, principal: Principal, patient_ids: tuple[str, ...], purpose: str
) -> Decision:
    if not principal.permits(Permission.READ_CLINICAL) and principal.kind != "client":
        return Decision.deny("role-not-permitted", purpose, patient_ids)
    state = consent_state(tx, principal, patient_ids)
    if not state.permits:
        return Decision.deny(f"consent-{state.state}", purpose, patient_ids)
    return Decision(True, "consent-active", purpose, patient_ids, state.excluded_categories)


def _emergency(
    tx: Tx, principal: Principal, patient_ids: tuple[str, ...], purpose: str
) -> Decision:
    if not principal.permits(Permission.EMERGENCY_ACCESS):
        return Decision.deny("role-not-permitted", purpose, patient_ids)
    grant = emergency.active_grant(tx, principal.subject, patient_ids)
    reason = "emergency-grant"
    if grant is None:
        disaster = emergency.active_disaster(tx, principal.prefecture)
        if disaster is None:
            return Decision.deny("no-emergency-grant", purpose, patient_ids)
        reason, grant = "disaster", f"disaster:{disaster}"
    state = consent_state(tx, principal, patient_ids)
    return Decision(
        True,
        reason,
        purpose,
        patient_ids,
        state.excluded_categories,
        frozenset(EMERGENCY_TYPES),
        grant,
        EMERGENCY_ALWAYS,
    )


def decide(tx: Tx, principal: Principal, purpose: str, patient_id: str) -> Decision:
    """The decision for ``principal`` reading the person that ``patient_id`` belongs to."""
    if purpose not in PURPOSES:
        return Decision.deny("unknown-purpose", purpose)
    patient_ids = person_patients(tx, patient_id)
    if principal.role == OPEN_ROLE:
        return Decision(True, "open-mode", purpose, patient_ids)
    if purpose == "patient-request":
        return _own(principal, patient_ids, purpose)
    if purpose == "emergency":
        return _emergency(tx, principal, patient_ids, purpose)
    if purpose == "treatment":
        return _treatment(tx, principal, patient_ids, purpose)
    return Decision.deny("no-clinical-access-for-operations", purpose, patient_ids)


def default_purpose(principal: Principal) -> str:
    if principal.role in ("patient", "guardian"):
        return "patient-request"
    if principal.role in ("network_admin", "auditor"):
        return "operations"
    return "treatment"


__all__ = ["CATEGORIES", "Decision", "decide", "default_purpose"]
