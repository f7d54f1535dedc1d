"""Visits by facility and month: encounters, receipts and dispensings on one grid."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from kizuna.viewer.compose.chart import Chart, Resource
from kizuna.viewer.compose.fields import month_of, organization_code, parse_date, source_kind
from kizuna.viewer.compose.model import VisitGrid, VisitRow
from kizuna.viewer.compose.origins import facility_name, origin

MONTHS = 12


def last_months(today: date, count: int = MONTHS) -> tuple[str, ...]:
    year, month = today.year, today.month
    months = []
    for _ in range(count):
        months.append(f"{year:04d}-{month:02d}")
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return tuple(reversed(months))


def _encounter_visit(chart: Chart, res: Resource) -> tuple[str | None, str, date | None, bool]:
    period = res.get("period") or {}
    start = parse_date(period.get("start"))
    location = (res.get("location") or [{}])[0].get("period") or {}
    start = start or parse_date(location.get("start"))
    code = (
        organization_code(chart, res.get("serviceProvider"))
        or origin(chart, res, None).facility_code
    )
    inpatient = ((res.get("class") or {}).get("code")) == "IMP"
    return code, source_kind(res), start, inpatient


def _dispense_visit(chart: Chart, res: Resource) -> tuple[str | None, str, date | None, bool]:
    o = origin(chart, res, parse_date(res.get("whenHandedOver")))
    return o.facility_code, "pharmacy", o.when, False


def compose_visits(chart: Chart, months: int = MONTHS) -> VisitGrid:
    columns = last_months(chart.today, months)
    index = {m: i for i, m in enumerate(columns)}
    days: dict[str | None, set[date]] = defaultdict(set)
    kinds: dict[str | None, str] = {}
    inpatient: dict[str | None, bool] = defaultdict(bool)
    visits = [
        _encounter_visit(chart, r)
        for r in chart.of("Encounter")
        if r.get("status") not in ("cancelled", "entered-in-error")
    ]
    visits += [_dispense_visit(chart, r) for r in chart.of("MedicationDispense")]
    for code, kind, when, imp in visits:
        if when is None:
            continue
        days[code].add(when)
        kinds.setdefault(code, kind)
        inpatient[code] = inpatient[code] or imp
    rows = []
    for code, dates in days.items():
        counts = [0] * len(columns)
        for day in dates:
            slot = index.get(month_of(day))
            if slot is not None:
                counts[slot] += 1
        rows.append(
            VisitRow(
                code,
                facility_name(chart, code),
                kinds[code],
                tuple(counts),
                max(dates),
                inpatient[code],
            )
        )
    rows.sort(key=lambda r: r.last or date.min, reverse=True)
    return VisitGrid(columns, tuple(rows), rows[0] if rows else None)
