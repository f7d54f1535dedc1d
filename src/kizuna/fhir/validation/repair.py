"""Repair the shape slips the lenient validator reports as warnings.

Some published JP data (the e-prescription examples, for one) writes a single object
where R4 expects an array (``"note": {"text": ...}``) or a one-item array where it
expects a single value. Both are unambiguous: :func:`repair_shapes` returns a copy with
the single value wrapped in an array, or the one item unwrapped, so the store keeps
conformant JSON. Nothing else is changed; unknown elements are left for the validator.
"""

from __future__ import annotations

from typing import Any

from kizuna.fhir import definitions
from kizuna.fhir.validation.structure import COMPLEX, CONTAINED, MAX_DEPTH, PRIMITIVE, shape


def repair_shapes(resource: Any) -> Any:
    """``resource`` with repairable array/single slips fixed (the input is not modified)."""
    if type(resource) is not dict:
        return resource
    return _resource(resource, 0)


def _resource(obj: dict[str, Any], depth: int) -> dict[str, Any]:
    resource_type = obj.get("resourceType")
    if not isinstance(resource_type, str) or resource_type not in definitions.resource_types():
        return obj
    return _object(obj, resource_type, depth)


def _object(obj: dict[str, Any], type_name: str, depth: int) -> dict[str, Any]:
    if depth > MAX_DEPTH:
        return obj
    fields = shape(type_name).fields
    out: dict[str, Any] = {}
    for key, value in obj.items():
        field = fields.get(key)
        if field is None:
            out[key] = _sibling(key, value, fields)
            continue
        if field.many and type(value) is not list and value is not None:
            value = [value]
        elif not field.many and type(value) is list and len(value) == 1:
            value = value[0]
        out[key] = _children(value, field.kind, field.type, depth)
    return out


def _sibling(key: str, value: Any, fields: dict[str, Any]) -> Any:
    """``_name`` follows its primitive's shape."""
    field = fields.get(key[1:]) if key[:1] == "_" else None
    if field is None or field.kind != PRIMITIVE:
        return value
    if field.many and type(value) is dict:
        return [value]
    if not field.many and type(value) is list and len(value) == 1:
        return value[0]
    return value


def _children(value: Any, kind: int, type_name: str, depth: int) -> Any:
    if kind == PRIMITIVE:
        return value
    if type(value) is list:
        return [_child(item, kind, type_name, depth) for item in value]
    return _child(value, kind, type_name, depth)


def _child(value: Any, kind: int, type_name: str, depth: int) -> Any:
    if type(value) is not dict:
        return value
    if kind == COMPLEX:
        return _object(value, type_name, depth + 1)
    if kind == CONTAINED or type_name == "Resource":
        return _resource(value, depth + 1)
    return value
