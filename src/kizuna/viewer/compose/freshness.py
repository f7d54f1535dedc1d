"""How fresh each source is: the latest clinical date each facility's feed carries."""

from __future__ import annotations

from datetime import date
from typing import Any

from kizuna.viewer.compose.chart import Chart, Resource, source_of
from kizuna.viewer.compose.fields import FORMAT_KINDS, parse_date
from kizuna.viewer.compose.model import Freshness
from kizuna.viewer.compose.origins import facility_name

DATE_FIELDS = (
    "effectiveDateTime",
    "authoredOn",
    "whenHandedOver",
    "performedDateTime",
    "recordedDate",
    "onsetDateTime",
    "date",
    "issued",
    "dateAsserted",
)
PERIOD_FIELDS = ("period", "effectivePeriod", "performedPeriod")
MONTHLY = {"receipt"}


def clinical_date(res: Resource) -> date | None:
    for name in DATE_FIELDS:
        found = parse_date(res.get(name))
        if found:
            return found
    for name in PERIOD_FIELDS:
        period: dict[str, Any] = res.get(name) or {}
        found = parse_date(period.get("end") or period.get("start"))
        if found:
            return found
    return None


def compose_freshness(chart: Chart) -> tuple[Freshness, ...]:
    latest: dict[tuple[str | None, str], date | None] = {}
    for resources in chart.by_type.values():
        for res in resources:
            src = source_of(res)
            if src is None:
                continue
            key = (src.facility_code, FORMAT_KINDS.get(src.format, "other"))
            when = clinical_date(res)
            if when and (latest.get(key) is None or when > latest[key]):  # type: ignore[operator]
                latest[key] = when
            else:
                latest.setdefault(key, None)
    rows = [
        Freshness(code, facility_name(chart, code), kind, when, kind in MONTHLY)
        for (code, kind), when in latest.items()
        if code or when
    ]
    rows.sort(key=lambda f: f.latest or date.min, reverse=True)
    return tuple(rows)
