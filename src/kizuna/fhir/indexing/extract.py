"""Extract the search index rows of a resource.

For each resource type a *plan* is built once: every compiled branch of every search
parameter with its encoder, grouped by the top-level JSON key the branch reads first.
Branches that compute the same values with the same encoder (``code`` and
``combo-code`` both read ``Observation.code``) are evaluated and encoded once, and the
rows are copied under each parameter code. Extraction walks only the keys the resource
actually has, so absent elements cost nothing. Parameters whose rows would repeat other
parameters' rows (:mod:`kizuna.fhir.indexing.derived`) get none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kizuna.fhir.fhirpath.runtime import Fn
from kizuna.fhir.indexing.derived import derived_params
from kizuna.fhir.indexing.encoders import Encoder, encoder_for
from kizuna.fhir.indexing.rows import IndexRows
from kizuna.fhir.indexing.token import encode_reference_identifier
from kizuna.fhir.searchparams import params_for

Run = Callable[[dict[str, Any]], list[Any]]
# (rest, encoder, params, the only param or None when shared)
KeyedEntry = tuple[Fn | None, Encoder, tuple[str, ...], str | None]
RootEntry = tuple[Run, Encoder, tuple[str, ...], str | None]


@dataclass(frozen=True, slots=True)
class Plan:
    by_key: dict[str, tuple[KeyedEntry, ...]]
    always: tuple[RootEntry, ...]
    gaps: tuple[tuple[str, str | None], ...]  # (param, value type) with no encoding


_PLANS: dict[str, Plan] = {}
_EMPTY = Plan({}, (), ())


def extract(resource: dict[str, Any]) -> IndexRows:
    """All search index rows of ``resource``, without repeats."""
    rows = IndexRows()
    resource_type = resource.get("resourceType")
    plan = _PLANS.get(resource_type) if isinstance(resource_type, str) else _EMPTY
    if plan is None:
        plan = plan_for(resource_type)  # type: ignore[arg-type]
    by_key = plan.by_key
    for key, value in resource.items():
        entries = by_key.get(key)
        if entries is None or value is None:
            continue
        if type(value) is not list:
            value = [value]
        elif None in value:
            value = [v for v in value if v is not None]
        for rest, encode, params, single in entries:
            found = value if rest is None else rest(value, resource)
            if not found:
                continue
            if single is None:
                _encode_shared(found, encode, params, rows)
            else:
                for item in found:
                    encode(single, item, rows)
    for run, encode, params, single in plan.always:
        found = run(resource)
        if not found:
            continue
        if single is None:
            _encode_shared(found, encode, params, rows)
        else:
            for item in found:
                encode(single, item, rows)
    rows.deduplicate()
    return rows


def _encode_shared(
    values: list[Any], encode: Encoder, params: tuple[str, ...], rows: IndexRows
) -> None:
    """Encode once under the first parameter, then copy the new rows to the others."""
    first = params[0]
    lists = rows.lists()
    sizes = [*map(len, lists)]
    for value in values:
        encode(first, value, rows)
    for rows_of_kind, size in zip(lists, sizes, strict=True):
        if len(rows_of_kind) > size:
            added = rows_of_kind[size:]
            for param in params[1:]:
                rows_of_kind.extend([_retag(row, first, param) for row in added])


def _retag(row: tuple[Any, ...], first: str, param: str) -> tuple[Any, ...]:
    """``row`` under ``param`` (``subject:identifier`` becomes ``patient:identifier``)."""
    code = row[0]
    return (param if code == first else param + code[len(first) :], *row[1:])


def _single(codes: list[str]) -> str | None:
    return codes[0] if len(codes) == 1 else None


def plan_for(resource_type: str) -> Plan:
    """The extraction plan of a resource type (built on first use, then cached)."""
    plan = _PLANS.get(resource_type)
    if plan is None:
        plan = _build_plan(resource_type)
        _PLANS[resource_type] = plan
    return plan


def _build_plan(resource_type: str) -> Plan:
    keyed: dict[str, dict[tuple[Any, ...], list[Any]]] = {}
    rooted: dict[tuple[Any, ...], list[Any]] = {}
    gaps: list[tuple[str, str | None]] = []
    derived = derived_params(resource_type)
    for param in params_for(resource_type).values():
        if param.extractor is None:
            continue
        restricted = param.code in derived and derived[param.code].target_type is not None
        if param.code in derived and not restricted:
            continue  # a union of stored parameters: their rows answer it
        for branch in param.extractor.branches:
            encoder = encoder_for(param.type, branch.type)
            if restricted and encoder is not None:
                encoder = encode_reference_identifier  # its reference rows are the base's
            if encoder is None:
                gaps.append((param.code, branch.type))
                continue
            group = (branch.signature, encoder)
            if branch.root_key is None:
                rooted.setdefault(group, [branch.run, encoder, []])[2].append(param.code)
            else:
                by_signature = keyed.setdefault(branch.root_key, {})
                by_signature.setdefault(group, [branch.rest, encoder, []])[2].append(param.code)
    by_key = {
        key: tuple(
            (rest, enc, tuple(codes), _single(codes)) for rest, enc, codes in groups.values()
        )
        for key, groups in keyed.items()
    }
    always = tuple((run, enc, tuple(codes), _single(codes)) for run, enc, codes in rooted.values())
    return Plan(by_key, always, tuple(gaps))
