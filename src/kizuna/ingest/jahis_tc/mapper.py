"""JAHIS e-medication notebook records -> JP Core FHIR units.

One :class:`Unit` per dispensing block (調剤日 + pharmacy + patient) holds the pharmacy
and prescriber Organizations, the pharmacist and doctor Practitioners, and for every
drug a MedicationDispense with the MedicationRequest it was dispensed against. A second
unit per export holds the patient-level information: special notes (AllergyIntolerance
or note Observation, see :mod:`kizuna.ingest.jahis_tc.notes`) and OTC drugs
(MedicationStatement). See ``docs/ingest/jahis_tc.md`` for the field-by-field mapping.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from typing import Any

from kizuna.fhir import jpcore
from kizuna.ingest.base import (
    PATIENT_REF,
    IngestWarning,
    Location,
    MappingError,
    Resource,
    SourceRef,
    Unit,
    stable_id,
)
from kizuna.ingest.jahis_tc import fhirparts as fp
from kizuna.ingest.jahis_tc.notes import KIND_LABELS, allergy_substance
from kizuna.ingest.jahis_tc.records import (
    Dispensing,
    Drug,
    OtcDrug,
    PatientInfo,
    PatientNote,
    Prescription,
    Rp,
    TcDocument,
)
from kizuna.textnorm import normalize

FORMAT = "jahis-tc"
RP_NUMBER = "urn:oid:1.2.392.100495.20.3.81"  # 剤グループ (RP) 番号, as in JP ePrescription
RP_SEQUENCE = "urn:oid:1.2.392.100495.20.3.82"  # RP 内連番
NOTE_KIND_SYSTEM = "urn:kizuna:codesystem:jahis-tc:patient-note-kind"
ALLERGY_CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
ALLERGY_VERIFICATION = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
ROLE_SYSTEM = "http://terminology.hl7.org/CodeSystem/practitioner-role"
PATIENT = {"reference": PATIENT_REF}


def map_document(
    doc: TcDocument, file: str, unknown_records: list[Location] | None = None
) -> list[Unit]:
    """All units of one export: one per dispensing, plus one for patient-level data."""
    patient = patient_candidate(doc.patient)
    person = patient_key(doc.patient)
    warnings = [
        IngestWarning("unknown-record", "record number not in the JAHIS TC layout", loc)
        for loc in unknown_records or []
    ]
    units = []
    seen: Counter[str] = Counter()
    for disp in doc.dispensings:
        unit = map_dispensing(disp, file, patient, person, seen)
        unit.warnings.extend(warnings)
        units.append(unit)
    info = map_patient_info(doc, file, patient, person)
    if info is not None:
        info.warnings.extend(warnings)
        units.append(info)
    return units


def patient_key(p: PatientInfo) -> str:
    """A matching key for the person (the format carries no patient id); hashed into ids."""
    return f"{normalize(p.name)}|{normalize(p.kana)}|{p.birth_date.isoformat()}|{p.sex}"


def patient_candidate(p: PatientInfo) -> Resource:
    res: Resource = {"resourceType": "Patient", "birthDate": fp.fhir_date(p.birth_date)}
    names = fp.person_names(p.name, p.kana)
    if names:
        res["name"] = names
    if p.sex in fp.GENDER:
        res["gender"] = fp.GENDER[p.sex]
    if p.phone:
        res["telecom"] = [{"system": "phone", "value": p.phone, "use": "home"}]
    if p.address or p.postal_code:
        res["address"] = [{"use": "home", **fp.address_of(p.address, p.postal_code)}]
    if p.emergency_contact:
        res["contact"] = [
            {
                "telecom": [{"system": "phone", "value": p.emergency_contact}],
                "name": {"text": "緊急連絡先"},
            }
        ]
    return res


# --- dispensing units -------------------------------------------------------------------


class _Ctx:
    """What every resource of one dispensing unit needs."""

    def __init__(self, disp: Dispensing, file: str, unit_id: str) -> None:
        self.disp = disp
        self.file = file
        self.unit_id = unit_id
        self.resources: list[Resource] = []
        self.warnings: list[IngestWarning] = []
        self.pharmacy: Resource | None = None
        self.pharmacist: Resource | None = None
        self._ids: set[tuple[str, str]] = set()

    def loc(self, record: str, field: str | None = None, line: int = 0) -> Location:
        return Location(
            self.file,
            line=line or self.disp.line,
            segment=record,
            field=field,
            record=f"dispensing {self.disp.date.isoformat()}",
        )

    def add(self, resource: Resource) -> Resource:
        key = (resource["resourceType"], resource["id"])
        if key not in self._ids:
            self._ids.add(key)
            self.resources.append(resource)
        return resource


def map_dispensing(
    disp: Dispensing, file: str, patient: Resource, person: str, seen: Counter[str]
) -> Unit:
    pharmacy_code = _pharmacy_code(disp)
    pharmacy_key = pharmacy_code or (f"name:{disp.pharmacy.name}" if disp.pharmacy else "-")
    prescribers = sorted({_prescriber_key(p) for p in disp.prescriptions})
    base = stable_id(FORMAT, pharmacy_key, disp.date.isoformat(), person, *prescribers)
    seen[base] += 1
    unit_id = base if seen[base] == 1 else stable_id(base, seen[base])
    ctx = _Ctx(disp, file, unit_id)
    _pharmacy(ctx, pharmacy_code, pharmacy_key)
    for index, prescription in enumerate(disp.prescriptions, start=1):
        _prescription(ctx, prescription, index)
    if not any(r["resourceType"] == "MedicationDispense" for r in ctx.resources):
        raise MappingError("dispensing has no drug record 201", ctx.loc("5"))
    return Unit(
        key=f"{FORMAT}:{unit_id}",
        source=SourceRef(FORMAT, file, f"line {disp.line}", pharmacy_code),
        patient=patient,
        resources=ctx.resources,
        warnings=list(dict.fromkeys(ctx.warnings)),
    )


def _pharmacy_code(disp: Dispensing) -> str | None:
    ph = disp.pharmacy
    return fp.facility_code(ph.prefecture, ph.table, ph.code) if ph else None


def _prescriber_key(p: Prescription) -> str:
    f = p.facility
    if f is None:
        return "-"
    return fp.facility_code(f.prefecture, f.table, f.code) or f"name:{f.name}"


def _pharmacy(ctx: _Ctx, code: str | None, key: str) -> None:
    ph = ctx.disp.pharmacy
    if ph is not None:
        if code:
            ctx.warnings += fp.facility_warning(code, ctx.loc("11", "facility code", ph.line))
        ctx.pharmacy = ctx.add(
            fp.organization(
                code,
                ph.name,
                address=ph.address,
                postal_code=ph.postal_code,
                phone=ph.phone,
                fallback_key=f"{FORMAT}:{ph.name}",
            )
        )
    pc = ctx.disp.pharmacist
    if pc is not None:
        ctx.pharmacist = ctx.add(
            fp.practitioner(f"{FORMAT}|{key}|{pc.name}", pc.name, phone=pc.contact)
        )


def _prescription(ctx: _Ctx, p: Prescription, index: int) -> None:
    requester = _requester(ctx, p)
    for rp in p.rps:
        for seq, drug in enumerate(rp.drugs, start=1):
            request = _request(ctx, rp, drug, (index, seq), requester)
            ctx.add(request)
            ctx.add(_dispense(ctx, rp, drug, (index, seq), request))


def _requester(ctx: _Ctx, p: Prescription) -> Resource | None:
    org = doctor = None
    if (f := p.facility) is not None:
        code = fp.facility_code(f.prefecture, f.table, f.code)
        if code:
            ctx.warnings += fp.facility_warning(code, ctx.loc("51", "facility code", f.line))
        org = ctx.add(fp.organization(code, f.name, fallback_key=f"{FORMAT}:{f.name}"))
    if (d := p.doctor) is not None:
        org_key = org["id"] if org else "-"
        doctor = ctx.add(fp.practitioner(f"{FORMAT}|{org_key}|{d.name}", d.name))
    if org is not None and doctor is not None:
        role: Resource = {
            "resourceType": "PractitionerRole",
            "id": stable_id("PractitionerRole", doctor["id"], org["id"]),
            "practitioner": fp.ref(doctor),
            "organization": fp.ref(org),
            "code": [{"coding": [{"system": ROLE_SYSTEM, "code": "doctor"}]}],
        }
        if p.doctor and p.doctor.department:
            role["specialty"] = [{"text": p.doctor.department}]
        return ctx.add(role)
    return doctor or org


def _medication(ctx: _Ctx, drug: Drug) -> dict[str, Any]:
    codings, warnings = fp.drug_codings(
        drug.code_type, drug.code, drug.name, ctx.loc("201", "drug code", drug.line)
    )
    ctx.warnings += warnings
    if drug.generic_code:
        generic, more = fp.drug_codings(
            "7", drug.generic_code, drug.generic_name, ctx.loc("201", "generic code", drug.line)
        )
        codings += generic
        ctx.warnings += more
    concept: dict[str, Any] = {"text": drug.name}
    if codings:
        concept["coding"] = codings
    return concept


def _ids(ctx: _Ctx, kind: str, rp: Rp, pos: tuple[int, int]) -> str:
    return stable_id(FORMAT, ctx.unit_id, kind, pos[0], rp.number, pos[1])


def _request(
    ctx: _Ctx, rp: Rp, drug: Drug, pos: tuple[int, int], requester: Resource | None
) -> Resource:
    req: Resource = {
        "resourceType": "MedicationRequest",
        "id": _ids(ctx, "request", rp, pos),
        "identifier": [
            {"system": RP_NUMBER, "value": str(rp.number)},
            {"system": RP_SEQUENCE, "value": str(pos[1])},
        ],
        "status": "completed",
        "intent": "order",
        "medicationCodeableConcept": _medication(ctx, drug),
        "subject": PATIENT,
        "dosageInstruction": [_dosage(rp, drug)],
    }
    if ctx.pharmacy is not None:
        req["reportedReference"] = fp.ref(ctx.pharmacy)
    else:
        req["reportedBoolean"] = True
    if requester is not None:
        req["requester"] = fp.ref(requester)
    return req


def _dispense(ctx: _Ctx, rp: Rp, drug: Drug, pos: tuple[int, int], request: Resource) -> Resource:
    disp = ctx.disp
    res: Resource = {
        "resourceType": "MedicationDispense",
        "id": _ids(ctx, "dispense", rp, pos),
        "status": "completed",
        "medicationCodeableConcept": request["medicationCodeableConcept"],
        "subject": PATIENT,
        "authorizingPrescription": [fp.ref(request)],
        "whenHandedOver": fp.fhir_datetime(disp.date),
        "dosageInstruction": request["dosageInstruction"],
    }
    performers = [{"actor": fp.ref(r)} for r in (ctx.pharmacist, ctx.pharmacy) if r is not None]
    if performers:
        res["performer"] = performers
    usage = rp.usage
    if drug.dose is not None and usage is not None and usage.quantity is not None:
        res["quantity"] = fp.quantity(drug.dose * usage.quantity, drug.unit)
    elif drug.dose is not None and usage is None:
        res["quantity"] = fp.quantity(drug.dose, drug.unit)
    if usage is not None and usage.quantity is not None and usage.unit == "日分":
        res["daysSupply"] = fp.days(usage.quantity)
    notes = _block_notes(disp)
    if notes:
        res["note"] = notes
    return res


def _dosage(rp: Rp, drug: Drug) -> dict[str, Any]:
    dosage: dict[str, Any] = {"sequence": rp.number}
    usage = rp.usage
    if usage is not None and usage.name:
        dosage["text"] = usage.name
    if usage is not None and usage.code_type == "2" and len(usage.code) == 16:
        coding = {"system": jpcore.JAMI_USAGE, "code": usage.code}
        dosage["timing"] = {"code": {"coding": [coding], "text": usage.name or usage.code}}
    extra = [{"text": n.text} for n in (*rp.usage_supplements, *drug.supplements)]
    if extra:
        dosage["additionalInstruction"] = extra
    cautions = [n.text for n in (*drug.cautions, *rp.cautions)]
    if cautions:
        dosage["patientInstruction"] = "\n".join(cautions)
    if drug.dose is not None:
        dosage["doseAndRate"] = [_dose_and_rate(drug.dose, drug.unit, usage.unit if usage else "")]
    return dosage


def _dose_and_rate(dose: Decimal, unit: str, usage_unit: str) -> dict[str, Any]:
    amount = fp.quantity(dose, unit)
    if usage_unit == "日分":  # 内服: the dose is the daily amount
        return {"rateRatio": {"numerator": amount, "denominator": fp.days(Decimal(1))}}
    return {"doseQuantity": amount}


def _block_notes(disp: Dispensing) -> list[dict[str, Any]]:
    notes = [fp.annotation(f"服用注意: {n.text}") for n in disp.cautions]
    notes += [fp.annotation(f"提供情報: {i.text}") for i in disp.provided_info]
    notes += [fp.annotation(f"残薬確認: {n.text}") for n in disp.remaining]
    notes += [fp.annotation(f"備考: {n.text}") for n in disp.remarks]
    notes += [_patient_entry(e.text, e.entered) for e in disp.patient_entries]
    return notes


def _patient_entry(text: str, entered: date | None) -> dict[str, Any]:
    note = fp.annotation(f"患者等記入: {text}", by_patient=True)
    if entered is not None:
        note["time"] = entered.isoformat()
    return note


# --- patient-level unit -----------------------------------------------------------------


def map_patient_info(doc: TcDocument, file: str, patient: Resource, person: str) -> Unit | None:
    """Special notes (2) and OTC drugs (3/31) as one unit, or None when there are none."""
    if not doc.notes and not doc.otc_drugs:
        return None
    owner = stable_id(FORMAT, "patient-info", person)
    resources = [_note_resource(owner, note) for note in doc.notes]
    warnings: list[IngestWarning] = []
    for otc in doc.otc_drugs:
        statement, more = _otc_statement(owner, otc, file)
        resources.append(statement)
        warnings += more
    # Each export is a snapshot: its notes and OTC records are added to what earlier exports
    # gave (ids come from the content), never replaced by a later export's subset.
    snapshot = stable_id(owner, *sorted(r["id"] for r in resources))
    return Unit(
        key=f"{FORMAT}:patient-info:{owner}:{snapshot}",
        source=SourceRef(FORMAT, file, "patient records"),
        patient=patient,
        resources=resources,
        warnings=warnings,
    )


def _note_resource(owner: str, note: PatientNote) -> Resource:
    rid = stable_id(FORMAT, owner, "note", note.kind, normalize(note.text))
    label = KIND_LABELS.get(note.kind, "患者特記")
    substance = allergy_substance(note.kind, note.text)
    if substance is not None:
        allergy: Resource = {
            "resourceType": "AllergyIntolerance",
            "id": rid,
            "clinicalStatus": {"coding": [{"system": ALLERGY_CLINICAL, "code": "active"}]},
            "verificationStatus": {
                "coding": [{"system": ALLERGY_VERIFICATION, "code": "unconfirmed"}]
            },
            "type": "allergy",
            "code": {"text": substance},
            "patient": PATIENT,
            "note": [{"text": f"お薬手帳 患者特記 ({label}): {note.text}"}],
        }
        if note.creator == "2":
            allergy["asserter"] = PATIENT
        return allergy
    return {
        "resourceType": "Observation",
        "id": rid,
        "status": "final",
        "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "social-history"}]}],
        "code": {
            "coding": [{"system": NOTE_KIND_SYSTEM, "code": note.kind, "display": label}],
            "text": label,
        },
        "subject": PATIENT,
        "valueString": note.text,
    }


def _otc_statement(owner: str, otc: OtcDrug, file: str) -> tuple[Resource, list[IngestWarning]]:
    start = otc.start.isoformat() if otc.start else ""
    rid = stable_id(FORMAT, owner, "otc", normalize(otc.name), start, otc.seq)
    concept: dict[str, Any] = {"text": otc.name}
    if otc.jan:
        concept["coding"] = [{"system": jpcore.GTIN, "code": otc.jan, "display": otc.name}]
    res: Resource = {
        "resourceType": "MedicationStatement",
        "id": rid,
        "status": "completed" if otc.end else "active",
        "subject": PATIENT,
        "informationSource": PATIENT,
        "category": {"text": "要指導医薬品・一般用医薬品"},
    }
    warnings: list[IngestWarning] = []
    if otc.ingredients:
        medication, warnings = _otc_medication(otc, concept, file)
        res["contained"] = [medication]
        res["medicationReference"] = {"reference": "#otc", "display": otc.name}
    else:
        res["medicationCodeableConcept"] = concept
    period = {k: v.isoformat() for k, v in (("start", otc.start), ("end", otc.end)) if v}
    if period:
        res["effectivePeriod"] = period
    return res, warnings


def _otc_medication(
    otc: OtcDrug, concept: dict[str, Any], file: str
) -> tuple[Resource, list[IngestWarning]]:
    ingredients = []
    warnings: list[IngestWarning] = []
    for item in otc.ingredients:
        loc = Location(file, line=item.line, segment="31", field="ingredient code")
        codings, more = fp.drug_codings(item.code_type, item.code, item.name, loc)
        warnings += more
        item_concept: dict[str, Any] = {"text": item.name}
        if codings:
            item_concept["coding"] = codings
        ingredients.append({"itemCodeableConcept": item_concept})
    medication = {
        "resourceType": "Medication",
        "id": "otc",
        "code": concept,
        "ingredient": ingredients,
    }
    return medication, warnings
