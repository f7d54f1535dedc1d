"""FHIR building blocks the pharmacy and checkup mappers share.

Names, facilities, drug codes and quantities are written the same way by the お薬手帳
(:mod:`kizuna.ingest.jahis_tc`), prescription QR (:mod:`kizuna.ingest.jahis_rx`) and
checkup (:mod:`kizuna.ingest.checkup`) mappers, so the viewer can merge their output.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

import jaconv

from kizuna.codes.checkdigit import facility_code_valid, insurer_number_valid
from kizuna.fhir import jpcore
from kizuna.ingest.base import PATIENT_REF, IngestWarning, Location, Resource, stable_id

NAME_REPRESENTATION = "http://hl7.org/fhir/StructureDefinition/iso21090-EN-representation"
ORGANIZATION_TYPE = "http://terminology.hl7.org/CodeSystem/organization-type"
GENDER = {"1": "male", "2": "female"}

_NAME_SPACE = re.compile(r"[ \u3000]+")
_DIGITS = re.compile(r"\d+")

#: JAHIS drug code type (薬品コード種別) -> (system, allowed code lengths).
_DRUG_SYSTEMS: dict[str, tuple[str, frozenset[int]]] = {
    "2": (jpcore.RECEIPT_DRUG_CODE, frozenset({9})),
    "3": (jpcore.DRUG_PRICE_LIST_CODE, frozenset({12})),
    "4": (jpcore.YJ_CODE, frozenset({12})),
    "7": (jpcore.GENERAL_ORDER_CODE, frozenset({12})),
}
_HOT_BY_LENGTH = {7: jpcore.HOT7, 9: jpcore.HOT9, 13: jpcore.HOT13}


def human_name(text: str, representation: str) -> dict[str, Any]:
    """One JP Core HumanName (IDE kanji or SYL kana), split into family/given on a space."""
    name: dict[str, Any] = {
        "extension": [{"url": NAME_REPRESENTATION, "valueCode": representation}],
        "use": "official",
        "text": text,
    }
    parts = _NAME_SPACE.split(text.strip(), maxsplit=1)
    if len(parts) == 2 and parts[0] and parts[1]:
        name["family"] = parts[0]
        name["given"] = [parts[1]]
    return name


def person_names(kanji: str, kana: str) -> list[dict[str, Any]]:
    """Kanji (IDE) and kana (SYL) names; half-width kana becomes full-width."""
    names = []
    if kanji.strip():
        names.append(human_name(kanji.strip(), "IDE"))
    if kana.strip():
        names.append(human_name(full_width_kana(kana.strip()), "SYL"))
    return names


def full_width_kana(text: str) -> str:
    return jaconv.h2z(text, kana=True, ascii=False, digit=False)


def facility_code(prefecture: str, table: str, code7: str) -> str | None:
    """The 10-digit facility code from its parts, or None unless all three are digits."""
    if not (_DIGITS.fullmatch(prefecture) and _DIGITS.fullmatch(table)):
        return None
    if not _DIGITS.fullmatch(code7) or len(code7) != 7 or len(table) != 1:
        return None
    return f"{int(prefecture):02d}{table}{code7}"


def facility_warning(code: str, location: Location) -> list[IngestWarning]:
    if facility_code_valid(code):
        return []
    return [IngestWarning("check-digit", "facility code fails its check digit", location)]


def insurer_warning(number: str, location: Location) -> list[IngestWarning]:
    if insurer_number_valid(number):
        return []
    return [IngestWarning("check-digit", "insurer number fails its check digit", location)]


def organization_id(code: str | None, fallback: str) -> str:
    """``stable_id("Organization", code)``; a facility without code is keyed by ``fallback``."""
    return stable_id("Organization", code) if code else stable_id("Organization", "name", fallback)


def organization(
    code: str | None,
    name: str,
    *,
    address: str = "",
    postal_code: str = "",
    phone: str = "",
    fallback_key: str = "",
) -> Resource:
    """A facility (hospital, clinic, pharmacy or checkup centre) as JP Core Organization."""
    org: Resource = {
        "resourceType": "Organization",
        "id": organization_id(code, fallback_key or name),
        "type": [{"coding": [{"system": ORGANIZATION_TYPE, "code": "prov"}]}],
    }
    if code:
        org["identifier"] = [{"system": jpcore.FACILITY_CODE, "value": code}]
    if name:
        org["name"] = name
    if phone:
        org["telecom"] = [{"system": "phone", "value": phone, "use": "work"}]
    if address or postal_code:
        org["address"] = [address_of(address, postal_code)]
    return org


def address_of(text: str, postal_code: str) -> dict[str, Any]:
    addr: dict[str, Any] = {"country": "JP"}
    if text:
        addr["text"] = text
    if postal_code:
        addr["postalCode"] = postal_code
    return addr


def practitioner(key: str, name: str, *, kana: str = "", phone: str = "") -> Resource:
    """A doctor or pharmacist; ``key`` makes the id stable (facility + name)."""
    res: Resource = {"resourceType": "Practitioner", "id": stable_id("Practitioner", key)}
    names = person_names(name, kana)
    if names:
        res["name"] = names
    if phone:
        res["telecom"] = [{"system": "phone", "value": phone, "use": "work"}]
    return res


def ref(resource: Resource) -> dict[str, str]:
    return {"reference": f"{resource['resourceType']}/{resource['id']}"}


def drug_codings(
    code_type: str, code: str, display: str, location: Location
) -> tuple[list[dict[str, str]], list[IngestWarning]]:
    """The coding for a JAHIS drug code (types 2 レセ電, 3 厚労省, 4 YJ, 6 HOT, 7 一般名).

    A code whose length does not fit its type is not given a system (it would be
    misleading); it is reported as an ``unknown-code`` warning and kept in the text.
    """
    if not code or code_type in ("", "1"):
        return [], []
    system = _drug_system(code_type, code)
    if system is None:
        message = f"drug code of type {code_type} has an unexpected form"
        return [], [IngestWarning("unknown-code", message, location)]
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return [coding], []


def _drug_system(code_type: str, code: str) -> str | None:
    if code_type == "6":
        return _HOT_BY_LENGTH.get(len(code)) if code.isdigit() else None
    known = _DRUG_SYSTEMS.get(code_type)
    if known is None or len(code) not in known[1] or not code.isascii():
        return None
    return known[0]


def number(value: Decimal) -> int | float:
    """A JSON number for a FHIR decimal (integers stay integers)."""
    return int(value) if value == value.to_integral_value() else float(value)


def quantity(value: Decimal, unit: str) -> dict[str, Any]:
    q: dict[str, Any] = {"value": number(value)}
    if unit:
        q["unit"] = unit
    return q


def days(value: Decimal) -> dict[str, Any]:
    return {"value": number(value), "unit": "日", "system": jpcore.UCUM, "code": "d"}


def fhir_date(value: date) -> str:
    return value.isoformat()


def fhir_datetime(value: date) -> str:
    """A date as FHIR dateTime (date precision: no time, so no zone is needed)."""
    return value.isoformat()


def annotation(text: str, *, by_patient: bool = False) -> dict[str, Any]:
    note: dict[str, Any] = {"text": text}
    if by_patient:
        note["authorReference"] = {"reference": PATIENT_REF}
    return note
