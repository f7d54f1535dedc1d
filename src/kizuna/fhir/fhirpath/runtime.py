"""Run-time helpers the compiled closures call: navigation, equality, logic, resolve().

Every function takes and returns plain Python collections (lists) of JSON values.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from kizuna.fhir import definitions
from kizuna.fhir.fhirpath import model

Fn = Callable[[list[Any], dict[str, Any]], list[Any]]


def path_getter(keys: tuple[str, ...]) -> Fn:
    """Navigate JSON keys in order, flattening arrays and skipping nulls."""
    if len(keys) == 1:
        (key,) = keys

        def get_one(items: list[Any], root: dict[str, Any]) -> list[Any]:
            out: list[Any] = []
            for item in items:
                if type(item) is dict:
                    value = item.get(key)
                    if value is not None:
                        if type(value) is not list:
                            out.append(value)
                        elif None in value:
                            out.extend([v for v in value if v is not None])
                        else:
                            out.extend(value)
            return out

        return get_one

    def get_many(items: list[Any], root: dict[str, Any]) -> list[Any]:
        for key in keys:
            out: list[Any] = []
            for item in items:
                if type(item) is dict:
                    value = item.get(key)
                    if value is not None:
                        if type(value) is not list:
                            out.append(value)
                        elif None in value:
                            out.extend([v for v in value if v is not None])
                        else:
                            out.extend(value)
            if not out:
                return out
            items = out
        return items

    return get_many


def dynamic_getter(member: str) -> Fn:
    """Navigate ``member`` on values whose type is only known at run time."""

    def get(items: list[Any], root: dict[str, Any]) -> list[Any]:
        out: list[Any] = []
        for item in items:
            if type(item) is not dict:
                continue
            resource_type = item.get("resourceType")
            keys = model.member_keys(resource_type, member) if resource_type else (member,)
            for key in keys:
                value = item.get(key)
                if type(value) is list:
                    out.extend(v for v in value if v is not None)
                elif value is not None:
                    out.append(value)
        return out

    return get


def sequence(fns: list[Fn]) -> Fn:
    """Apply each step to the previous step's output, stopping early on empty."""
    if len(fns) == 1:
        return fns[0]
    if not fns:
        return identity

    def run(items: list[Any], root: dict[str, Any]) -> list[Any]:
        for fn in fns:
            items = fn(items, root)
            if not items:
                return items
        return items

    return run


def identity(items: list[Any], root: dict[str, Any]) -> list[Any]:
    return items


def concat(fns: list[Fn], distinct: bool) -> Fn:
    """Evaluate each function on the same focus and join the results."""
    if len(fns) == 1 and not distinct:
        return fns[0]

    def run(items: list[Any], root: dict[str, Any]) -> list[Any]:
        out: list[Any] = []
        for fn in fns:
            out.extend(fn(items, root))
        return unique(out) if distinct and len(out) > 1 else out

    return run


def unique(items: list[Any]) -> list[Any]:
    """Items without repeats (FHIRPath equality; booleans never equal numbers).

    Linear: each item is reduced to a hashable key, so a union over a ValueSet with
    thousands of codes stays cheap.
    """
    out: list[Any] = []
    seen: set[Any] = set()
    for item in items:
        key = _identity_key(item)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def _identity_key(value: Any) -> Any:
    if isinstance(value, dict):
        return ("{", tuple(sorted((k, _identity_key(v)) for k, v in value.items())))
    if isinstance(value, list):
        return ("[", tuple(_identity_key(v) for v in value))
    return (type(value) is bool, value)


def same(a: Any, b: Any) -> bool:
    if a is b:
        return True
    if (type(a) is bool) != (type(b) is bool):
        return False
    if isinstance(a, dict) != isinstance(b, dict):
        return False
    return bool(a == b)


def equals(left: list[Any], right: list[Any]) -> list[bool]:
    """FHIRPath ``=``: empty if either side is empty, else item-wise equality."""
    if not left or not right:
        return []
    if len(left) != len(right):
        return [False]
    return [all(same(a, b) for a, b in zip(left, right, strict=True))]


def equivalent(left: list[Any], right: list[Any]) -> list[bool]:
    """FHIRPath ``~``: case- and whitespace-insensitive, order-free, empty ~ empty."""
    if not left and not right:
        return [True]
    if len(left) != len(right):
        return [False]
    rest = [_equivalence_key(b) for b in right]
    for a in left:
        key = _equivalence_key(a)
        if key not in rest:
            return [False]
        rest.remove(key)
    return [True]


def _equivalence_key(value: Any) -> Any:
    if isinstance(value, str):
        return " ".join(value.lower().split())
    if isinstance(value, dict):
        return repr(sorted(value.items()))
    return (type(value) is bool, value)


def as_boolean(items: list[Any]) -> bool | None:
    """A collection in a boolean context: empty -> None, singleton -> its truth."""
    if not items:
        return None
    if len(items) == 1:
        value = items[0]
        return value if type(value) is bool else True
    return True


def logic(op: str, left: bool | None, right: bool | None) -> list[bool]:
    if op == "and":
        if left is False or right is False:
            return [False]
        return [True] if left and right else []
    if op == "or":
        if left is True or right is True:
            return [True]
        return [False] if left is False and right is False else []
    if op == "xor":
        return [] if left is None or right is None else [left != right]
    if left is False:  # implies
        return [True]
    if left is None:
        return [True] if right is True else []
    return [] if right is None else [right]


@lru_cache(maxsize=65536)
def split_reference(reference: str) -> tuple[str | None, str | None, str | None]:
    """``(type, id, url)`` of a reference string; ``#id`` gives all None.

    Relative ``Type/id`` gives type and id; ``/_history/n`` is dropped. Absolute URLs and
    canonicals give ``url`` and, when they end in ``Type/id``, type and id too.
    ``urn:uuid:``/``urn:oid:`` are kept as ``url`` only.
    """
    if not reference or reference[0] == "#":
        return None, None, None
    if reference.startswith("urn:"):
        return None, None, reference
    history = reference.find("/_history/")
    if history >= 0:
        reference = reference[:history]
    if "://" not in reference:
        slash = reference.find("/")
        if slash > 0 and reference.find("/", slash + 1) < 0:
            kind, ident = reference[:slash], reference[slash + 1 :]
            if ident and kind in _resource_types():
                return kind, ident, None
        return None, None, reference
    bare = reference.split("|", 1)[0]
    parts = bare.rsplit("/", 2)
    if len(parts) == 3 and parts[2] and parts[1] in _resource_types():
        return parts[1], parts[2], reference
    return None, None, reference


_TYPES: list[frozenset[str]] = []


def _resource_types() -> frozenset[str]:
    if not _TYPES:
        _TYPES.append(definitions.resource_types())
    return _TYPES[0]


def reference_type(reference: Any, root: dict[str, Any]) -> str | None:
    """The resource type a Reference points at, without fetching it."""
    if type(reference) is not dict:
        return None
    target = reference.get("reference")
    if isinstance(target, str):
        if target.startswith("#"):
            contained = find_contained(root, target[1:])
            return contained.get("resourceType") if contained else None
        kind = split_reference(target)[0]
        if kind:
            return kind
    kind = reference.get("type")
    return kind if isinstance(kind, str) else None


def find_contained(root: dict[str, Any], ident: str) -> dict[str, Any] | None:
    for resource in root.get("contained") or ():
        if type(resource) is dict and resource.get("id") == ident:
            return resource
    return None


def resolve(items: list[Any], root: dict[str, Any]) -> list[Any]:
    """Stand-ins for the referenced resources: the contained resource for ``#id``,
    otherwise ``{"resourceType": T, "id": id}`` when the type is known."""
    out: list[Any] = []
    for reference in items:
        if type(reference) is not dict:
            continue
        target = reference.get("reference")
        if isinstance(target, str) and target.startswith("#"):
            contained = find_contained(root, target[1:])
            if contained is not None:
                out.append(contained)
            continue
        kind, ident, _ = split_reference(target) if isinstance(target, str) else (None,) * 3
        kind = kind or reference.get("type")
        if isinstance(kind, str):
            out.append({"resourceType": kind, "id": ident} if ident else {"resourceType": kind})
    return out
