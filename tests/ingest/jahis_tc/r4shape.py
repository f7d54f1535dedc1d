"""A structural FHIR R4 check for tests: element names, cardinality, primitive forms.

It reads the element tables the FHIR engine derives from the official R4 package
(``src/kizuna/fhir/definitions/types.json.gz``), so it knows every R4 type.
"""

from __future__ import annotations

import gzip
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

TYPES_FILE = Path(__file__).resolve().parents[3] / "src/kizuna/fhir/definitions/types.json.gz"


@cache
def _tables() -> dict[str, Any]:
    with gzip.open(TYPES_FILE) as fh:
        return json.load(fh)


def problems(resource: dict[str, Any]) -> list[str]:
    """Every structural problem of ``resource`` (empty when it is valid R4 structure)."""
    kind = resource.get("resourceType")
    if kind not in _tables()["types"]:
        return [f"unknown resourceType {kind!r}"]
    return _check(kind, resource, kind)


def _check(type_name: str, obj: Any, path: str) -> list[str]:
    if not isinstance(obj, dict):
        return [f"{path}: expected an object"]
    spec = _tables()["types"][type_name]
    elements = spec["elements"]
    out = []
    for key, value in obj.items():
        if key == "resourceType":
            continue
        if key not in elements:
            out.append(f"{path}.{key}: not an element of {type_name}")
            continue
        _min, most, kind, _choice = elements[key]
        if most == 1 and isinstance(value, list):
            out.append(f"{path}.{key}: at most one value, got a list")
            continue
        if most != 1 and not isinstance(value, list):
            out.append(f"{path}.{key}: must be a list")
            continue
        for item in value if isinstance(value, list) else [value]:
            out += _value(kind, item, f"{path}.{key}")
    for key, (least, _most, _kind, choice) in elements.items():
        if least >= 1 and choice is None and key not in obj:
            out.append(f"{path}.{key}: required element missing")
    for name, (least, options) in spec["choices"].items():
        if least >= 1 and not any(option in obj for option, _ in options):
            out.append(f"{path}.{name}[x]: required element missing")
    return out


def _value(kind: str, item: Any, path: str) -> list[str]:
    tables = _tables()
    primitive = tables["primitives"].get(kind)
    if primitive is not None:
        return _primitive(kind, primitive, item, path)
    if kind == "Resource":
        return problems(item) if isinstance(item, dict) else [f"{path}: expected a resource"]
    if kind in tables["types"]:
        return _check(kind, item, path)
    return []


def _primitive(kind: str, spec: dict[str, str], item: Any, path: str) -> list[str]:
    json_kind = spec["json"]
    ok = {
        "string": isinstance(item, str),
        "boolean": isinstance(item, bool),
        "integer": isinstance(item, int) and not isinstance(item, bool),
        "decimal": isinstance(item, int | float) and not isinstance(item, bool),
    }.get(json_kind, True)
    if not ok:
        return [f"{path}: {kind} must be JSON {json_kind}"]
    text = json.dumps(item) if json_kind != "string" else item
    if spec.get("regex") and not re.fullmatch(spec["regex"], text):
        return [f"{path}: {item!r} is not a valid {kind}"]
    return []
