"""AL1 (ADT-00) and IAM (ADT-61) to JP Core AllergyIntolerance.

The resource id comes from the allergen (system and code, else its text), so the same
allergy reported by ADT-00 and ADT-61 lands on one resource.
"""

from __future__ import annotations

from typing import Any

from kizuna.ingest.ssmix2.map_common import (
    Context,
    compact,
    concept,
    datetime_of,
    patient_ref,
)
from kizuna.ingest.ssmix2.segments import AL1, IAM

CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
VERIFICATION = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
_CATEGORY = {
    "DA": "medication",
    "FA": "food",
    "EA": "environment",
    "AA": "environment",
    "PA": "environment",
    "LA": "environment",
}
_SEVERITY = {"MI": "mild", "MO": "moderate", "SV": "severe"}
_TYPE = {"AL": "allergy", "IN": "intolerance"}
_VERIFIED = {
    "C": "confirmed",
    "U": "unconfirmed",
    "P": "unconfirmed",
    "S": "unconfirmed",
    "D": "refuted",
    "E": "entered-in-error",
}
NO_REACTION_TEXT = "アレルギー反応情報なし"


def from_al1(ctx: Context, al1: AL1) -> dict | None:
    return _allergy(
        ctx,
        al1,
        onset=datetime_of(ctx, al1.identified, al1.pos, "AL1-6"),
        extra={},
    )


def from_iam(ctx: Context, iam: IAM) -> dict | None:
    extra: dict[str, Any] = {
        "recordedDate": datetime_of(ctx, iam.reported, iam.pos, "IAM-13"),
        "type": _TYPE.get(iam.sensitivity.code.upper()),
    }
    if iam.onset_text and not iam.onset:
        extra["onsetString"] = iam.onset_text
    deleted = iam.action.code.upper() == "D"
    verification = (
        "entered-in-error" if deleted else _VERIFIED.get(iam.clinical_status.code.upper())
    )
    return _allergy(
        ctx,
        iam,
        onset=datetime_of(ctx, iam.onset, iam.pos, "IAM-11"),
        extra=extra,
        verification=verification,
    )


def _allergy(
    ctx: Context,
    seg: AL1 | IAM,
    onset: str | None,
    extra: dict[str, Any],
    verification: str | None = None,
) -> dict | None:
    name = seg.pos.name
    code = concept(ctx, seg.allergen)
    if code is None:
        ctx.warn("missing", f"{name}-3 allergen is empty; {name} left out", seg.pos, f"{name}-3")
        return None
    key = (seg.allergen.system, seg.allergen.code) if seg.allergen.code else ("text", code["text"])
    out: dict[str, Any] = {
        "resourceType": "AllergyIntolerance",
        "id": ctx.rid("AllergyIntolerance", *key),
        "category": [c for c in (_CATEGORY.get(seg.allergen_type.code.upper()),) if c],
        "code": code,
        "patient": patient_ref(),
        "onsetDateTime": onset,
        "reaction": _reactions(ctx, seg),
        **extra,
    }
    if verification == "entered-in-error":
        out["verificationStatus"] = _status(VERIFICATION, verification)
    else:
        out["clinicalStatus"] = _status(CLINICAL, "active")
        if verification:
            out["verificationStatus"] = _status(VERIFICATION, verification)
    return compact(out)


def _status(system: str, code: str) -> dict:
    return {"coding": [{"system": system, "code": code}]}


def _reactions(ctx: Context, seg: AL1 | IAM) -> list[dict]:
    texts = [r for r in seg.reactions if r]
    severity = _SEVERITY.get(seg.severity.code.upper())
    if not texts and not severity:
        return []
    reaction: dict[str, Any] = {
        "description": "、".join(texts) or None,
        "manifestation": [{"text": t} for t in texts] or [{"text": NO_REACTION_TEXT}],
        "severity": severity,
    }
    return [compact(reaction)]
