"""Small readers for FHIR fields the composers share: dates, codes, texts, facilities."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from kizuna.fhir import jpcore
from kizuna.viewer.compose.chart import Chart, Resource, source_of

FORMAT_KINDS = {
    "ssmix2": "hospital",
    "uke": "receipt",
    "jahis-tc": "notebook",
    "jahis-rx": "prescription",
    "checkup": "checkup",
    "fhir": "document",
    "portal": "portal",
}


def parse_date(value: Any) -> date | None:
    """The calendar date of a FHIR date/dateTime (the local date as written)."""
    if not isinstance(value, str) or len(value) < 4:
        return None
    return _calendar_date(value)


@lru_cache(maxsize=16384)
def _calendar_date(value: str) -> date | None:
    try:
        if len(value) == 4:
            return date(int(value), 1, 1)
        if len(value) == 7:
            return date(int(value[:4]), int(value[5:7]), 1)
        return date(int(value[:4]), int(value[5:7]), int(value[8:10]))
    except ValueError:
        return None


def month_of(day: date | None) -> str:
    return day.strftime("%Y-%m") if day else ""


def add_days(day: date, days: float) -> date:
    return day + timedelta(days=max(0, int(days)))


def codings(concept: Any) -> list[dict[str, Any]]:
    if not isinstance(concept, dict):
        return []
    return [c for c in concept.get("coding") or [] if isinstance(c, dict)]


def code_in(concept: Any, system: str) -> str | None:
    return next(
        (str(c["code"]) for c in codings(concept) if c.get("system") == system and c.get("code")),
        None,
    )


def concept_text(concept: Any) -> str:
    """The human text of a CodeableConcept: its text, else the first display, else a code."""
    if not isinstance(concept, dict):
        return ""
    text = concept.get("text")
    if text and not str(text).isdigit():
        return str(text)
    for coding in codings(concept):
        if coding.get("display"):
            return str(coding["display"])
    return str(text or next((c.get("code") for c in codings(concept) if c.get("code")), ""))


def has_code(concept: Any, system: str, code: str) -> bool:
    return any(c.get("system") == system and c.get("code") == code for c in codings(concept))


def status_code(concept: Any) -> str | None:
    return next((str(c.get("code")) for c in codings(concept) if c.get("code")), None)


def facility_code_of(resource: Resource | None) -> str | None:
    """The 10-digit facility code of an Organization."""
    for identifier in (resource or {}).get("identifier") or []:
        if identifier.get("system") == jpcore.FACILITY_CODE and identifier.get("value"):
            return str(identifier["value"])
    return None


def organization_code(chart: Chart, reference: dict[str, Any] | None) -> str | None:
    """The facility code behind a reference to an Organization or PractitionerRole."""
    if not isinstance(reference, dict):
        return None
    ident = reference.get("identifier") or {}
    if ident.get("system") == jpcore.FACILITY_CODE and ident.get("value"):
        return str(ident["value"])
    target = chart.get(reference.get("reference"))
    if target is None:
        return None
    if target.get("resourceType") == "PractitionerRole":
        return organization_code(chart, target.get("organization"))
    if target.get("resourceType") == "Organization":
        return facility_code_of(target)
    return None


def source_facility(resource: Resource) -> str | None:
    src = source_of(resource)
    return src.facility_code if src else None


def source_kind(resource: Resource) -> str:
    src = source_of(resource)
    return FORMAT_KINDS.get(src.format, "other") if src else "other"
