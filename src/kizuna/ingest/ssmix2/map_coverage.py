"""IN1 (in ADT-00) to JP Core Coverage, the insurer Organization, and the insurance
member identifier (被保険者個人識別子) for the Patient candidate.

Where the fields are: IN1-3 insurer number (保険者番号), IN1-10.1 記号, IN1-11.1 番号,
IN1-10.2 枝番. The JAMI map lists 枝番 against IN1-10 without naming the component; we
read CX.2, accept only two digits, and otherwise leave 枝番 out. The member identifier
goes on the Patient only when 枝番 is known: before 2021 a whole family shared one
記号・番号, and linking on it would merge family members into one patient.
"""

from __future__ import annotations

from typing import Any

from kizuna.codes.checkdigit import insurer_number_valid
from kizuna.fhir import jpcore
from kizuna.ingest.ssmix2.map_common import (
    Context,
    compact,
    concept,
    date_of,
    patient_ref,
    period,
    shared_id,
)
from kizuna.ingest.ssmix2.segments import IN1

EXT = "http://jpfhir.jp/fhir/core/Extension/StructureDefinition/"
RELATIONSHIP = "http://terminology.hl7.org/CodeSystem/subscriber-relationship"
_RELATION = {"SEL": "self", "SPO": "spouse", "CHD": "child", "PAR": "parent"}


def member_parts(in1: IN1) -> tuple[str, str, str, str]:
    """(insurer number, 記号, 番号, 枝番) as written; missing parts are ""."""
    insurer = next((c.id.strip() for c in in1.insurer if c.id.strip()), "")
    symbol_cx = next((c for c in in1.symbol if c.id or c.check_digit), None)
    symbol = symbol_cx.id.strip() if symbol_cx else ""
    branch = symbol_cx.check_digit.strip() if symbol_cx else ""
    if not (len(branch) == 2 and branch.isdigit()):
        branch = ""
    number = next((x.name.strip() for x in in1.number if x.name.strip()), "")
    return insurer, symbol, number, branch


def member_value(insurer: str, symbol: str, number: str, branch: str) -> str:
    """被保険者個人識別子: insurer padded to 8 digits, parts joined by colons."""
    padded = insurer.zfill(8) if insurer.isdigit() else insurer
    return jpcore.insurance_member_value(padded, symbol, number, branch)


def patient_member_identifier(in1: IN1) -> dict | None:
    insurer, symbol, number, branch = member_parts(in1)
    if not (insurer and number and branch):
        return None
    return {
        "system": jpcore.INSURANCE_MEMBER_ID,
        "value": member_value(insurer, symbol, number, branch),
    }


def coverage(ctx: Context, in1: IN1) -> dict | None:
    """The Coverage for one IN1; ``None`` (with a warning) without an insurer number."""
    insurer, symbol, number, branch = member_parts(in1)
    if not insurer:
        ctx.warn("missing", "IN1-3 insurer number is empty; IN1 left out", in1.pos, "IN1-3")
        return None
    if not insurer_number_valid(insurer):
        ctx.warn("check-digit", "IN1-3 insurer number fails its check digit", in1.pos, "IN1-3")
    payor = ctx.add_shared(_insurer(insurer, in1))
    out: dict[str, Any] = {
        "resourceType": "Coverage",
        "id": ctx.rid("Coverage", insurer, symbol, number, branch, in1.plan.code),
        "extension": _extensions(symbol, number, branch),
        "status": "active",
        "type": concept(ctx, in1.plan),
        "subscriberId": ":".join(p for p in (symbol, number) if p),
        "beneficiary": patient_ref(),
        "dependent": branch,
        "relationship": _relationship(ctx, in1),
        "period": period(
            date_of(ctx, in1.effective, in1.pos, "IN1-12"),
            date_of(ctx, in1.expires, in1.pos, "IN1-13"),
        ),
        "payor": [payor],
    }
    if (
        number and branch and insurer.isdigit() and len(insurer) in (6, 8)
    ):  # no 枝番: not a member id
        out["identifier"] = [
            {
                "system": jpcore.INSURANCE_MEMBER_ID,
                "value": member_value(insurer, symbol, number, branch),
                "assigner": payor,
            }
        ]
    return compact(out)


def _insurer(insurer: str, in1: IN1) -> dict:
    name = next((x.name for x in in1.insurer_name if x.name), "")
    org: dict[str, Any] = {
        "resourceType": "Organization",
        "id": shared_id("Organization", "insurer", insurer),
        "identifier": [{"system": jpcore.INSURER_NUMBER, "value": insurer}],
        "type": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/organization-type",
                        "code": "pay",
                        "display": "Payer",
                    }
                ]
            }
        ],
    }
    if name:
        org["name"] = name
    return org


def _extensions(symbol: str, number: str, branch: str) -> list[dict]:
    pairs = (
        ("JP_Coverage_InsuredPersonSymbol", symbol),
        ("JP_Coverage_InsuredPersonNumber", number),
        ("JP_Coverage_InsuredPersonSubNumber", branch),
    )
    return [{"url": EXT + name, "valueString": value} for name, value in pairs if value]


def _relationship(ctx: Context, in1: IN1) -> dict | None:
    rel = concept(ctx, in1.relationship)
    if rel is None:
        return None
    code = _RELATION.get(in1.relationship.code.upper(), "other")
    rel["coding"] = [{"system": RELATIONSHIP, "code": code}, *rel.get("coding", [])]
    return rel
