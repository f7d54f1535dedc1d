"""Active problems with the diagnosing facility and month, merged across sources."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from kizuna.codes.masters import get_masters
from kizuna.fhir import jpcore
from kizuna.textnorm import normalize
from kizuna.viewer.compose.chart import Chart, Resource
from kizuna.viewer.compose.fields import code_in, concept_text, parse_date, status_code
from kizuna.viewer.compose.model import Origin, Problem
from kizuna.viewer.compose.origins import origin

PRINCIPAL = "principal"
MAIN_CODES = {("http://jpfhir.jp/fhir/core/CodeSystem/JHSD0007", "1")}
INACTIVE = {"inactive", "resolved", "remission"}
EXCLUDED_VERIFICATION = {"refuted", "entered-in-error"}


def condition_name(res: Resource) -> str:
    code = res.get("code") or {}
    receipt = code_in(code, jpcore.RECEIPT_DISEASE_CODE)
    text = concept_text(code)
    if receipt and (not text or text == receipt):
        info = get_masters().disease(receipt)
        return info.name if info else text
    return text


def is_main(res: Resource) -> bool:
    for ext in res.get("extension") or []:
        concept = ext.get("valueCodeableConcept") or {}
        if any(c.get("code") == PRINCIPAL for c in concept.get("coding") or []):
            return True
    for category in res.get("category") or []:
        for coding in category.get("coding") or []:
            if (coding.get("system"), coding.get("code")) in MAIN_CODES:
                return True
    return False


def is_active(res: Resource) -> bool:
    if status_code(res.get("verificationStatus")) in EXCLUDED_VERIFICATION:
        return False
    if res.get("abatementDateTime") or res.get("abatementPeriod"):
        return False
    return status_code(res.get("clinicalStatus")) not in INACTIVE


def _when(res: Resource) -> date | None:
    return parse_date(res.get("onsetDateTime") or res.get("recordedDate"))


def compose_problems(chart: Chart, active_only: bool = True) -> tuple[Problem, ...]:
    groups: dict[str, list[tuple[Resource, Origin]]] = defaultdict(list)
    for res in chart.of("Condition"):
        if active_only and not is_active(res):
            continue
        name = condition_name(res)
        if name:
            groups[normalize(name)].append((res, origin(chart, res, _when(res))))
    problems = []
    for items in groups.values():
        first_by_facility: dict[str, Origin] = {}
        for _, o in sorted(items, key=lambda i: i[1].when or date.max):
            first_by_facility.setdefault(o.facility_code or o.facility, o)
        last = max((o.when for _, o in items if o.when), default=None)
        problems.append(
            Problem(
                condition_name(items[0][0]),
                any(is_main(r) for r, _ in items),
                tuple(first_by_facility.values()),
                last,
            )
        )
    return tuple(
        sorted(problems, key=lambda p: (not p.main, -(p.last_seen or date.min).toordinal()))
    )
