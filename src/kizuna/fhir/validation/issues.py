"""Validation issues, shaped like OperationOutcome.issue."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Issue:
    severity: Severity
    code: str  # FHIR issue-type: structure, required, value, invariant, too-costly ...
    expression: str  # FHIRPath location, e.g. Patient.name[0].given[1]
    diagnostics: str

    def to_fhir(self) -> dict[str, Any]:
        """This issue as an ``OperationOutcome.issue`` element."""
        return {
            "severity": self.severity,
            "code": self.code,
            "diagnostics": self.diagnostics,
            "expression": [self.expression],
        }


def error(code: str, expression: str, diagnostics: str) -> Issue:
    return Issue("error", code, expression, diagnostics)


def warning(code: str, expression: str, diagnostics: str) -> Issue:
    return Issue("warning", code, expression, diagnostics)


def errors_only(issues: Iterable[Issue]) -> list[Issue]:
    return [issue for issue in issues if issue.severity == "error"]


def has_errors(issues: Iterable[Issue]) -> bool:
    return any(issue.severity == "error" for issue in issues)


def operation_outcome(issues: Iterable[Issue]) -> dict[str, Any]:
    """An OperationOutcome resource listing ``issues``."""
    return {"resourceType": "OperationOutcome", "issue": [i.to_fhir() for i in issues]}
