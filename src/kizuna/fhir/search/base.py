"""What every parameter-type module provides: a SQL condition over its index table."""

from __future__ import annotations

from typing import Any

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
