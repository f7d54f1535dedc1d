"""Comparison prefixes of date, number and quantity searches (eq ne gt lt ge le sa eb ap)."""

from __future__ import annotations

PREFIXES = frozenset({"eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap"})


def split_prefix(value: str) -> tuple[str, str]:
    """``("ge", "2020-01")`` from ``"ge2020-01"``; ``eq`` when there is no prefix."""
    if len(value) > 2 and value[:2] in PREFIXES and (value[2].isdigit() or value[2] in "-+."):
        return value[:2], value[2:]
    return "eq", value


def range_condition(
    low_col: str, high_col: str, prefix: str, low: float, high: float
) -> tuple[str, list[float]]:
    """Match a stored range [low_col, high_col] against the query range [low, high]."""
    if prefix == "eq":
        return f"({low_col} >= ? AND {high_col} <= ?)", [low, high]
    if prefix == "ne":
        return f"NOT ({low_col} >= ? AND {high_col} <= ?)", [low, high]
    if prefix == "gt":
        return f"{high_col} > ?", [high]
    if prefix == "lt":
        return f"{low_col} < ?", [low]
    if prefix == "ge":
        return f"{high_col} >= ?", [low]
    if prefix == "le":
        return f"{low_col} <= ?", [high]
    if prefix == "sa":
        return f"{low_col} > ?", [high]
    if prefix == "eb":
        return f"{high_col} < ?", [low]
    # ap: overlaps the query range (the caller widens it)
    return f"({low_col} <= ? AND {high_col} >= ?)", [high, low]
