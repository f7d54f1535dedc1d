"""Structural validation of FHIR R4 JSON against the base StructureDefinitions.

Checks: a known ``resourceType``; no unknown elements (a misspelt choice variant such as
``valueQuantiy`` is unknown); the JSON type, regex and range of every primitive; arrays
where the element repeats and single values where it does not; required elements;
at most one variant per choice element; ``_element`` primitive-extension siblings;
contained resources (recursively, none nested in a contained one); extensions (``url``
and either a value or nested extensions); the narrative ``div``; no empty objects,
arrays or strings; and a nesting limit, reported as an issue instead of overflowing
the stack. Profiles, terminology bindings, invariants other than ext-1/dom-2 and
reference resolution are out of scope here.

Shape slips that can be repaired without guessing (a single value where an array is
expected, or a one-item array where a single value is expected, as in some published JP
e-prescription examples) are warnings by default and errors with ``strict=True``; an
array of two or more values for a non-repeating element is always an error.
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from typing import Any, TypeAlias

from kizuna.fhir import definitions
from kizuna.fhir.validation.issues import Issue, error, warning
from kizuna.fhir.validation.primitives import Checker, checker, is_primitive, known_strings

MAX_DEPTH = 64
PRIMITIVE, COMPLEX, RESOURCE, CONTAINED = range(4)


Location: TypeAlias = "str | tuple[Location, str] | tuple[Location, str, int]"
"""Where a value sits: the resource path, or ``(parent, key)`` / ``(parent, key, index)``.
Locations are built as tuples while walking and turned into text only for an issue."""


def _text(where: Location) -> str:
    """``Patient.name[0].given`` from ``((("Patient", "name", 0), "given")``."""
    parts: list[str] = []
    while type(where) is tuple:
        if len(where) == 3:
            where, key, index = where  # type: ignore[misc]
            parts.append(f".{key}[{index}]")
        else:
            where, key = where  # type: ignore[misc]
            parts.append(f".{key}")
    parts.append(where)  # type: ignore[arg-type]
    return "".join(reversed(parts))


@dataclass(frozen=True, slots=True)
class Field:
    many: bool
    kind: int
    type: str
    choice: str | None
    check: Checker | None
    known: Set[str] = frozenset()  # primitive strings that need no call to ``check``


@dataclass(frozen=True, slots=True)
class Shape:
    name: str
    fields: dict[str, Field]
    required: tuple[tuple[str, str], ...]  # (name, "_" + name)
    required_choices: tuple[tuple[str, tuple[str, ...]], ...]  # ("value[x]", variant keys)
    choices: dict[str, tuple[str, ...]]
    is_extension: bool
    has_rules: bool  # required elements or choice groups, or ext-1


_SHAPES: dict[str, Shape] = {}


def shape(type_name: str) -> Shape:
    """The validation view of one element table (built once, then cached)."""
    found = _SHAPES.get(type_name)
    if found is None:
        found = _build_shape(definitions.type_tables()[type_name])
        _SHAPES[type_name] = found
    return found


def _build_shape(table: definitions.TypeTable) -> Shape:
    fields = {}
    required: list[tuple[str, str]] = []
    for name, element in table.elements.items():
        fields[name] = _field(name, element)
        if element.min >= 1 and element.choice is None:
            required.append((name, "_" + name))
    choices = {}
    required_choices: list[tuple[str, tuple[str, ...]]] = []
    for base, (minimum, variants) in table.choices.items():
        keys = tuple(key for key, _ in variants)
        choices[base] = keys
        if minimum >= 1:
            required_choices.append((base + "[x]", keys + tuple("_" + key for key in keys)))
    is_extension = table.name == "Extension"
    has_rules = bool(required or required_choices or is_extension)
    return Shape(
        table.name,
        fields,
        tuple(required),
        tuple(required_choices),
        choices,
        is_extension,
        has_rules,
    )


def _field(name: str, element: definitions.ElementDef) -> Field:
    type_name = element.type or "Element"
    many = element.max == definitions.MANY or element.max > 1
    if is_primitive(type_name):
        check = checker(type_name)
        return Field(many, PRIMITIVE, type_name, element.choice, check, known_strings(type_name))
    if type_name == "Resource":
        kind = CONTAINED if name == "contained" else RESOURCE
        return Field(many, kind, type_name, element.choice, None)
    return Field(many, COMPLEX, type_name, element.choice, None)


def validate(resource: Any, *, strict: bool = False) -> list[Issue]:
    """Structural issues of a resource; an empty list when it is valid R4 JSON."""
    issues: list[Issue] = []
    if type(resource) is not dict:
        return [error("structure", "", "a resource must be a JSON object")]
    _resource(resource, None, 0, issues, nested=False)
    if strict:
        return [_strict(issue) for issue in issues]
    return issues


def _strict(issue: Issue) -> Issue:
    if issue.severity == "warning" and issue.code == "structure":
        return error(issue.code, issue.expression, issue.diagnostics)
    return issue


def _resource(
    obj: dict[str, Any], path: Location | None, depth: int, issues: list[Issue], nested: bool
) -> None:
    resource_type = obj.get("resourceType")
    where = path or (resource_type[:64] if isinstance(resource_type, str) else "Resource")
    if not isinstance(resource_type, str) or resource_type not in definitions.resource_types():
        shown = str(resource_type)[:40]
        issues.append(error("structure", _text(where), f"unknown resourceType {shown!r}"))
        return
    if nested and "contained" in obj:
        issues.append(
            error("invariant", _text(where), "a contained resource cannot contain resources")
        )
    _object(obj, shape(resource_type), where, depth, issues, True)


def _object(
    obj: dict[str, Any],
    spec: Shape,
    path: Location,
    depth: int,
    issues: list[Issue],
    is_resource: bool,
) -> None:
    if depth > MAX_DEPTH:
        issues.append(error("too-costly", _text(path), f"nested deeper than {MAX_DEPTH} levels"))
        return
    if not obj:
        issues.append(error("structure", _text(path), "empty object"))
        return
    fields = spec.fields
    chosen: dict[str, str] | None = None
    for key, value in obj.items():
        field = fields.get(key)
        if field is None:
            _other_key(key, value, obj, spec, path, depth, issues, is_resource)
            continue
        if field.choice is not None:
            chosen = _note_choice(field.choice, key, chosen, path, issues)
        kind = field.kind
        if field.many:
            if type(value) is not list or not value:
                _many(key, value, obj, field, path, depth, issues)
            elif kind == PRIMITIVE:
                _primitive_list(key, value, obj, field, path, issues)
            elif kind == COMPLEX:
                child = _SHAPES.get(field.type) or shape(field.type)
                for i, item in enumerate(value):
                    if type(item) is dict:
                        _object(item, child, (path, key, i), depth + 1, issues, False)
                    else:
                        _complex(item, field, (path, key, i), depth, issues)
            else:
                for i, item in enumerate(value):
                    _complex(item, field, (path, key, i), depth, issues)
        elif type(value) is list:
            _array_for_single(key, value, field, path, depth, issues)
        elif kind == PRIMITIVE:
            if type(value) is str and value in field.known:
                continue  # passed before
            problem = field.check(value)  # type: ignore[misc]
            if problem is not None:
                issues.append(error(_problem_code(problem), _text((path, key)), problem))
        elif kind == COMPLEX and type(value) is dict:
            child = _SHAPES.get(field.type) or shape(field.type)
            _object(value, child, (path, key), depth + 1, issues, False)
        else:
            _complex(value, field, (path, key), depth, issues)
    if spec.has_rules:
        _object_rules(obj, spec, path, issues)


def _object_rules(obj: dict[str, Any], spec: Shape, path: Location, issues: list[Issue]) -> None:
    """Required elements and choice groups, and ext-1 for an Extension."""
    for name, alias in spec.required:
        if name not in obj and alias not in obj:
            _missing(name, path, issues)
    for label, keys in spec.required_choices:
        if not any(k in obj for k in keys):
            _missing(label, path, issues)
    if spec.is_extension:
        _extension_rule(obj, path, issues)


def _missing(name: str, path: Location, issues: list[Issue]) -> None:
    issues.append(error("required", _text((path, name)), f"missing required element {name}"))


def _note_choice(
    base: str, key: str, chosen: dict[str, str] | None, path: Location, issues: list[Issue]
) -> dict[str, str]:
    if chosen is None:
        return {base: key}
    other = chosen.get(base)
    if other is None:
        chosen[base] = key
    else:
        issues.append(
            error("structure", _text((path, key)), f"{base}[x] given twice ({other} and {key})")
        )
    return chosen


def _many(
    key: str,
    value: Any,
    obj: dict[str, Any],
    field: Field,
    path: Location,
    depth: int,
    issues: list[Issue],
) -> None:
    if type(value) is not list:
        where = (path, key)
        issues.append(
            warning("structure", _text(where), "expected an array; a single value was given")
        )
        if field.kind == PRIMITIVE:
            _primitive(value, field, where, issues)
        else:
            _complex(value, field, where, depth, issues)
        return
    if not value:
        issues.append(error("structure", _text((path, key)), "empty array"))
        return
    if field.kind == PRIMITIVE:
        _primitive_list(key, value, obj, field, path, issues)
        return
    for i, item in enumerate(value):
        _complex(item, field, (path, key, i), depth, issues)


def _array_for_single(
    key: str, value: list[Any], field: Field, path: Location, depth: int, issues: list[Issue]
) -> None:
    where = (path, key)
    if len(value) != 1:
        issues.append(error("structure", _text(where), f"{key} repeats at most once; got an array"))
        return
    issues.append(
        warning("structure", _text(where), "expected a single value; a one-item array was given")
    )
    if field.kind == PRIMITIVE:
        _primitive(value[0], field, where, issues)
    else:
        _complex(value[0], field, where, depth, issues)


def _primitive(value: Any, field: Field, where: Location, issues: list[Issue]) -> None:
    assert field.check is not None
    problem = field.check(value)
    if problem is not None:
        issues.append(error(_problem_code(problem), _text(where), problem))


def _problem_code(problem: str) -> str:
    return "structure" if problem.startswith("expected") else "value"


def _primitive_list(
    key: str,
    values: list[Any],
    obj: dict[str, Any],
    field: Field,
    path: Location,
    issues: list[Issue],
) -> None:
    check, known = field.check, field.known
    assert check is not None
    extensions = obj.get("_" + key)
    for i, item in enumerate(values):
        if type(item) is str and item in known:
            continue
        if item is None:
            if not _has_entry(extensions, i):
                issues.append(
                    error(
                        "structure",
                        _text((path, key, i)),
                        f"null without a matching _{key} entry",
                    )
                )
            continue
        problem = check(item)
        if problem is not None:
            issues.append(error(_problem_code(problem), _text((path, key, i)), problem))


def _has_entry(extensions: Any, i: int) -> bool:
    return type(extensions) is list and i < len(extensions) and extensions[i] is not None


def _complex(value: Any, field: Field, where: Location, depth: int, issues: list[Issue]) -> None:
    if type(value) is not dict:
        issues.append(error("structure", _text(where), f"expected a JSON object ({field.type})"))
    elif field.kind == COMPLEX:
        _object(value, shape(field.type), where, depth + 1, issues, False)
    else:
        _resource(value, where, depth + 1, issues, nested=field.kind == CONTAINED)


def _other_key(
    key: str,
    value: Any,
    obj: dict[str, Any],
    spec: Shape,
    path: Location,
    depth: int,
    issues: list[Issue],
    is_resource: bool,
) -> None:
    if key == "resourceType" and is_resource:
        return
    if key[:1] == "_":
        field = spec.fields.get(key[1:])
        if field is not None and field.kind == PRIMITIVE:
            _primitive_extension(value, field, obj, path, key[1:], depth, issues)
            return
    issues.append(error("structure", _text((path, key)), _unknown_message(key, spec)))


def _unknown_message(key: str, spec: Shape) -> str:
    for base, variants in spec.choices.items():
        if key.startswith(base) and key not in variants:
            allowed = ", ".join(variants[:6]) + (" ..." if len(variants) > 6 else "")
            return f"unknown element {key[:64]!r} in {spec.name} ({base}[x] allows {allowed})"
    return f"unknown element {key[:64]!r} in {spec.name}"


def _primitive_extension(
    value: Any,
    field: Field,
    obj: dict[str, Any],
    path: Location,
    name: str,
    depth: int,
    issues: list[Issue],
) -> None:
    """``_name``: the id/extensions of primitive ``name`` (an array of them if it repeats)."""
    element = shape("Element")
    where = (path, name)
    if not field.many:
        if type(value) is not dict:
            issues.append(error("structure", _text(where), "expected a JSON object (Element)"))
        else:
            _object(value, element, where, depth + 1, issues, False)
        return
    if type(value) is not list:
        issues.append(error("structure", _text(where), "expected an array of primitive extensions"))
        return
    primary = obj.get(name)
    if type(primary) is list and len(primary) != len(value):
        issues.append(
            error("structure", _text(where), "value and extension arrays differ in length")
        )
    for i, item in enumerate(value):
        if item is None:
            continue
        if type(item) is not dict:
            issues.append(
                error("structure", _text((path, name, i)), "expected a JSON object or null")
            )
        else:
            _object(item, element, (path, name, i), depth + 1, issues, False)


def _extension_rule(obj: dict[str, Any], path: Location, issues: list[Issue]) -> None:
    """ext-1: an extension has either a value[x] or nested extensions, not both."""
    has_value = any(k.startswith(("value", "_value")) for k in obj)
    has_children = "extension" in obj
    if has_value and has_children:
        issues.append(error("invariant", _text(path), "extension has both a value and extensions"))
    elif not has_value and not has_children:
        issues.append(
            error("invariant", _text(path), "extension has neither a value nor extensions")
        )
