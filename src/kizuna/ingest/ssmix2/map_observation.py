"""OBX to a JP Core Observation: value by OBX-2, units, reference range, flags."""

from __future__ import annotations

import re
from typing import Any

from kizuna.ingest.ssmix2.datatypes import CWE, XCN
from kizuna.ingest.ssmix2.fields import Reader
from kizuna.ingest.ssmix2.map_common import (
    Context,
    compact,
    comparator_number,
    concept,
    datetime_of,
    patient_ref,
    person_name,
    quantity,
)
from kizuna.ingest.ssmix2.segments import OBX

INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
_FLAGS = {"H", "L", "HH", "LL", "N", "A", "AA", "<", ">", "U", "D", "B", "W", "S", "R", "I"}
_STATUS = {
    "F": "final",
    "C": "corrected",
    "P": "preliminary",
    "R": "preliminary",
    "S": "preliminary",
    "I": "registered",
    "O": "registered",
    "X": "cancelled",
    "D": "entered-in-error",
    "W": "entered-in-error",
}
_RANGE = re.compile(r"^\s*([+-]?\d*\.?\d+)?\s*[-〜~－−]\s*([+-]?\d*\.?\d+)?\s*$")
_TEXT_TYPES = {"ST", "TX", "FT"}
_CODED_TYPES = {"CWE", "CE", "CNE", "CF"}
_TIME_TYPES = {"TS", "DT", "DTM"}
VITAL_SIGN_CODES = {"9N001000000000001", "9N006000000000001"}  # JLAC10 height, weight


def category(code: str, display: str) -> dict:
    return {"coding": [{"system": CATEGORY, "code": code, "display": display}]}


def observation(
    ctx: Context,
    obx: OBX,
    obs_id: str,
    categories: list[dict],
    effective: str | None = None,
    extra: dict[str, Any] | None = None,
) -> dict | None:
    """The Observation for one OBX, or ``None`` (with a warning) when OBX-3 is empty."""
    code = concept(ctx, obx.code)
    if code is None:
        ctx.warn("missing", "OBX-3 observation code is empty; OBX left out", obx.pos, "OBX-3")
        return None
    out: dict[str, Any] = {
        "resourceType": "Observation",
        "id": obs_id,
        "status": _STATUS.get(obx.status.upper(), "final"),
        "category": categories,
        "code": code,
        "subject": patient_ref(),
        "effectiveDateTime": datetime_of(ctx, obx.observed, obx.pos, "OBX-14") or effective,
    }
    value_key, value = _value(ctx, obx)
    if value_key:
        out[value_key] = value
    ranges = reference_range(ctx, obx, value if value_key == "valueQuantity" else None)
    if ranges:
        out["referenceRange"] = ranges
    flags = [f for f in obx.abnormal_flags if f]
    if flags:
        out["interpretation"] = [_interpretation(ctx, f, obx) for f in flags]
    if extra:
        out.update(extra)
    return compact(out)


def _value(ctx: Context, obx: OBX) -> tuple[str, Any]:
    raws = [v for v in obx.values if v]
    if not raws:
        return "", None
    vtype = obx.value_type.upper()
    reader = ctx.message.value_reader()
    if vtype == "NM":
        return _numeric(ctx, obx, reader.text(raws[0]))
    if vtype == "SN":
        return _structured_numeric(ctx, obx, raws[0], reader)
    if vtype in _CODED_TYPES or vtype.startswith("Z"):
        cwe = reader.composite(CWE, raws[0])
        return "valueCodeableConcept", concept(ctx, cwe)
    if vtype in _TIME_TYPES:
        when = datetime_of(ctx, reader.text(raws[0]), obx.pos, "OBX-5")
        return ("valueDateTime", when) if when else ("", None)
    if vtype == "XCN":
        staff = reader.composite(XCN, raws[0])
        name = person_name(staff.family, staff.given, staff.representation)
        return "valueString", name.get("text") or staff.id
    text = "\n".join(reader.text(r) for r in raws)
    if vtype not in _TEXT_TYPES:
        ctx.warn("value-type", "OBX-2 value type not recognised; value kept as text", obx.pos)
    return "valueString", text


def _numeric(ctx: Context, obx: OBX, text: str) -> tuple[str, Any]:
    parsed = comparator_number(text)
    if parsed is None:
        ctx.warn("value", "OBX-5 is not numeric although OBX-2 is NM; kept as text", obx.pos)
        return "valueString", text
    comparator, value = parsed
    qty = quantity(ctx, value, obx.units)
    if comparator:
        qty["comparator"] = comparator
    return "valueQuantity", qty


def _structured_numeric(ctx: Context, obx: OBX, raw: str, reader: Reader) -> tuple[str, Any]:
    parts = [reader.text(p) for p in raw.split(ctx.message.delimiters.component)]
    comparator = parts[0] if parts[0] in ("<", ">", "<=", ">=") else ""
    if len(parts) > 1:
        parsed = comparator_number(parts[1])
        if parsed is not None:
            qty = quantity(ctx, parsed[1], obx.units)
            if comparator:
                qty["comparator"] = comparator
            return "valueQuantity", qty
    return "valueString", "".join(parts)


def reference_range(ctx: Context, obx: OBX, value: dict | None) -> list[dict]:
    """``low-high`` ranges become low/high quantities in the value's unit; the source
    text is always kept."""
    text = obx.reference_range.strip()
    if not text:
        return []
    out: dict[str, Any] = {"text": text}
    m = _RANGE.match(text)
    if m and (m.group(1) or m.group(2)):
        for key, digits in (("low", m.group(1)), ("high", m.group(2))):
            if digits:
                out[key] = _bound(ctx, obx, digits, value)
    return [out]


def _bound(ctx: Context, obx: OBX, digits: str, value: dict | None) -> dict:
    parsed = comparator_number(digits)
    number = parsed[1] if parsed else 0
    if value is not None:
        bound = {k: v for k, v in value.items() if k in ("unit", "system", "code")}
        return {"value": number, **bound}
    return quantity(ctx, number, obx.units)


def _interpretation(ctx: Context, flag: str, obx: OBX) -> dict:
    if flag.upper() in _FLAGS:
        return {"coding": [{"system": INTERPRETATION, "code": flag.upper()}], "text": flag}
    ctx.warn("code", "OBX-8 abnormal flag not in HL7 table 0078; kept as text", obx.pos, "OBX-8")
    return {"text": flag}
