"""The receipt's patient, insurance (医療保険, 公費) and the organisations they point to."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

import jaconv

from kizuna.codes.checkdigit import facility_code_valid, insurer_number_valid
from kizuna.fhir import jpcore
from kizuna.ingest.base import PATIENT_REF, Resource, stable_id
from kizuna.ingest.uke import records as med
from kizuna.ingest.uke.context import Context, coding, organization_id
from kizuna.ingest.uke.ids import cached_id
from kizuna.ingest.uke.parser import ReceiptHead

NAME_REPRESENTATION = "http://hl7.org/fhir/StructureDefinition/iso21090-EN-representation"
ORG_TYPE = "http://terminology.hl7.org/CodeSystem/organization-type"
GENDERS = {"1": "male", "2": "female"}
_SPACES = ("\u3000", " ")
_HALF_KANA = re.compile("[\uff61-\uff9f]")


def normalise_id(value: str | None) -> str:
    """Insurance 記号/番号 as a link key: NFKC (full-width digits to ASCII), no spaces."""
    if not value:
        return ""
    return "".join(unicodedata.normalize("NFKC", value).split())


def human_name(text: str, representation: str) -> dict[str, Any]:
    """A JP Core HumanName: family/given split at the first space when the source has one."""
    name: dict[str, Any] = {
        "extension": [{"url": NAME_REPRESENTATION, "valueCode": representation}],
        "use": "official",
        "text": text,
    }
    for space in _SPACES:
        family, sep, given = text.partition(space)
        if sep and family and given.strip():
            name["family"] = family
            name["given"] = [given.strip()]
            break
    return name


def full_width(text: str) -> str:
    """Half-width katakana (allowed in the RE name) as the full-width text receipts display."""
    if _HALF_KANA.search(text) is None:
        return text
    return jaconv.h2z(text, kana=True, ascii=False, digit=False)


@lru_cache(maxsize=65536)
def facility_ok(code: str) -> bool:
    return facility_code_valid(code)


@lru_cache(maxsize=65536)
def payer_ok(number: str) -> bool:
    return insurer_number_valid(number)


def insurance_parts(receipt: Any) -> tuple[str, str, str, str] | None:
    """(保険者番号, 記号, 番号, 枝番) of the medical insurance, when HO and SN give them all."""
    hos = receipt.of(med.HORecord)
    ho = hos[0] if hos else None
    if ho is None or not ho.insurer_number or not ho.number:
        return None
    sn = next((r for r in receipt.of(med.SNRecord) if r.payer_kind == "1" and r.branch), None)
    branch = sn.branch if sn is not None else None
    if not branch:
        return None
    return (
        ho.insurer_number.strip(),
        normalise_id(ho.symbol),
        normalise_id(ho.number),
        normalise_id(branch),
    )


def patient_key(head: ReceiptHead, receipt: Any) -> str:
    """A key that stays the same for this patient at this facility across months."""
    if head.chart_number:
        return f"chart:{head.chart_number}"
    parts = insurance_parts(receipt)
    if parts is not None:
        return "member:" + ":".join(parts)
    birth = head.birth_date.isoformat() if head.birth_date else ""
    return stable_id("demographics", head.name or "", head.kana_name or "", birth, head.sex or "")


def patient(ctx: Context, head: ReceiptHead, receipt: Any) -> Resource:
    """The candidate Patient (no id): identifiers, kanji and kana names, sex, birth date."""
    identifiers = []
    if head.chart_number:
        identifiers.append(
            {"system": jpcore.local_patient_system(ctx.facility_code), "value": head.chart_number}
        )
    parts = insurance_parts(receipt)
    if parts is not None:
        identifiers.append(
            {"system": jpcore.INSURANCE_MEMBER_ID, "value": jpcore.insurance_member_value(*parts)}
        )
    resource: Resource = {"resourceType": "Patient"}
    if identifiers:
        resource["identifier"] = identifiers
    names = []
    if head.name:
        names.append(human_name(full_width(head.name), "IDE"))
    if head.kana_name:
        names.append(human_name(full_width(head.kana_name), "SYL"))
    if names:
        resource["name"] = names
    resource["gender"] = GENDERS.get(head.sex or "", "unknown")
    if head.birth_date:
        resource["birthDate"] = head.birth_date.isoformat()
    return resource


def facility(code: str, name: str | None, phone: str | None) -> Resource:
    """The facility (医療機関 or 薬局) as an Organization shared by all its receipts."""
    org: Resource = {
        "resourceType": "Organization",
        "id": organization_id(code),
        "identifier": [{"system": jpcore.FACILITY_CODE, "value": code}],
        "type": [{"coding": [coding(ORG_TYPE, "prov", "Healthcare Provider")]}],
    }
    if name:
        org["name"] = name
    if phone:
        org["telecom"] = [{"system": "phone", "value": phone}]
    return org


def check_facility(ctx: Context, code: str, line: int, segment: str, field_name: str) -> None:
    if not facility_ok(code):
        ctx.warn(
            "check-digit",
            "facility code fails its check digit",
            ctx.where(line, segment, field_name),
        )


def payer_org(system: str, number: str) -> Resource:
    return {
        "resourceType": "Organization",
        "id": cached_id("Organization", system, number),
        "identifier": [{"system": system, "value": number}],
        "type": [{"coding": [coding(ORG_TYPE, "pay", "Payer")]}],
    }


def _insurance_type(insurer: str) -> str:
    """保険種別: 2 国保 (6-digit insurer), 7 後期高齢者 (法別番号 39), else 1 医保."""
    if len(insurer) == 6:
        return "2"
    return "7" if insurer.startswith("39") else "1"


def _relationship(receipt_type: str | None) -> str | None:
    """被保険者区分 from the last digit of the 医科 receipt type: 本人 1, 家族/未就学者 2."""
    last = (receipt_type or "")[-1:]
    if last in ("1", "2"):
        return "1"
    if last in ("3", "4", "5", "6"):
        return "2"
    return None


def insurance_coverage(
    ctx: Context, head: ReceiptHead, ho: med.HORecord, branch: str | None
) -> list[Resource]:
    """The medical insurance Coverage and its payer Organization."""
    insurer = (ho.insurer_number or "").strip()
    if not insurer:
        return []
    if not payer_ok(insurer):
        ctx.warn(
            "check-digit",
            "insurer number fails its check digit",
            ctx.where(ho.line, "HO", "HO-2 (保険者番号)"),
        )
    payer = payer_org(jpcore.INSURER_NUMBER, insurer)
    extensions = [
        {"url": url, "valueString": value}
        for url, value in (
            (jpcore.COVERAGE_SYMBOL_EXT, ho.symbol),
            (jpcore.COVERAGE_NUMBER_EXT, ho.number),
            (jpcore.COVERAGE_BRANCH_EXT, branch),
        )
        if value
    ]
    coverage: Resource = {
        "resourceType": "Coverage",
        "id": ctx.rid("coverage", insurer, normalise_id(ho.symbol), normalise_id(ho.number)),
        "status": "active",
        "type": {"coding": [coding(jpcore.INSURANCE_TYPE, _insurance_type(insurer))]},
        "beneficiary": {"reference": PATIENT_REF},
        "payor": [{"reference": f"Organization/{payer['id']}"}],
        "order": 1,
    }
    if extensions:
        coverage["extension"] = extensions
    if branch:
        coverage["dependent"] = branch
    relationship = _relationship(head.receipt_type)
    if relationship:
        coverage["relationship"] = {
            "coding": [coding(jpcore.INSURED_PERSON_CATEGORY, relationship)]
        }
    ratio = _copay_percent(head.benefit_ratio)
    if ratio is not None:
        coverage["costToBeneficiary"] = [
            {
                "type": {
                    "coding": [
                        coding(
                            "http://terminology.hl7.org/CodeSystem/coverage-copay-type", "copaypct"
                        )
                    ]
                },
                "valueQuantity": {"value": ratio, "unit": "%", "system": jpcore.UCUM, "code": "%"},
            }
        ]
    return [payer, coverage]


def _copay_percent(benefit_ratio: str | None) -> int | None:
    """給付割合 (e.g. ``070``) as the patient's share in percent (30); None if not recorded."""
    if not benefit_ratio or not benefit_ratio.isdigit() or int(benefit_ratio) > 100:
        return None
    return 100 - int(benefit_ratio)


def public_coverage(ctx: Context, ko: med.KORecord, order: int) -> list[Resource]:
    """A public-expense programme (公費) Coverage and its payer (公費負担者番号)."""
    payer_number = (ko.payer_number or "").strip()
    if not payer_number:
        return []
    if not payer_ok(payer_number):
        ctx.warn(
            "check-digit",
            "public payer number fails its check digit",
            ctx.where(ko.line, "KO", "KO-2 (公費負担者番号)"),
        )
    payer = payer_org(jpcore.PUBLIC_PAYER_NUMBER, payer_number)
    coverage: Resource = {
        "resourceType": "Coverage",
        "id": ctx.rid("public", payer_number, ko.recipient_number or ""),
        "status": "active",
        "type": {"coding": [coding(jpcore.INSURANCE_TYPE, "8")]},
        "beneficiary": {"reference": PATIENT_REF},
        "payor": [{"reference": f"Organization/{payer['id']}"}],
        "order": order,
    }
    if ko.recipient_number:
        coverage["subscriberId"] = ko.recipient_number
        coverage["identifier"] = [
            {"system": jpcore.PUBLIC_RECIPIENT_NUMBER, "value": ko.recipient_number}
        ]
    return [payer, coverage]


def coverages(ctx: Context, head: ReceiptHead, receipt: Any) -> list[Resource]:
    out: list[Resource] = []
    parts = insurance_parts(receipt)
    for record in receipt.of(med.HORecord):
        out += insurance_coverage(ctx, head, record, parts[3] if parts else None)
    for order, record in enumerate(receipt.of(med.KORecord), start=2):
        out += public_coverage(ctx, record, order)
    return out
