"""Quantity search: ``[prefix]number|system|code``; the code also matches the unit text."""

from __future__ import annotations

from typing import Any

from kizuna.fhir.outcome import bad_request
from kizuna.fhir.search.base import Condition
from kizuna.fhir.search.number import condition_on
from kizuna.fhir.search.values import split_pipe

TABLE = "sp_quantity"
SORT_COLUMN = "value"


def condition(value: str, modifier: str | None, where: str) -> Condition:
    parts = split_pipe(value)
    if len(parts) not in (1, 3):
        raise bad_request(f"quantity {value[:60]!r} must be number or number|system|code", where)
    sql, params = condition_on("i.value", parts[0], where)
    clauses = [sql]
    args: list[Any] = list(params)
    if len(parts) == 3:
        system, code = parts[1], parts[2]
        if system:
            clauses.append("i.system = ?")
            args.append(system)
        if code and system:
            clauses.append("i.code = ?")
            args.append(code)
        elif code:
            clauses.append("(i.code = ? OR i.unit = ?)")
            args.extend((code, code))
    return "(" + " AND ".join(clauses) + ")", args
