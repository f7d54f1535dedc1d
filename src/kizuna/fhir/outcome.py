"""FHIR errors: every failure becomes an OperationOutcome that locates the problem."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Problem:
    """One issue: severity, FHIR issue-type code, where (FHIRPath), and what."""

    code: str
    diagnostics: str
    expression: str | None = None
    severity: str = "error"

    def as_issue(self) -> dict[str, Any]:
        issue: dict[str, Any] = {
            "severity": self.severity,
            "code": self.code,
            "diagnostics": self.diagnostics,
        }
        if self.expression:
            issue["expression"] = [self.expression]
        return issue


@dataclass
class FhirError(Exception):
    """An error with an HTTP status and the problems it found."""

    status: int
    problems: list[Problem] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return describe(self.problems) or f"HTTP {self.status}"

    def outcome(self) -> dict[str, Any]:
        return operation_outcome(self.problems)


def describe(problems: list[Problem]) -> str:
    """The problems as one line, each with the element it is about: ``Observation.status:
    expected a JSON string (code); …``."""
    return "; ".join(
        f"{p.expression}: {p.diagnostics}" if p.expression else p.diagnostics for p in problems
    )


def operation_outcome(problems: list[Problem]) -> dict[str, Any]:
    issues = [p.as_issue() for p in problems] or [
        {"severity": "information", "code": "informational", "diagnostics": "ok"}
    ]
    return {"resourceType": "OperationOutcome", "issue": issues}


def error(status: int, code: str, diagnostics: str, expression: str | None = None) -> FhirError:
    return FhirError(status, [Problem(code, diagnostics, expression)])


def bad_request(
    diagnostics: str, expression: str | None = None, code: str = "invalid"
) -> FhirError:
    return error(400, code, diagnostics, expression)


def not_found(diagnostics: str) -> FhirError:
    return error(404, "not-found", diagnostics)


def gone(diagnostics: str) -> FhirError:
    return error(410, "deleted", diagnostics)


def conflict(diagnostics: str) -> FhirError:
    return error(409, "conflict", diagnostics)


def precondition_failed(diagnostics: str) -> FhirError:
    return error(412, "conflict", diagnostics)


def unprocessable(problems: list[Problem]) -> FhirError:
    return FhirError(422, problems)
