"""SMART on FHIR scopes: parsing (v1 ``.read/.write/.*`` and v2 ``.cruds``) and checks.

A resource scope is ``context/ResourceType.permissions[?query]`` with context ``patient``,
``user`` or ``system``. ``allows`` answers whether a set of scopes permits one interaction
on one resource type. Scopes that carry a v2 query restriction (``?category=...``) are
parsed but never grant anything through ``allows``: they must not be widened to the whole
type, and the search-level filtering they require belongs to the caller.

The wildcard ``*`` does not reach ``NAMED_ONLY`` types: audit records are readable only
through a scope that names them (``user/AuditEvent.rs`` for auditors), never through the
``user/*.rs`` every clinician holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

CONTEXTS = ("patient", "user", "system")
NAMED_ONLY = frozenset({"AuditEvent"})
LETTERS = "cruds"
V1 = {"read": frozenset("rs"), "write": frozenset("cud"), "*": frozenset(LETTERS)}

#: FHIR interactions (and SMART v2 letters) to the letter that permits them
INTERACTIONS = {
    "create": "c",
    "read": "r",
    "vread": "r",
    "history-instance": "r",
    "update": "u",
    "patch": "u",
    "delete": "d",
    "search": "s",
    "search-type": "s",
    "search-system": "s",
    "history-type": "s",
    "history-system": "s",
    **{letter: letter for letter in LETTERS},
}

_SCOPE = re.compile(r"^(patient|user|system)/(\*|[A-Z][A-Za-z]{1,63})\.([a-z*]+)(?:\?(.+))?$")
_V2 = re.compile(r"^c?r?u?d?s?$")


class ScopeError(ValueError):
    """A scope that looks like a resource scope but is malformed."""


@dataclass(frozen=True)
class Scope:
    context: str  # patient | user | system
    resource_type: str  # a FHIR type or "*"
    interactions: frozenset[str]  # subset of "cruds"
    query: tuple[tuple[str, str], ...] = ()  # v2 granular restriction

    def text(self) -> str:
        letters = "".join(ch for ch in LETTERS if ch in self.interactions)
        query = "&".join(f"{k}={v}" for k, v in self.query)
        return f"{self.context}/{self.resource_type}.{letters}" + (f"?{query}" if query else "")

    def covers(self, resource_type: str, letter: str) -> bool:
        return self.reaches(resource_type) and letter in self.interactions and not self.query

    def reaches(self, resource_type: str) -> bool:
        if self.resource_type == "*":
            return resource_type not in NAMED_ONLY
        return self.resource_type == resource_type


def _permissions(raw: str, text: str) -> frozenset[str]:
    if raw in V1:
        return V1[raw]
    if raw and _V2.match(raw):
        return frozenset(raw)
    raise ScopeError(f"scope {text!r}: permissions {raw!r} are neither v1 nor ordered cruds")


def _query(raw: str | None, text: str) -> tuple[tuple[str, str], ...]:
    if not raw:
        return ()
    pairs = []
    for part in raw.split("&"):
        name, sep, value = part.partition("=")
        if not sep or not name or not value:
            raise ScopeError(f"scope {text!r}: malformed restriction {part!r}")
        pairs.append((name, value))
    return tuple(sorted(pairs))


def is_resource_scope(text: str) -> bool:
    return text.split("/", 1)[0] in CONTEXTS and "/" in text


@lru_cache(maxsize=4096)
def parse_scope(text: str) -> Scope | None:
    """A resource scope, or None for other scopes (openid, fhirUser, launch, ...).

    Raises ScopeError for a malformed resource scope.
    """
    if not is_resource_scope(text):
        return None
    match = _SCOPE.match(text)
    if match is None:
        raise ScopeError(f"malformed scope {text!r}")
    context, resource_type, perms, query = match.groups()
    return Scope(context, resource_type, _permissions(perms, text), _query(query, text))


def scope_list(scopes: str | Iterable[str]) -> list[str]:
    """Space-separated text or an iterable, as a list of scope strings (order kept)."""
    items = scopes.split() if isinstance(scopes, str) else list(scopes)
    return [s for s in items if s]


def parse_scopes(scopes: str | Iterable[str]) -> list[Scope]:
    parsed = (parse_scope(s) for s in scope_list(scopes))
    return [s for s in parsed if s is not None]


def interaction_letter(interaction: str) -> str:
    try:
        return INTERACTIONS[interaction]
    except KeyError:
        raise ValueError(f"unknown FHIR interaction {interaction!r}") from None


def allows(
    scopes: str | Iterable[str],
    resource_type: str,
    interaction: str,
    context: str | None = None,
) -> bool:
    """Whether ``scopes`` permit ``interaction`` on ``resource_type``.

    ``interaction`` is a FHIR interaction name (read, vread, search-type, create, update,
    patch, delete, history-instance, ...) or a SMART v2 letter. ``context`` limits the
    check to patient/, user/ or system/ scopes. Malformed scopes never grant anything.
    """
    letter = interaction_letter(interaction)
    for text in scope_list(scopes):
        try:
            scope = parse_scope(text)
        except ScopeError:
            continue
        if scope is None or (context is not None and scope.context != context):
            continue
        if scope.covers(resource_type, letter):
            return True
    return False


def intersect(a: Scope, b: Scope) -> Scope | None:
    """The scope both ``a`` and ``b`` permit, or None."""
    if a.context != b.context:
        return None
    if a.resource_type == "*":
        resource_type = b.resource_type
    elif a.resource_type == b.resource_type or (
        b.resource_type == "*" and a.resource_type not in NAMED_ONLY
    ):
        resource_type = a.resource_type
    else:
        return None
    interactions = a.interactions & b.interactions
    if not interactions or (a.query and b.query and a.query != b.query):
        return None
    return Scope(a.context, resource_type, interactions, a.query or b.query)


def narrow(requested: Iterable[str], registered: Iterable[str]) -> tuple[list[str], list[str]]:
    """(granted, refused): each requested scope narrowed to what the registration allows.

    A requested scope the registration covers entirely is granted as written; one it
    covers in part is granted as the covered part (v2 form); one it does not cover at all
    is refused. Non-resource and malformed requested scopes are refused.
    """
    allowed = parse_scopes(registered)
    granted: list[str] = []
    refused: list[str] = []
    for text in requested:
        try:
            wanted = parse_scope(text)
        except ScopeError:
            wanted = None
        parts = [p for p in (intersect(wanted, g) for g in allowed) if p] if wanted else []
        if not parts:
            refused.append(text)
        elif wanted in parts:
            granted.append(text)
        else:
            granted.extend(p.text() for p in parts if p.text() not in granted)
    return granted, refused
