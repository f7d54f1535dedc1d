"""JAHIS prescription 2D symbol records -> one JP Core FHIR unit per prescription.

The unit holds the prescribing Organization (facility code), the doctor (Practitioner and
PractitionerRole), the insurer and public-expense payers, Coverage for the insurance
(with 枝番) and for each public expense, and one MedicationRequest per drug. See
``docs/ingest/jahis_rx.md`` for the field-by-field mapping.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kizuna.codes.checkdigit import insurer_number_valid
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
from kizuna.ingest.jahis_rx.records import Drug, Insurance, PublicExpense, Rp, RxPrescription
from kizuna.ingest.jahis_tc import fhirparts as fp
from kizuna.textnorm import normalize

FORMAT = "jahis-rx"
RP_NUMBER = "urn:oid:1.2.392.100495.20.3.81"  # 剤グループ (RP) 番号
RP_SEQUENCE = "urn:oid:1.2.392.100495.20.3.82"  # RP 内連番
PRESCRIPTION_NUMBER = "urn:oid:1.2.392.100495.20.3.11"  # 処方箋番号 (JP Core NamingSystem)
INSURANCE_KIND = "urn:oid:1.2.392.100495.20.2.61"  # 保険種別 (8 = 公費)
INSURED_RELATION = "urn:oid:1.2.392.100495.20.2.62"  # 1 被保険者, 2 被扶養者
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
COPAY_TYPE = "http://terminology.hl7.org/CodeSystem/coverage-copay-type"
EXT = "http://jpfhir.jp/fhir/core/Extension/StructureDefinition/"
PUBLIC_EXPENSE_PAYER = "urn:kizuna:idsystem:public-expense-payer"  # 公費負担者番号
DOSAGE_FORM = "urn:kizuna:codesystem:jahis-rx:dosage-form"
ROLE_SYSTEM = "http://terminology.hl7.org/CodeSystem/practitioner-role"
FORMS = {
    "1": "内服",
    "2": "頓服",
    "3": "外用",
    "4": "内服滴剤",
    "5": "注射",
    "6": "医療材料",
    "9": "不明",
}
DAILY_FORMS = frozenset({"1", "4"})  # the dose is a daily dose and the quantity is days
PATIENT = {"reference": PATIENT_REF}


class _Ctx:
    def __init__(self, rx: RxPrescription, file: str, unit_id: str) -> None:
        self.rx = rx
        self.file = file
        self.unit_id = unit_id
        self.warnings: list[IngestWarning] = []

    def loc(self, record: str, field: str, line: int | None = None) -> Location:
        return Location(self.file, line=line, segment=record, field=field)


def map_prescription(
    rx: RxPrescription, file: str, unknown_records: list[Location] | None = None
) -> Unit:
    """The unit of one prescription."""
    facility_code = _facility_code(rx)
    unit_id = _unit_id(rx, facility_code)
    ctx = _Ctx(rx, file, unit_id)
    ctx.warnings += [
        IngestWarning("unknown-record", "record number not in the JAHIS10 layout", loc)
        for loc in unknown_records or []
    ]
    ctx.warnings += fp.facility_warning(facility_code, ctx.loc("1", "facility code"))
    org = fp.organization(
        facility_code,
        rx.facility.name,
        address=rx.facility.address,
        postal_code=rx.facility.postal_code,
        phone=rx.facility.phone,
    )
    doctor_key = rx.doctor.code or normalize(rx.doctor.name)
    doctor = fp.practitioner(
        f"{FORMAT}|{facility_code}|{doctor_key}", rx.doctor.name, kana=rx.doctor.kana
    )
    role = _role(doctor, org, rx.facility.department)
    resources: list[Resource] = [org, doctor, role]
    coverages = _coverages(ctx)
    for coverage in coverages:
        resources.append(coverage)
    resources += _payers(ctx)
    for rp in rx.rps:
        for drug in rp.drugs:
            resources.append(_request(ctx, rp, drug, role, coverages))
    return Unit(
        key=f"{FORMAT}:{unit_id}",
        source=SourceRef(
            FORMAT, file, rx.number or f"issued {rx.issue_date.isoformat()}", facility_code
        ),
        patient=patient_candidate(rx, facility_code),
        resources=resources,
        warnings=list(dict.fromkeys(ctx.warnings)),
    )


def _facility_code(rx: RxPrescription) -> str:
    table = "3" if rx.facility.code_kind == "3" else "1"
    return f"{rx.facility.prefecture}{table}{rx.facility.code}"


def _unit_id(rx: RxPrescription, facility_code: str) -> str:
    """The prescription number (引換番号) when given, else facility + date + patient + doctor."""
    if rx.number:
        return stable_id(FORMAT, facility_code, "number", rx.number)
    p = rx.patient
    person = p.code or f"{normalize(p.name)}|{normalize(p.kana)}|{p.birth_date}|{p.sex}"
    return stable_id(
        FORMAT, facility_code, rx.issue_date.isoformat(), person, normalize(rx.doctor.name)
    )


def patient_candidate(rx: RxPrescription, facility_code: str) -> Resource:
    p = rx.patient
    res: Resource = {"resourceType": "Patient"}
    identifiers = []
    if p.code:
        identifiers.append({"system": jpcore.local_patient_system(facility_code), "value": p.code})
    member = member_id(rx)
    if member:
        identifiers.append({"system": jpcore.INSURANCE_MEMBER_ID, "value": member})
    if identifiers:
        res["identifier"] = identifiers
    names = fp.person_names(p.name, p.kana)
    if names:
        res["name"] = names
    if p.sex in fp.GENDER:
        res["gender"] = fp.GENDER[p.sex]
    if p.birth_date:
        res["birthDate"] = p.birth_date
    return res


def _well_formed_insurer(number: str) -> bool:
    return number.isascii() and number.isdigit() and len(number) in (6, 8)


def member_id(rx: RxPrescription) -> str | None:
    """``保険者番号:記号:番号:枝番`` when the insurer and the number are given (kept verbatim)."""
    ins = rx.insurance
    if ins is None or not ins.insurer or not ins.number or not _well_formed_insurer(ins.insurer):
        return None
    if not (len(ins.branch or "") == 2 and ins.branch.isdigit()):  # no 枝番: never a link key
        return None
    return jpcore.insurance_member_value(ins.insurer, ins.symbol, ins.number, ins.branch)


def _role(doctor: Resource, org: Resource, department: str) -> Resource:
    role: Resource = {
        "resourceType": "PractitionerRole",
        "id": stable_id("PractitionerRole", doctor["id"], org["id"]),
        "practitioner": fp.ref(doctor),
        "organization": fp.ref(org),
        "code": [{"coding": [{"system": ROLE_SYSTEM, "code": "doctor"}]}],
    }
    if department:
        role["specialty"] = [{"text": department}]
    return role


# --- insurance ----------------------------------------------------------------------------


def _insurer_org(number: str) -> Resource:
    org: Resource = {
        "resourceType": "Organization",
        "id": stable_id("Organization", "insurer", number),
        "type": [{"coding": [{"system": fp.ORGANIZATION_TYPE, "code": "pay"}]}],
    }
    if _well_formed_insurer(number):
        org["identifier"] = [{"system": jpcore.INSURER_NUMBER, "value": number}]
    else:  # kept as text: a malformed number is not a valid insurer identifier
        org["name"] = number
    return org


def _payer_org(pe: PublicExpense) -> Resource:
    return {
        "resourceType": "Organization",
        "id": stable_id("Organization", "public-expense", pe.payer),
        "identifier": [{"system": PUBLIC_EXPENSE_PAYER, "value": pe.payer}],
        "type": [{"coding": [{"system": fp.ORGANIZATION_TYPE, "code": "pay"}]}],
    }


def _payers(ctx: _Ctx) -> list[Resource]:
    out = []
    ins = ctx.rx.insurance
    if ins is not None and ins.insurer:
        out.append(_insurer_org(ins.insurer))
    out += [_payer_org(pe) for pe in ctx.rx.public_expenses]
    return out


def _coverages(ctx: _Ctx) -> list[Resource]:
    out = []
    ins = ctx.rx.insurance
    if ins is not None:
        out.append(_insurance_coverage(ctx, ins))
    for pe in ctx.rx.public_expenses:
        out.append(_public_coverage(ctx, pe))
    return out


def _insurance_coverage(ctx: _Ctx, ins: Insurance) -> Resource:
    if ins.insurer:
        ctx.warnings += _number_warning(ins.insurer, ctx.loc("22", "insurer number"))
    cov: Resource = {
        "resourceType": "Coverage",
        "id": stable_id(FORMAT, ctx.unit_id, "coverage", "insurance"),
        "status": "active",
        "type": {"coding": [{"system": ACT_CODE, "code": "PUBLICPOL"}]},
        "beneficiary": PATIENT,
        "payor": [fp.ref(_insurer_org(ins.insurer))] if ins.insurer else [PATIENT],
    }
    if ins.kind:
        cov["type"]["coding"].append({"system": INSURANCE_KIND, "code": ins.kind})
    ext = [
        {"url": EXT + name, "valueString": value}
        for name, value in (
            ("JP_Coverage_InsuredPersonSymbol", ins.symbol),
            ("JP_Coverage_InsuredPersonNumber", ins.number),
            ("JP_Coverage_InsuredPersonSubNumber", ins.branch),
        )
        if value
    ]
    if ext:
        cov["extension"] = ext
    member = member_id(ctx.rx)
    if member:
        cov["identifier"] = [{"system": jpcore.INSURANCE_MEMBER_ID, "value": member}]
    if ins.symbol or ins.number:
        cov["subscriberId"] = f"{ins.symbol}:{ins.number}"
    if ins.branch:
        cov["dependent"] = ins.branch
    if ins.relation:
        display = "被保険者" if ins.relation == "1" else "被扶養者"
        cov["relationship"] = {
            "coding": [{"system": INSURED_RELATION, "code": ins.relation, "display": display}]
        }
    if ins.patient_rate is not None:
        cov["costToBeneficiary"] = [_copay(ins.patient_rate)]
    return cov


def _public_coverage(ctx: _Ctx, pe: PublicExpense) -> Resource:
    record = {1: "27", 2: "28", 3: "29", 4: "30"}[pe.order]
    if pe.order < 4:
        ctx.warnings += _number_warning(pe.payer, ctx.loc(record, "public expense payer number"))
    cov: Resource = {
        "resourceType": "Coverage",
        "id": stable_id(FORMAT, ctx.unit_id, "coverage", "public", pe.order),
        "status": "active",
        "type": {"coding": [{"system": INSURANCE_KIND, "code": "8", "display": "公費"}]},
        "beneficiary": PATIENT,
        "payor": [fp.ref(_payer_org(pe))],
        "order": pe.order,
    }
    if pe.recipient:
        cov["subscriberId"] = pe.recipient
    return cov


def _copay(rate: int) -> dict[str, Any]:
    return {
        "type": {"coding": [{"system": COPAY_TYPE, "code": "copaypct", "display": "負担率"}]},
        "valueQuantity": {"value": rate, "unit": "%", "system": jpcore.UCUM, "code": "%"},
    }


def _number_warning(number: str, loc: Location) -> list[IngestWarning]:
    if len(number) in (6, 8) and number.isdigit():
        return fp.insurer_warning(number, loc) if not insurer_number_valid(number) else []
    return [IngestWarning("format", "number is not 6 or 8 digits", loc)]


# --- drugs --------------------------------------------------------------------------------


def _request(
    ctx: _Ctx, rp: Rp, drug: Drug, requester: Resource, coverages: list[Resource]
) -> Resource:
    rx = ctx.rx
    codings, warnings = fp.drug_codings(
        drug.code_type, drug.code, drug.name, ctx.loc("201", "drug code", drug.line)
    )
    ctx.warnings += warnings
    concept: dict[str, Any] = {"text": drug.name or drug.code}
    if codings:
        concept["coding"] = codings
    req: Resource = {
        "resourceType": "MedicationRequest",
        "id": stable_id(FORMAT, ctx.unit_id, "request", rp.number, drug.seq),
        "identifier": [
            {"system": RP_NUMBER, "value": str(rp.number)},
            {"system": RP_SEQUENCE, "value": str(drug.seq)},
        ],
        "status": "active",
        "intent": "order",
        "category": [_form(rp)],
        "medicationCodeableConcept": concept,
        "subject": PATIENT,
        "authoredOn": rx.issue_date.isoformat(),
        "requester": fp.ref(requester),
        "dosageInstruction": [_dosage(rp, drug)],
        "dispenseRequest": _dispense_request(rp, drug),
    }
    if rx.number:
        req["groupIdentifier"] = {"system": PRESCRIPTION_NUMBER, "value": rx.number}
    if coverages:
        req["insurance"] = [fp.ref(c) for c in coverages]
    if any(s.kind in ("3", "4", "5", "6") for s in drug.supplements):
        req["substitution"] = {"allowedBoolean": False}
    notes = [{"text": f"備考: {r.text}"} for r in rx.remarks]
    if notes:
        req["note"] = notes
    return req


def _form(rp: Rp) -> dict[str, Any]:
    display = FORMS.get(rp.form, "不明")
    return {
        "coding": [{"system": DOSAGE_FORM, "code": rp.form, "display": display}],
        "text": rp.form_name or display,
    }


def _dosage(rp: Rp, drug: Drug) -> dict[str, Any]:
    dosage: dict[str, Any] = {"sequence": rp.number, "text": rp.usage}
    timing: dict[str, Any] = {}
    if rp.usage_code_type == "2" and rp.usage_code:
        timing["code"] = {
            "coding": [{"system": jpcore.JAMI_USAGE, "code": rp.usage_code}],
            "text": rp.usage,
        }
    repeat: dict[str, Any] = {}
    if rp.times_per_day:
        repeat.update(frequency=rp.times_per_day, period=1, periodUnit="d")
    if rp.form in DAILY_FORMS and rp.quantity:
        repeat["boundsDuration"] = fp.days(Decimal(rp.quantity))
    if repeat:
        timing["repeat"] = repeat
    if timing:
        dosage["timing"] = timing
    extra = [_usage_supplement(s.text, s.code) for s in rp.supplements]
    extra += [_usage_supplement(s.text, s.code) for s in drug.supplements]
    if drug.uneven_doses:
        extra.append({"text": "不均等: " + "-".join(drug.uneven_doses)})
    if drug.once_dose:
        extra.append({"text": f"1回量: {drug.once_dose}{drug.unit}"})
    if extra:
        dosage["additionalInstruction"] = extra
    if rp.form == "2":
        dosage["asNeededBoolean"] = True
    amount = fp.quantity(drug.dose, drug.unit)
    if rp.form in DAILY_FORMS:
        rate = {"numerator": amount, "denominator": fp.days(Decimal(1))}
        dosage["doseAndRate"] = [{"rateRatio": rate}]
    else:
        dosage["doseAndRate"] = [{"doseQuantity": amount}]
    return dosage


def _usage_supplement(text: str, code: str) -> dict[str, Any]:
    concept: dict[str, Any] = {"text": text}
    if code:
        concept["coding"] = [{"system": jpcore.JAMI_USAGE_SUPPLEMENT, "code": code}]
    return concept


def _dispense_request(rp: Rp, drug: Drug) -> dict[str, Any]:
    request: dict[str, Any] = {"quantity": fp.quantity(drug.dose * rp.quantity, drug.unit)}
    if rp.form in DAILY_FORMS and rp.quantity:
        request["expectedSupplyDuration"] = fp.days(Decimal(rp.quantity))
    return request
