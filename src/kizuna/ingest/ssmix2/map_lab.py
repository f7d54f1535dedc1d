"""OML-01 lab orders (OML^O33) and OML-11 lab results (OUL^R22).

Segments are grouped as the message structures nest them: SPM opens a specimen, OBR
opens an order (its ORC may come just before it, as in OML^O33, or just after, as in
OUL^R22), and OBX belong to the open order. Orders become ServiceRequest, specimens
Specimen; results add one Observation per OBX and a DiagnosticReport per OBR.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kizuna.ingest.ssmix2.map_common import (
    Context,
    compact,
    concept,
    datetime_of,
    first_practitioner,
    instant_of,
    patient_ref,
    period,
)
from kizuna.ingest.ssmix2.map_observation import category, observation
from kizuna.ingest.ssmix2.segments import NTE, OBR, OBX, ORC, SPM

DIAGNOSTIC_SECTION = "http://terminology.hl7.org/CodeSystem/v2-0074"
_ORDER_STATUS = {"CA": "revoked", "OC": "revoked", "DC": "revoked", "HD": "on-hold"}
_REPORT_STATUS = {
    "F": "final",
    "C": "corrected",
    "P": "preliminary",
    "R": "partial",
    "I": "registered",
    "S": "partial",
    "X": "cancelled",
    "A": "partial",
}


@dataclass(slots=True)
class OrderGroup:
    obr: OBR
    orc: ORC | None
    spm: SPM | None
    results: list[OBX] = field(default_factory=list)
    notes: dict[int, list[str]] = field(default_factory=dict)  # OBX index -> NTE-3 texts


def order_groups(ctx: Context) -> list[OrderGroup]:
    groups: list[OrderGroup] = []
    spm: SPM | None = None
    pending_orc: ORC | None = None
    for seg in ctx.message.segments:
        if isinstance(seg, SPM):
            spm = seg
        elif isinstance(seg, ORC):
            if groups and groups[-1].orc is None and pending_orc is None:
                groups[-1].orc = seg
            else:
                pending_orc = seg
        elif isinstance(seg, OBR):
            groups.append(OrderGroup(seg, pending_orc, spm))
            pending_orc = None
        elif isinstance(seg, OBX) and groups:
            groups[-1].results.append(seg)
        elif isinstance(seg, NTE) and groups and groups[-1].results:
            index = len(groups[-1].results) - 1
            groups[-1].notes.setdefault(index, []).extend(c for c in seg.comments if c)
    return groups


def order_number(ctx: Context, group: OrderGroup) -> str:
    if group.orc and group.orc.placer_order.id:
        return group.orc.placer_order.id
    return group.obr.placer_order.id or ctx.order_number


def lab_order(ctx: Context) -> list[dict]:
    """OML-01: a ServiceRequest per OBR (ordered items in orderDetail) and Specimens."""
    groups = order_groups(ctx)
    if not groups:
        raise ctx.fail("no OBR segment: a lab order without a test")
    out: list[dict] = []
    specimens: dict[int, dict] = {}
    for group in groups:
        spec_ref = _specimen(ctx, group, specimens)
        details = [c for c in (concept(ctx, obx.code) for obx in group.results) if c]
        out.append(service_request(ctx, group, spec_ref, details))
    return [*specimens.values(), *out]


def lab_result(ctx: Context) -> list[dict]:
    """OML-11: Specimen, ServiceRequest, Observation per OBX, DiagnosticReport per OBR."""
    groups = order_groups(ctx)
    if not groups:
        raise ctx.fail("no OBR segment: a lab result without its request")
    out: list[dict] = []
    specimens: dict[int, dict] = {}
    for group in groups:
        spec_ref = _specimen(ctx, group, specimens)
        request = service_request(ctx, group, spec_ref, [])
        request["status"] = "completed"
        out.append(request)
        out.extend(_report(ctx, group, spec_ref, request))
    return [*specimens.values(), *out]


def _report(ctx: Context, group: OrderGroup, spec_ref: dict | None, request: dict) -> list:
    obr = group.obr
    order_no = order_number(ctx, group)
    effective = datetime_of(ctx, obr.observed, obr.pos, "OBR-7")
    if effective is None and group.spm is not None:
        effective = datetime_of(ctx, group.spm.collected.start, group.spm.pos, "SPM-17")
    based_on = [{"reference": f"ServiceRequest/{request['id']}"}]
    observations = []
    for index, obx in enumerate(group.results):
        extra: dict[str, Any] = {"basedOn": based_on}
        if spec_ref:
            extra["specimen"] = spec_ref
        if group.notes.get(index):
            extra["note"] = [{"text": t} for t in group.notes[index]]
        obs = observation(
            ctx,
            obx,
            ctx.rid("Observation", order_no, obr.service.code, obx.code.code, obx.sub_id),
            [category("laboratory", "Laboratory")],
            effective=effective,
            extra=extra,
        )
        if obs:
            observations.append(obs)
    code = concept(ctx, obr.service)
    if code is None:
        raise ctx.fail("OBR-4 universal service id is empty", obr.pos, "OBR-4")
    report: dict[str, Any] = {
        "resourceType": "DiagnosticReport",
        "id": ctx.rid("DiagnosticReport", order_no, obr.service.code, obr.set_id),
        "identifier": _order_identifiers(ctx, group),
        "basedOn": based_on,
        "status": _REPORT_STATUS.get(obr.status.upper(), "final"),
        "category": [
            {"coding": [{"system": DIAGNOSTIC_SECTION, "code": "LAB", "display": "Laboratory"}]}
        ],
        "code": code,
        "subject": patient_ref(),
        "effectivePeriod": period(effective, datetime_of(ctx, obr.observed_end, obr.pos, "OBR-8")),
        "issued": instant_of(ctx, obr.reported, obr.pos, "OBR-22"),
        "specimen": [spec_ref] if spec_ref else [],
        "result": [{"reference": f"Observation/{o['id']}"} for o in observations],
    }
    return [*observations, compact(report)]


def service_request(
    ctx: Context, group: OrderGroup, spec_ref: dict | None, details: list[dict]
) -> dict:
    obr, orc = group.obr, group.orc
    code = concept(ctx, obr.service)
    if code is None:
        raise ctx.fail("OBR-4 universal service id is empty", obr.pos, "OBR-4")
    order_no = order_number(ctx, group)
    authored = datetime_of(ctx, orc.transaction_time, orc.pos, "ORC-9") if orc else None
    requester = (first_practitioner(ctx, orc.ordering_provider) if orc else None) or (
        first_practitioner(ctx, obr.ordering_provider)
    )
    out: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "id": ctx.rid("ServiceRequest", order_no, obr.service.code, obr.set_id),
        "identifier": _order_identifiers(ctx, group),
        "status": _ORDER_STATUS.get(orc.control.upper(), "active") if orc else "active",
        "intent": "order",
        "code": code,
        "orderDetail": details,
        "subject": patient_ref(),
        "occurrencePeriod": period(
            datetime_of(ctx, obr.observed, obr.pos, "OBR-7"),
            datetime_of(ctx, obr.observed_end, obr.pos, "OBR-8"),
        ),
        "authoredOn": authored,
        "requester": requester,
        "specimen": [spec_ref] if spec_ref else [],
    }
    return compact(out)


def _order_identifiers(ctx: Context, group: OrderGroup) -> list[dict]:
    out = []
    placer = order_number(ctx, group)
    filler = (group.orc.filler_order.id if group.orc else "") or group.obr.filler_order.id
    for kind, value in (("placer", placer), ("filler", filler)):
        if value:
            out.append(
                {"system": f"urn:kizuna:ssmix2:{ctx.facility_key}:{kind}-order", "value": value}
            )
    return out


def _specimen(ctx: Context, group: OrderGroup, seen: dict[int, dict]) -> dict | None:
    spm = group.spm
    if spm is None:
        return None
    key = id(spm)
    if key not in seen:
        seen[key] = specimen(ctx, spm, order_number(ctx, group))
    return {"reference": f"Specimen/{seen[key]['id']}"}


def specimen(ctx: Context, spm: SPM, order_no: str) -> dict:
    spec_id = spm.specimen_id.filler or spm.specimen_id.placer
    collected = period(
        datetime_of(ctx, spm.collected.start, spm.pos, "SPM-17"),
        datetime_of(ctx, spm.collected.end, spm.pos, "SPM-17"),
    )
    collection: dict[str, Any] = {}
    if collected and set(collected) == {"start"}:
        collection["collectedDateTime"] = collected["start"]
    elif collected:
        collection["collectedPeriod"] = collected
    body_site = concept(ctx, spm.source_site)
    if body_site:
        collection["bodySite"] = body_site
    out: dict[str, Any] = {
        "resourceType": "Specimen",
        "id": ctx.rid("Specimen", spec_id or f"{order_no}:{spm.set_id}"),
        "identifier": [
            {"system": f"urn:kizuna:ssmix2:{ctx.facility_key}:specimen", "value": spec_id}
        ]
        if spec_id
        else [],
        "type": concept(ctx, spm.specimen_type, "specimen"),
        "subject": patient_ref(),
        "receivedTime": datetime_of(ctx, spm.received, spm.pos, "SPM-18"),
        "collection": collection,
    }
    return compact(out)
