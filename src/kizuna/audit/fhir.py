"""Stored audit rows as FHIR R4 ``AuditEvent`` resources following IHE BALP.

A RESTful read becomes ``IHE.BasicAudit.PatientRead`` (or ``Read`` without a patient),
a search ``PatientQuery``/``Query``, create/update/delete their BALP profiles; logins and
logouts use the DICOM "User Authentication" event. Agents: the user (information
recipient, with role and purpose of use), the user's facility, the client (its network
address), and this server; ``source`` is this server. Entities: the patient(s), the
resources, the (redacted) query, and the X-Request-Id.

One difference from BALP is deliberate: the query entity carries the redacted search
string (identifying values hashed), not the raw request, so that patient data does not
leave the audit table in readable form.
"""

from __future__ import annotations

import base64
from typing import Any

from kizuna.audit.event import Action, Outcome, Purpose
from kizuna.audit.records import AuditRecord
from kizuna.auth.roles import ROLES

BALP = "https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit."
EVENT_TYPE = "http://terminology.hl7.org/CodeSystem/audit-event-type"
DCM = "http://dicom.nema.org/resources/ontology/DCM"
INTERACTION = "http://hl7.org/fhir/restful-interaction"
ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
PARTICIPATION = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
ROLE_CLASS = "http://terminology.hl7.org/CodeSystem/v3-RoleClass"
ENTITY_TYPE = "http://terminology.hl7.org/CodeSystem/audit-entity-type"
OBJECT_ROLE = "http://terminology.hl7.org/CodeSystem/object-role"
SOURCE_TYPE = "http://terminology.hl7.org/CodeSystem/security-source-type"
NETWORK_TYPE = "http://terminology.hl7.org/CodeSystem/network-type"
BALP_ENTITY = "https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType"
FACILITY_SYSTEM = "http://jpfhir.jp/fhir/core/IdSystem/insurance-medical-institution-no"
USER_SYSTEM = "urn:kizuna:user"
CLIENT_SYSTEM = "urn:kizuna:client"
ROLE_SYSTEM = "urn:kizuna:role"
SERVER_NAME = "Kizuna"

#: action -> (type coding, subtype coding, FHIR action code, BALP profile stem)
_REST = {"system": EVENT_TYPE, "code": "rest", "display": "Restful Operation"}
_AUTH = {"system": DCM, "code": "110114", "display": "User Authentication"}
_KINDS: dict[str, tuple[dict[str, str], dict[str, str], str, str | None]] = {
    Action.READ: (_REST, {"system": INTERACTION, "code": "read"}, "R", "Read"),
    Action.EMERGENCY_ACCESS: (_REST, {"system": INTERACTION, "code": "read"}, "R", "Read"),
    Action.SEARCH: (_REST, {"system": INTERACTION, "code": "search-type"}, "E", "Query"),
    Action.CREATE: (_REST, {"system": INTERACTION, "code": "create"}, "C", "Create"),
    Action.UPDATE: (_REST, {"system": INTERACTION, "code": "update"}, "U", "Update"),
    Action.CONSENT_CHANGE: (_REST, {"system": INTERACTION, "code": "update"}, "U", "Update"),
    Action.DELETE: (_REST, {"system": INTERACTION, "code": "delete"}, "D", "Delete"),
    Action.EXPORT: (
        {"system": DCM, "code": "110106", "display": "Export"},
        {"system": INTERACTION, "code": "operation"},
        "R",
        None,
    ),
    Action.LOGIN: (_AUTH, {"system": DCM, "code": "110122", "display": "Login"}, "E", None),
    Action.LOGIN_FAILED: (_AUTH, {"system": DCM, "code": "110122", "display": "Login"}, "E", None),
    Action.LOGOUT: (_AUTH, {"system": DCM, "code": "110123", "display": "Logout"}, "E", None),
}
_OTHER = (
    {"system": DCM, "code": "110100", "display": "Application Activity"},
    {"system": "urn:kizuna:action", "code": ""},
    "E",
    None,
)

_OUTCOME: dict[str, str] = {Outcome.ALLOWED: "0", Outcome.DENIED: "4", Outcome.ERROR: "8"}
_PURPOSE: dict[str, tuple[str, str]] = {
    Purpose.TREATMENT: ("TREAT", "treatment"),
    Purpose.EMERGENCY: ("ETREAT", "Emergency Treatment"),
    Purpose.PATIENT_REQUEST: ("PATRQT", "patient requested"),
    Purpose.OPERATIONS: ("HOPERAT", "healthcare operations"),
    Purpose.AUDIT: ("HSYSADMIN", "health system administration"),
}
#: whether data flows to the client (read) or from it (query parameters, writes)
_CLIENT_RECEIVES = {"R"}


def _coding(system: str, code: str, display: str | None = None) -> dict[str, str]:
    out = {"system": system, "code": code}
    if display:
        out["display"] = display
    return out


def _purposes(record: AuditRecord) -> list[dict[str, Any]]:
    out = []
    if record.purpose in _PURPOSE:
        code, display = _PURPOSE[record.purpose]
        out.append({"coding": [_coding(ACT_REASON, code, display)]})
    if record.action == Action.EMERGENCY_ACCESS:
        emergency: dict[str, Any] = {"coding": [_coding(ACT_REASON, "BTG", "break the glass")]}
        if record.emergency_reason:
            emergency["text"] = record.emergency_reason
        out.append(emergency)
    return out


def _user_agent(record: AuditRecord, purposes: list[dict[str, Any]]) -> dict[str, Any]:
    who: dict[str, Any] = {"identifier": {"system": USER_SYSTEM, "value": record.actor_subject}}
    if record.actor_name:
        who["display"] = record.actor_name
    agent: dict[str, Any] = {
        "type": {"coding": [_coding(PARTICIPATION, "IRCP", "information recipient")]},
        "who": who,
        "requestor": True,
    }
    if record.actor_name:
        agent["name"] = record.actor_name
    if record.actor_role:
        label = ROLES[record.actor_role].label if record.actor_role in ROLES else None
        agent["role"] = [{"coding": [_coding(ROLE_SYSTEM, record.actor_role, label)]}]
    if record.session_id:
        agent["altId"] = record.session_id
    if purposes:
        agent["purposeOfUse"] = purposes
    return agent


def _facility_agent(record: AuditRecord) -> dict[str, Any]:
    who: dict[str, Any] = {"identifier": {"system": FACILITY_SYSTEM, "value": record.facility_code}}
    if record.facility_name:
        who["display"] = record.facility_name
    return {
        "type": {"coding": [_coding(ROLE_CLASS, "PROV", "healthcare provider")]},
        "who": who,
        "requestor": False,
    }


def _peer_agents(record: AuditRecord, fhir_action: str, server: str) -> list[dict[str, Any]]:
    source, destination = (
        _coding(DCM, "110153", "Source Role ID"),
        _coding(DCM, "110152", "Destination Role ID"),
    )
    client_role, server_role = (
        (destination, source) if fhir_action in _CLIENT_RECEIVES else (source, destination)
    )
    client_who: dict[str, Any] = {"display": record.user_agent or "client"}
    if record.client_id:
        client_who = {"identifier": {"system": CLIENT_SYSTEM, "value": record.client_id}}
        if record.actor_name and record.actor_kind == "client":
            client_who["display"] = record.actor_name
    client: dict[str, Any] = {
        "type": {"coding": [client_role]},
        "who": client_who,
        "requestor": record.actor_kind == "client",
    }
    if record.client_ip:
        client["network"] = {"address": record.client_ip, "type": "2"}
    server_agent = {
        "type": {"coding": [server_role]},
        "who": {"display": SERVER_NAME},
        "requestor": False,
        "network": {"address": server, "type": "5"},
    }
    return [client, server_agent]


def _entities(record: AuditRecord, patient_ids: tuple[str, ...]) -> list[dict[str, Any]]:
    entities: list[dict[str, Any]] = []
    for pid in patient_ids:
        patient: dict[str, Any] = {
            "what": {"reference": f"Patient/{pid}"},
            "type": _coding(ENTITY_TYPE, "1", "Person"),
            "role": _coding(OBJECT_ROLE, "1", "Patient"),
        }
        if record.emergency_reason:
            patient["detail"] = [
                {"type": "emergency-reason", "valueString": record.emergency_reason}
            ]
        entities.append(patient)
    for ref in record.data:
        if "/" in ref:
            entities.append(
                {
                    "what": {"reference": ref},
                    "type": _coding(ENTITY_TYPE, "2", "System Object"),
                    "role": _coding(OBJECT_ROLE, "4", "Domain Resource"),
                }
            )
    if record.query is not None:
        entities.append(
            {
                "type": _coding(ENTITY_TYPE, "2", "System Object"),
                "role": _coding(OBJECT_ROLE, "24", "Query"),
                "description": record.query,
                "query": base64.b64encode(record.query.encode()).decode("ascii"),
            }
        )
    if record.request_id:
        entities.append(
            {
                "type": _coding(BALP_ENTITY, "XrequestId"),
                "what": {"identifier": {"value": record.request_id}},
            }
        )
    return entities


def to_fhir_audit_event(
    record: AuditRecord,
    server: str = "urn:kizuna:server",
    patient_id: str | None = None,
    resource_id: str | None = None,
) -> dict[str, Any]:
    """The AuditEvent for ``record`` (all its patients, or only ``patient_id``)."""
    kind = _KINDS.get(record.action)
    event_type, subtype, fhir_action, stem = kind or _OTHER
    if kind is None:
        subtype = {**subtype, "code": record.action}
    patients = (patient_id,) if patient_id else record.patient_ids
    purposes = _purposes(record)
    agents = []
    if record.actor_kind == "user":
        agents.append(_user_agent(record, purposes))
    if record.facility_code:
        agents.append(_facility_agent(record))
    agents += _peer_agents(record, fhir_action, server)
    event: dict[str, Any] = {
        "resourceType": "AuditEvent",
        "id": resource_id or str(record.seq),
        "type": event_type,
        "subtype": [subtype],
        "action": fhir_action,
        "recorded": record.instant(),
        "outcome": _OUTCOME.get(record.outcome, "8"),
        "agent": agents,
        "source": {
            "site": SERVER_NAME,
            "observer": {"display": SERVER_NAME},
            "type": [_coding(SOURCE_TYPE, "4", "Application Server")],
        },
        "entity": _entities(record, patients),
    }
    if stem and record.outcome == Outcome.ALLOWED:
        profile = ("Patient" + stem) if patients else stem
        event["meta"] = {"profile": [BALP + profile]}
    if record.reason:
        event["outcomeDesc"] = record.reason
    if purposes:
        event["purposeOfEvent"] = purposes
    return event


def to_fhir_audit_events(
    record: AuditRecord, server: str = "urn:kizuna:server"
) -> list[dict[str, Any]]:
    """BALP asks for one AuditEvent per patient of a query; other records give one."""
    if record.action != Action.SEARCH or len(record.patient_ids) <= 1:
        return [to_fhir_audit_event(record, server)]
    return [
        to_fhir_audit_event(record, server, pid, f"{record.seq}-{n}")
        for n, pid in enumerate(record.patient_ids, start=1)
    ]
