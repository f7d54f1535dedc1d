"""Prescription 2D symbols (院外処方箋 QR, JAHIS10) that pharmacies scanned:
``jahis-rx/<pharmacy code>/<issue date>_<prescription number>.txt``.

The symbol is printed by the prescribing clinic, so the patient appears as the clinic
registered them (its patient code, the kana usually in half-width) with the insurance
card's numbers including the 枝番.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from kizuna.ingest.jahis_rx import records as rx_records
from kizuna.ingest.jahis_rx.writer import write
from kizuna.synth import kana
from kizuna.synth.clinical import Prescription, Rp
from kizuna.synth.facilities import DEPARTMENTS
from kizuna.synth.registration import Identity
from kizuna.synth.writers.subject import Subject

FORMAT = "jahis-rx"


def _insurance(ident: Identity) -> rx_records.Insurance | None:
    cov = ident.coverage
    if cov is None:
        return None
    return rx_records.Insurance(
        insurer=cov.insurer,
        symbol=cov.symbol,
        number=cov.number,
        relation="1" if cov.insured else "2",
        branch=ident.branch,
    )


def _rp(number: int, rp: Rp) -> rx_records.Rp:
    drugs = [
        rx_records.Drug(
            rp=number,
            seq=seq,
            code_type="4" if drug.yj else "2",
            dose=Decimal(drug.daily),
            potency="1",
            unit=drug.unit,
            info_kind="1",
            code=drug.yj or drug.code,
            name=drug.name,
        )
        for seq, drug in enumerate(rp.drugs, start=1)
    ]
    return rx_records.Rp(
        number=number,
        form="2" if rp.as_needed else "1",
        quantity=rp.days,
        usage_code_type="2",
        usage_code=rp.usage.code,
        usage=rp.usage.text,
        times_per_day=rp.usage.times or None,
        has_usage=True,
        drugs=drugs,
    )


def write_qr(subject: Subject, rx: Prescription) -> None:
    facility = rx.facility
    assert rx.pharmacy is not None
    reg = subject.registration(facility, FORMAT, rx.day)
    ident = reg.identity(rx.day)
    doctor = facility.doctor(rx.department)
    address = facility.address
    person = subject.person
    symbol = rx_records.RxPrescription(
        version="JAHIS10",
        facility=rx_records.Facility(
            code=facility.code7,
            prefecture=facility.prefecture,
            code_kind="1",
            name=facility.name,
            postal_code=address.postal_code,
            address=address.text,
            phone=facility.phone,
            department_code_type="1",
            department_code=rx.department,
            department=DEPARTMENTS.get(rx.department, ""),
            has_address=True,
            has_phone=True,
            has_department=True,
        ),
        doctor=rx_records.Doctor(doctor.name, doctor.id, kana.halfwidth(doctor.kana)),
        patient=rx_records.Patient(
            code=reg.local_id,
            name=ident.name.kanji,
            kana=kana.halfwidth(ident.name.kana) if not reg.kana_form else ident.name.kana,
            sex=person.sex_code,
            birth_date=ident.birth.isoformat(),
        ),
        issue_date=rx.day,
        insurance=_insurance(ident),
        public_expenses=[
            rx_records.PublicExpense(i + 1, p.payer, p.recipient)
            for i, p in enumerate(subject.history.public_expenses[:3])
        ],
        number_kind="1",
        number=rx.number,
        rps=[_rp(i, rp) for i, rp in enumerate(rx.rps, start=1)],
    )
    relative = Path("jahis-rx", rx.pharmacy.code, f"{rx.day:%Y%m%d}_{rx.number}.txt")
    file = subject.out.write(relative, write(symbol), "qr")
    subject.truth(reg, file, rx.number, rx.day)
