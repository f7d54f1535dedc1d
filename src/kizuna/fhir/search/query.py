"""A search request parsed into clauses: what to match, how to sort, page and include.

Repeated parameters are ANDed; comma-separated values are ORed. Limits keep pathological
queries away from the database: each is answered with a 400 ``too-costly`` outcome.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kizuna.fhir.outcome import FhirError, Problem, bad_request
from kizuna.fhir.search.values import split_or
from kizuna.fhir.searchparams import SearchParam, params_for
from kizuna.fhir.types import is_resource_type

DEFAULT_COUNT = 20
MAX_COUNT = 1000
MAX_CLAUSES = 40
MAX_OR_VALUES = 100
MAX_VALUE_LENGTH = 8192
MAX_HAS_DEPTH = 2
MAX_INCLUDES = 10
MAX_OFFSET = 100_000

#: Parameters with no effect on matching that clients commonly send.
IGNORED = frozenset({"_format", "_pretty", "_method"})
CONTROL = frozenset(
    {"_count", "_offset", "_sort", "_total", "_summary", "_elements", "_include", "_revinclude"}
)
MODIFIERS: dict[str, frozenset[str]] = {
    "token": frozenset({"not", "text", "missing", "exact"}),
    "string": frozenset({"exact", "contains", "missing"}),
    "date": frozenset({"missing"}),
    "reference": frozenset({"missing", "identifier"}),
    "quantity": frozenset({"missing"}),
    "number": frozenset({"missing"}),
    "uri": frozenset({"missing", "below", "above"}),
}
SPECIAL = ("_id", "_lastUpdated")


@dataclass(slots=True)
class Clause:
    """One ANDed condition: a parameter, its modifier and its ORed values."""

    res_type: str
    code: str
    kind: str  # token|string|date|reference|quantity|number|uri|source|id|lastUpdated|chain|has
    values: list[str]
    modifier: str | None = None
    param: SearchParam | None = None
    target_type: str | None = None  # reference type modifier, chain or _has type
    inners: list[Clause] = field(default_factory=list)  # chained / _has conditions (ORed)

    @property
    def label(self) -> str:
        return self.code + (f":{self.modifier}" if self.modifier else "")


@dataclass(slots=True)
class Include:
    source_type: str
    param: str  # reference parameter code, or "*"
    target_type: str | None
    iterate: bool
    reverse: bool


@dataclass(slots=True)
class SortKey:
    code: str
    descending: bool
    param: SearchParam | None  # None for _id / _lastUpdated


@dataclass
class SearchQuery:
    res_type: str
    clauses: list[Clause] = field(default_factory=list)
    count: int = DEFAULT_COUNT
    offset: int = 0
    sort: list[SortKey] = field(default_factory=list)
    total: str = "auto"  # auto | none | estimate | accurate
    summary: str | None = None
    elements: list[str] | None = None
    includes: list[Include] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # unknown parameters, reported back


def _too_costly(message: str, where: str) -> FhirError:
    return FhirError(400, [Problem("too-costly", message, where)])


def _int(value: str, name: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except ValueError:
        raise bad_request(f"{name} must be an integer, got {value[:40]!r}", name) from None
    if number < low:
        raise bad_request(f"{name} must be at least {low}", name)
    if number > high:
        raise _too_costly(f"{name} may be at most {high}", name)
    return number


def _lookup(res_type: str, code: str, where: str) -> SearchParam | None:
    return params_for(res_type).get(code)


def _check_value(name: str, value: str) -> list[str]:
    if len(value) > MAX_VALUE_LENGTH:
        raise _too_costly(f"value of {name} is longer than {MAX_VALUE_LENGTH} characters", name)
    values = split_or(value)
    if len(values) > MAX_OR_VALUES:
        raise _too_costly(f"{name} has more than {MAX_OR_VALUES} alternatives", name)
    return values


def _plain_clause(res_type: str, name: str, value: str, strict: bool) -> Clause | None:
    code, _, modifier = name.partition(":")
    values = _check_value(name, value)
    if code == "_id":
        return Clause(res_type, code, "id", values, modifier or None)
    if code == "_lastUpdated":
        return Clause(res_type, code, "lastUpdated", values, modifier or None)
    param = _lookup(res_type, code, name)
    if param is None or param.type in ("composite", "special"):
        if strict:
            raise bad_request(f"unknown search parameter {code!r} for {res_type}", name)
        return None
    target = None
    if modifier and param.type == "reference" and is_resource_type(modifier):
        target, modifier = modifier, ""
    if modifier and modifier not in MODIFIERS.get(param.type, frozenset()):
        raise bad_request(f"modifier :{modifier} is not supported on {param.type} {code!r}", name)
    kind = "source" if code == "_source" else param.type  # a column of resources
    return Clause(res_type, code, kind, values, modifier or None, param, target)


def _chain_clause(res_type: str, name: str, value: str, strict: bool) -> Clause | None:
    head, _, rest = name.partition(".")
    if "." in rest:
        raise _too_costly("only one level of chaining is supported", name)
    code, _, target = head.partition(":")
    param = _lookup(res_type, code, name)
    if param is None or param.type != "reference":
        raise bad_request(f"{code!r} is not a reference parameter of {res_type}", name)
    targets = [target] if target else list(param.targets)
    if target and target not in param.targets:
        raise bad_request(f"{code!r} of {res_type} cannot refer to {target}", name)
    candidates = [t for t in targets if _plain_clause_ok(t, rest)]
    if not candidates:
        raise bad_request(f"no target of {code!r} has a search parameter {rest!r}", name)
    inners = [c for c in (_plain_clause(t, rest, value, strict) for t in candidates) if c]
    if not inners:
        return None
    return Clause(res_type, code, "chain", inners[0].values, None, param, target or None, inners)


def _plain_clause_ok(res_type: str, name: str) -> bool:
    code = name.partition(":")[0]
    return code in SPECIAL or code in params_for(res_type)


def _has_clause(res_type: str, name: str, value: str, strict: bool, depth: int) -> Clause | None:
    if depth >= MAX_HAS_DEPTH:
        raise _too_costly(f"_has may be nested at most {MAX_HAS_DEPTH} deep", name)
    parts = name.split(":", 3)
    if len(parts) < 4 or not all(parts[1:]):
        raise bad_request("_has must look like _has:Type:reference:parameter", name)
    _, other, ref_code, inner_name = parts
    if not is_resource_type(other):
        raise bad_request(f"unknown resource type {other!r} in _has", name)
    ref = _lookup(other, ref_code, name)
    if ref is None or ref.type != "reference":
        raise bad_request(f"{ref_code!r} is not a reference parameter of {other}", name)
    if res_type not in ref.targets:
        raise bad_request(f"{other}.{ref_code} cannot refer to {res_type}", name)
    inner = _clause(other, inner_name, value, strict, depth + 1)
    if inner is None:
        return None
    return Clause(res_type, "_has", "has", inner.values, None, ref, other, [inner])


def _clause(res_type: str, name: str, value: str, strict: bool, depth: int = 0) -> Clause | None:
    if name.startswith("_has:"):
        return _has_clause(res_type, name, value, strict, depth)
    if "." in name.partition(":")[0] or ("." in name and ":" in name.split(".")[0]):
        return _chain_clause(res_type, name, value, strict)
    return _plain_clause(res_type, name, value, strict)


def _sort_keys(res_type: str, value: str) -> list[SortKey]:
    keys: list[SortKey] = []
    for raw in value.split(","):
        descending = raw.startswith("-")
        code = raw[1:] if descending else raw
        if code in SPECIAL:
            keys.append(SortKey(code, descending, None))
            continue
        param = _lookup(res_type, code, "_sort")
        if param is None or param.type not in (
            "string",
            "token",
            "date",
            "number",
            "quantity",
            "uri",
            "reference",
        ):
            raise bad_request(f"cannot sort {res_type} by {code!r}", "_sort")
        keys.append(SortKey(code, descending, param))
    if len(keys) > 5:
        raise _too_costly("_sort may have at most 5 keys", "_sort")
    return keys


def _include(res_type: str, name: str, value: str) -> Include:
    reverse = name.startswith("_revinclude")
    iterate = name.endswith(":iterate") or name.endswith(":recurse")
    parts = value.split(":")
    if len(parts) < 2 or len(parts) > 3 or not is_resource_type(parts[0]):
        raise bad_request(f"{name} must look like Type:parameter[:TargetType]", name)
    source, code = parts[0], parts[1]
    target = parts[2] if len(parts) == 3 else None
    if target is not None and not is_resource_type(target):
        raise bad_request(f"unknown target type {target!r} in {name}", name)
    if code != "*":
        param = _lookup(source, code, name)
        if param is None or param.type != "reference":
            raise bad_request(f"{code!r} is not a reference parameter of {source}", name)
    if not reverse and not iterate and source != res_type:
        raise bad_request(f"{name}={value} does not start from {res_type}", name)
    return Include(source, code, target, iterate, reverse)


def _control(query: SearchQuery, name: str, value: str) -> None:
    base = name.split(":")[0]
    if base == "_count":
        query.count = _int(value, "_count", 0, MAX_COUNT)
    elif base == "_offset":
        query.offset = _int(value, "_offset", 0, MAX_OFFSET)
    elif base == "_sort":
        query.sort = _sort_keys(query.res_type, value)
    elif base == "_total":
        if value not in ("none", "estimate", "accurate"):
            raise bad_request("_total must be none, estimate or accurate", "_total")
        query.total = value
    elif base == "_summary":
        if value not in ("true", "false", "count", "text", "data"):
            raise bad_request("_summary must be true, false, count, text or data", "_summary")
        query.summary = value
    elif base == "_elements":
        query.elements = [e.strip() for e in value.split(",") if e.strip()]
    else:
        if len(query.includes) >= MAX_INCLUDES:
            raise _too_costly(f"at most {MAX_INCLUDES} _include/_revinclude", name)
        query.includes.append(_include(query.res_type, name, value))


def parse(res_type: str, params: Sequence[tuple[str, str]], strict: bool = False) -> SearchQuery:
    """Parse ``params`` (in request order) into a :class:`SearchQuery`."""
    query = SearchQuery(res_type)
    for name, value in params:
        base = name.split(":")[0]
        if base in IGNORED:
            continue
        if base in CONTROL:
            _control(query, name, value)
            continue
        if value == "" and not name.endswith(":missing"):
            continue
        clause = _clause(res_type, name, value, strict)
        if clause is None:
            query.ignored.append(name)
        else:
            query.clauses.append(clause)
        if len(query.clauses) > MAX_CLAUSES:
            raise _too_costly(f"at most {MAX_CLAUSES} search conditions", name)
    return query


def params_from_mapping(params: Mapping[str, Any]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for name, value in params.items():
        if isinstance(value, list):
            out.extend((name, str(v)) for v in value)
        else:
            out.append((name, str(value)))
    return out
