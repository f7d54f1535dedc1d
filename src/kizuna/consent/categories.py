"""Sensitive data categories a patient may exclude from sharing, defined by code lists.

Every resource is classified when it is written; the categories are indexed as the
token parameter ``_sensitivity`` so that an access limit can exclude them inside the SQL
of every read path (search, includes, $everything, export), not by filtering afterwards.

| category | what falls in it |
|---|---|
| psychiatric (精神) | ICD-10 F00–F99; drugs in 薬効分類 117 (psychotropics, 精神神経用剤) |
| hiv-sti (HIV・性感染症) | ICD-10 B20–B24, Z21, A50–A64; drugs in 薬効分類 625 (antivirals for HIV) |
| genetic (遺伝) | ICD-10 Q90–Q99 (chromosomal abnormalities); genetic tests (JLAC10 analyte 8C) |
| reproductive (生殖) | ICD-10 O00–O08 (pregnancy with abortive outcome), N97 (infertility), Z30–Z31 |

A resource is also in a category when it carries the matching HL7 confidentiality
label (v3 ActCode PSY, HIV/STD, GDIS, SEX) in ``meta.security``.
"""

from __future__ import annotations

from typing import Any

from kizuna.fhir import jpcore

SYSTEM = "urn:kizuna:sensitivity"
PARAM = "_sensitivity"
CATEGORIES = ("psychiatric", "hiv-sti", "genetic", "reproductive")

_ICD10: dict[str, tuple[str, ...]] = {
    "psychiatric": ("F",),
    "hiv-sti": ("B20", "B21", "B22", "B23", "B24", "Z21", *(f"A{n}" for n in range(50, 65))),
    "genetic": tuple(f"Q{n}" for n in range(90, 100)),
    "reproductive": (
        "O00",
        "O01",
        "O02",
        "O03",
        "O04",
        "O05",
        "O06",
        "O07",
        "O08",
        "N97",
        "Z30",
        "Z31",
    ),
}
_YJ: dict[str, tuple[str, ...]] = {"psychiatric": ("117",), "hiv-sti": ("625",)}
_JLAC10: dict[str, tuple[str, ...]] = {"genetic": ("8C",)}
_LABELS = {
    "PSY": "psychiatric",
    "HIV": "hiv-sti",
    "STD": "hiv-sti",
    "GDIS": "genetic",
    "SEX": "reproductive",
}
ICD10_SYSTEMS = frozenset(
    {
        jpcore.ICD10,
        "http://jpfhir.jp/fhir/core/mhlw/CodeSystem/icd-10",
        "http://hl7.org/fhir/sid/icd-10",
        "urn:oid:2.16.840.1.113883.6.3",
    }
)
YJ_SYSTEMS = frozenset({jpcore.YJ_CODE, jpcore.YJ_CODE_URI, jpcore.DRUG_PRICE_LIST_CODE})
JLAC10_SYSTEMS = frozenset({jpcore.JLAC10, "http://medis.or.jp/CodeSystem/master-JLAC10-17digits"})
_CODED = ("code", "medicationCodeableConcept", "valueCodeableConcept", "reasonCode", "category")
# system -> (code prefixes by category, whether dots are dropped from the code first);
# should a system be in two sets, ICD-10 wins over YJ, and YJ over JLAC10
_TABLES: dict[str, tuple[dict[str, tuple[str, ...]], bool]] = {
    **{system: (_JLAC10, False) for system in JLAC10_SYSTEMS},
    **{system: (_YJ, False) for system in YJ_SYSTEMS},
    **{system: (_ICD10, True) for system in ICD10_SYSTEMS},
}


def _match(code: str, table: dict[str, tuple[str, ...]]) -> set[str]:
    return {cat for cat, prefixes in table.items() if code.upper().startswith(prefixes)}


def classify(resource: dict[str, Any]) -> set[str]:
    """The sensitive categories ``resource`` belongs to (usually none)."""
    found: set[str] = set()
    for name in _CODED:
        value = resource.get(name)
        for concept in value if isinstance(value, list) else (value,):
            if isinstance(concept, dict):
                for coding in concept.get("coding", ()):
                    if isinstance(coding, dict):
                        _classify_coding(coding, found)
    for label in (resource.get("meta") or {}).get("security", []):
        category = _LABELS.get(str(label.get("code")))
        if category:
            found.add(category)
    return found


def _classify_coding(coding: dict[str, Any], found: set[str]) -> None:
    code, system = str(coding.get("code") or ""), coding.get("system")
    table = _TABLES.get(system)  # type: ignore[arg-type]  # any JSON value
    if table is not None:
        prefixes, drop_dots = table
        found |= _match(code.replace(".", "") if drop_dots else code, prefixes)


def index_rows(resource: dict[str, Any]) -> list[tuple[str, str, str, None]]:
    """Token rows (param, system, code, text) for the store's ``sp_token`` table."""
    return [(PARAM, SYSTEM, category, None) for category in sorted(classify(resource))]
