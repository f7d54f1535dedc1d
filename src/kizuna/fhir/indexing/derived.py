"""Search parameters answered from other parameters' index rows, so their rows are not stored.

Worked out once per resource type from the R4 definitions, by comparing compiled branches:

- **Unions.** ``Observation.combo-code`` is ``Observation.code | Observation.component.code``,
  exactly the branches of ``code`` and ``component-code``. Its rows would repeat theirs, so
  a search on it reads ``param IN ('code', 'component-code')``.
- **Restrictions.** ``Observation.patient`` is ``Observation.subject.where(resolve() is
  Patient)``: the ``subject`` rows whose target type is Patient. A search on it reads
  ``param = 'subject' AND target_type = 'Patient'``. Its ``patient:identifier`` token rows
  are still stored, since a token row does not carry the reference's type.

A parameter is derived only from parameters that are themselves stored, and only when
the rows would be identical (same branch signatures and the same encoder), so every
search, sort, include and ``:missing`` gives the same answer as if the rows were there.
Together these are about a fifth of the index rows of clinical data (Synthea: combo-code,
combo-value-quantity, patient and practitioner alone).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Any

from kizuna.fhir import definitions
from kizuna.fhir.indexing.encoders import encoder_for
from kizuna.fhir.indexing.reference import encode_reference
from kizuna.fhir.searchparams import SearchParam, params_for

Group = tuple[tuple[str, ...], Any]  # (branch signature, encoder)


@dataclass(frozen=True, slots=True)
class Derived:
    """Where a derived parameter's rows are: under ``codes``, and (for a restriction) only
    the reference rows whose target type is ``target_type``."""

    codes: tuple[str, ...]
    target_type: str | None = None


def derived_params(resource_type: str) -> Mapping[str, Derived]:
    """The derived parameters of ``resource_type`` by code (empty for unknown types)."""
    return _derived(resource_type)


def stored_codes(resource_type: str, code: str) -> Derived:
    """The codes whose rows answer a search on ``code`` (itself when it is stored).

    ``code`` may carry the ``:identifier`` suffix of a reference's identifier token rows:
    a union's are its members' identifier rows; a restriction keeps its own."""
    found = _derived(resource_type).get(code)
    if found is not None:
        return found
    base, colon, suffix = code.partition(":")
    if colon:
        union = _derived(resource_type).get(base)
        if union is not None and union.target_type is None:
            return Derived(tuple(f"{c}:{suffix}" for c in union.codes))
    return Derived((code,))


@cache
def _derived(resource_type: str) -> Mapping[str, Derived]:
    params = params_for(resource_type)
    groups = {code: _groups(p) for code, p in params.items() if p.extractor is not None}
    found: dict[str, Derived] = {}
    stored: dict[str, frozenset[Group]] = {}
    for code in sorted(groups, key=lambda c: (_restricts(params[c]), len(groups[c]), c)):
        param = params[code]
        same_type = {c: g for c, g in stored.items() if params[c].type == param.type}
        derived = _union(groups[code], same_type) or _restriction(param, same_type)
        if derived is None:
            stored[code] = groups[code]
        else:
            found[code] = derived
    return MappingProxyType(found)


def _restricts(param: SearchParam) -> bool:
    """Whether a branch ends in ``where(resolve() is T)`` (such parameters go last, after
    the ones they may restrict)."""
    assert param.extractor is not None
    return any(b.resolves_to for b in param.extractor.branches)


def _groups(param: SearchParam) -> frozenset[Group]:
    assert param.extractor is not None
    found = set()
    for branch in param.extractor.branches:
        encoder = encoder_for(param.type, branch.type)
        if encoder is not None:
            found.add((branch.signature, encoder))
    return frozenset(found)


def _covering(wanted: frozenset[Group], stored: Mapping[str, frozenset[Group]]) -> tuple[str, ...]:
    """Stored parameters whose groups together are exactly ``wanted`` (else ())."""
    if not wanted:
        return ()
    chosen = tuple(c for c, g in stored.items() if g and g <= wanted)
    covered: set[Group] = set()
    for code in chosen:
        covered |= stored[code]
    return chosen if covered == wanted else ()


def _union(wanted: frozenset[Group], stored: Mapping[str, frozenset[Group]]) -> Derived | None:
    codes = _covering(wanted, stored)
    return Derived(codes) if codes else None


def _restriction(param: SearchParam, stored: Mapping[str, frozenset[Group]]) -> Derived | None:
    """``X.where(resolve() is T)`` on every branch, with one concrete T, over stored X."""
    if param.type != "reference" or param.extractor is None:
        return None
    branches = param.extractor.branches
    kept = {b.resolves_to for b in branches}
    if len(kept) != 1:
        return None
    (types,) = kept
    if len(types) != 1 or not _concrete(types[0]):
        return None
    if any(encoder_for("reference", b.type) is not encode_reference for b in branches):
        return None
    bases = frozenset((b.signature[:-1], encode_reference) for b in branches)
    codes = _covering(bases, stored)
    return Derived(codes, types[0]) if codes else None


def _concrete(type_name: str) -> bool:
    """A resource type no other type specialises (``Patient``, not ``Resource``)."""
    return type_name in definitions.resource_types() and not any(
        other != type_name and definitions.is_subtype(other, type_name)
        for other in definitions.resource_types()
    )
