"""What every SS-MIX2 mapper shares: the mapping context and small FHIR builders.

Warnings and errors created here name the segment and field, never the patient's
values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from kizuna.codes.checkdigit import facility_code_valid
from kizuna.fhir import jpcore
from kizuna.ingest.base import PATIENT_REF, IngestWarning, MappingError, Resource, stable_id
from kizuna.ingest.ssmix2 import codes, dates
from kizuna.ingest.ssmix2.datatypes import CWE, XCN, SubCWE
from kizuna.ingest.ssmix2.fields import SegPos
from kizuna.ingest.ssmix2.parser import Message

FORMAT = "ssmix2"

#: Ids of facility-level resources (Organization, Practitioner, Location) repeat across
#: messages; caching them saves a UUIDv5 per reference. Patient-scoped ids are not cached.
shared_id = lru_cache(maxsize=1 << 16)(stable_id)
_NUMBER = re.compile(r"^\s*([<>]=?)?\s*([+-]?(?:\d+\.?\d*|\.\d+))\s*$")


@dataclass(slots=True)
class Context:
    """One message being mapped: its identity in the storage and what it produced."""

    message: Message
    data_type: str  # SS-MIX2 data type: "ADT-00", "OMP-01", ...
    patient_id: str  # facility-local patient id (storage path, else PID-3)
    facility_code: str | None  # 10-digit 医療機関コード when known
    care_date: str = "-"
    order_number: str = ""
    warnings: list[IngestWarning] = field(default_factory=list)
    shared: dict[str, Resource] = field(default_factory=dict)  # Organization, Practitioner...

    @property
    def facility_key(self) -> str:
        """The facility part of every id: the code, else the sending facility name."""
        if self.facility_code:
            return self.facility_code
        return "msh4:" + (self.message.msh.sending_facility.namespace or "unknown")

    def rid(self, resource_type: str, *keys: object) -> str:
        """A patient-scoped deterministic resource id."""
        return stable_id(FORMAT, self.facility_key, self.patient_id, resource_type, *keys)

    def warn(self, code: str, text: str, seg: SegPos | None = None, fld: str | None = None) -> None:
        self.warnings.append(IngestWarning(code, text, self.message.location(seg, fld)))

    def fail(self, text: str, seg: SegPos | None = None, fld: str | None = None) -> MappingError:
        return MappingError(text, self.message.location(seg, fld))

    def add_shared(self, resource: Resource) -> dict[str, str]:
        """Add a non-patient resource once; return a reference to it."""
        key = f"{resource['resourceType']}/{resource['id']}"
        self.shared.setdefault(key, resource)
        return {"reference": key}

    def system(self, name: str, context: str = "") -> str:
        return codes.system_for(name, context, self.facility_key)


# --- codes -----------------------------------------------------------------------


def coding(ctx: Context, code: str, display: str, system_name: str, context: str = "") -> dict:
    out: dict[str, Any] = {"code": code}
    system = ctx.system(system_name, context)
    if system:
        out["system"] = system
    if display:
        out["display"] = display
    return out


def concept(ctx: Context, cwe: CWE | SubCWE, context: str = "") -> dict | None:
    """A CodeableConcept with every code the CWE carries, plus its display text."""
    codings = []
    if cwe.code:
        codings.append(coding(ctx, cwe.code, cwe.text, cwe.system, context))
    alt_text = ""
    if isinstance(cwe, CWE):
        alt_text = cwe.alt_text
        if cwe.alt_code:
            codings.append(coding(ctx, cwe.alt_code, cwe.alt_text, cwe.alt_system, context))
    text = cwe.text or alt_text
    if not codings and not text:
        return None
    out: dict[str, Any] = {}
    if codings:
        out["coding"] = codings
    if text:
        out["text"] = text
    return out


def text_concept(text: str) -> dict | None:
    return {"text": text} if text else None


# --- values ----------------------------------------------------------------------


@lru_cache(maxsize=8192)
def number(text: str) -> int | float | None:
    """An int or float for a decimal text, or ``None``."""
    m = _NUMBER.match(text)
    if not m or m.group(1):
        return None
    return _as_number(m.group(2))


def comparator_number(text: str) -> tuple[str | None, int | float] | None:
    """``(comparator, value)`` for texts like ``<0.5`` or ``12``."""
    m = _NUMBER.match(text)
    if not m:
        return None
    return m.group(1), _as_number(m.group(2))


def _as_number(digits: str) -> int | float:
    if "." in digits:
        return float(digits)
    return int(digits)


def quantity(ctx: Context, value: int | float, unit: CWE | SubCWE, context: str = "unit") -> dict:
    """A Quantity: value, unit text, and code+system when the unit is coded."""
    out: dict[str, Any] = {"value": value}
    unit_text = unit.text or unit.code
    if unit_text:
        out["unit"] = unit_text
    if unit.code:
        system = ctx.system(unit.system, context) if unit.system else ""
        ucum_code = codes.ucum(unit.code)
        if ucum_code and (not system or system.startswith(codes.LOCAL_ROOT)):
            out["system"] = jpcore.UCUM  # a unit UCUM knows beats a local table
            out["code"] = ucum_code
        elif system:
            out["system"] = system
            out["code"] = unit.code
    return out


def datetime_of(ctx: Context, value: str, seg: SegPos, fld: str) -> str | None:
    """A FHIR dateTime for an HL7 time; a bad value is a warning, not a failure."""
    if not value:
        return None
    out = dates.to_datetime(value)
    if out is None:
        ctx.warn("date", f"{fld} is not a valid HL7 date/time; left out", seg, fld)
    return out


def date_of(ctx: Context, value: str, seg: SegPos, fld: str) -> str | None:
    full = datetime_of(ctx, value, seg, fld)
    return full.split("T", 1)[0] if full else None


def instant_of(ctx: Context, value: str, seg: SegPos, fld: str) -> str | None:
    full = datetime_of(ctx, value, seg, fld)
    return full if full and "T" in full else None


def period(start: str | None, end: str | None) -> dict | None:
    out = {k: v for k, v in (("start", start), ("end", end)) if v}
    return out or None


def patient_ref() -> dict:
    return {"reference": PATIENT_REF}


def compact(resource: dict) -> dict:
    """The resource without empty values (FHIR forbids empty elements)."""
    return {k: v for k, v in resource.items() if v not in (None, "", [], {})}


# --- shared resources ------------------------------------------------------------


def organization_ref(ctx: Context) -> dict | None:
    """A reference to the sending facility's Organization (added to the unit).

    The Organization carries only its facility code, so every unit writes the same
    content; its name and address belong to the facility directory.
    """
    code = ctx.facility_code
    if not code:
        return None
    org_id = shared_id("Organization", code)
    if f"Organization/{org_id}" in ctx.shared:
        return {"reference": f"Organization/{org_id}"}
    org: dict[str, Any] = {
        "resourceType": "Organization",
        "id": org_id,
        "identifier": [{"system": jpcore.FACILITY_CODE, "value": code}],
        "active": True,
    }
    return ctx.add_shared(org)


def practitioner_ref(ctx: Context, staff: XCN) -> dict | None:
    """A reference to a Practitioner for an XCN (added to the unit); display only
    when the source gives a name but no staff id."""
    if not staff:
        return None
    if staff.id:
        prac_id = shared_id("Practitioner", ctx.facility_key, staff.id)
        known = ctx.shared.get(f"Practitioner/{prac_id}")
        if known is not None:  # already in this unit: reuse its name
            ref = {"reference": f"Practitioner/{prac_id}"}
            if known.get("name"):
                ref["display"] = known["name"][0]["text"]
            return ref
    name = person_name(staff.family, staff.given, staff.representation)
    if not staff.id:
        return {"display": name["text"]} if name.get("text") else None
    prac: dict[str, Any] = {
        "resourceType": "Practitioner",
        "id": prac_id,
        "identifier": [
            {"system": f"{codes.LOCAL_ROOT}{ctx.facility_key}:staff", "value": staff.id}
        ],
    }
    if name.get("text"):
        prac["name"] = [name]
    ref = ctx.add_shared(prac)
    if name.get("text"):
        ref["display"] = name["text"]
    return ref


def first_practitioner(ctx: Context, staff: tuple[XCN, ...]) -> dict | None:
    for person in staff:
        ref = practitioner_ref(ctx, person)
        if ref:
            return ref
    return None


# --- names -----------------------------------------------------------------------

REPRESENTATION_EXT = "http://hl7.org/fhir/StructureDefinition/iso21090-EN-representation"
_REPRESENTATION = {"I": "IDE", "P": "SYL", "A": "ABC"}
_SPACES = re.compile(r"[ \u3000]+")


def person_name(family: str, given: str, representation: str, use: str = "") -> dict:
    """A JP Core HumanName: IDE for kanji (I), SYL for kana (P); family/given split on
    a space when the source gives the whole name in one component."""
    family, given = family.strip(), given.strip()
    if family and not given:
        parts = _SPACES.split(family, maxsplit=1)
        if len(parts) == 2:
            family, given = parts
    out: dict[str, Any] = {}
    code = _REPRESENTATION.get(representation)
    if code:
        out["extension"] = [{"url": REPRESENTATION_EXT, "valueCode": code}]
    if use:
        out["use"] = use
    text = " ".join(p for p in (family, given) if p)
    if text:
        out["text"] = text
    if family:
        out["family"] = family
    if given:
        out["given"] = [given]
    return out


def facility_from_header(ctx_message: Message, argument: str | None) -> tuple[str | None, str]:
    """The facility code (MSH-4 when it is 10 digits, else the argument) and which
    source gave it ("msh", "argument" or "")."""
    msh4 = ctx_message.msh.sending_facility.namespace.strip()
    if len(msh4) == 10 and msh4.isdigit():
        return msh4, "msh"
    if argument:
        return argument, "argument"
    return None, ""


_facility_valid = lru_cache(maxsize=4096)(facility_code_valid)


def check_facility(ctx: Context, source: str) -> None:
    """Warn about a missing facility code or one whose check digit fails."""
    seg = ctx.message.msh.pos
    if ctx.facility_code is None:
        ctx.warn(
            "facility",
            "no 10-digit facility code in MSH-4 and none given: the patient's local id "
            "cannot be scoped to a facility",
            seg,
            "MSH-4",
        )
    elif not _facility_valid(ctx.facility_code):
        where = "MSH-4" if source == "msh" else None
        ctx.warn("check-digit", "facility code fails its check digit", seg, where)
