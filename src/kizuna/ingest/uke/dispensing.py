"""Pharmacy (調剤) receipt content: prescriptions and what the pharmacy dispensed.

Each SH record opens a prescription group (剤); its CZ records are the dispensings (dates,
調剤数量) and its IY records the drugs. Every drug of a group becomes one MedicationRequest
per prescription date (prescribed by the RE's facility and doctor) and one MedicationDispense
per dispensing, performed by the pharmacy.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from kizuna.fhir import jpcore
from kizuna.ingest.base import PATIENT_REF, Resource
from kizuna.ingest.uke import codes
from kizuna.ingest.uke import records_pharmacy as pha
from kizuna.ingest.uke.context import DOSAGE_FORM_SYSTEM, USAGE_SYSTEM, Context, coding
from kizuna.ingest.uke.ids import cached_id
from kizuna.ingest.uke.parser import Receipt
from kizuna.ingest.uke.people import check_facility, facility

ROLE_SYSTEM = "http://terminology.hl7.org/CodeSystem/practitioner-role"


@dataclass(slots=True)
class Prescription:
    sh: pha.SHRecord
    dispensings: list[pha.CZRecord] = field(default_factory=list)
    drugs: list[pha.PharmacyIYRecord] = field(default_factory=list)


def prescriptions(receipt: Receipt) -> list[Prescription]:
    out: list[Prescription] = []
    for record in receipt.records:
        if isinstance(record, pha.SHRecord):
            out.append(Prescription(record))
        elif out and isinstance(record, pha.CZRecord):
            out[-1].dispensings.append(record)
        elif out and isinstance(record, pha.PharmacyIYRecord):
            out[-1].drugs.append(record)
    return out


def prescriber_code(head: pha.PharmacyRERecord) -> str | None:
    parts = (head.prescriber_prefecture, head.prescriber_table, head.prescriber_code7)
    if not all(parts) or not all(p.isdigit() for p in parts if p):
        return None
    prefecture, table, code7 = (p or "" for p in parts)
    return f"{int(prefecture):02d}{table}{code7}"


class DispensingMapper:
    def __init__(self, ctx: Context, head: pha.PharmacyRERecord) -> None:
        self.ctx = ctx
        self.head = head
        self.requester: str | None = None
        self.seen: dict[tuple[Any, ...], int] = {}

    def map(self, receipt: Receipt) -> list[Resource]:
        out = self.prescriber()
        for number, prescription in enumerate(prescriptions(receipt), start=1):
            for drug in prescription.drugs:
                if self.ctx.has_code(drug):
                    out += self.drug(number, prescription, drug)
        return out

    def prescriber(self) -> list[Resource]:
        code = prescriber_code(self.head)
        if code is None:
            return []
        check_facility(self.ctx, code, self.head.line, "RE", "RE-13 (医療機関コード)")
        org = facility(code, None, None)
        self.requester = f"Organization/{org['id']}"
        if not self.head.doctor_name:
            return [org]
        doctor_id = cached_id("Practitioner", code, self.head.doctor_name)
        practitioner = {
            "resourceType": "Practitioner",
            "id": doctor_id,
            "name": [{"text": self.head.doctor_name}],
        }
        role = {
            "resourceType": "PractitionerRole",
            "id": cached_id("PractitionerRole", code, self.head.doctor_name),
            "practitioner": {"reference": f"Practitioner/{doctor_id}"},
            "organization": {"reference": f"Organization/{org['id']}"},
            "code": [{"coding": [coding(ROLE_SYSTEM, "doctor", "Doctor")]}],
        }
        self.requester = f"PractitionerRole/{role['id']}"
        return [org, practitioner, role]

    def _concept(self, code: str) -> dict[str, Any]:
        info = self.ctx.masters.drug(code)
        if info is None:
            self.ctx.note_unknown("drug", code)
        name = info.name if info else None
        codings = [coding(jpcore.RECEIPT_DRUG_CODE, code, name)]
        if info and info.yj_code:
            codings.append(coding(jpcore.YJ_CODE, info.yj_code, name))
        return {"coding": codings, "text": name or code}

    def _occurrence(self, *key: Any) -> int:
        count = self.seen.get(key, 0)
        self.seen[key] = count + 1
        return count

    def drug(
        self, number: int, prescription: Prescription, iy: pha.PharmacyIYRecord
    ) -> list[Resource]:
        code = iy.code or ""
        concept = self._concept(code)
        sh = prescription.sh
        dosage = _dosage(sh)
        requests: dict[str, Resource] = {}
        out: list[Resource] = []
        occurrence = self._occurrence("IY", number, code)
        for index, cz in enumerate(prescription.dispensings or [None]):
            authored = cz.prescribed_date if cz and cz.prescribed_date else self.ctx.month
            request = requests.get(authored.isoformat())
            if request is None:
                request = self.request(number, code, occurrence, concept, authored, dosage)
                requests[authored.isoformat()] = request
                out.append(request)
            if cz is not None:
                out.append(
                    self.dispense(
                        (number, code, occurrence, index), concept, sh, cz, iy, request, dosage
                    )
                )
        return out

    def request(
        self,
        number: int,
        code: str,
        occurrence: int,
        concept: dict[str, Any],
        authored: dt.date,
        dosage: list[Any],
    ) -> Resource:
        resource: Resource = {
            "resourceType": "MedicationRequest",
            "id": self.ctx.rid(
                "rx", self.ctx.month_start, number, code, occurrence, authored.isoformat()
            ),
            "status": "completed",
            "intent": "order",
            "medicationCodeableConcept": concept,
            "subject": {"reference": PATIENT_REF},
            "authoredOn": authored.isoformat(),
        }
        if self.requester:
            resource["requester"] = {"reference": self.requester}
        if dosage:
            resource["dosageInstruction"] = dosage
        return resource

    def dispense(
        self,
        key: tuple[int, str, int, int],
        concept: dict[str, Any],
        sh: pha.SHRecord,
        cz: pha.CZRecord,
        iy: pha.PharmacyIYRecord,
        request: Resource,
        dosage: list[Any],
    ) -> Resource:
        """``key``: prescription number, drug code, its occurrence and the CZ's index."""
        code = key[1]
        resource: Resource = {
            "resourceType": "MedicationDispense",
            "id": self.ctx.rid(
                "dispense",
                self.ctx.month_start,
                *key,
                cz.dispensed_date.isoformat() if cz.dispensed_date else "",
            ),
            "status": "completed",
            "medicationCodeableConcept": concept,
            "subject": {"reference": PATIENT_REF},
            "performer": [{"actor": {"reference": self.ctx.facility_ref}}],
            "authorizingPrescription": [{"reference": f"MedicationRequest/{request['id']}"}],
        }
        if sh.dosage_form:
            resource["type"] = {
                "coding": [
                    coding(
                        DOSAGE_FORM_SYSTEM, sh.dosage_form, codes.DOSAGE_FORMS.get(sh.dosage_form)
                    )
                ]
            }
        _amounts(resource, sh, cz, iy, self.ctx.masters.drug(code))
        if cz.dispensed_date:
            resource["whenHandedOver"] = cz.dispensed_date.isoformat()
        if dosage:
            resource["dosageInstruction"] = dosage
        return resource


def _dosage(sh: pha.SHRecord) -> list[Any]:
    dosage: dict[str, Any] = {}
    if sh.instruction:
        dosage["text"] = sh.instruction
    if sh.usage_code:
        dosage["timing"] = {"code": {"coding": [coding(USAGE_SYSTEM, sh.usage_code)]}}
    return [dosage] if dosage else []


def _amounts(
    resource: Resource, sh: pha.SHRecord, cz: pha.CZRecord, iy: pha.PharmacyIYRecord, info: Any
) -> None:
    quantity = cz.quantity or 1
    unit = info.unit if info else None
    if iy.amount is not None:
        total: dict[str, Any] = {"value": _number(iy.amount * quantity)}
        if unit:
            total["unit"] = unit
        resource["quantity"] = total
    if sh.dosage_form in codes.DAY_FORMS and cz.quantity:
        resource["daysSupply"] = {
            "value": cz.quantity,
            "unit": "日",
            "system": jpcore.UCUM,
            "code": "d",
        }


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)
