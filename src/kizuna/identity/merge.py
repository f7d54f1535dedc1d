"""Merging what a new source says about a patient into the stored Patient resource.

Identifiers, names, telecoms and addresses are unioned (duplicates removed); sex and
birth date keep the first value known. Nothing a source said is lost, except that an
insurance member id is stored in its canonical form (ASCII digits, two-digit 枝番), and
one without 枝番 (old cards and systems) is not kept: it links no one.
"""

from __future__ import annotations

from typing import Any

import orjson

from kizuna.fhir import jpcore
from kizuna.identity.keys import canonical_member_value
from kizuna.textnorm import normalize


def _key(item: Any) -> bytes:
    return orjson.dumps(item, option=orjson.OPT_SORT_KEYS)


def _union(old: list[Any], new: list[Any], key: Any = _key) -> list[Any]:
    seen = {key(i) for i in old}
    merged = list(old)
    for item in new:
        k = key(item)
        if k not in seen:
            seen.add(k)
            merged.append(item)
    return merged


def _name_key(name: dict[str, Any]) -> tuple[str, ...]:
    text = name.get("text") or " ".join([name.get("family", ""), *name.get("given", [])])
    kind = next((e.get("valueCode") for e in name.get("extension", []) if "valueCode" in e), "")
    return (normalize(text), kind or "")


def _identifier(item: Any) -> Any:
    """A member id in its canonical form (full-width digits from one source, ASCII from
    another are the same identifier); None for a member id without 枝番, which can
    identify no one (a household shared 記号・番号) and is not a valid JP identifier."""
    if not isinstance(item, dict) or item.get("system") != jpcore.INSURANCE_MEMBER_ID:
        return item
    canonical = canonical_member_value(str(item.get("value") or ""))
    return {**item, "value": canonical} if canonical else None


def merge_patient(
    stored: dict[str, Any] | None, candidate: dict[str, Any], patient_id: str
) -> dict[str, Any]:
    """The Patient after adding ``candidate``'s information to ``stored``."""
    base = {k: v for k, v in (stored or {}).items() if k != "meta"}
    merged: dict[str, Any] = {
        "resourceType": "Patient",
        "id": patient_id,
        **{k: v for k, v in base.items() if k not in ("resourceType", "id")},
    }
    if candidate.get("identifier"):
        fresh = [i for i in (_identifier(i) for i in candidate["identifier"]) if i is not None]
        if fresh or "identifier" in merged:
            merged["identifier"] = _union(merged.get("identifier", []), fresh)
    for field in ("telecom", "address", "contact", "communication"):
        if candidate.get(field):
            merged[field] = _union(merged.get(field, []), candidate[field])
    if candidate.get("name"):
        merged["name"] = _union(merged.get("name", []), candidate["name"], _name_key)
    for field in (
        "gender",
        "birthDate",
        "deceasedBoolean",
        "deceasedDateTime",
        "maritalStatus",
        "multipleBirthBoolean",
        "multipleBirthInteger",
    ):
        if field in candidate and field not in merged:
            merged[field] = candidate[field]
    for field in ("extension",):
        if candidate.get(field):
            merged[field] = _union(merged.get(field, []), candidate[field])
    if "deceasedBoolean" in merged and "deceasedDateTime" in merged:
        merged.pop("deceasedBoolean")
    return merged
