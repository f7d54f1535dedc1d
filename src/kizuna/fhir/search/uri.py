"""URI search: exact by default, ``:below`` (prefix) and ``:above`` (the value is a prefix)."""

from __future__ import annotations

from kizuna.fhir.search.base import Condition, prefix_range
from kizuna.fhir.search.values import unescape

TABLE = "sp_uri"
SORT_COLUMN = "value"


def condition(value: str, modifier: str | None, where: str, column: str = "i.value") -> Condition:
    """``column`` (an index row's value, or ``resources.source`` for ``_source``) matches."""
    text = unescape(value)
    if modifier == "below":
        return prefix_range(column, text)
    if modifier == "above":
        return f"({column} = substr(?, 1, length({column})))", [text]
    return f"{column} = ?", [text]
