"""ADT-00 (patient information) and ADT-61 (allergies)."""

from __future__ import annotations

from kizuna.ingest.ssmix2 import map_allergy, map_coverage
from kizuna.ingest.ssmix2.map_common import Context, datetime_of
from kizuna.ingest.ssmix2.map_observation import (
    VITAL_SIGN_CODES,
    category,
    observation,
)
from kizuna.ingest.ssmix2.segments import AL1, EVN, IAM, IN1, OBX


def adt00_resources(ctx: Context) -> tuple[list[dict], list[dict]]:
    """Coverage, AllergyIntolerance and Observation resources of an ADT-00, and the
    insurance member identifiers for the Patient candidate."""
    msg = ctx.message
    resources: list[dict] = []
    member_ids: list[dict] = []
    for in1 in msg.all(IN1):
        cov = map_coverage.coverage(ctx, in1)
        if cov:
            resources.append(cov)
        member = map_coverage.patient_member_identifier(in1)
        if member and member not in member_ids:
            member_ids.append(member)
    resources.extend(a for a in (map_allergy.from_al1(ctx, al1) for al1 in msg.all(AL1)) if a)
    evn = msg.first(EVN)
    recorded = datetime_of(ctx, evn.recorded, evn.pos, "EVN-2") if isinstance(evn, EVN) else None
    for obx in msg.all(OBX):
        if obx.code.code in VITAL_SIGN_CODES:
            cat = category("vital-signs", "Vital Signs")
        else:
            cat = category("laboratory", "Laboratory")
        obs = observation(
            ctx,
            obx,
            ctx.rid("Observation", "ADT-00", obx.code.code or obx.set_id),
            [cat],
            effective=recorded,
        )
        if obs:
            resources.append(obs)
    return resources, member_ids


def adt61_resources(ctx: Context) -> list[dict]:
    """One AllergyIntolerance per IAM."""
    return [a for a in (map_allergy.from_iam(ctx, iam) for iam in ctx.message.all(IAM)) if a]
