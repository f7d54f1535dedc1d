"""A person's receipts, grouped by facility and month and handed to the spool."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from kizuna.synth import schedule
from kizuna.synth.catalog import Catalog
from kizuna.synth.clinical import Admission, Prescription, Visit
from kizuna.synth.facilities import Facility
from kizuna.synth.registration import Identity, Registration
from kizuna.synth.writers.receipts import (
    MEDICAL,
    PHARMACY,
    MedicalReceipt,
    medical_receipt,
    pharmacy_receipt,
)
from kizuna.synth.writers.spool import ReceiptSpool, Spooled
from kizuna.synth.writers.subject import Subject


def _key(ident: Identity) -> str:
    cov = ident.coverage
    return f"{cov.insurer}:{cov.symbol}:{cov.number}:{ident.branch}" if cov else ""


def _spooled(subject: Subject, reg: Registration, ident: Identity, points: int) -> Spooled:
    return Spooled(
        subject.person.id, reg.format, reg.local_id, _key(ident), ";".join(reg.noise), points
    )


def write_receipts(subject: Subject, catalog: Catalog, spool: ReceiptSpool) -> None:
    _medical(subject, catalog, spool)
    _pharmacy(subject, spool)


def _medical(subject: Subject, catalog: Catalog, spool: ReceiptSpool) -> None:
    history = subject.history
    outpatient: dict[tuple[str, date], list[Visit]] = defaultdict(list)
    facilities: dict[str, Facility] = {}
    for visit in history.visits:
        if visit.facility.kind in ("clinic", "hospital"):
            outpatient[(visit.facility.code, visit.day.replace(day=1))].append(visit)
            facilities[visit.facility.code] = visit.facility
    stays: list[tuple[Admission, date]] = []
    for adm in history.admissions:
        facilities[adm.facility.code] = adm.facility
        stays += [(adm, month) for month in schedule.months(adm.start, adm.end)]
    first_contact = _first_contacts(history.visits, history.admissions)
    for (code, month), visits in sorted(outpatient.items()):
        receipt = MedicalReceipt(catalog, facilities[code], month)
        for visit in visits:
            receipt.add_visit(visit)
        _emit(subject, spool, receipt, first_contact[code], None)
    for adm, month in stays:
        receipt = MedicalReceipt(catalog, adm.facility, month)
        receipt.add_admission(adm)
        _emit(subject, spool, receipt, first_contact[adm.facility.code], adm)


def _first_contacts(visits: list[Visit], admissions: list[Admission]) -> dict[str, date]:
    out: dict[str, date] = {}
    for visit in visits:
        out.setdefault(visit.facility.code, visit.day)
    for adm in admissions:
        out[adm.facility.code] = min(out.get(adm.facility.code, adm.start), adm.start)
    return out


def _emit(
    subject: Subject,
    spool: ReceiptSpool,
    receipt: MedicalReceipt,
    since: date,
    admission: Admission | None,
) -> None:
    history = subject.history
    reg = subject.registration(receipt.facility, MEDICAL, since)
    diagnoses = history.diagnoses.get(receipt.facility.code, [])
    expenses = (
        history.public_expenses
        if receipt.facility.kind != "clinic"
        or receipt.facility.specialty in ("dialysis", "pediatrics")
        else []
    )
    body, points, ident = medical_receipt(
        reg, receipt, diagnoses, expenses, history.special_notes, admission
    )
    spool.add(receipt.facility, receipt.month, _spooled(subject, reg, ident, points), body)


def _pharmacy(subject: Subject, spool: ReceiptSpool) -> None:
    groups: dict[tuple[str, date, str], list[Prescription]] = defaultdict(list)
    pharmacies: dict[str, Facility] = {}
    first: dict[str, date] = {}
    for visit in subject.history.visits:
        rx = visit.prescription
        if rx is None or rx.pharmacy is None or rx.dispensed is None:
            continue
        month = rx.dispensed.replace(day=1)
        groups[(rx.pharmacy.code, month, rx.facility.code)].append(rx)
        pharmacies[rx.pharmacy.code] = rx.pharmacy
        first.setdefault(rx.pharmacy.code, rx.dispensed)
    for (code, month, _prescriber), prescriptions in sorted(groups.items()):
        pharmacy = pharmacies[code]
        reg = subject.registration(pharmacy, PHARMACY, first[code])
        body, points, ident = pharmacy_receipt(
            reg,
            pharmacy,
            prescriptions[0].facility,
            month,
            prescriptions,
            subject.history.public_expenses,
        )
        spool.add(pharmacy, month, _spooled(subject, reg, ident, points), body)
