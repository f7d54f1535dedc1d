"""Building the Origin every item carries: facility (from the source or a reference) and date."""

from __future__ import annotations

from datetime import date
from typing import Any

from kizuna.viewer.compose.chart import Chart, Resource
from kizuna.viewer.compose.fields import organization_code, source_facility, source_kind
from kizuna.viewer.compose.model import Origin


def origin(
    chart: Chart, resource: Resource, when: date | None, facility_ref: dict[str, Any] | None = None
) -> Origin:
    """The origin of ``resource``: the referenced facility when given, else its source's."""
    code = organization_code(chart, facility_ref) if facility_ref else None
    code = code or source_facility(resource)
    return Origin(code, facility_name(chart, code), source_kind(resource), when)


def facility_name(chart: Chart, code: str | None) -> str | None:
    return chart.directory.facility_name(code) if code else None
