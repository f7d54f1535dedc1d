"""Static type knowledge for the compiler: element navigation and type tests.

Types are FHIR type names (``Observation``, ``CodeableConcept``, ``dateTime``) or backbone
paths (``Observation.component``); ``None`` means "not known until run time".
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from kizuna.fhir import definitions

ABSTRACT_RESOURCES = frozenset({"Resource", "DomainResource"})
SYSTEM_TYPES = {
    "Boolean": ("boolean",),
    "String": ("string", "uri", "code", "id", "markdown", "base64Binary", "xhtml"),
    "Integer": ("integer",),
    "Decimal": ("decimal",),
    "Date": ("date",),
    "DateTime": ("dateTime", "instant"),
    "Time": ("time",),
    "Quantity": ("Quantity",),
}


def is_resource_type(name: str) -> bool:
    return name in definitions.resource_types() or name in ABSTRACT_RESOURCES


@cache
def is_type_name(name: str) -> bool:
    """A name usable after ``is``/``as``/``ofType`` (FHIR types, optionally qualified)."""
    return bool(wanted_types(name))


@cache
def wanted_types(name: str) -> tuple[str, ...]:
    """The FHIR type names a type specifier accepts (``System.DateTime`` -> dateTime ...)."""
    if name.startswith("FHIR."):
        name = name[5:]
    elif name.startswith("System."):
        return SYSTEM_TYPES.get(name[7:], ())
    known = (
        is_resource_type(name)
        or name in definitions.type_tables()
        or name in definitions.primitives()
    )
    if known:
        return (name,)
    return SYSTEM_TYPES.get(name, ())


def type_matches(actual: str, wanted: tuple[str, ...]) -> bool:
    return any(definitions.is_subtype(actual, w) for w in wanted)


@cache
def type_test(wanted: tuple[str, ...]) -> Callable[[str], bool]:
    """``type_matches(actual, wanted)`` as a function of ``actual``, with the answer for
    every known type name worked out once (a compiled expression tests many values)."""
    answers = {name: type_matches(name, wanted) for name in _known_type_names()}

    def test(actual: str) -> bool:
        answer = answers.get(actual)
        return type_matches(actual, wanted) if answer is None else answer

    return test


@cache
def _known_type_names() -> frozenset[str]:
    return (
        definitions.resource_types()
        | ABSTRACT_RESOURCES
        | definitions.type_tables().keys()
        | definitions.primitives().keys()
    )


def navigate(type_name: str | None, member: str) -> list[tuple[str, str | None]] | None:
    """The JSON keys and their types for ``member`` of ``type_name``.

    ``None`` when the type is unknown statically (dynamic navigation is needed) or the
    member is not an element of that type.
    """
    if type_name is None:
        return None
    table = definitions.type_tables().get(type_name)
    if table is None:
        return None
    element = table.elements.get(member)
    if element is not None and element.choice is None:
        return [(member, _static(element.type))]
    choice = table.choices.get(member)
    if choice is None:
        return None
    return [(key, _static(code)) for key, code in choice[1]]


def _static(code: str | None) -> str | None:
    """``Resource``-typed elements are only known at run time."""
    if code is None or code in ABSTRACT_RESOURCES:
        return None
    return code


def runtime_type(value: Any) -> str | None:
    """The type of a value whose static type is unknown."""
    if isinstance(value, dict):
        resource_type = value.get("resourceType")
        return resource_type if isinstance(resource_type, str) else None
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "decimal"
    if isinstance(value, str):
        return "string"
    return None


@cache
def member_keys(type_name: str, member: str) -> tuple[str, ...]:
    """The JSON keys of ``member`` on a resource known only at run time."""
    found = navigate(type_name, member)
    if not found:
        return (member,)
    return tuple(key for key, _ in found)
