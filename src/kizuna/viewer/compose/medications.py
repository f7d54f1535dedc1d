"""Current medication across every facility and pharmacy, merged by ingredient.

Each prescription (MedicationRequest), dispensing (MedicationDispense) and statement
(MedicationStatement, e.g. OTC drugs from お薬手帳) becomes a :class:`MedicationUse`. A
request that a dispensing fulfils is shown once, as the dispensing (with the prescriber
of the request). Uses are grouped by the 7-character YJ ingredient key from the code
masters, so one ingredient prescribed under different product names is one line.

* **current**: started within ``window_days`` (90: the emergency data set's three months)
  or still supplied today;
* **duplicate ingredient**: one ingredient prescribed by two or more facilities with
  overlapping supply periods;
* **interaction**: two current ingredients form a pair of the curated table.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from kizuna.codes.masters import get_masters, ingredient_of_yj
from kizuna.fhir import jpcore
from kizuna.textnorm import normalize
from kizuna.viewer.compose.chart import Chart, Resource
from kizuna.viewer.compose.fields import concept_text, organization_code, parse_date
from kizuna.viewer.compose.interactions import find_interactions, ingredient_label
from kizuna.viewer.compose.model import MedicationGroup, Medications, MedicationUse, Warning
from kizuna.viewer.compose.origins import facility_name, origin

WINDOW_DAYS = 90
DEFAULT_DAYS = 1
USAGE_DURATION = (
    "http://jpfhir.jp/fhir/core/Extension/StructureDefinition/JP_MedicationDosage_UsageDuration"
)
PERIOD_OF_USE = (
    "http://jpfhir.jp/fhir/core/Extension/StructureDefinition/JP_MedicationDosage_PeriodOfUse"
)
_PRICE_LIST = frozenset({jpcore.DRUG_PRICE_LIST_CODE})


def medication_concept(chart: Chart, res: Resource) -> dict[str, Any]:
    concept = res.get("medicationCodeableConcept")
    if isinstance(concept, dict):
        return concept
    ref = (res.get("medicationReference") or {}).get("reference") or ""
    if ref.startswith("#"):
        for contained in res.get("contained") or []:
            if contained.get("id") == ref[1:]:
                return contained.get("code") or {
                    "text": (res.get("medicationReference") or {}).get("display", "")
                }
    target = chart.get(ref)
    if target:
        return target.get("code") or {}
    return {"text": (res.get("medicationReference") or {}).get("display", "")}


def ingredient_key(concept: dict[str, Any]) -> str | None:
    masters = get_masters()
    for coding in concept.get("coding") or []:
        system, code = str(coding.get("system") or ""), str(coding.get("code") or "")
        if not code:
            continue
        key = (
            ingredient_of_yj(code)
            if system in _PRICE_LIST
            else masters.ingredient_key(system, code)
        )
        if key:
            return key
    return None


def product_name(concept: dict[str, Any]) -> str:
    text = concept_text(concept)
    for coding in concept.get("coding") or []:
        if text and not text.isdigit():
            break
        if coding.get("system") == jpcore.RECEIPT_DRUG_CODE:
            info = get_masters().drug(str(coding.get("code")))
            if info:
                return info.name
    return text


def _duration_days(value: Any) -> int | None:
    if isinstance(value, dict) and isinstance(value.get("value"), int | float):
        unit = value.get("code") or value.get("unit")
        factor = {"wk": 7, "週": 7, "mo": 30, "月": 30}.get(str(unit), 1)
        return int(value["value"] * factor)
    return None


def request_days(res: Resource) -> int | None:
    for dosage in res.get("dosageInstruction") or []:
        for ext in dosage.get("extension") or []:
            if ext.get("url") == USAGE_DURATION:
                return _duration_days(ext.get("valueDuration"))
        bounds = ((dosage.get("timing") or {}).get("repeat") or {}).get("boundsDuration")
        if bounds:
            return _duration_days(bounds)
    return _duration_days((res.get("dispenseRequest") or {}).get("expectedSupplyDuration"))


def request_start(res: Resource) -> date | None:
    for dosage in res.get("dosageInstruction") or []:
        for ext in dosage.get("extension") or []:
            if ext.get("url") == PERIOD_OF_USE:
                start = parse_date((ext.get("valuePeriod") or {}).get("start"))
                if start:
                    return start
    return parse_date(res.get("authoredOn"))


def dosage_text(res: Resource) -> str:
    parts = []
    for dosage in res.get("dosageInstruction") or []:
        if dosage.get("text"):
            parts.append(str(dosage["text"]))
        parts += [
            str(a.get("text")) for a in dosage.get("additionalInstruction") or [] if a.get("text")
        ]
    return " / ".join(dict.fromkeys(parts))


def _prescriber(chart: Chart, request: Resource | None, fallback: str | None) -> str | None:
    if request is None:
        return fallback
    code = organization_code(chart, request.get("requester"))
    code = code or organization_code(chart, request.get("reportedReference"))
    return code or fallback


def _recent(start: date | None, days: int | None, since: date | None) -> bool:
    if since is None:
        return True
    if start is None:
        return False
    return start >= since or start + timedelta(days=max(days or 1, 1)) >= since


def _request_use(chart: Chart, res: Resource, since: date | None = None) -> MedicationUse | None:
    start = request_start(res)
    if not _recent(start, request_days(res), since):
        return None
    concept = medication_concept(chart, res)
    o = origin(chart, res, start)
    prescriber = _prescriber(chart, res, o.facility_code)
    return MedicationUse(
        product_name(concept),
        ingredient_key(concept),
        prescriber,
        facility_name(chart, prescriber),
        None,
        None,
        start,
        request_days(res),
        dosage_text(res),
        o,
    )


def _dispense_use(chart: Chart, res: Resource, since: date | None = None) -> MedicationUse | None:
    start = parse_date(res.get("whenHandedOver") or res.get("whenPrepared"))
    if not _recent(start, _duration_days(res.get("daysSupply")), since):
        return None
    concept = medication_concept(chart, res)
    o = origin(chart, res, start)
    request = next(
        (
            chart.get(a.get("reference"))
            for a in res.get("authorizingPrescription") or []
            if chart.get(a.get("reference"))
        ),
        None,
    )
    prescriber = _prescriber(chart, request, None)
    return MedicationUse(
        product_name(concept),
        ingredient_key(concept),
        prescriber,
        facility_name(chart, prescriber),
        o.facility_code,
        o.facility_name,
        start,
        _duration_days(res.get("daysSupply")),
        dosage_text(res) or (dosage_text(request) if request else ""),
        o,
    )


def _statement_use(chart: Chart, res: Resource) -> MedicationUse:
    concept = medication_concept(chart, res)
    period = res.get("effectivePeriod") or {}
    start = parse_date(
        period.get("start") or res.get("effectiveDateTime") or res.get("dateAsserted")
    )
    end = parse_date(period.get("end"))
    days = (end - start).days + 1 if start and end else None
    o = origin(chart, res, start)
    otc = "一般用" in concept_text(res.get("category")) or "要指導" in concept_text(
        res.get("category")
    )
    return MedicationUse(
        product_name(concept),
        ingredient_key(concept),
        None,
        None,
        o.facility_code,
        o.facility_name,
        start,
        days,
        dosage_text(res),
        o,
        otc,
    )


def medication_uses(chart: Chart, since: date | None = None) -> list[MedicationUse]:
    """Every use (started on or after ``since``, or still supplied then, when given)."""
    fulfilled = {
        a.get("reference")
        for d in chart.of("MedicationDispense")
        for a in d.get("authorizingPrescription") or []
    }
    uses: list[MedicationUse | None] = []
    for res in chart.of("MedicationRequest"):
        if res.get("status") in ("entered-in-error", "cancelled"):
            continue
        if f"MedicationRequest/{res.get('id')}" not in fulfilled:
            uses.append(_request_use(chart, res, since))
    uses += [
        _dispense_use(chart, r, since)
        for r in chart.of("MedicationDispense")
        if r.get("status") not in ("entered-in-error", "cancelled", "declined")
    ]
    uses += [
        _statement_use(chart, r)
        for r in chart.of("MedicationStatement")
        if r.get("status") not in ("entered-in-error", "not-taken")
    ]
    return [u for u in uses if u is not None and u.product]


def is_current(use: MedicationUse, today: date, window_days: int = WINDOW_DAYS) -> bool:
    if use.start is None or use.start > today + timedelta(days=1):
        return False
    return use.start >= today - timedelta(days=window_days) or (use.end or use.start) >= today


def _group_key(use: MedicationUse) -> str:
    return use.ingredient_key or f"name:{normalize(use.product)}"


_STRENGTH = re.compile(r"[0-9０-９．.「(（]")


def derived_name(products: list[str]) -> str:
    """The part of the product names before the strength: ``メトホルミン塩酸塩`` from
    ``メトホルミン塩酸塩２５０ｍｇＭＴ錠`` (used when no price list names the ingredient)."""
    stems = [_STRENGTH.split(p, maxsplit=1)[0] for p in products]
    stem = min(stems, key=len) if stems else ""
    return stem if len(stem) >= 2 else (products[0] if products else "")


def _ingredient_name(key: str, uses: list[MedicationUse]) -> str:
    if key.startswith("name:"):
        return uses[0].product
    return (
        get_masters().ingredient_name(key)
        or ingredient_label(key)
        or derived_name([u.product for u in uses])
    )


def _overlap(a: MedicationUse, b: MedicationUse) -> bool:
    a_end = a.end or a.start
    b_end = b.end or b.start
    if not (a.start and b.start and a_end and b_end):
        return False
    return a.start <= b_end and b.start <= a_end


def duplicate_facilities(uses: list[MedicationUse]) -> list[str]:
    """The prescribing facilities of one ingredient whose supply periods overlap."""
    found: list[str] = []
    prescribed = [u for u in uses if not u.otc and u.prescriber_code]
    for i, a in enumerate(prescribed):
        for b in prescribed[i + 1 :]:
            if a.prescriber_code != b.prescriber_code and _overlap(a, b):
                for use in (a, b):
                    label = use.prescriber_name or use.prescriber_code or ""
                    if label not in found:
                        found.append(label)
    return found


def compose_medications(chart: Chart, window_days: int = WINDOW_DAYS) -> Medications:
    today = chart.today
    groups: dict[str, list[MedicationUse]] = defaultdict(list)
    for use in medication_uses(chart, today - timedelta(days=window_days)):
        if is_current(use, today, window_days):
            groups[_group_key(use)].append(use)
    warnings: list[Warning] = []
    duplicates: set[str] = set()
    for key, uses in groups.items():
        facilities = duplicate_facilities(uses)
        if len(facilities) >= 2:
            duplicates.add(key)
            warnings.append(
                Warning(
                    "duplicate",
                    (_ingredient_name(key, uses),),
                    tuple(facilities),
                    " / ".join(dict.fromkeys(u.product for u in uses)),
                )
            )
    interacting: set[str] = set()
    for hit in find_interactions({k for k in groups if not k.startswith("name:")}):
        interacting |= {hit.key_a, hit.key_b}
        names = (hit.name_a, hit.name_b)
        prescribers = tuple(
            dict.fromkeys(f for k in (hit.key_a, hit.key_b) for f in _facilities(groups[k]))
        )
        warnings.append(Warning("interaction", names, prescribers, hit.level, hit.source))
    current = [
        MedicationGroup(
            key,
            _ingredient_name(key, uses),
            tuple(sorted(uses, key=lambda u: u.start or date.min, reverse=True)),
            key in duplicates,
            key in interacting,
        )
        for key, uses in groups.items()
    ]
    current.sort(
        key=lambda g: (
            not (g.duplicate or g.interacting),
            -(g.latest.start or date.min).toordinal(),
        )
    )
    warnings.sort(key=lambda w: (w.kind != "interaction", w.ingredients))
    return Medications(tuple(current), tuple(warnings), today - timedelta(days=window_days))


def _facilities(uses: list[MedicationUse]) -> list[str]:
    return [u.prescriber_name or u.prescriber_code or u.origin.facility for u in uses]
