"""OMP-11/12 (RAS^O17) administrations to JP Core MedicationAdministration.

One resource per RXA. The RXR that follows a group of RXA (one ORC) applies to all of
them: SS-MIX2 sends one route for a drip and its additives.
"""

from __future__ import annotations

import re
from typing import Any

from kizuna.ingest.ssmix2.datatypes import CWE
from kizuna.ingest.ssmix2.map_common import (
    Context,
    compact,
    concept,
    datetime_of,
    first_practitioner,
    number,
    patient_ref,
    period,
    quantity,
)
from kizuna.ingest.ssmix2.segments import ORC, RXA, RXR

_COMPLETION = {"CP": "completed", "RE": "not-done", "NA": "not-done", "PA": "stopped"}
_RATE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(\S.*)?$")


def administrations(ctx: Context) -> list[dict]:
    groups: list[tuple[ORC | None, list[RXA], list[RXR]]] = []
    orc: ORC | None = None
    for seg in ctx.message.segments:
        if isinstance(seg, ORC):
            orc = seg
            groups.append((orc, [], []))
        elif isinstance(seg, RXA):
            if not groups:
                groups.append((None, [], []))
            groups[-1][1].append(seg)
        elif isinstance(seg, RXR) and groups:
            groups[-1][2].append(seg)
    out = []
    for group_orc, rxas, rxrs in groups:
        for index, rxa in enumerate(rxas, start=1):
            admin = administration(ctx, group_orc, rxa, rxrs[0] if rxrs else None, index)
            if admin:
                out.append(admin)
    if not out:
        raise ctx.fail("no usable RXA segment: an administration message without a drug")
    return out


def administration(
    ctx: Context, orc: ORC | None, rxa: RXA, rxr: RXR | None, index: int
) -> dict | None:
    med = concept(ctx, rxa.code)
    if med is None:
        ctx.warn("missing", "RXA-5 administered code is empty; RXA left out", rxa.pos, "RXA-5")
        return None
    order_no = orc.placer_order.id if orc else ctx.order_number
    group = orc.placer_group.id if orc else ""
    start = datetime_of(ctx, rxa.start, rxa.pos, "RXA-3")
    end = datetime_of(ctx, rxa.end, rxa.pos, "RXA-4")
    if start is None:
        raise ctx.fail("RXA-3 administration start is missing or invalid", rxa.pos, "RXA-3")
    if end and end < start:
        end = None
    status = (
        "entered-in-error"
        if rxa.action.upper() == "D"
        else _COMPLETION.get(rxa.completion.upper(), "completed")
    )
    performer = first_practitioner(ctx, rxa.administered_by)
    out: dict[str, Any] = {
        "resourceType": "MedicationAdministration",
        "id": ctx.rid(
            "MedicationAdministration",
            order_no,
            group,
            index,
            rxa.give_sub_id,
            rxa.administration_sub_id,
        ),
        "status": status,
        "medicationCodeableConcept": med,
        "subject": patient_ref(),
        "effectivePeriod": period(start, end),
        "performer": [{"actor": performer}] if performer else [],
        "note": [{"text": t} for t in (_note_text(n) for n in rxa.notes) if t],
        "dosage": _dosage(ctx, rxa, rxr),
    }
    if rxr and rxr.device:
        out["device"] = [{"display": rxr.device.text or rxr.device.code}]
    return compact(out)


def _note_text(cwe: CWE) -> str:
    return cwe.text or cwe.code


def _dosage(ctx: Context, rxa: RXA, rxr: RXR | None) -> dict | None:
    out: dict[str, Any] = {}
    amount = number(rxa.amount)
    if amount is not None:
        out["dose"] = quantity(ctx, amount, rxa.units)
    rate = _RATE.match(rxa.per_time_unit)
    if rate:
        value = number(rate.group(1))
        unit = (rate.group(2) or "").strip()
        if value is not None:
            out["rateQuantity"] = quantity(ctx, value, CWE(code=unit, text=unit))
    if rxr:
        out["route"] = concept(ctx, rxr.route)
        out["site"] = concept(ctx, rxr.site)
        out["method"] = concept(ctx, rxr.method)
    result = compact(out)
    return result or None
