"""String search: starts-with by default, ``:contains`` and ``:exact``; Japanese-normalised.

Values are compared in :func:`kizuna.textnorm.search_form`: width-folded, katakana as
hiragana, case- and accent-insensitive, without spaces. ``:exact`` compares the original.
"""

from __future__ import annotations

from kizuna.fhir.search.base import Condition, prefix_range
from kizuna.fhir.search.values import like_escape, unescape
from kizuna.textnorm import search_form

TABLE = "sp_string"
SORT_COLUMN = "value_norm"


def condition(value: str, modifier: str | None, where: str) -> Condition:
    text = unescape(value)
    if modifier == "exact":
        return "i.value_exact = ?", [text]
    norm = search_form(text)
    if modifier == "contains":
        return "i.value_norm LIKE ? ESCAPE '\\'", [f"%{like_escape(norm)}%"]
    return prefix_range("i.value_norm", norm)
