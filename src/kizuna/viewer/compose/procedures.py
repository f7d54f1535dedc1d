"""Surgery, anaesthesia and transfusion history, dialysis, and implanted devices."""

from __future__ import annotations

from datetime import date

from kizuna.codes.masters import get_masters
from kizuna.fhir import jpcore
from kizuna.viewer.compose.chart import Chart, Resource
from kizuna.viewer.compose.fields import code_in, concept_text, parse_date
from kizuna.viewer.compose.model import ProcedureItem
from kizuna.viewer.compose.origins import origin

CLASS_SYSTEM = "urn:kizuna:codesystem:procedure-class"
HISTORY_CLASSES = ("surgery", "anaesthesia", "transfusion")
#: 点数表 J038 人工腎臓 (haemodialysis), J042 腹膜灌流 (peritoneal dialysis)
DIALYSIS_TABLE = ("J038", "J042")
DIALYSIS_WORDS = ("透析", "人工腎臓", "腹膜灌流", "dialysis")


def procedure_class(res: Resource) -> str:
    category = res.get("category") or {}
    found = code_in(category, CLASS_SYSTEM)
    if found and found != "other":
        return found
    code = code_in(res.get("code"), jpcore.RECEIPT_PROCEDURE_CODE)
    info = get_masters().procedure(code) if code else None
    if info is not None:
        number = info.table_number or ""
        if number.startswith(DIALYSIS_TABLE):
            return "dialysis"
        if info.category.value != "other":
            return info.category.value
    text = concept_text(res.get("code"))
    if any(w in text for w in DIALYSIS_WORDS):
        return "dialysis"
    return found or "other"


def performed(res: Resource) -> date | None:
    period = res.get("performedPeriod") or {}
    return parse_date(res.get("performedDateTime") or period.get("end") or period.get("start"))


def compose_procedures(chart: Chart) -> tuple[ProcedureItem, ...]:
    items = []
    for res in chart.of("Procedure"):
        if res.get("status") in ("entered-in-error", "not-done"):
            continue
        kind = procedure_class(res)
        if kind in HISTORY_CLASSES:
            items.append(
                ProcedureItem(
                    concept_text(res.get("code")), kind, origin(chart, res, performed(res))
                )
            )
    for res in chart.of("Device"):
        name = (res.get("deviceName") or [{}])[0].get("name") or concept_text(res.get("type"))
        if name:
            items.append(ProcedureItem(name, "device", origin(chart, res, None)))
    items.sort(key=lambda i: i.origin.when or date.min, reverse=True)
    return tuple(items)


def dialysis(chart: Chart) -> tuple[ProcedureItem, ...]:
    """Dialysis sessions (newest first) and dialysis diagnoses."""
    items = [
        ProcedureItem(concept_text(r.get("code")), "dialysis", origin(chart, r, performed(r)))
        for r in chart.of("Procedure")
        if procedure_class(r) == "dialysis"
    ]
    items.sort(key=lambda i: i.origin.when or date.min, reverse=True)
    return tuple(items)
