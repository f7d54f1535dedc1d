"""A decision as SQL: the conditions every read of ``resources r`` carries.

The conditions restrict rows to the permitted person's records, to the resource types the
decision and the principal's SMART scopes reach, and away from excluded sensitive
categories. Resources that belong to no patient (organizations, practitioners, code
systems) stay readable to anyone whose scopes reach their type.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from kizuna.access.decision import OPEN_ROLE, Decision
from kizuna.auth.principal import Principal
from kizuna.consent.categories import PARAM
from kizuna.fhir.definitions import resource_types

Condition = tuple[str, list[Any]]
NOTHING: Condition = ("1 = 0", [])
UNOWNED: Condition = ("r.patient_key IS NULL", [])


def _excluded(categories: frozenset[str]) -> Condition:
    """Not labelled with an excluded category: a probe of the row's own index rows
    (``(res_type, res_id)``), so its cost follows the rows read, not the number of labelled
    resources in the country."""
    marks = ",".join("?" * len(categories))
    return (
        "NOT EXISTS (SELECT 1 FROM sp_token s WHERE s.res_type = r.res_type "
        f"AND s.res_id = r.res_id AND s.param = ? AND s.code IN ({marks}))",
        [PARAM, *sorted(categories)],
    )


def _owned(decision: Decision, res_type: str | None) -> Condition:
    ids = decision.patient_ids
    sql = f"r.patient_key IN ({','.join('?' * len(ids))})"
    params: list[Any] = list(ids)
    if res_type is None and decision.types is not None:
        types = sorted(decision.types)
        sql += f" AND r.res_type IN ({','.join('?' * len(types))})"
        params += types
    categories = decision.excluded_categories
    if categories and (res_type is None or res_type not in decision.exempt_types):
        clause, args = _excluded(categories)
        if res_type is None and decision.exempt_types:
            exempt = sorted(decision.exempt_types)
            sql += f" AND (r.res_type IN ({','.join('?' * len(exempt))}) OR {clause})"
            params += [*exempt, *args]
        else:
            sql += f" AND {clause}"
            params += args
    return sql, params


@lru_cache(maxsize=256)
def _scoped_types(principal: Principal) -> tuple[str, ...] | None:
    """The types the principal's scopes reach, or None when they reach every type."""
    types = tuple(t for t in sorted(resource_types()) if principal.allows(t, "read"))
    return None if len(types) == len(resource_types()) else types


def limits(principal: Principal, decisions: list[Decision], res_type: str) -> list[Condition]:
    """Conditions for rows of ``res_type`` (``"*"`` for any type, as in $everything)."""
    if principal.role == OPEN_ROLE:
        return []
    if res_type != "*" and not principal.allows(res_type, "read"):
        return [NOTHING]
    target = None if res_type == "*" else res_type
    reach: list[Condition] = []
    if target is None:
        types = _scoped_types(principal)
        if types is not None:
            reach.append((f"r.res_type IN ({','.join('?' * len(types))})", list(types)))
    parts: list[Condition] = [UNOWNED]
    for decision in decisions:
        if not decision.allowed or not decision.patient_ids:
            continue
        if target is not None and decision.types is not None and target not in decision.types:
            continue
        parts.append(_owned(decision, target))
    sql = " OR ".join(f"({c[0]})" for c in parts)
    params = [p for c in parts for p in c[1]]
    return [*reach, (f"({sql})", params)]
