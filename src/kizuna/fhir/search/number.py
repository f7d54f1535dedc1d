"""Number search: the query's significant figures imply a range (100 means [99.5, 100.5))."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from kizuna.fhir.outcome import bad_request
from kizuna.fhir.search.base import Condition
from kizuna.fhir.search.prefixes import split_prefix

TABLE = "sp_number"
SORT_COLUMN = "value"


def parse_number(text: str, where: str) -> tuple[float, float, float]:
    """The value and the half-open range its precision implies."""
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise bad_request(f"{text[:40]!r} is not a number", where) from None
    if not number.is_finite():
        raise bad_request(f"{text[:40]!r} is not a finite number", where)
    exponent = number.as_tuple().exponent
    half = Decimal(5).scaleb(int(exponent) - 1) if isinstance(exponent, int) else Decimal(0)
    return float(number), float(number - half), float(number + half)


def condition_on(column: str, value: str, where: str) -> Condition:
    prefix, text = split_prefix(value)
    number, low, high = parse_number(text, where)
    if prefix == "eq":
        return f"({column} >= ? AND {column} < ?)", [low, high]
    if prefix == "ne":
        return f"NOT ({column} >= ? AND {column} < ?)", [low, high]
    if prefix == "ap":
        spread = abs(number) * 0.1
        return f"({column} >= ? AND {column} <= ?)", [number - spread, number + spread]
    operator = {"gt": ">", "lt": "<", "ge": ">=", "le": "<=", "sa": ">", "eb": "<"}[prefix]
    return f"{column} {operator} ?", [number]


def condition(value: str, modifier: str | None, where: str) -> Condition:
    return condition_on("i.value", value, where)
