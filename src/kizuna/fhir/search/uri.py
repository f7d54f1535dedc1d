"""URI search: exact by default, ``:below`` (prefix) and ``:above`` (the value is a prefix)."""

from __future__ import annotations

from kizuna.fhir.search.base import Condition, prefix_range
from kizuna.fhir.search.values import unescape

TABLE = "sp_uri"
SORT_COLUMN = "value"


def condition(value: str, modifier: str | None, where: str) -> Condition:
    text = unescape(value)
    if modifier == "below":
        return prefix_range("i.value", text)
    if modifier == "above":
        return "(i.value = substr(?, 1, length(i.value)))", [text]
    return "i.value = ?", [text]
