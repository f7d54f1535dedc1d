"""FHIR R4 definitions derived from the official package by ``build.py``.

Each file is read once, on first use. The element tables map a type name (a resource,
a data type, or a backbone path such as ``Patient.contact``) to its elements::

    element name -> ElementDef(min, max, type code, choice base)

``max`` is -1 for "many". A choice element ``value[x]`` appears once per variant
(``valueQuantity`` ...) with its base name in ``choice``; the group itself, with its
minimum cardinality, is in ``TypeTable.choices``.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

HERE = Path(__file__).resolve().parent
MANY = -1


class ElementDef(NamedTuple):
    min: int
    max: int
    type: str | None
    choice: str | None


@dataclass(frozen=True, slots=True)
class TypeTable:
    name: str
    elements: dict[str, ElementDef]
    choices: dict[str, tuple[int, tuple[tuple[str, str], ...]]]


@dataclass(frozen=True, slots=True)
class Primitive:
    name: str
    json: str  # "string" | "boolean" | "integer" | "decimal"
    regex: str | None


def _read_json(name: str) -> Any:
    path = HERE / name
    if name.endswith(".gz"):
        with gzip.open(path, "rb") as handle:
            return json.loads(handle.read())
    return json.loads(path.read_text())


@cache
def resource_types() -> frozenset[str]:
    """The concrete R4 resource types."""
    return frozenset(_read_json("resource_types.json"))


@cache
def _types_file() -> dict[str, Any]:
    data: dict[str, Any] = _read_json("types.json.gz")
    return data


@cache
def type_tables() -> dict[str, TypeTable]:
    """Every element table by type name."""
    tables = {}
    for name, raw in _types_file()["types"].items():
        elements = {key: ElementDef(*value) for key, value in raw["elements"].items()}
        choices = {
            base: (minimum, tuple((v, t) for v, t in variants))
            for base, (minimum, variants) in raw["choices"].items()
        }
        tables[name] = TypeTable(name, elements, choices)
    return tables


@cache
def type_parents() -> dict[str, str]:
    """Type -> its base type (``Age`` -> ``Quantity``, ``code`` -> ``string`` ...)."""
    parents: dict[str, str] = _types_file()["parents"]
    return parents


@cache
def primitives() -> dict[str, Primitive]:
    """Primitive types with their JSON kind and R4 regex."""
    return {
        name: Primitive(name, raw["json"], raw["regex"])
        for name, raw in _types_file()["primitives"].items()
    }


@cache
def search_parameter_definitions() -> tuple[dict[str, Any], ...]:
    """The R4 SearchParameters, reduced to what Kizuna uses."""
    return tuple(_read_json("search_parameters.json.gz"))


@cache
def patient_compartment() -> dict[str, tuple[str, ...]]:
    """Resource type -> the search parameters that place it in a Patient compartment."""
    raw: dict[str, list[str]] = _read_json("compartment_patient.json")
    return {name: tuple(params) for name, params in raw.items()}


def is_subtype(name: str, ancestor: str) -> bool:
    """True when type ``name`` is ``ancestor`` or derives from it."""
    parents = type_parents()
    current: str | None = name
    while current:
        if current == ancestor:
            return True
        current = parents.get(current) or ("BackboneElement" if "." in current else None)
    return False
