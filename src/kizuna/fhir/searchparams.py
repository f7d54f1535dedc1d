"""The R4 search parameter registry, with each expression compiled per resource type.

``params_for("Observation")`` gives every parameter a search on Observation accepts:
its own, and the common ``Resource``/``DomainResource`` ones (``_id``, ``_lastUpdated``,
``_tag``, ``_profile``, ``_security``, ``_source``, ``_text``, ``_content``, ``_query``).
Expressions are compiled for that resource type only, so a shared expression such as
``clinical-patient`` keeps just its ``Observation...`` branch.

Composite and special parameters are listed (with their components) but have no
extractor; neither do ``_text``/``_content``/``_query``, which have no expression.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Any

from kizuna.fhir import definitions, fhirpath
from kizuna.fhir.fhirpath import CompiledPath, FhirPathError

EXTRACTED_TYPES = frozenset({"token", "string", "date", "reference", "quantity", "number", "uri"})
NOT_DOMAIN_RESOURCES = frozenset({"Bundle", "Binary", "Parameters"})


@dataclass(frozen=True, slots=True)
class SearchParam:
    code: str
    type: str  # token|string|date|reference|quantity|number|uri|composite|special
    base: str  # the resource type this entry serves
    expression: str | None
    extractor: CompiledPath | None
    targets: tuple[str, ...]
    modifiers: tuple[str, ...]
    comparators: tuple[str, ...]
    components: tuple[tuple[str, str], ...]  # (definition url, expression)
    url: str
    unsupported: str | None = None  # why the expression could not be compiled


def params_for(resource_type: str) -> Mapping[str, SearchParam]:
    """Search parameters by code for ``resource_type`` (empty for unknown types)."""
    return _params_for(resource_type)


@cache
def _params_for(resource_type: str) -> Mapping[str, SearchParam]:
    if resource_type not in definitions.resource_types():
        return MappingProxyType({})
    bases = ["Resource", resource_type]
    if resource_type not in NOT_DOMAIN_RESOURCES:
        bases.insert(1, "DomainResource")
    found: dict[str, SearchParam] = {}
    for base in bases:
        for raw in _by_base().get(base, ()):
            found[raw["code"]] = _build(raw, resource_type)
    return MappingProxyType(found)


@cache
def _by_base() -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for raw in definitions.search_parameter_definitions():
        for base in raw["base"]:
            grouped.setdefault(base, []).append(raw)
    return grouped


def _build(raw: dict[str, Any], resource_type: str) -> SearchParam:
    expression = raw["expression"]
    extractor, unsupported = None, None
    if expression and raw["type"] in EXTRACTED_TYPES:
        try:
            extractor = fhirpath.compile(expression, resource_type)
        except FhirPathError as error:
            unsupported = str(error)
    return SearchParam(
        code=raw["code"],
        type=raw["type"],
        base=resource_type,
        expression=expression,
        extractor=extractor,
        targets=tuple(raw["target"]),
        modifiers=tuple(raw["modifier"]),
        comparators=tuple(raw["comparator"]),
        components=tuple((c["definition"], c["expression"]) for c in raw["component"]),
        url=raw["url"],
        unsupported=unsupported,
    )


def unsupported_expressions() -> list[tuple[str, str, str]]:
    """``(url, expression, reason)`` for every expression (and composite component)
    the FHIRPath compiler rejects; empty when all are supported."""
    problems = []
    for raw in definitions.search_parameter_definitions():
        expressions = [raw["expression"]] if raw["expression"] else []
        expressions += [c["expression"] for c in raw["component"]]
        for expression in expressions:
            try:
                fhirpath.compile(expression)
            except FhirPathError as error:
                problems.append((raw["url"], expression, str(error)))
    return problems
