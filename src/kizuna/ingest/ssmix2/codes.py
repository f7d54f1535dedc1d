"""SS-MIX2 coding-system names (CWE.3) to FHIR code-system URIs.

JP-wide systems come from :mod:`kizuna.fhir.jpcore`; systems only SS-MIX2 uses are
here. JAHIS tables (JHSD/JHSI/JHSP) follow the JP Core naming already used for JHSD0006
and JHSI0001. User-defined tables (``99...``) are local to a facility and get a
facility-scoped URN; other names we cannot resolve get a format-scoped URN, so a code
is never left without a system.
"""

from __future__ import annotations

import re
from functools import lru_cache

from kizuna.fhir import jpcore

HL7_V2_TABLE = "http://terminology.hl7.org/CodeSystem/v2-"
ROUTE_HL70162 = "http://jpfhir.jp/fhir/core/CodeSystem/route-codes"
MERIT9_FORM = "http://jpfhir.jp/fhir/core/CodeSystem/JP_MedicationFormMERIT9_CS"
MERIT9_CATEGORY = "http://jpfhir.jp/fhir/core/CodeSystem/JP_MedicationCategoryMERIT9_CS"
JP_CORE_CS = "http://jpfhir.jp/fhir/core/CodeSystem/"
DEPARTMENT = "http://jami.jp/SS-MIX2/CodeSystem/ClinicalDepartment"
DICOM_DCM = "http://dicom.nema.org/resources/ontology/DCM"
HOT7 = "urn:oid:1.2.392.200119.4.403.2"
CONDITION_OUTCOME_HL70241 = "http://jpfhir.jp/fhir/core/CodeSystem/HL70241"
RP_NUMBER = "http://jpfhir.jp/fhir/core/mhlw/IdSystem/Medication-RPGroupNumber"
ORDER_IN_RP = "http://jpfhir.jp/fhir/core/mhlw/IdSystem/MedicationAdministrationIndex"
LOCAL_ROOT = "urn:kizuna:ssmix2:"
#: JLAC10 material (材料) codes such as 023 血清 on SPM-4: the 3-digit material part of
#: JLAC10, which has no code system URI of its own in JP Core.
JLAC10_MATERIAL = LOCAL_ROOT + "cs:JLAC10-material"

_FIXED = {
    "HOT9": jpcore.HOT9,
    "HOT13": jpcore.HOT13,
    "HOT7": HOT7,
    "YJ": jpcore.YJ_CODE,
    "JC10": jpcore.JLAC10,
    "JLAC10": jpcore.JLAC10,
    "MDCDX2": jpcore.MEDIS_DISEASE_EXCHANGE,
    "I10": jpcore.ICD10,
    "I10-2013": jpcore.ICD10,
    "ICD10": jpcore.ICD10,
    "JAMISDP01": jpcore.JAMI_USAGE,
    "HL70162": ROUTE_HL70162,
    "DCM": DICOM_DCM,
    "ISO+": "",  # ISO+ units: text only (mapped to UCUM where we know the unit)
}

_BY_CONTEXT = {
    ("MR9P", "unit"): jpcore.MERIT9_UNIT,
    ("MR9P", "form"): MERIT9_FORM,
    ("MR9P", "category"): MERIT9_CATEGORY,
    ("JC10", "specimen"): JLAC10_MATERIAL,
}

_HL7_TABLE = re.compile(r"^HL7(\d{4})$")
_JAHIS_TABLE = re.compile(r"^JHS[DIP]\d{4}$")
_LOCAL = re.compile(r"^99[A-Z0-9]{1,4}$")

#: ISO+ / free unit texts that have an exact UCUM equivalent.
UCUM_UNITS = {
    "cm": "cm",
    "mm": "mm",
    "m": "m",
    "kg": "kg",
    "g": "g",
    "mg": "mg",
    "ug": "ug",
    "ml": "mL",
    "mL": "mL",
    "l": "L",
    "L": "L",
    "%": "%",
    "mmHg": "mm[Hg]",
    "g/dl": "g/dL",
    "g/dL": "g/dL",
    "mg/dl": "mg/dL",
    "mg/dL": "mg/dL",
    "ml/hr": "mL/h",
    "mL/h": "mL/h",
    "bpm": "/min",
    "/min": "/min",
    "msec": "ms",
    "ms": "ms",
    "mV": "mV",
    "degree": "deg",
    "d": "d",
    "h": "h",
    "min": "min",
    "wk": "wk",
    "mo": "mo",
    "a": "a",
}


@lru_cache(maxsize=4096)
def system_for(name: str, context: str = "", facility: str = "") -> str:
    """The FHIR system URI for an SS-MIX2 coding-system name ("" for ISO+ units)."""
    key = name.strip()
    if (key, context) in _BY_CONTEXT:
        return _BY_CONTEXT[(key, context)]
    if key in _FIXED:
        return _FIXED[key]
    table = _HL7_TABLE.match(key)
    if table:
        return HL7_V2_TABLE + table.group(1)
    if _JAHIS_TABLE.match(key):
        return JP_CORE_CS + key
    if _LOCAL.match(key):
        return f"{LOCAL_ROOT}{facility or 'unknown-facility'}:cs:{key}"
    return f"{LOCAL_ROOT}cs:{key or 'unnamed'}"


def ucum(unit: str) -> str | None:
    """The UCUM code for a unit text when we know one exactly."""
    return UCUM_UNITS.get(unit.strip())
