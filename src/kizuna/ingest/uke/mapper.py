"""One receipt to one :class:`~kizuna.ingest.base.Unit` of JP Core resources.

The unit key is facility + month + the patient's key at the facility + 入院/外来 (+ the
prescribing facility for 調剤), so a corrected receipt sent again replaces the same resources.
The unit version is the 請求年月: a later claim of the same month wins.
"""

from __future__ import annotations

from kizuna.codes.checkdigit import receipt_facility_code
from kizuna.codes.masters import Masters, get_masters
from kizuna.ingest.base import Location, MappingError, Resource, SourceRef, Unit
from kizuna.ingest.uke import clinical, codes
from kizuna.ingest.uke import records as med
from kizuna.ingest.uke import records_pharmacy as pha
from kizuna.ingest.uke.context import FORMAT, Context
from kizuna.ingest.uke.dispensing import DispensingMapper, prescriber_code
from kizuna.ingest.uke.parser import FileKind, Header, Receipt
from kizuna.ingest.uke.people import (
    check_facility,
    coverages,
    facility,
    patient,
    patient_key,
)


def facility_code(header: Header, filename: str) -> str:
    """The 10-digit facility code of an IR/YK header (prefecture + 点数表 + 7 digits)."""
    parts = (header.prefecture, header.table, header.facility_code7)
    if not all(p and p.isdigit() for p in parts):
        raise MappingError(
            "facility code incomplete",
            Location(filename, header.line, segment=header.TYPE, field=f"{header.TYPE}-3..5"),
        )
    prefecture, table, code7 = (p or "" for p in parts)
    if len(code7) != 7 or len(table) != 1 or int(prefecture) > 47:
        raise MappingError(
            "facility code malformed",
            Location(filename, header.line, segment=header.TYPE, field=f"{header.TYPE}-3..5"),
        )
    return receipt_facility_code(prefecture, table, code7)


def map_receipt(receipt: Receipt, filename: str, masters: Masters | None = None) -> Unit:
    """The unit of one receipt. Raises only :class:`MappingError`."""
    head = receipt.re
    receipt_id = str(head.receipt_number) if head.receipt_number is not None else "?"
    code = facility_code(receipt.header, filename)
    if head.service_month is None:
        raise MappingError(
            "service month missing",
            Location(filename, head.line, segment="RE", field="RE-4 (診療年月)", record=receipt_id),
        )
    ctx = Context(
        filename,
        code,
        patient_key(head, receipt),
        head.service_month,
        receipt_id,
        masters or get_masters(),
    )
    check_facility(
        ctx,
        code,
        receipt.header.line,
        receipt.header.TYPE,
        f"{receipt.header.TYPE}-5 (医療機関コード)",
    )
    resources: list[Resource] = [facility(code, receipt.header.facility_name, receipt.header.phone)]
    resources += coverages(ctx, head, receipt)
    if receipt.kind is FileKind.MEDICAL:
        assert isinstance(head, med.MedicalRERecord)
        resources += _medical(ctx, head, receipt)
    else:
        assert isinstance(head, pha.PharmacyRERecord)
        resources += DispensingMapper(ctx, head).map(receipt)
    _report_unknowns(ctx, receipt)
    billing = receipt.header.billing_month
    return Unit(
        key=_unit_key(ctx, receipt),
        source=SourceRef(FORMAT, filename, receipt_id, code),
        patient=patient(ctx, head, receipt),
        resources=resources,
        warnings=ctx.warnings,
        version=f"{billing.year:04d}{billing.month:02d}" if billing else "",
    )


def _medical(ctx: Context, head: med.MedicalRERecord, receipt: Receipt) -> list[Resource]:
    encounter = clinical.encounter(ctx, head, receipt)
    encounter_ref = f"Encounter/{encounter['id']}"
    out = [encounter]
    out += clinical.conditions(ctx, receipt, encounter_ref, clinical.symptom_notes(receipt))
    out += clinical.ActMapper(ctx, encounter_ref).map(clinical.groups(receipt))
    return out


def _unit_key(ctx: Context, receipt: Receipt) -> str:
    head = receipt.re
    setting = "IMP" if codes.is_inpatient(head.receipt_type) else "AMB"
    parts = [
        FORMAT,
        ctx.facility_code,
        f"{ctx.month.year:04d}{ctx.month.month:02d}",
        ctx.patient_key,
    ]
    if isinstance(head, pha.PharmacyRERecord):
        parts.append(prescriber_code(head) or "")
    else:
        parts.append(setting)
    return ":".join(parts)


def _report_unknowns(ctx: Context, receipt: Receipt) -> None:
    if ctx.unknown:
        listed = "; ".join(
            f"{kind} {', '.join(sorted(found))}" for kind, found in sorted(ctx.unknown.items())
        )
        ctx.warn(
            "unknown-code",
            f"codes not in the installed masters: {listed}",
            ctx.where(receipt.re.line, "RE"),
        )
    for line, rtype in receipt.unknown_types:
        ctx.warn(
            "unknown-record",
            f"record type {rtype} is not in the specification",
            ctx.where(line, rtype),
        )
