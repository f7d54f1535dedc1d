"""Medical (医科) receipt content: the month's encounter, diagnoses, acts and drugs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from kizuna.codes.masters import ProcedureCategory
from kizuna.fhir import jpcore
from kizuna.ingest.base import PATIENT_REF, Resource
from kizuna.ingest.uke import codes
from kizuna.ingest.uke import records as med
from kizuna.ingest.uke.context import (
    ACT_CATEGORY_SYSTEM,
    ACT_CLASS_SYSTEM,
    Context,
    coding,
)
from kizuna.ingest.uke.parser import Receipt

ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
DIAGNOSIS_TYPE_EXT = "http://jpfhir.jp/fhir/eCS/Extension/StructureDefinition/JP_eCS_DiagnosisType"
DIAGNOSIS_TYPE = "http://terminology.hl7.org/CodeSystem/ex-diagnosistype"
OUTCOME_EXT = "http://jpfhir.jp/fhir/core/Extension/StructureDefinition/JP_Condition_DiseaseOutcome"
OUTCOME_SYSTEM = "http://jpfhir.jp/fhir/core/CodeSystem/JP_ConditionDiseaseOutcomeReceipt_CS"
SUSPECTED = "の疑い"
_ACT_TYPES = frozenset({med.SIRecord, med.MedicalIYRecord, med.MedicalTORecord, med.CORecord})
_FALLBACK_CLASS = {"50": ProcedureCategory.SURGERY, "54": ProcedureCategory.ANAESTHESIA}


@dataclass(slots=True)
class Group:
    """A 点数・回数算定単位: the records billed together, with the comments on them."""

    category: str | None
    items: list[Any] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def groups(receipt: Receipt) -> list[Group]:
    """Split the act records into groups: a group starts where a 診療識別 is recorded or
    after a record that carries the group's 点数; CO comments belong to their group."""
    out: list[Group] = []
    current: Group | None = None
    category: str | None = None
    closed = True
    for record in receipt.records:
        if type(record) not in _ACT_TYPES:
            continue
        if record.category:
            category = record.category
        if current is None or closed or record.category:
            current = Group(category)
            out.append(current)
            closed = False
        if isinstance(record, med.CORecord):
            current.notes.append(comment_text(record.code, record.text))
            continue
        current.items.append(record)
        current.notes.extend(item_comments(record))
        closed = record.points is not None
    return out


def comment_text(code: str | None, text: str | None) -> str:
    if code and code != codes.FREE_TEXT_COMMENT:
        return f"[{code}] {text}" if text else f"[{code}]"
    return text or ""


def item_comments(record: Any) -> list[str]:
    pairs = (
        (record.comment1_code, record.comment1_text),
        (record.comment2_code, record.comment2_text),
        (record.comment3_code, record.comment3_text),
    )
    return [comment_text(code, text) for code, text in pairs if code or text]


def service_days(ctx: Context, receipt: Receipt) -> list[int]:
    days: set[int] = set()
    for cls in (med.SIRecord, med.MedicalIYRecord, med.MedicalTORecord):
        for record in receipt.of(cls):
            days.update(day for day, _ in ctx.days_of(record))
    return sorted(days)


def encounter(ctx: Context, head: med.MedicalRERecord, receipt: Receipt) -> Resource:
    """The month's care at the facility: 外来 (AMB) or 入院 (IMP), dated by the service days."""
    inpatient = codes.is_inpatient(head.receipt_type)
    days = service_days(ctx, receipt)
    start = ctx.day(days[0]) if days else ctx.month
    end = ctx.day(days[-1]) if days else None
    if inpatient and head.admission_date and head.admission_date < ctx.month:
        start = head.admission_date
    period: dict[str, str] = {
        "start": (start or ctx.month).isoformat(),
        "end": end.isoformat() if end else ctx.month_end,
    }
    klass = (
        coding(ACT_CODE, "IMP", "inpatient encounter")
        if inpatient
        else coding(ACT_CODE, "AMB", "ambulatory")
    )
    return {
        "resourceType": "Encounter",
        "id": encounter_id(ctx, head),
        "status": "finished",
        "class": klass,
        "subject": {"reference": PATIENT_REF},
        "period": period,
        "serviceProvider": {"reference": ctx.facility_ref},
    }


def encounter_id(ctx: Context, head: Any) -> str:
    setting = "IMP" if codes.is_inpatient(head.receipt_type) else "AMB"
    return ctx.rid("encounter", ctx.month_start, setting)


def conditions(
    ctx: Context, receipt: Receipt, encounter_ref: str, symptom_notes: list[str]
) -> list[Resource]:
    out = [condition(ctx, sy, encounter_ref) for sy in receipt.of(med.SYRecord)]
    if symptom_notes and out:
        target = next(
            (
                c
                for c in out
                if "extension" in c and any(e["url"] == DIAGNOSIS_TYPE_EXT for e in c["extension"])
            ),
            out[0],
        )
        target.setdefault("note", []).extend({"text": text} for text in symptom_notes)
    return out


def _modifiers(value: str | None) -> list[str]:
    if not value:
        return []
    return [value[i : i + 4] for i in range(0, len(value), 4)]


def condition(ctx: Context, sy: med.SYRecord, encounter_ref: str) -> Resource:
    code = sy.disease_code or codes.UNCODED_DISEASE
    modifier_codes = _modifiers(sy.modifier_codes)
    text = ctx.masters.disease_text(code, modifier_codes, sy.disease_name)
    concept: dict[str, Any] = {"coding": disease_codings(ctx, code), "text": text or code}
    suspected = _modifier_extensions(ctx, concept, modifier_codes)
    if not concept["coding"]:
        del concept["coding"]
    status, outcome_name = codes.OUTCOMES.get(sy.outcome or "", ("active", None))
    resource: Resource = {
        "resourceType": "Condition",
        "id": ctx.rid(
            "condition",
            code,
            sy.modifier_codes or "",
            sy.disease_name if code == codes.UNCODED_DISEASE else "",
            sy.start_date.isoformat() if sy.start_date else "",
        ),
        "clinicalStatus": {"coding": [coding(CONDITION_CLINICAL, status)]},
        "verificationStatus": {
            "coding": [coding(CONDITION_VERIFICATION, "provisional" if suspected else "confirmed")]
        },
        "category": [{"coding": [coding(CONDITION_CATEGORY, "encounter-diagnosis")]}],
        "code": concept,
        "subject": {"reference": PATIENT_REF},
        # no Condition.encounter: the same diagnosis is re-sent on every monthly receipt and
        # is one Condition (per disease and start date), not one version per month
    }
    extensions = []
    if sy.main == codes.MAIN_DIAGNOSIS:
        extensions.append(
            {
                "url": DIAGNOSIS_TYPE_EXT,
                "valueCodeableConcept": {"coding": [coding(DIAGNOSIS_TYPE, "principal", "主病名")]},
            }
        )
    if sy.outcome in codes.OUTCOMES:
        extensions.append(
            {
                "url": OUTCOME_EXT,
                "valueCodeableConcept": {
                    "coding": [coding(OUTCOME_SYSTEM, sy.outcome, outcome_name)]
                },
            }
        )
    if extensions:
        resource["extension"] = extensions
    if sy.start_date:
        resource["onsetDateTime"] = sy.start_date.isoformat()
    if sy.supplement:
        resource["note"] = [{"text": sy.supplement}]
    return resource


def disease_codings(ctx: Context, code: str) -> list[dict[str, Any]]:
    if code == codes.UNCODED_DISEASE:
        return []
    info = ctx.masters.disease(code)
    if info is None:
        ctx.note_unknown("disease", code)
        return [coding(jpcore.RECEIPT_DISEASE_CODE, code)]
    out = [coding(jpcore.RECEIPT_DISEASE_CODE, code, info.name)]
    if info.icd10:
        out.append(coding(jpcore.ICD10, info.icd10))
    if info.medis_management:
        out.append(coding(jpcore.MEDIS_DISEASE, info.medis_management, info.name))
    if info.medis_exchange and info.medis_exchange != "0000":
        out.append(coding(jpcore.MEDIS_DISEASE_EXCHANGE, info.medis_exchange, info.name))
    return out


def _modifier_extensions(ctx: Context, concept: dict[str, Any], modifier_codes: list[str]) -> bool:
    """Add JP Core prefix/postfix modifier extensions; True when one says 'suspected'."""
    suspected = False
    extensions = []
    for code in modifier_codes:
        info = ctx.masters.modifier(code)
        if info is None:
            ctx.note_unknown("modifier", code)
            url = (
                jpcore.CONDITION_POSTFIX_MODIFIER
                if code.startswith("8")
                else (jpcore.CONDITION_PREFIX_MODIFIER)
            )
            codings = [coding(jpcore.RECEIPT_MODIFIER_CODE, code)]
        else:
            suspected = suspected or info.name == SUSPECTED
            url = (
                jpcore.CONDITION_POSTFIX_MODIFIER
                if info.is_suffix
                else jpcore.CONDITION_PREFIX_MODIFIER
            )
            codings = [coding(jpcore.RECEIPT_MODIFIER_CODE, code, info.name)]
            if info.medis_management:
                codings.append(coding(jpcore.MEDIS_MODIFIER, info.medis_management, info.name))
            if info.medis_exchange:
                codings.append(coding(jpcore.DISEASE_MODIFIER, info.medis_exchange, info.name))
        extensions.append({"url": url, "valueCodeableConcept": {"coding": codings}})
    if extensions:
        concept["extension"] = extensions
    return suspected


def _category(code: str | None, act_class: ProcedureCategory | None = None) -> list[Any]:
    codings = []
    if code:
        codings.append(coding(ACT_CATEGORY_SYSTEM, code, codes.ACT_CATEGORIES.get(code)))
    if act_class is not None and act_class is not ProcedureCategory.OTHER:
        codings.append(coding(ACT_CLASS_SYSTEM, act_class.value))  # a history act
    return codings


@dataclass(slots=True)
class _Act:
    """What the Procedures of one SI record share."""

    record: med.SIRecord
    code: str
    concept: dict[str, Any]
    category: list[Any]
    notes: list[str]


class ActMapper:
    """Procedures (SI, TO) and MedicationRequests (IY) of one receipt, group by group."""

    def __init__(self, ctx: Context, encounter_ref: str) -> None:
        self.ctx = ctx
        self.encounter_ref = encounter_ref
        self.seen: dict[tuple[Any, ...], int] = {}

    def map(self, all_groups: list[Group]) -> list[Resource]:
        out: list[Resource] = []
        for group in all_groups:
            procedures: list[Resource] = []
            materials: list[dict[str, Any]] = []
            for item in group.items:
                if not self.ctx.has_code(item):
                    continue
                if isinstance(item, med.SIRecord):
                    procedures += self.procedures(group, item)
                elif isinstance(item, med.MedicalIYRecord):
                    out.append(self.medication(group, item))
                else:
                    materials.append(self.material_concept(item))
            if materials:
                if procedures:
                    for procedure in procedures:
                        procedure["usedCode"] = materials
                else:
                    procedures += self.material_procedures(group, materials)
            out += procedures
        return out

    def _occurrence(self, *key: Any) -> int:
        count = self.seen.get(key, 0)
        self.seen[key] = count + 1
        return count

    def _performed(self, resource: Resource, days: list[tuple[int, int]]) -> None:
        first = self.ctx.day_text(days[0][0]) if days else None
        last = self.ctx.day_text(days[-1][0]) if days else None
        if first is not None and len(days) == 1:
            resource["performedDateTime"] = first
        else:
            resource["performedPeriod"] = {
                "start": first or self.ctx.month_start,
                "end": last or self.ctx.month_end,
            }

    def procedures(self, group: Group, si: med.SIRecord) -> list[Resource]:
        """One Procedure per day for surgery, anaesthesia and transfusion (their dates
        matter); one per record for other acts, over the period of their days."""
        code = si.code or ""
        info = self.ctx.masters.procedure(code)
        if info is None:
            self.ctx.note_unknown("procedure", code)
            act_class = _FALLBACK_CLASS.get(group.category or "", ProcedureCategory.OTHER)
        else:
            act_class = info.category
        name = info.name if info else None
        notes = [t for t in group.notes if t]
        if si.quantity is not None:
            notes.append(f"数量 {_number(si.quantity)}{info.unit if info and info.unit else ''}")
        act = _Act(
            si,
            code,
            {"coding": [coding(jpcore.RECEIPT_PROCEDURE_CODE, code, name)], "text": name or code},
            _category(group.category, act_class),
            notes,
        )
        days = self.ctx.days_of(si)
        if act_class is ProcedureCategory.OTHER or len(days) < 2:
            return [self.procedure(act, days)]
        return [self.procedure(act, [used]) for used in days]

    def procedure(self, act: _Act, days: list[tuple[int, int]]) -> Resource:
        day_key = days[0][0] if len(days) == 1 else ""
        resource: Resource = {
            "resourceType": "Procedure",
            "id": self.ctx.rid(
                "procedure",
                self.ctx.month_start,
                act.code,
                day_key,
                self._occurrence("SI", act.code, day_key),
            ),
            "status": "completed",
            "category": {"coding": act.category},
            "code": act.concept,
            "subject": {"reference": PATIENT_REF},
            "encounter": {"reference": self.encounter_ref},
            "performer": [{"actor": {"reference": self.ctx.facility_ref}}],
        }
        self._performed(resource, days)
        notes = act.notes
        if len(days) > 1:
            notes = [
                *notes,
                "算定日 "
                + ", ".join(f"{day}日" + (f"×{count}" if count > 1 else "") for day, count in days),
            ]
        else:
            count = days[0][1] if days else act.record.count
            if count and count > 1:
                notes = [*notes, f"回数 {count}"]
        if notes:
            resource["note"] = [{"text": text} for text in notes]
        return resource

    def material_concept(self, to: med.MedicalTORecord) -> dict[str, Any]:
        code = to.code or ""
        info = self.ctx.masters.material(code)
        if info is None:
            self.ctx.note_unknown("material", code)
        name = info.name if info else to.product_name
        return {
            "coding": [coding(jpcore.RECEIPT_MATERIAL_CODE, code, info.name if info else None)],
            "text": name or code,
        }

    def material_procedures(self, group: Group, materials: list[dict[str, Any]]) -> list[Resource]:
        key = materials[0]["coding"][0]["code"]
        resource: Resource = {
            "resourceType": "Procedure",
            "id": self.ctx.rid("material", self.ctx.month_start, key, self._occurrence("TO", key)),
            "status": "completed",
            "category": {"coding": _category(group.category)},
            "code": {"text": "特定器材"},
            "subject": {"reference": PATIENT_REF},
            "encounter": {"reference": self.encounter_ref},
            "performedPeriod": {"start": self.ctx.month_start, "end": self.ctx.month_end},
            "usedCode": materials,
        }
        if group.notes:
            resource["note"] = [{"text": text} for text in group.notes if text]
        return [resource]

    def medication(self, group: Group, iy: med.MedicalIYRecord) -> Resource:
        code = iy.code or ""
        info = self.ctx.masters.drug(code)
        if info is None:
            self.ctx.note_unknown("drug", code)
        name = info.name if info else None
        codings = [coding(jpcore.RECEIPT_DRUG_CODE, code, name)]
        if info and info.yj_code:
            codings.append(coding(jpcore.YJ_CODE, info.yj_code, name))
        used = self.ctx.days_of(iy)
        first_day = self.ctx.day(used[0][0]) if used else None
        resource: Resource = {
            "resourceType": "MedicationRequest",
            "id": self.ctx.rid(
                "medication",
                self.ctx.month_start,
                code,
                group.category or "",
                used[0][0] if used else "",
                self._occurrence("IY", code),
            ),
            "status": "completed",
            "intent": "order",
            "category": [{"coding": _category(group.category)}],
            "medicationCodeableConcept": {"coding": codings, "text": name or code},
            "subject": {"reference": PATIENT_REF},
            "encounter": {"reference": self.encounter_ref},
            "authoredOn": (first_day or self.ctx.month).isoformat(),
            "requester": {"reference": self.ctx.facility_ref},
        }
        self._dose(resource, group.category, iy, info.unit if info else None)
        if group.notes:
            resource["note"] = [{"text": text} for text in group.notes if text]
        return resource

    def _dose(
        self, resource: Resource, category: str | None, iy: med.MedicalIYRecord, unit: str | None
    ) -> None:
        amount, count = iy.amount, iy.count or 1
        if amount is None:
            return
        quantity: dict[str, Any] = {"value": _number(amount * count)}
        if unit:
            quantity["unit"] = unit
        request: dict[str, Any] = {"quantity": quantity}
        dose: dict[str, Any] = {"value": _number(amount)}
        if unit:
            dose["unit"] = unit
        if category == codes.ORAL_CATEGORY:
            request["expectedSupplyDuration"] = _days_quantity(count)
            per_day = {
                "numerator": dose,
                "denominator": {"value": 1, "unit": "日", "system": jpcore.UCUM, "code": "d"},
            }
            resource["dosageInstruction"] = [
                {
                    "text": f"1日量 {_number(amount)}{unit or ''} {count}日分",
                    "timing": {"repeat": {"boundsDuration": _days_quantity(count)}},
                    "doseAndRate": [{"rateRatio": per_day}],
                }
            ]
        else:
            resource["dosageInstruction"] = [
                {
                    "text": f"1回量 {_number(amount)}{unit or ''} {count}回",
                    "doseAndRate": [{"doseQuantity": dose}],
                }
            ]
        resource["dispenseRequest"] = request


def _days_quantity(days: int) -> dict[str, Any]:
    return {"value": days, "unit": "日", "system": jpcore.UCUM, "code": "d"}


def _number(value: Decimal) -> int | float:
    """A JSON number for FHIR decimals: integral values as int, others as float."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def symptom_notes(receipt: Receipt) -> list[str]:
    return [sj.text for sj in receipt.of(med.SJRecord) if sj.text]


def first_service_day(ctx: Context, receipt: Receipt) -> dt.date:
    days = service_days(ctx, receipt)
    return (ctx.day(days[0]) if days else None) or ctx.month
