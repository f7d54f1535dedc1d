"""Specific health checkup records -> one JP Core FHIR unit per document.

Each item becomes an Observation coded in the 特定健診 item code system
(``jpcore.CHECKUP_ITEM``) with its value typed as in the source (PQ -> valueQuantity,
CD/CO -> valueCodeableConcept, ST -> valueString, a one-sided IVL_PQ -> valueQuantity
with a comparator), its interpretation and reference range. A value given as nullFlavor
gets a ``dataAbsentReason``; an item marked ``negationInd="true"`` (not done) gets status
``cancelled`` and ``dataAbsentReason`` ``not-performed``. A DiagnosticReport groups the
items; the facility is the performer Organization. See ``docs/ingest/checkup.md``.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from kizuna.fhir import jpcore
from kizuna.ingest.base import (
    PATIENT_REF,
    IngestWarning,
    Location,
    Resource,
    SourceRef,
    Unit,
    stable_id,
)
from kizuna.ingest.checkup.records import REPORT_CATEGORY_OID, CheckupDocument, CheckupItem
from kizuna.ingest.jahis_tc import fhirparts as fp

FORMAT = "checkup"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
DATA_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
REPORT_CATEGORY = "urn:oid:" + REPORT_CATEGORY_OID  # 報告区分: 10 特定健診
REPORT_KIND = "urn:kizuna:codesystem:report-kind"
PATIENT = {"reference": PATIENT_REF}

#: CDA nullFlavor -> FHIR data-absent-reason.
ABSENT = {
    "NI": "unknown",
    "UNK": "unknown",
    "OTH": "unknown",
    "ASKU": "asked-unknown",
    "NAV": "temp-unknown",
    "NASK": "not-asked",
    "MSK": "masked",
    "NA": "not-applicable",
    "NAN": "not-a-number",
    "NP": "not-performed",
    "PINF": "positive-infinity",
    "NINF": "negative-infinity",
}
INTERPRETATIONS = {
    "H": "High",
    "L": "Low",
    "N": "Normal",
    "HH": "Critical high",
    "LL": "Critical low",
    "A": "Abnormal",
}
#: Units written the same way in UCUM (so system and code can be given).
UCUM_UNITS = {
    "cm": "cm",
    "kg": "kg",
    "%": "%",
    "mg/dL": "mg/dL",
    "mg/dl": "mg/dL",
    "U/L": "U/L",
    "IU/L": "[IU]/L",
    "mmHg": "mm[Hg]",
    "kg/m2": "kg/m2",
    "g/dL": "g/dL",
    "g/dl": "g/dL",
    "mL/min/1.73m2": "mL/min/{1.73_m2}",
    "ml/min/1.73m2": "mL/min/{1.73_m2}",
    "/min": "/min",
    "cm2": "cm2",
    "mg/gCr": "mg/g{creat}",
}


def map_document(doc: CheckupDocument, file: str) -> Unit:
    """The unit of one checkup document."""
    member = member_id(doc)
    person = member or f"{doc.kana_name}|{doc.kanji_name}|{doc.birth_date}|{doc.sex}"
    unit_id = stable_id(
        FORMAT, doc.facility_code, person, doc.checkup_date.isoformat(), doc.report_category
    )
    warnings = fp.facility_warning(doc.facility_code, _loc(file, "author", "facility"))
    if doc.insurer:
        warnings += fp.insurer_warning(doc.insurer, _loc(file, "recordTarget", "insurer"))
    org = fp.organization(
        doc.facility_code, doc.facility_name, address=doc.facility_address, phone=doc.facility_phone
    )
    observations = _observations(doc, unit_id, org, file, warnings)
    report = _report(doc, unit_id, org, observations)
    return Unit(
        key=f"{FORMAT}:{unit_id}",
        source=SourceRef(FORMAT, file, doc.document_extension or "document", doc.facility_code),
        patient=patient_candidate(doc),
        resources=[org, *observations, report],
        warnings=warnings,
        version=doc.created.isoformat() if doc.created else "",
    )


def _loc(file: str, segment: str, field: str) -> Location:
    paths = {
        "facility": "/ClinicalDocument/author/assignedAuthor/representedOrganization/id",
        "insurer": "/ClinicalDocument/recordTarget/patientRole/id",
    }
    return Location(file, segment=segment, field=paths.get(field, field))


def member_id(doc: CheckupDocument) -> str | None:
    """``保険者番号:記号:番号:枝番``; None without a two-digit 枝番 (a member id without it
    names a whole family before 2021) or without a well-formed insurer number."""
    branch = doc.branch or ""
    if not doc.insurer or not doc.number or not (len(branch) == 2 and branch.isdigit()):
        return None
    if not (doc.insurer.isdigit() and len(doc.insurer) in (6, 8)):
        return None
    return jpcore.insurance_member_value(doc.insurer, doc.symbol, doc.number, doc.branch)


def patient_candidate(doc: CheckupDocument) -> Resource:
    res: Resource = {
        "resourceType": "Patient",
        "gender": fp.GENDER[doc.sex],
        "birthDate": doc.birth_date.isoformat(),
    }
    member = member_id(doc)
    if member:
        res["identifier"] = [{"system": jpcore.INSURANCE_MEMBER_ID, "value": member}]
    names = fp.person_names(doc.kanji_name, doc.kana_name)
    if names:
        res["name"] = names
    if doc.address or doc.postal_code:
        res["address"] = [{"use": "home", **fp.address_of(doc.address, doc.postal_code)}]
    return res


def _observations(
    doc: CheckupDocument, unit_id: str, org: Resource, file: str, warnings: list[IngestWarning]
) -> list[Resource]:
    seen: Counter[str] = Counter()
    out = []
    for item in doc.items:
        seen[item.code] += 1
        rid = stable_id(FORMAT, unit_id, item.code, seen[item.code])
        out.append(_observation(doc, item, rid, org))
        if item.interpretation and item.interpretation not in INTERPRETATIONS:
            loc = Location(file, field=item.xpath + "/interpretationCode")
            warnings.append(IngestWarning("unknown-code", "interpretation code not known", loc))
    return out


def _observation(doc: CheckupDocument, item: CheckupItem, rid: str, org: Resource) -> Resource:
    coding = {"system": jpcore.CHECKUP_ITEM, "code": item.code}
    if item.display:
        coding["display"] = item.display
    obs: Resource = {
        "resourceType": "Observation",
        "id": rid,
        "status": "cancelled" if item.not_done else "final",
        "category": [_category(item.code)],
        "code": {"coding": [coding], "text": item.display or item.code},
        "subject": PATIENT,
        "effectiveDateTime": doc.checkup_date.isoformat(),
        "performer": [fp.ref(org)],
    }
    if item.not_done:
        obs["dataAbsentReason"] = _absent("not-performed")
    elif item.null_flavor:
        obs["dataAbsentReason"] = _absent(ABSENT.get(item.null_flavor, "unknown"))
    else:
        obs.update(_value(item))
    if item.interpretation in INTERPRETATIONS:
        obs["interpretation"] = [
            {
                "coding": [
                    {
                        "system": INTERPRETATION,
                        "code": item.interpretation,
                        "display": INTERPRETATIONS[item.interpretation],
                    }
                ]
            }
        ]
    rng = _range(item)
    if rng:
        obs["referenceRange"] = [rng]
    if item.method:
        system = f"urn:oid:{item.method_system}" if item.method_system else None
        method: dict[str, Any] = {"code": item.method}
        if system:
            method["system"] = system
        obs["method"] = {"coding": [method]}
    return obs


def _category(code: str) -> dict[str, Any]:
    kind = "laboratory" if code[:1] in "12345678" else "exam"
    return {"coding": [{"system": OBSERVATION_CATEGORY, "code": kind}]}


def _absent(code: str) -> dict[str, Any]:
    return {"coding": [{"system": DATA_ABSENT, "code": code}]}


def _value(item: CheckupItem) -> dict[str, Any]:
    if item.value_type in ("PQ", "IVL_PQ"):
        q = _quantity(item.value, item.unit)
        if item.comparator:
            q["comparator"] = item.comparator
        return {"valueQuantity": q}
    if item.value_type in ("CD", "CO"):
        coding: dict[str, str] = {"code": item.value}
        if item.value_system:
            coding["system"] = f"urn:oid:{item.value_system}"
        if item.value_display:
            coding["display"] = item.value_display
        concept: dict[str, Any] = {"coding": [coding]}
        if item.value_display:
            concept["text"] = item.value_display
        return {"valueCodeableConcept": concept}
    if item.value_type == "ST" and item.value:
        return {"valueString": item.value}
    return {"dataAbsentReason": _absent("unknown")}


def _quantity(value: str, unit: str) -> dict[str, Any]:
    q: dict[str, Any] = {"value": fp.number(Decimal(value))}
    if unit:
        q["unit"] = unit
        if unit in UCUM_UNITS:
            q["system"] = jpcore.UCUM
            q["code"] = UCUM_UNITS[unit]
    return q


def _range(item: CheckupItem) -> dict[str, Any]:
    rng: dict[str, Any] = {}
    unit = item.range_unit or item.unit
    if item.range_low:
        rng["low"] = _quantity(item.range_low, unit)
    if item.range_high:
        rng["high"] = _quantity(item.range_high, unit)
    return rng


def _report(
    doc: CheckupDocument, unit_id: str, org: Resource, observations: list[Resource]
) -> Resource:
    report: Resource = {
        "resourceType": "DiagnosticReport",
        "id": stable_id(FORMAT, unit_id, "report"),
        "status": "final",
        "category": [
            {
                "coding": [{"system": REPORT_KIND, "code": "checkup", "display": "健診"}],
                "text": "健診",
            },
        ],
        "code": {
            "coding": [{"system": REPORT_CATEGORY, "code": doc.report_category}],
            "text": "特定健診結果" if doc.report_category == "10" else "健診結果",
        },
        "subject": PATIENT,
        "effectiveDateTime": doc.checkup_date.isoformat(),
        "performer": [fp.ref(org)],
        "result": [fp.ref(o) for o in observations],
    }
    if doc.document_extension:
        system = f"urn:oid:{doc.document_root}" if doc.document_root else None
        ident: dict[str, str] = {"value": doc.document_extension}
        if system:
            ident["system"] = system
        report["identifier"] = [ident]
    return report
