"""PPR-01 diagnoses (病名): PRB with its ZPR to JP Core Condition.

Codes: PRB-3 (病名交換用コード MDCDX2, or a local code), PRB-10 (ICD-10, with the
outpatient/inpatient class JHSD0004 as its alternate), ZPR-2/5 (MEDIS key number and
exchange code), ZPR-1/3/4/6 (modifiers, 修飾語). PRB-14 is the outcome (転帰, HL7 table
0241). PRB-18 ``1^主診断^JHSD0007`` marks the main diagnosis.

Clinical status: an outcome of recovered (F) or recovered with sequelae (S) is
``resolved``; death (D) is ``inactive``; with an end date (PRB-9) any other outcome is
``inactive`` (the diagnosis was closed without cure, 中止); otherwise ``active``. FHIR
allows an abatement date only with those statuses, so PRB-9 is kept only then.
"""

from __future__ import annotations

import re
from typing import Any

from kizuna.fhir import jpcore
from kizuna.ingest.ssmix2.codes import CONDITION_OUTCOME_HL70241
from kizuna.ingest.ssmix2.datatypes import CWE
from kizuna.ingest.ssmix2.map_common import (
    Context,
    coding,
    compact,
    concept,
    datetime_of,
    first_practitioner,
    patient_ref,
)
from kizuna.ingest.ssmix2.segments import ORC, PRB, ZPR

EXT = "http://jpfhir.jp/fhir/core/Extension/StructureDefinition/"
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
_VERIFIED = {
    "C": "confirmed",
    "P": "provisional",
    "R": "refuted",
    "D": "differential",
    "U": "unconfirmed",
}
_EXCHANGE_CODE = re.compile(r"^[0-9A-Z]{4}$")
_KEY_NUMBER = re.compile(r"^\d{8}$")
_RECEIPT_CODE = re.compile(r"^\d{7}$")


def conditions(ctx: Context) -> list[dict]:
    """One Condition per PRB, with the ZPR that follows it."""
    recorder = None
    orc = ctx.message.first(ORC)
    if isinstance(orc, ORC):
        recorder = first_practitioner(ctx, orc.ordering_provider)
    out: list[dict | None] = []
    pending: PRB | None = None
    for seg in ctx.message.segments:
        if isinstance(seg, PRB):
            if pending is not None:
                out.append(condition(ctx, pending, None, recorder))
            pending = seg
        elif isinstance(seg, ZPR) and pending is not None:
            out.append(condition(ctx, pending, seg, recorder))
            pending = None
    if pending is not None:
        out.append(condition(ctx, pending, None, recorder))
    found = [c for c in out if c is not None]
    if not found:
        raise ctx.fail("no usable PRB segment: a diagnosis message without a diagnosis")
    return found


def condition(ctx: Context, prb: PRB, zpr: ZPR | None, recorder: dict | None) -> dict | None:
    code = _code(ctx, prb, zpr)
    if code is None:
        ctx.warn("missing", "PRB-3 and PRB-10 are both empty; PRB left out", prb.pos, "PRB-3")
        return None
    key = prb.instance_id.id or f"{prb.problem.code}:{prb.onset}"
    deleted = prb.action.upper() == "DE"
    out: dict[str, Any] = {
        "resourceType": "Condition",
        "id": ctx.rid("Condition", key),
        "identifier": _identifier(ctx, prb),
        "extension": _extensions(ctx, prb, zpr),
        "category": _categories(ctx, prb),
        "code": code,
        "subject": patient_ref(),
        "onsetDateTime": datetime_of(ctx, prb.onset, prb.pos, "PRB-16"),
        "recordedDate": datetime_of(ctx, prb.established, prb.pos, "PRB-7"),
        "recorder": recorder,
    }
    if deleted:
        out["verificationStatus"] = _status(VERIFICATION, "entered-in-error")
        return compact(out)
    status = _clinical_status(prb)
    out["clinicalStatus"] = _status(CLINICAL, status)
    verified = _VERIFIED.get(prb.confirmation.code.upper())
    if verified:
        out["verificationStatus"] = _status(VERIFICATION, verified)
    if status in ("inactive", "resolved"):
        out["abatementDateTime"] = datetime_of(ctx, prb.resolved, prb.pos, "PRB-9")
    return compact(out)


def _clinical_status(prb: PRB) -> str:
    outcome = prb.outcome.code.upper()
    if outcome in ("F", "S"):
        return "resolved"
    if outcome == "D" or prb.resolved:
        return "inactive"
    return "active"


def _status(system: str, code: str) -> dict:
    return {"coding": [{"system": system, "code": code}]}


def _code(ctx: Context, prb: PRB, zpr: ZPR | None) -> dict | None:
    codings: list[dict] = []
    text = prb.onset_text or prb.problem.text
    if prb.problem.code:
        codings.append(_disease_coding(ctx, prb.problem, prb))
    icd = prb.classification
    if icd.code:
        codings.append(coding(ctx, icd.code, icd.text, icd.system or "I10"))
    if zpr is not None:
        if zpr.disease_key.code:
            codings.append({"system": jpcore.MEDIS_DISEASE, "code": zpr.disease_key.code})
        if zpr.disease_code.code:
            codings.append(
                coding(
                    ctx,
                    zpr.disease_code.code,
                    zpr.disease_code.text,
                    zpr.disease_code.system or "MDCDX2",
                )
            )
    codings = [c for i, c in enumerate(codings) if c not in codings[:i]]
    if not codings and not text:
        return None
    out: dict[str, Any] = {}
    if codings:
        out["coding"] = codings
    if text:
        out["text"] = text
    return out


def _disease_coding(ctx: Context, cwe: CWE, prb: PRB) -> dict:
    """PRB-3 as declared, unless its shape shows another MEDIS/receipt code."""
    code = cwe.code
    if cwe.system == "MDCDX2" and not _EXCHANGE_CODE.match(code):
        if _KEY_NUMBER.match(code):
            ctx.warn(
                "code-system",
                "PRB-3 is labelled MDCDX2 but is an 8-digit MEDIS key number; coded as such",
                prb.pos,
                "PRB-3",
            )
            return {"system": jpcore.MEDIS_DISEASE, "code": code, "display": cwe.text}
        if _RECEIPT_CODE.match(code):
            ctx.warn(
                "code-system",
                "PRB-3 is labelled MDCDX2 but is a 7-digit receipt disease code; coded as such",
                prb.pos,
                "PRB-3",
            )
            return {"system": jpcore.RECEIPT_DISEASE_CODE, "code": code, "display": cwe.text}
    return coding(ctx, code, cwe.text, cwe.system)


def _identifier(ctx: Context, prb: PRB) -> list[dict]:
    if not prb.instance_id.id:
        return []
    return [
        {"system": f"urn:kizuna:ssmix2:{ctx.facility_key}:problem", "value": prb.instance_id.id}
    ]


def _categories(ctx: Context, prb: PRB) -> list[dict]:
    out: list[dict] = [
        {
            "coding": [
                {
                    "system": CATEGORY,
                    "code": "encounter-diagnosis",
                    "display": "Encounter Diagnosis",
                }
            ]
        }
    ]
    setting = prb.classification
    if setting.alt_code:
        out.append(
            {
                "coding": [coding(ctx, setting.alt_code, setting.alt_text, setting.alt_system)],
                "text": setting.alt_text or None,
            }
        )
    if prb.ranking.code:
        out.append(
            compact(
                {
                    "coding": [coding(ctx, prb.ranking.code, prb.ranking.text, prb.ranking.system)],
                    "text": prb.ranking.text or None,
                }
            )
        )
    return [compact(c) for c in out]


def _extensions(ctx: Context, prb: PRB, zpr: ZPR | None) -> list[dict]:
    out: list[dict] = []
    outcome = concept(ctx, prb.outcome)
    if outcome is not None:
        if prb.outcome.system in ("HL70241", ""):
            for c in outcome.get("coding", []):
                c["system"] = CONDITION_OUTCOME_HL70241
        out.append({"url": EXT + "JP_Condition_DiseaseOutcome", "valueCodeableConcept": outcome})
    if zpr is not None:
        for name, cwes in (
            ("JP_Condition_DiseasePrefixModifier", zpr.prefix_codes),
            ("JP_Condition_DiseasePostfixModifier", zpr.suffix_codes),
        ):
            for cwe in cwes:
                if cwe.code:
                    value: dict[str, Any] = {
                        "coding": [{"system": jpcore.DISEASE_MODIFIER, "code": cwe.code}]
                    }
                    if cwe.text:
                        value["text"] = cwe.text
                    out.append({"url": EXT + name, "valueCodeableConcept": value})
    return out
