"""Date search with prefixes and precision: the stored and queried values are both ranges."""

from __future__ import annotations

from kizuna.fhir.indexing.date import range_or_none as date_range
from kizuna.fhir.instant import now_ms
from kizuna.fhir.outcome import bad_request
from kizuna.fhir.search.base import Condition
from kizuna.fhir.search.prefixes import range_condition, split_prefix

TABLE = "sp_date"
SORT_COLUMN = "low"
_DAY_MS = 86_400_000


def query_range(value: str, where: str) -> tuple[str, int, int]:
    prefix, text = split_prefix(value)
    parsed = date_range(text)
    if parsed is None:
        raise bad_request(f"{text[:40]!r} is not a FHIR date, dateTime or instant", where)
    low, high = parsed
    if prefix == "ap":
        spread = max(abs(now_ms() - low) // 10, _DAY_MS)
        low, high = low - spread, high + spread
    return prefix, low, high


def condition_on(low_col: str, high_col: str, value: str, where: str) -> Condition:
    prefix, low, high = query_range(value, where)
    sql, params = range_condition(low_col, high_col, prefix, low, high)
    return sql, list(params)


def condition(value: str, modifier: str | None, where: str) -> Condition:
    return condition_on("i.low", "i.high", value, where)
