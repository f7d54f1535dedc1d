"""OMD (OMD^O03) diet orders to NutritionOrder: ODS diet codes and instructions,
TQ1 start and meal timing."""

from __future__ import annotations

from typing import Any

from kizuna.ingest.ssmix2.map_common import (
    Context,
    compact,
    concept,
    datetime_of,
    first_practitioner,
    patient_ref,
)
from kizuna.ingest.ssmix2.segments import ODS, ORC, TQ1


def nutrition_orders(ctx: Context) -> list[dict]:
    orc = ctx.message.first(ORC)
    diets = [ods for ods in ctx.message.all(ODS) if ods.kind.upper() in ("D", "")]
    if not isinstance(orc, ORC) or not diets:
        raise ctx.fail("a diet order needs an ORC and an ODS diet segment")
    when = datetime_of(ctx, orc.transaction_time, orc.pos, "ORC-9")
    if when is None:
        raise ctx.fail("ORC-9 order time is missing or invalid", orc.pos, "ORC-9")
    tq1 = ctx.message.first(TQ1)
    oral: dict[str, Any] = {
        "type": [c for ods in diets for c in (concept(ctx, d) for d in ods.diets) if c],
        "instruction": "\n".join(t for ods in diets for t in ods.instructions if t) or None,
    }
    if isinstance(tq1, TQ1):
        start = datetime_of(ctx, tq1.start, tq1.pos, "TQ1-7")
        pattern = tq1.repeat[0].pattern if tq1.repeat else None
        timing: dict[str, Any] = {}
        if start:
            timing["repeat"] = {"boundsPeriod": {"start": start}}
        if pattern:
            timing["code"] = concept(ctx, pattern)
        if timing:
            oral["schedule"] = [compact(timing)]
    order_no = orc.placer_order.id or ctx.order_number
    out: dict[str, Any] = {
        "resourceType": "NutritionOrder",
        "id": ctx.rid("NutritionOrder", order_no),
        "identifier": [
            {"system": f"urn:kizuna:ssmix2:{ctx.facility_key}:placer-order", "value": order_no}
        ]
        if order_no
        else [],
        "status": "revoked" if orc.control.upper() in ("CA", "DC") else "active",
        "intent": "order",
        "patient": patient_ref(),
        "dateTime": when,
        "orderer": first_practitioner(ctx, orc.ordering_provider),
        "oralDiet": compact(oral),
    }
    return [compact(out)]
