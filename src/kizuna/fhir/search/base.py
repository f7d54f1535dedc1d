"""What every parameter-type module provides: a SQL condition over its index table."""

from __future__ import annotations

from typing import Any

from kizuna.fhir.indexing.derived import stored_codes

Condition = tuple[str, list[Any]]

#: A string that sorts after every normalised value: the upper bound of a prefix range.
PREFIX_END = "\U0010ffff"


def prefix_range(column: str, prefix: str) -> Condition:
    """``column`` starts with ``prefix``, as an index-friendly range."""
    return f"({column} >= ? AND {column} < ?)", [prefix, prefix + PREFIX_END]


def any_of(conditions: list[Condition]) -> Condition:
    if len(conditions) == 1:
        return conditions[0]
    sql = " OR ".join(c[0] for c in conditions)
    params: list[Any] = []
    for c in conditions:
        params.extend(c[1])
    return f"({sql})", params


def param_is(res_type: str, code: str, alias: str = "i") -> Condition:
    """The index rows of parameter ``code`` on ``res_type``: its own, or those of the stored
    parameters that answer it (``combo-code`` is ``code`` and ``component-code``;
    ``patient`` is ``subject`` rows pointing at a Patient)."""
    found = stored_codes(res_type, code)
    codes = list(found.codes)
    sql = f"{alias}.param IN ({','.join('?' * len(codes))})" if codes[1:] else f"{alias}.param = ?"
    if found.target_type is not None:
        return f"{sql} AND {alias}.target_type = ?", [*codes, found.target_type]
    return sql, codes
