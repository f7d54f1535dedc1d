"""Validation of FHIR R4 resources: structure (:func:`validate`) and JP rules
(:func:`kizuna.fhir.validation.jp.validate_jp`)."""

from __future__ import annotations

from kizuna.fhir.validation.issues import Issue, errors_only, has_errors, operation_outcome
from kizuna.fhir.validation.repair import repair_shapes
from kizuna.fhir.validation.structure import MAX_DEPTH, validate

__all__ = [
    "MAX_DEPTH",
    "Issue",
    "errors_only",
    "has_errors",
    "operation_outcome",
    "repair_shapes",
    "validate",
]
