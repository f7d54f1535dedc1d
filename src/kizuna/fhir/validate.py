"""Validation on write: R4 structure first, then the JP identifier and profile checks.

Structural errors answer 400; JP profile and business-rule errors answer 422. Warnings
never block a write: a failed check digit on a facility code, or a one-item array where R4
wants a single value (and the reverse), which published JP Core / JP-CLINS examples do and
which is kept as sent so that every resource reads back exactly as it was written.
"""

from __future__ import annotations

from typing import Any

from kizuna.codes.masters.store import Masters, get_masters
from kizuna.fhir.outcome import FhirError, Problem
from kizuna.fhir.types import is_resource_type
from kizuna.fhir.validation.drugs import DrugLookup, IngredientIndex, NoDrugMaster
from kizuna.fhir.validation.jp import validate_jp
from kizuna.fhir.validation.structure import validate

_ID_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.")


def valid_id(value: object) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 64 and set(value) <= _ID_CHARS


def _prefixed(expression: str | None, prefix: str, res_type: str) -> str | None:
    if not prefix or not expression:
        return expression
    if expression.startswith(res_type):
        return prefix + expression[len(res_type) :]
    return f"{prefix}.{expression}"


def _problems(issues: list[Any], prefix: str, res_type: str) -> list[Problem]:
    return [
        Problem(i.code, i.diagnostics, _prefixed(i.expression, prefix, res_type), i.severity)
        for i in issues
    ]


_lookups: dict[int, DrugLookup] = {}


def drug_lookup(masters: Masters | None = None) -> DrugLookup:
    """Ingredient names from the installed drug price list, for the general-order-code
    check; "unknown" (no check) when no price list is installed."""
    masters = masters or get_masters()
    found = _lookups.get(id(masters))
    if found is None:
        names = masters.ingredient_names()
        found = IngredientIndex(names) if names else NoDrugMaster()
        _lookups.clear()
        _lookups[id(masters)] = found
    return found


def check_resource(
    resource: Any, expected_type: str | None = None, where: str = ""
) -> list[Problem]:
    """Validate ``resource``; raise :class:`FhirError` on errors, return the warnings.

    ``where`` prefixes locations (e.g. ``Bundle.entry[3].resource``) inside bundles.
    """
    at = where or None
    if not isinstance(resource, dict):
        raise FhirError(400, [Problem("structure", "a resource must be a JSON object", at)])
    res_type = resource.get("resourceType")
    if not isinstance(res_type, str) or not is_resource_type(res_type):
        raise FhirError(
            400,
            [Problem("structure", f"unknown resourceType {str(res_type)[:40]!r}", at)],
        )
    if expected_type and res_type != expected_type:
        raise FhirError(
            400,
            [
                Problem(
                    "invalid",
                    f"resourceType {res_type} does not match the URL's {expected_type}",
                    at,
                )
            ],
        )
    structural = _problems(validate(resource), where, res_type)
    errors = [p for p in structural if p.severity in ("error", "fatal")]
    if errors:
        raise FhirError(400, errors)
    profile = _problems(validate_jp(resource, drug_lookup()), where, res_type)
    errors = [p for p in profile if p.severity in ("error", "fatal")]
    if errors:
        raise FhirError(422, errors)
    return [p for p in structural + profile if p.severity not in ("error", "fatal")]
