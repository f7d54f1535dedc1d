"""E-medication notebook exports (電子版お薬手帳, JAHIS TC):
``jahis-tc/<pharmacy code>/<pharmacy's patient id>.csv``, one per patient and pharmacy,
holding every dispensing of that pharmacy, the patient's allergies (record 2) and the
guardian's phone as emergency contact for children.

Pharmacies differ in the drug codes they write: some the レセ電 code (type 2), most the YJ
code (type 4), some HOT (type 6) where the masters link one, as their systems do.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

from kizuna.ingest.jahis_tc import records as tc
from kizuna.ingest.jahis_tc.writer import write
from kizuna.synth.catalog import Drug
from kizuna.synth.clinical import Prescription
from kizuna.synth.facilities import DEPARTMENTS, Facility
from kizuna.synth.writers.subject import Subject

FORMAT = "jahis-tc"
VERSION = "JAHISTC08"


def _code(pharmacy: Facility, drug: Drug) -> tuple[str, str]:
    """(code type, code): レセ電 at every third pharmacy and for drugs without a YJ code;
    HOT9 where the pharmacy's system uses HOT and the masters link one; else YJ."""
    system = int(pharmacy.code) % 3
    if system == 0 or not drug.yj:
        return "2", drug.code
    if system == 1 and drug.hot9:
        return "6", drug.hot9
    return "4", drug.yj


def _dispensing(pharmacy: Facility, rx: Prescription, cautions: list[str]) -> tc.Dispensing:
    pharmacist = pharmacy.staff[int(rx.number) % len(pharmacy.staff)]
    prescriber = rx.facility
    doctor = prescriber.doctor(rx.department)
    rps = []
    for number, rp in enumerate(rx.rps, start=1):
        drugs = []
        for drug in rp.drugs:
            code_type, code = _code(pharmacy, drug)
            drugs.append(
                tc.Drug(number, drug.name, Decimal(drug.daily), drug.unit, code_type, code, "1")
            )
        form = "3" if rp.as_needed else "1"
        usage = tc.Usage(
            number,
            rp.usage.text,
            Decimal(rp.days),
            "回分" if rp.as_needed else "日分",
            form,
            "2",
            rp.usage.code,
            "1",
        )
        rps.append(tc.Rp(number, drugs, usage))
    address = pharmacy.address
    return tc.Dispensing(
        date=rx.dispensed or rx.day,
        creator="1",
        pharmacy=tc.Pharmacy(
            pharmacy.name,
            pharmacy.prefecture,
            pharmacy.table,
            pharmacy.code7,
            address.postal_code,
            address.text,
            pharmacy.phone,
            "1",
        ),
        pharmacist=tc.Pharmacist(pharmacist.name, pharmacy.phone, "1"),
        prescriptions=[
            tc.Prescription(
                tc.PrescribingFacility(
                    prescriber.name, prescriber.prefecture, prescriber.table, prescriber.code7, "1"
                ),
                tc.Doctor(doctor.name, DEPARTMENTS.get(rx.department, ""), "1"),
                rps,
            )
        ],
        cautions=[tc.Note(text, "1") for text in cautions],
    )


def write_notebooks(subject: Subject, cautions: dict[str, list[str]]) -> None:
    """One export per pharmacy; ``cautions`` are 服用注意 notes by prescription number."""
    by_pharmacy: dict[str, list[Prescription]] = defaultdict(list)
    pharmacies: dict[str, Facility] = {}
    for visit in subject.history.visits:
        rx = visit.prescription
        if rx is not None and rx.pharmacy is not None and rx.dispensed is not None:
            by_pharmacy[rx.pharmacy.code].append(rx)
            pharmacies[rx.pharmacy.code] = rx.pharmacy
    for code, prescriptions in sorted(by_pharmacy.items()):
        _export(subject, pharmacies[code], prescriptions, cautions)


def _export(
    subject: Subject,
    pharmacy: Facility,
    prescriptions: list[Prescription],
    cautions: dict[str, list[str]],
) -> None:
    first = min(rx.dispensed or rx.day for rx in prescriptions)
    last = max(rx.dispensed or rx.day for rx in prescriptions)
    reg = subject.registration(pharmacy, FORMAT, first)
    ident = reg.identity(last)
    person = subject.person
    doc = tc.TcDocument(
        VERSION,
        "1",
        tc.PatientInfo(
            ident.name.kanji,
            person.sex_code,
            ident.birth,
            ident.address.postal_code,
            ident.address.text,
            person.mobile or ident.phone,
            _emergency(subject, last),
            "",
            None,
            ident.name.kana,
        ),
        notes=[tc.PatientNote("1", a.notebook_text, "1") for a in subject.history.allergies],
        dispensings=[
            _dispensing(pharmacy, rx, cautions.get(rx.number, []))
            for rx in sorted(prescriptions, key=lambda r: (r.dispensed or r.day, r.number))
        ],
    )
    relative = Path("jahis-tc", pharmacy.code, f"{reg.local_id}.csv")
    file = subject.out.write(relative, write(doc), "notebook")
    subject.out.counts["dispensing"] += len(prescriptions)
    subject.truth(reg, file, "", last)


def _emergency(subject: Subject, day: date) -> str:
    guardian = subject.guardian
    if guardian is not None and subject.person.age_on(day) < 20:
        return guardian.mobile or guardian.addresses.on(day).phone
    return ""
