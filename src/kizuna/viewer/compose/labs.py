"""Lab results as series over time, one per test, merged across facilities and checkups.

Results coded in JLAC10 (the 特定健診 item codes are JLAC10 too) are grouped by the
5-character analyte code, so HbA1c measured by two methods at two facilities is one
series. Other results are grouped by code, else by name.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from kizuna.fhir import jpcore
from kizuna.textnorm import normalize
from kizuna.viewer.compose.chart import Chart, Resource
from kizuna.viewer.compose.fields import codings, concept_text, parse_date, source_kind
from kizuna.viewer.compose.model import LabPoint, LabSeries
from kizuna.viewer.compose.origins import origin

JLAC_SYSTEMS = frozenset(
    {jpcore.JLAC10, jpcore.CHECKUP_ITEM, "http://medis.or.jp/CodeSystem/master-JLAC10-17digits"}
)
#: shown first, in this order: HbA1c, eGFR, creatinine, glucose, LDL-C, potassium, Hb
PINNED = ("3D046", "8A065", "3C015", "3D010", "3F077", "3H015", "2A030")
SKIPPED_CATEGORIES = {"social-history", "vital-signs"}


def series_key(concept: dict[str, Any]) -> str:
    for coding in codings(concept):
        code = str(coding.get("code") or "")
        if coding.get("system") in JLAC_SYSTEMS and len(code) >= 5:
            return f"jlac:{code[:5]}"
    first = next((c for c in codings(concept) if c.get("code")), None)
    if first:
        return f"{first.get('system')}|{first.get('code')}"
    return f"text:{normalize(concept_text(concept))}"


def _categories(res: Resource) -> set[str]:
    return {
        str(c.get("code")) for cat in res.get("category") or [] for c in cat.get("coding") or []
    }


def is_result(res: Resource) -> bool:
    value = res.get("valueQuantity") or {}
    if not isinstance(value.get("value"), int | float):
        return False
    if res.get("status") in ("cancelled", "entered-in-error"):
        return False
    cats = _categories(res)
    if cats & SKIPPED_CATEGORIES and source_kind(res) != "checkup":
        return False
    return (
        "laboratory" in cats
        or source_kind(res) == "checkup"
        or any(c.get("system") in JLAC_SYSTEMS for c in codings(res.get("code")))
    )


def _flag(res: Resource) -> str:
    for concept in res.get("interpretation") or []:
        for coding in concept.get("coding") or []:
            if coding.get("code") in ("H", "HH", "L", "LL", "A", "AA"):
                return str(coding["code"])
    return ""


def _range(res: Resource) -> tuple[float | None, float | None]:
    for item in res.get("referenceRange") or []:
        low = (item.get("low") or {}).get("value")
        high = (item.get("high") or {}).get("value")
        if low is not None or high is not None:
            return low, high
    return None, None


def _point(chart: Chart, res: Resource) -> LabPoint | None:
    when = parse_date(
        res.get("effectiveDateTime")
        or (res.get("effectivePeriod") or {}).get("start")
        or res.get("issued")
    )
    if when is None:
        return None
    value = res["valueQuantity"]
    comparator = value.get("comparator") or ""
    number = float(value["value"])
    text = f"{comparator}{number:g}"
    return LabPoint(when, number, text, _flag(res), origin(chart, res, when))


def _order(series: LabSeries) -> tuple[int, int]:
    analyte = series.key[5:] if series.key.startswith("jlac:") else ""
    pinned = PINNED.index(analyte) if analyte in PINNED else len(PINNED)
    return pinned, -series.latest.when.toordinal()


def compose_labs(chart: Chart) -> tuple[LabSeries, ...]:
    grouped: dict[str, list[tuple[Resource, LabPoint]]] = defaultdict(list)
    for res in chart.of("Observation"):
        if is_result(res):
            point = _point(chart, res)
            if point:
                grouped[series_key(res.get("code") or {})].append((res, point))
    series = []
    for key, items in grouped.items():
        items.sort(key=lambda i: i[1].when)
        latest = items[-1][0]
        low, high = _range(latest)
        unit = str((latest.get("valueQuantity") or {}).get("unit") or "")
        unique = {(p.when, p.value, p.origin.facility_code): p for _, p in items}
        points = tuple(sorted(unique.values(), key=lambda p: p.when))
        series.append(LabSeries(key, concept_text(latest.get("code")), unit, low, high, points))
    return tuple(sorted(series, key=_order))


def latest_before(series: LabSeries, day: date) -> LabPoint | None:
    return next((p for p in reversed(series.points) if p.when <= day), None)
