"""Search index extraction: resource -> :class:`IndexRows` for the store."""

from __future__ import annotations

from kizuna.fhir.indexing.compartment import (
    in_patient_compartment,
    patient_compartment_params,
    patient_key,
)
from kizuna.fhir.indexing.date import parse_date_range
from kizuna.fhir.indexing.extract import extract, plan_for
from kizuna.fhir.indexing.rows import IndexRows
from kizuna.fhir.indexing.string import search_text

__all__ = [
    "IndexRows",
    "extract",
    "in_patient_compartment",
    "parse_date_range",
    "patient_compartment_params",
    "patient_key",
    "plan_for",
    "search_text",
]
