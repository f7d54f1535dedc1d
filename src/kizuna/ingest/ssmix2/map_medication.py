"""OMP-01/02 (RDE^O11) prescription and injection orders to JP Core MedicationRequest.

One MedicationRequest per RXE. ORC-2 is the order number, ORC-4 the Rp (剤) group;
drugs of one Rp are numbered in message order (orderInRp). An injection (RXE followed
by RXC components) gets a contained Medication listing base and additives.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kizuna.fhir import jpcore
from kizuna.ingest.ssmix2 import codes
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
from kizuna.ingest.ssmix2.segments import ORC, RXC, RXE, RXR, TQ1

EXT = "http://jpfhir.jp/fhir/core/Extension/StructureDefinition/"
_STATUS = {
    "NW": "active",
    "OK": "active",
    "XO": "active",
    "SC": "active",
    "CA": "cancelled",
    "OC": "cancelled",
    "DC": "stopped",
    "OD": "stopped",
    "HD": "on-hold",
    "CM": "completed",
}


@dataclass(slots=True)
class OrderItem:
    """One RXE with the ORC above it and the TQ1/RXR/RXC below it."""

    orc: ORC
    rxe: RXE
    index_in_rp: int
    timing: list[TQ1] = field(default_factory=list)
    routes: list[RXR] = field(default_factory=list)
    components: list[RXC] = field(default_factory=list)


def order_items(ctx: Context) -> list[OrderItem]:
    """The RXE items of the message, each with its context segments."""
    items: list[OrderItem] = []
    counts: dict[tuple[str, str], int] = {}
    orc: ORC | None = None
    for seg in ctx.message.segments:
        if isinstance(seg, ORC):
            orc = seg
        elif isinstance(seg, RXE):
            if orc is None:
                raise ctx.fail("RXE without a preceding ORC", seg.pos)
            key = (orc.placer_order.id, orc.placer_group.id)
            counts[key] = counts.get(key, 0) + 1
            items.append(OrderItem(orc, seg, counts[key]))
        elif items and isinstance(seg, TQ1):
            items[-1].timing.append(seg)
        elif items and isinstance(seg, RXR):
            items[-1].routes.append(seg)
        elif items and isinstance(seg, RXC):
            items[-1].components.append(seg)
    return items


def medication_requests(ctx: Context) -> list[dict]:
    items = order_items(ctx)
    if not items:
        raise ctx.fail("no RXE segment: an order message without a drug")
    return [medication_request(ctx, item) for item in items]


def rp_number(group: str) -> str:
    """The Rp number from ORC-4: the value itself, or its last ``_`` part."""
    value = group.rsplit("_", 1)[-1]
    return value.lstrip("0") or value


def medication_request(ctx: Context, item: OrderItem) -> dict:
    orc, rxe = item.orc, item.rxe
    order_no = orc.placer_order.id or ctx.order_number
    group = orc.placer_group.id
    out: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "id": ctx.rid("MedicationRequest", order_no, group, item.index_in_rp),
        "identifier": _identifiers(ctx, order_no, group, item.index_in_rp, rxe),
        "status": _STATUS.get(orc.control.upper(), "active"),
        "intent": "order",
        "category": [
            c for c in (concept(ctx, x, "category") for x in rxe.dispensing_instructions) if c
        ],
        "subject": patient_ref(),
        "authoredOn": datetime_of(ctx, rxe.original_order_time, rxe.pos, "RXE-32")
        or datetime_of(ctx, orc.transaction_time, orc.pos, "ORC-9"),
        "requester": first_practitioner(ctx, orc.ordering_provider),
        "recorder": first_practitioner(ctx, orc.entered_by),
        "dosageInstruction": [_dosage(ctx, item)],
        "dispenseRequest": _dispense(ctx, item),
    }
    if item.components:
        out["contained"] = [_injection_medication(ctx, item)]
        out["medicationReference"] = {"reference": "#medication"}
        kind = concept(ctx, rxe.give_code)
        if kind:
            out["category"].append(kind)
    else:
        med = _drug(ctx, rxe)
        if med is None:
            raise ctx.fail("RXE-2 give code is empty and no RXC names the drug", rxe.pos, "RXE-2")
        out["medicationCodeableConcept"] = med
    return compact(out)


def _drug(ctx: Context, rxe: RXE) -> dict | None:
    med = concept(ctx, rxe.give_code)
    extra = [c for c in (concept(ctx, x) for x in rxe.supplementary_codes) if c]
    if med is None:
        return extra[0] if extra else None
    for concept_ in extra:
        med.setdefault("coding", []).extend(concept_.get("coding", []))
    return med


def _identifiers(ctx: Context, order_no: str, group: str, index: int, rxe: RXE) -> list:
    out = [
        {
            "system": jpcore.RESOURCE_INSTANCE_ID,
            "value": f"{ctx.facility_key}.{ctx.patient_id}.{order_no}.{group}.{index}",
        },
        {"system": codes.ORDER_IN_RP, "value": str(index)},
    ]
    if group:
        out.insert(1, {"system": codes.RP_NUMBER, "value": rp_number(group)})
    if rxe.prescription_number:
        out.append(
            {
                "system": f"urn:kizuna:ssmix2:{ctx.facility_key}:prescription",
                "value": rxe.prescription_number,
            }
        )
    return out


def _dosage(ctx: Context, item: OrderItem) -> dict:
    rxe = item.rxe
    tq1 = item.timing[0] if item.timing else None
    rxr = item.routes[0] if item.routes else None
    usage = tq1.repeat[0].pattern if tq1 and tq1.repeat else None
    out: dict[str, Any] = {
        "extension": _dosage_extensions(ctx, tq1),
        "text": usage.text if usage else None,
        "timing": {"code": concept(ctx, usage)} if usage else None,
        "route": concept(ctx, rxr.route) if rxr else None,
        "site": concept(ctx, rxr.site) if rxr else None,
        "method": concept(ctx, rxr.method) if rxr else None,
        "doseAndRate": [d for d in (_dose_and_rate(ctx, rxe),) if d],
    }
    if tq1 and tq1.text:
        out["patientInstruction"] = tq1.text
    return compact(out)


def _dosage_extensions(ctx: Context, tq1: TQ1 | None) -> list[dict]:
    if tq1 is None:
        return []
    out = []
    use = period(
        datetime_of(ctx, tq1.start, tq1.pos, "TQ1-7"), datetime_of(ctx, tq1.end, tq1.pos, "TQ1-8")
    )
    if use:
        out.append({"url": EXT + "JP_MedicationDosage_PeriodOfUse", "valuePeriod": use})
    days = _duration(tq1)
    if days:
        out.append({"url": EXT + "JP_MedicationDosage_UsageDuration", "valueDuration": days})
    return out


def _duration(tq1: TQ1) -> dict | None:
    value = number(tq1.duration.quantity)
    if value is None:
        return None
    unit = tq1.duration.unit.code or "d"
    ucum = codes.ucum(unit)
    out: dict[str, Any] = {"value": value, "unit": "日" if unit == "d" else unit}
    if ucum:
        out["system"] = jpcore.UCUM
        out["code"] = ucum
    return out


def _dose_and_rate(ctx: Context, rxe: RXE) -> dict | None:
    out: dict[str, Any] = {}
    dose = number(rxe.amount_min)
    if dose is not None:
        out["doseQuantity"] = quantity(ctx, dose, rxe.units)
    rate = number(rxe.rate_amount)
    daily = number(rxe.daily_dose.quantity)
    if rate is not None:
        out["rateQuantity"] = quantity(ctx, rate, rxe.rate_units)
    elif daily is not None:
        out["rateRatio"] = {
            "numerator": quantity(ctx, daily, rxe.daily_dose.unit),
            "denominator": {"value": 1, "unit": "日", "system": jpcore.UCUM, "code": "d"},
        }
    return out or None


def _dispense(ctx: Context, item: OrderItem) -> dict | None:
    rxe = item.rxe
    out: dict[str, Any] = {}
    amount = number(rxe.dispense_amount)
    if amount is not None:
        out["quantity"] = quantity(ctx, amount, rxe.dispense_units)
    days = _duration(item.timing[0]) if item.timing else None
    if days:
        out["expectedSupplyDuration"] = days
    refills = number(rxe.refills)
    if isinstance(refills, int):
        out["numberOfRepeatsAllowed"] = refills
    instructions = [c for c in (concept(ctx, x) for x in rxe.instructions) if c]
    if instructions:
        out["extension"] = [
            {
                "url": EXT + "JP_MedicationRequest_DispenseRequest_InstructionForDispense",
                "valueCodeableConcept": c,
            }
            for c in instructions
        ]
    return out or None


def _injection_medication(ctx: Context, item: OrderItem) -> dict:
    """A contained Medication: one ingredient per RXC (B base, A additive)."""
    ingredients = []
    for rxc in item.components:
        code = concept(ctx, rxc.code)
        if code is None:
            ctx.warn("missing", "RXC-2 component drug is empty; left out", rxc.pos, "RXC-2")
            continue
        entry: dict[str, Any] = {"itemCodeableConcept": code, "isActive": True}
        amount = number(rxc.amount)
        if amount is not None:
            entry["strength"] = {
                "numerator": quantity(ctx, amount, rxc.units),
                "denominator": {"value": 1, "unit": "回"},
            }
        ingredients.append(entry)
    form = concept(ctx, item.rxe.dosage_form, "form")
    return compact(
        {
            "resourceType": "Medication",
            "id": "medication",
            "form": form,
            "ingredient": ingredients,
        }
    )
