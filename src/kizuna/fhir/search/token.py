"""Token search: ``code``, ``system|code``, ``|code``, ``system|``; ``:text`` and ``:not``."""

from __future__ import annotations

from kizuna.fhir.outcome import bad_request
from kizuna.fhir.search.base import Condition
from kizuna.fhir.search.values import like_escape, split_pipe
from kizuna.textnorm import search_form

TABLE = "sp_token"
SORT_COLUMN = "code"


def condition(value: str, modifier: str | None, where: str) -> Condition:
    if modifier == "text":
        return "i.text_norm LIKE ? ESCAPE '\\'", [f"%{like_escape(search_form(value))}%"]
    parts = split_pipe(value)
    if len(parts) == 1:
        return "i.code = ?", [parts[0]]
    if len(parts) != 2:
        raise bad_request(f"token value {value[:60]!r} has more than one '|'", where)
    system, code = parts
    if not system:
        return "(i.code = ? AND i.system IS NULL)", [code]
    if not code:
        return "i.system = ?", [system]
    return "(i.code = ? AND i.system = ?)", [code, system]
