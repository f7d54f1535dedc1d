"""Checkup (特定健診) results over the years: items as rows, years as columns."""

from __future__ import annotations

from collections import defaultdict

from kizuna.viewer.compose.chart import Chart, Resource
from kizuna.viewer.compose.fields import concept_text, parse_date, source_kind
from kizuna.viewer.compose.labs import series_key
from kizuna.viewer.compose.model import CheckupTable, Origin
from kizuna.viewer.compose.origins import origin


def _value(res: Resource) -> str:
    quantity = res.get("valueQuantity")
    if isinstance(quantity, dict) and quantity.get("value") is not None:
        text = f"{quantity.get('comparator') or ''}{float(quantity['value']):g}"
    elif res.get("valueCodeableConcept"):
        text = concept_text(res["valueCodeableConcept"])
    elif res.get("valueString"):
        text = str(res["valueString"])
    else:
        return "—"
    flags = [
        c.get("code")
        for i in res.get("interpretation") or []
        for c in i.get("coding") or []
        if c.get("code") in ("H", "HH", "L", "LL")
    ]
    return f"{text} {flags[0]}" if flags else text


def compose_checkups(chart: Chart) -> CheckupTable:
    cells: dict[str, dict[str, str]] = defaultdict(dict)
    names: dict[str, tuple[str, str]] = {}
    origins: dict[str, Origin] = {}
    for res in chart.of("Observation"):
        if source_kind(res) != "checkup":
            continue
        when = parse_date(res.get("effectiveDateTime"))
        if when is None:
            continue
        year = str(when.year)
        key = series_key(res.get("code") or {})
        names.setdefault(
            key,
            (
                concept_text(res.get("code")),
                str((res.get("valueQuantity") or {}).get("unit") or ""),
            ),
        )
        cells[key][year] = _value(res)
        origins.setdefault(year, origin(chart, res, when))
    years = tuple(sorted(origins))
    rows = tuple(
        (names[k][0], names[k][1], tuple(cells[k].get(y, "") for y in years)) for k in names
    )
    return CheckupTable(years, rows, tuple(origins[y] for y in years))
