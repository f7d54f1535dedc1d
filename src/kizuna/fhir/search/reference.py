"""Reference search: ``Type/id``, bare ``id``, absolute URLs, ``:Type`` and ``:identifier``."""

from __future__ import annotations

from kizuna.fhir.search.base import Condition
from kizuna.fhir.search.values import unescape
from kizuna.fhir.types import is_resource_type

TABLE = "sp_reference"
SORT_COLUMN = "target_id"
URN_PREFIXES = ("urn:uuid:", "urn:oid:")


def _type_and_id(text: str) -> tuple[str, str] | None:
    parts = text.rstrip("/").split("/")
    if "_history" in parts:
        parts = parts[: parts.index("_history")]
    if len(parts) >= 2 and is_resource_type(parts[-2]):
        return parts[-2], parts[-1]
    return None


def condition(value: str, target_type: str | None, where: str) -> Condition:
    text = unescape(value)
    if text.startswith(URN_PREFIXES):  # stored as a URL only (kizuna.fhir.indexing.reference)
        return "i.url = ?", [text]
    if "/" not in text:
        if target_type:
            return "(i.target_type = ? AND i.target_id = ?)", [target_type, text]
        return "i.target_id = ?", [text]
    found = _type_and_id(text)
    if found is None:
        return "i.url = ?", [text.split("|")[0]]
    res_type, res_id = found
    if target_type and target_type != res_type:
        return "1 = 0", []
    if "://" in text:
        return "((i.target_type = ? AND i.target_id = ?) OR i.url = ?)", [res_type, res_id, text]
    return "(i.target_type = ? AND i.target_id = ?)", [res_type, res_id]
