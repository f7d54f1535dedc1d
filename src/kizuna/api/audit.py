"""``GET /fhir/AuditEvent`` for auditors: the audit trail as IHE BALP AuditEvents."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from kizuna.api import responses
from kizuna.api.context import services
from kizuna.api.fhir import _int_param, _params, base_url
from kizuna.api.security import reader_of, require, require_scope
from kizuna.audit.fhir import to_fhir_audit_events
from kizuna.audit.records import search_records
from kizuna.auth.roles import Permission
from kizuna.fhir.indexing.date import range_or_none
from kizuna.fhir.outcome import bad_request

router = APIRouter(prefix="/fhir", tags=["audit"])


def _date(value: str) -> tuple[int | None, int | None]:
    prefix, text = (
        (value[:2], value[2:]) if value[:2] in ("ge", "gt", "le", "lt") else ("eq", value)
    )
    found = range_or_none(text)
    if found is None:
        raise bad_request(f"date {value[:40]!r} is not a FHIR date", "date")
    if prefix in ("ge", "gt"):
        return found[0], None
    if prefix in ("le", "lt"):
        return None, found[1]
    return found


@router.get("/AuditEvent")
def audit_events(request: Request) -> Response:
    reader = reader_of(request)
    require(reader.principal, Permission.REVIEW_AUDIT)
    require_scope(reader.principal, "AuditEvent", "search")
    params = dict(_params(request))
    since, until = _date(params["date"]) if "date" in params else (None, None)
    patient = params.get("patient", "").removeprefix("Patient/") or None
    count = min(_int_param(list(params.items()), "_count", 50), 500)
    before = _int_param(list(params.items()), "_before", 0) or None
    svc = services(request)
    records = search_records(
        svc.db,
        patient_id=patient,
        actor=params.get("agent"),
        action=params.get("subtype"),
        outcome=params.get("outcome"),
        since_ms=since,
        until_ms=until,
        before_seq=before,
        limit=count,
    )
    base = base_url(request, svc)
    entries = [
        {
            "fullUrl": f"{base}/AuditEvent/{event['id']}",
            "resource": event,
            "search": {"mode": "match"},
        }
        for record in records
        for event in to_fhir_audit_events(record, base)
    ]
    links = [{"relation": "self", "url": str(request.url)}]
    if len(records) == count and records:
        links.append(
            {
                "relation": "next",
                "url": f"{base}/AuditEvent?_count={count}&_before={records[-1].seq}",
            }
        )
    reader.note_write("read", "AuditEvent", "search", patient)
    return responses.json(
        {"resourceType": "Bundle", "type": "searchset", "link": links, "entry": entries}
    )
