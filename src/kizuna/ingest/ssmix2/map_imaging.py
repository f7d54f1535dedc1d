"""OMG-xx: radiology (x1), endoscopy (x2) and physiology (x3) orders, studies, reports.

* Orders (OMG^O19, and the order part of OMI^Z23) become ServiceRequest, one per
  placer order number (ORC-2); ``CH`` children point to their parent (ORC-8 / OBR-29).
  OBX under an order (clinical information such as 臨床病名) go to ServiceRequest.note.
* IPC (study instance UID, accession, modality) becomes an ImagingStudy.
* Results (ORU^R01) become a DiagnosticReport per OBR: text OBX form the conclusion,
  numeric OBX become Observations in DiagnosticReport.result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kizuna.ingest.ssmix2 import codes
from kizuna.ingest.ssmix2.map_common import (
    Context,
    compact,
    concept,
    datetime_of,
    first_practitioner,
    instant_of,
    patient_ref,
)
from kizuna.ingest.ssmix2.map_observation import category, observation
from kizuna.ingest.ssmix2.segments import IPC, OBR, OBX, ORC

SECTION = "http://terminology.hl7.org/CodeSystem/v2-0074"
_SECTIONS = {"1": ("RAD", "Radiology"), "2": ("OTH", "内視鏡"), "3": ("OTH", "生理検査")}
_TEXT_TYPES = {"TX", "ST", "FT"}
_REPORT_STATUS = {
    "F": "final",
    "C": "corrected",
    "P": "preliminary",
    "R": "partial",
    "I": "registered",
    "X": "cancelled",
}


@dataclass(slots=True)
class Group:
    orc: ORC | None
    obr: OBR | None = None
    results: list[OBX] = field(default_factory=list)
    studies: list[IPC] = field(default_factory=list)


def groups_of(ctx: Context) -> list[Group]:
    out: list[Group] = []
    for seg in ctx.message.segments:
        if isinstance(seg, ORC):
            out.append(Group(seg))
        elif isinstance(seg, OBR):
            if not out or out[-1].obr is not None:
                out.append(Group(None))
            out[-1].obr = seg
        elif isinstance(seg, OBX) and out:
            out[-1].results.append(seg)
        elif isinstance(seg, IPC) and out:
            out[-1].studies.append(seg)
    return [g for g in out if g.obr is not None]


def imaging(ctx: Context) -> list[dict]:
    groups = groups_of(ctx)
    if not groups:
        raise ctx.fail("no OBR segment: an examination message without its procedure")
    if ctx.message.msh.message_type.code == "ORU":
        return [r for g in groups for r in _report(ctx, g)]
    requests: dict[str, dict] = {}
    studies: dict[str, dict] = {}
    for group in groups:
        request = _service_request(ctx, group)
        if request is not None:
            request = _merge(requests, request)
        for ipc in group.studies:
            study = _study(ctx, group, ipc, request)
            if study is not None and study["id"] not in studies:
                studies[study["id"]] = study
    return [*requests.values(), *studies.values()]


def _merge(requests: dict[str, dict], request: dict) -> dict:
    """Keep one ServiceRequest per order: a repeated order (NW then PA) adds its notes."""
    known = requests.get(request["id"])
    if known is None:
        requests[request["id"]] = request
        return request
    for note in request.get("note", []):
        if note not in known.setdefault("note", []):
            known["note"].append(note)
    return known


def _order_no(ctx: Context, group: Group) -> str:
    if group.orc and group.orc.placer_order.id:
        return group.orc.placer_order.id
    assert group.obr is not None
    return group.obr.placer_order.id or ctx.order_number


def _parent_no(group: Group) -> str:
    if group.orc and group.orc.parent.placer:
        return group.orc.parent.placer
    return group.obr.parent.placer if group.obr else ""


def _service_request(ctx: Context, group: Group) -> dict | None:
    obr = group.obr
    assert obr is not None
    code = concept(ctx, obr.service)
    if code is None:
        ctx.warn("missing", "OBR-4 procedure code is empty; order left out", obr.pos, "OBR-4")
        return None
    orc = group.orc
    parent = _parent_no(group)
    out: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "id": ctx.rid("ServiceRequest", ctx.data_type, _order_no(ctx, group)),
        "identifier": [
            {
                "system": f"urn:kizuna:ssmix2:{ctx.facility_key}:placer-order",
                "value": _order_no(ctx, group),
            }
        ],
        "basedOn": [
            {"reference": "ServiceRequest/" + ctx.rid("ServiceRequest", ctx.data_type, parent)}
        ]
        if parent
        else [],
        "status": "revoked" if orc and orc.control.upper() in ("CA", "DC") else "active",
        "intent": "order",
        "category": [_section(ctx)],
        "code": code,
        "subject": patient_ref(),
        "occurrenceDateTime": datetime_of(ctx, obr.observed, obr.pos, "OBR-7"),
        "authoredOn": datetime_of(ctx, orc.transaction_time, orc.pos, "ORC-9") if orc else None,
        "requester": (first_practitioner(ctx, orc.ordering_provider) if orc else None)
        or first_practitioner(ctx, obr.ordering_provider),
        "note": [{"text": t} for t in (_note(ctx, obx) for obx in group.results) if t],
    }
    return compact(out)


def _section(ctx: Context) -> dict:
    code, display = _SECTIONS.get(ctx.data_type[-1:], ("OTH", "Other"))
    return {"coding": [{"system": SECTION, "code": code}], "text": display}


def _note(ctx: Context, obx: OBX) -> str:
    """``label: value`` for an OBX carried as order information."""
    label = obx.code.text or obx.code.code
    reader = ctx.message.value_reader()
    values = []
    for raw in obx.values:
        if not raw:
            continue
        parts = [reader.text(p) for p in raw.split(ctx.message.delimiters.component)]
        if obx.value_type.upper() in _TEXT_TYPES or obx.value_type.upper() == "NM":
            values.append(parts[0])
        else:
            values.append(next((p for p in parts[1:] if p), parts[0]))
    value = "、".join(values)
    unit = obx.units.text or obx.units.code
    if value and unit and obx.value_type.upper() == "NM":
        value += " " + unit
    return f"{label}: {value}" if value else ""


def _study(ctx: Context, group: Group, ipc: IPC, request: dict | None) -> dict | None:
    uid = ipc.study_uid.id.strip()
    if not uid:
        ctx.warn("missing", "IPC-3 study instance UID is empty; study left out", ipc.pos, "IPC-3")
        return None
    obr = group.obr
    assert obr is not None
    identifiers: list[dict] = [{"system": "urn:dicom:uid", "value": "urn:oid:" + uid}]
    if ipc.accession.id:
        identifiers.append(
            {
                "type": {
                    "coding": [
                        {"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "ACSN"}
                    ]
                },
                "system": f"urn:kizuna:ssmix2:{ctx.facility_key}:accession",
                "value": ipc.accession.id,
            }
        )
    modality = []
    if ipc.modality.code:
        modality.append({"system": codes.DICOM_DCM, "code": ipc.modality.code})
    procedure = concept(ctx, obr.service)
    out: dict[str, Any] = {
        "resourceType": "ImagingStudy",
        "id": ctx.rid("ImagingStudy", uid),
        "identifier": identifiers,
        "status": "available",
        "modality": modality,
        "subject": patient_ref(),
        "started": datetime_of(ctx, obr.observed, obr.pos, "OBR-7"),
        "basedOn": [{"reference": f"ServiceRequest/{request['id']}"}] if request else [],
        "procedureCode": [procedure] if procedure else [],
        "description": obr.service.text or None,
    }
    return compact(out)


def _report(ctx: Context, group: Group) -> list[dict]:
    obr = group.obr
    assert obr is not None
    code = concept(ctx, obr.service)
    if code is None:
        raise ctx.fail("OBR-4 universal service id is empty", obr.pos, "OBR-4")
    order_no = _order_no(ctx, group)
    effective = datetime_of(ctx, obr.observed, obr.pos, "OBR-7")
    observations = []
    conclusions: list[str] = []
    reader = ctx.message.value_reader()
    for obx in group.results:
        if obx.value_type.upper() in _TEXT_TYPES:
            conclusions.extend(reader.text(v) for v in obx.values if v)
            continue
        obs = observation(
            ctx,
            obx,
            ctx.rid("Observation", ctx.data_type, order_no, obx.code.code, obx.sub_id),
            [category("procedure", "Procedure")],
            effective=effective,
        )
        if obs:
            observations.append(obs)
    report: dict[str, Any] = {
        "resourceType": "DiagnosticReport",
        "id": ctx.rid("DiagnosticReport", ctx.data_type, order_no, obr.service.code),
        "identifier": [
            {"system": f"urn:kizuna:ssmix2:{ctx.facility_key}:placer-order", "value": order_no}
        ]
        if order_no
        else [],
        "status": _REPORT_STATUS.get(obr.status.upper(), "final"),
        "category": [_section(ctx)],
        "code": code,
        "subject": patient_ref(),
        "effectiveDateTime": effective,
        "issued": instant_of(ctx, obr.reported, obr.pos, "OBR-22"),
        "result": [{"reference": f"Observation/{o['id']}"} for o in observations],
        "conclusion": "\n".join(c for c in conclusions if c) or None,
    }
    return [*observations, compact(report)]
