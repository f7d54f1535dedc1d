"""Who the person is: names (kanji and kana), sex, birth date, insurance, contacts."""

from __future__ import annotations

from datetime import date
from typing import Any

from kizuna.fhir import jpcore
from kizuna.viewer.compose.chart import Chart, Resource
from kizuna.viewer.compose.fields import concept_text, parse_date
from kizuna.viewer.compose.model import Contact, Identity

REPRESENTATION = "http://hl7.org/fhir/StructureDefinition/iso21090-EN-representation"


def _representation(name: dict[str, Any]) -> str:
    for ext in name.get("extension") or []:
        if ext.get("url") == REPRESENTATION:
            return str(ext.get("valueCode") or "")
    return ""


def name_text(name: dict[str, Any]) -> str:
    text = name.get("text")
    if text:
        return str(text)
    return " ".join([name.get("family", ""), *name.get("given", [])]).strip()


def names_of(patients: list[Resource]) -> tuple[str, str]:
    kanji, kana = "", ""
    for patient in patients:
        for name in patient.get("name") or []:
            rep = _representation(name)
            if rep == "SYL" and not kana:
                kana = name_text(name)
            elif rep != "SYL" and not kanji:
                kanji = name_text(name)
    return kanji or kana, kana


def age_on(birth: date | None, today: date) -> int | None:
    if birth is None:
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def member_ids(patients: list[Resource]) -> list[str]:
    found = []
    for patient in patients:
        for identifier in patient.get("identifier") or []:
            if identifier.get("system") == jpcore.INSURANCE_MEMBER_ID and identifier.get("value"):
                found.append(str(identifier["value"]))
    return list(dict.fromkeys(found))


def format_member_id(value: str) -> str:
    """``保険者番号:記号:番号:枝番`` as printed on the card: 保険者番号 記号・番号 (枝番)."""
    parts = value.split(":")
    if len(parts) != 4:
        return value
    insurer, symbol, number, branch = parts
    return f"{insurer} {symbol}・{number} ({branch})"


def _contacts(chart: Chart, patients: list[Resource]) -> list[Contact]:
    out = []
    for patient in patients:
        for contact in patient.get("contact") or []:
            relation = "、".join(concept_text(r) for r in contact.get("relationship") or [])
            name = name_text(contact.get("name") or {})
            phone = next(
                (
                    t.get("value")
                    for t in contact.get("telecom") or []
                    if t.get("system") == "phone"
                ),
                "",
            )
            if relation == "本人" or not (name or phone):
                continue
            out.append(Contact(name, relation, str(phone or "")))
    for person in chart.of("RelatedPerson"):
        phone = next(
            (t.get("value") for t in person.get("telecom") or [] if t.get("system") == "phone"), ""
        )
        out.append(
            Contact(
                name_text((person.get("name") or [{}])[0]),
                "、".join(concept_text(r) for r in person.get("relationship") or []),
                str(phone or ""),
            )
        )
    unique = {(c.name, c.phone): c for c in out}
    return list(unique.values())


def compose_identity(chart: Chart, patient_id: str) -> Identity:
    patients = sorted(chart.of("Patient"), key=lambda p: p.get("id") != patient_id)
    kanji, kana = names_of(patients)
    gender = next((p.get("gender") for p in patients if p.get("gender")), "unknown")
    birth = next((parse_date(p.get("birthDate")) for p in patients if p.get("birthDate")), None)
    address = next(
        (a.get("text") for p in patients for a in p.get("address") or [] if a.get("text")), ""
    )
    phones = list(
        dict.fromkeys(
            t.get("value")
            for p in patients
            for t in p.get("telecom") or []
            if t.get("system") == "phone" and t.get("value")
        )
    )
    insurance = [format_member_id(v) for v in member_ids(patients)]
    if not insurance:
        insurance = _coverage_lines(chart)
    photo = next(
        (
            f"data:{ph['contentType']};base64,{ph['data']}"
            for p in patients
            for ph in p.get("photo") or []
            if ph.get("data") and ph.get("contentType")
        ),
        None,
    )
    return Identity(
        patient_id,
        kanji,
        kana,
        str(gender),
        birth,
        age_on(birth, chart.today),
        tuple(insurance),
        str(address or ""),
        tuple(phones[:3]),
        tuple(_contacts(chart, patients)),
        photo,
    )


def _coverage_lines(chart: Chart) -> list[str]:
    lines = []
    for coverage in chart.of("Coverage"):
        if coverage.get("status") != "active":
            continue
        symbol = number = ""
        for ext in coverage.get("extension") or []:
            if ext.get("url") == jpcore.COVERAGE_SYMBOL_EXT:
                symbol = ext.get("valueString", "")
            elif ext.get("url") == jpcore.COVERAGE_NUMBER_EXT:
                number = ext.get("valueString", "")
        kind = concept_text(coverage.get("type"))
        if symbol or number:
            lines.append(f"{kind} {symbol}・{number}".strip())
    return list(dict.fromkeys(lines))
