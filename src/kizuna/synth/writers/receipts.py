"""Receipts (レセプト): one per patient, facility and month, built from the typed records of
:mod:`kizuna.ingest.uke` and written with its writer.

医科 (clinics and hospitals): RE, HO, KO (public expense), SN (枝番), SY per diagnosis
active that month, SI per act (count and days of the month), IY for drugs the facility
dispensed itself (院内処方). Outside prescriptions (院外処方) show as the prescription fee
(処方箋料); their drugs are on the pharmacy's receipt. 調剤 (pharmacies): RE with the
prescribing facility, HO, KO, SN, then per 剤 an SH, its CZ dispensings and IY drugs; one
receipt per patient, pharmacy, month and prescribing facility.

The receipt number is written as 0 and set when the monthly file is assembled
(:mod:`kizuna.synth.writers.spool`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from kizuna.ingest.uke import records as med
from kizuna.ingest.uke import records_pharmacy as pha
from kizuna.ingest.uke.schema import DAY_COUNT
from kizuna.ingest.uke.writer import write_records
from kizuna.synth import schedule
from kizuna.synth.addresses import full_width_digits
from kizuna.synth.catalog import Catalog, Drug
from kizuna.synth.clinical import Admission, Diagnosis, Prescription, Visit
from kizuna.synth.facilities import Facility
from kizuna.synth.model import Person, PublicExpense
from kizuna.synth.registration import Identity, Registration

MEDICAL = "uke"
PHARMACY = "uke-pharmacy"
_DRUG_POINTS = Decimal("1")  # drug points are approximate: 1 point per unit per day


def receipt_type(
    person: Person,
    day: date,
    cov_insured: bool,
    kouki: bool,
    public: int,
    inpatient: bool,
    pharmacy: bool = False,
) -> str:
    """レセプト種別: 医科 1 / 調剤 4, payer (1 医保, 3 後期), 併用 count, person class."""
    age = person.age_on(day)
    if age < 6:
        klass = 3
    elif age >= 70:
        klass = 7
    elif cov_insured:
        klass = 1
    else:
        klass = 5
    last = (klass if inpatient else klass + 1) % 10
    return f"{4 if pharmacy else 1}{3 if kouki else 1}{1 + public}{last}"


#: record types whose lines recur (the same diagnosis every month, the same fee on the
#: same day of the month for many patients): their encoded lines are cached
_REPEATING = (
    med.SYRecord,
    med.SNRecord,
    med.SIRecord,
    med.MedicalIYRecord,
    pha.SHRecord,
    pha.PharmacyIYRecord,
)
_LINES: dict[tuple[Any, ...], bytes] = {}
_LINES_LIMIT = 100_000


def encode(records: list[Any]) -> bytes:
    """``write_records(records)``, with the lines of repeating records cached."""
    out: list[bytes] = []
    pending: list[Any] = []
    for record in records:
        if not isinstance(record, _REPEATING):
            pending.append(record)
            continue
        if pending:
            out.append(write_records(pending))
            pending = []
        key = (record.TYPE, *(getattr(record, c.attr) for c in record.COLUMNS))
        line = _LINES.get(key)
        if line is None:
            if len(_LINES) > _LINES_LIMIT:
                _LINES.clear()
            line = _LINES[key] = write_records([record])
        out.append(line)
    if pending:
        out.append(write_records(pending))
    return b"".join(out)


def _days(counts: dict[int, int]) -> tuple[int | None, ...]:
    return tuple(counts.get(d) for d in range(1, DAY_COUNT + 1))


def _insurance(ident: Identity, days: int, points: int) -> list[Any]:
    cov = ident.coverage
    if cov is None:
        return []
    ho = med.HORecord(
        0,
        cov.insurer,
        full_width_digits(cov.symbol) or None,
        full_width_digits(cov.number),
        days,
        points,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
    )
    sn = med.SNRecord(0, "1", "01", None, None, None, ident.branch or None, None, None)
    return [ho, sn]


def _public(expenses: Iterable[PublicExpense], days: int, points: int) -> list[Any]:
    return [
        med.KORecord(
            0, p.payer, p.recipient, None, days, points, None, None, None, None, None, None
        )
        for p in expenses
    ]


def _diagnoses(diagnoses: list[Diagnosis], first: date, last: date) -> list[med.SYRecord]:
    out = []
    for dx in diagnoses:
        if not dx.active_in(first, last):
            continue
        ended = dx.end is not None and dx.end <= last
        disease = dx.disease
        out.append(
            med.SYRecord(
                0,
                disease.code,
                dx.start,
                dx.outcome if ended else "1",
                "".join(disease.modifiers) or None,
                None if disease.coded else disease.name,
                "01" if dx.main else None,
                None,
            )
        )
    return out


class MedicalReceipt:
    """One 医科 receipt being assembled from visits (or an admission) in one month."""

    def __init__(self, catalog: Catalog, facility: Facility, month: date) -> None:
        self.catalog = catalog
        self.facility = facility
        self.month = month
        self.last = schedule.month_end(month)
        self.acts: dict[tuple[str, str], dict[int, int]] = defaultdict(dict)
        self.drugs: list[tuple[Drug, str, int, int]] = []  # drug, category, amount days, day
        self.injections: dict[str, tuple[Drug, str, dict[int, int]]] = {}
        self.days: set[int] = set()

    def add_visit(self, visit: Visit) -> None:
        self.days.add(visit.day.day)
        for act in visit.acts:
            self._act(act.key, visit.day, act.count)
        rx = visit.prescription
        if rx is not None and rx.pharmacy is None:
            self._in_house(rx)

    def add_admission(self, adm: Admission) -> None:
        first = max(adm.start, self.month)
        last = min(adm.end, self.last)
        for offset in range((last - first).days + 1):
            self.days.add(first.day + offset)
        for act in adm.acts:
            if self.month <= act.day <= self.last:
                self._act(act.key, act.day, act.count)
        for day, drug, amount in adm.injections:
            if self.month <= day <= self.last:
                entry = self.injections.setdefault(drug.code, (drug, amount, {}))
                entry[2][day.day] = entry[2].get(day.day, 0) + 1
        for panel in adm.labs:
            if self.month <= panel.day <= self.last:
                for result in panel.results:
                    if result.test.act:
                        self._act(result.test.act, panel.day, 1)

    def _act(self, key: str, day: date, count: int) -> None:
        act = self.catalog.act(key)
        if act is None:
            return
        per_day = self.acts[(act.category, key)]
        per_day[day.day] = per_day.get(day.day, 0) + count

    def _in_house(self, rx: Prescription) -> None:
        for rp in rx.rps:
            category = "22" if rp.as_needed else "21"
            for drug in rp.drugs:
                self.drugs.append((drug, category, rp.days, rx.day.day))

    def records(self) -> tuple[list[Any], int]:
        """The SI/IY records and the total points."""
        out: list[Any] = []
        total = 0
        for (category, key), per_day in sorted(self.acts.items()):
            act = self.catalog.act(key)
            assert act is not None
            count = sum(per_day.values())
            out.append(
                med.SIRecord(
                    0,
                    category,
                    "1",
                    act.code,
                    None,
                    act.points,
                    count,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    _days(per_day),
                )
            )
            total += act.points * count
        for drug, category, days, day in self.drugs:
            amount = Decimal(drug.daily)
            points = max(1, int(amount * _DRUG_POINTS))
            out.append(
                med.MedicalIYRecord(
                    0,
                    category,
                    "1",
                    drug.code,
                    amount,
                    points,
                    days,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    _days({day: days}),
                )
            )
            total += points * days
        for drug, dose, per_day in self.injections.values():
            count = sum(per_day.values())
            out.append(
                med.MedicalIYRecord(
                    0,
                    "33",
                    "1",
                    drug.code,
                    Decimal(dose),
                    110,
                    count,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    _days(per_day),
                )
            )
            total += 110 * count
        return out, total


def medical_receipt(
    reg: Registration,
    receipt: MedicalReceipt,
    diagnoses: list[Diagnosis],
    expenses: list[PublicExpense],
    special: str,
    admission: Admission | None,
) -> tuple[bytes, int, Identity]:
    """The bytes of one 医科 receipt (receipt number 0), its points and the identity used."""
    first_day = min(receipt.days) if receipt.days else 1
    ident = reg.identity(receipt.month.replace(day=first_day))
    body, total = receipt.records()
    days = len(receipt.days)
    cov = ident.coverage
    person = reg.person
    kind = receipt_type(
        person,
        receipt.month,
        cov.insured if cov else True,
        bool(cov and cov.kind == "kouki"),
        len(expenses),
        admission is not None,
    )
    columns: dict[str, Any] = dict.fromkeys(c.attr for c in med.MedicalRERecord.COLUMNS)
    columns.update(
        receipt_number=0,
        receipt_type=kind,
        service_month=receipt.month,
        name=ident.name.kanji,
        sex=person.sex_code,
        birth_date=ident.birth,
        admission_date=admission.start if admission else None,
        special_notes=special or None,
        chart_number=reg.local_id,
        kana_name=ident.name.kana,
    )
    head = med.MedicalRERecord(line=0, **columns)
    records: list[Any] = [
        head,
        *_insurance(ident, days, total),
        *_public(expenses, days, total),
        *_diagnoses(diagnoses, receipt.month, receipt.last),
        *body,
    ]
    return encode(records), total, ident


def pharmacy_receipt(
    reg: Registration,
    pharmacy: Facility,
    prescriber: Facility,
    month: date,
    prescriptions: list[Prescription],
    expenses: list[PublicExpense],
) -> tuple[bytes, int, Identity]:
    """The bytes of one 調剤 receipt: the prescriptions of one prescriber filled this month."""
    first = min(rx.dispensed or rx.day for rx in prescriptions)
    ident = reg.identity(first)
    person = reg.person
    cov = ident.coverage
    body: list[Any] = []
    groups: dict[tuple[str, tuple[str, ...]], tuple[Any, list[Any], list[Any]]] = {}
    for rx in prescriptions:
        for rp in rx.rps:
            key = (rp.usage.code, tuple(d.code for d in rp.drugs))
            if key not in groups:
                form = "3" if rp.as_needed else "1"
                sh = pha.SHRecord(0, str(len(groups) + 1), form, rp.usage.code, None)
                iys = [pha.PharmacyIYRecord(0, "1", d.code, Decimal(d.daily)) for d in rp.drugs]
                groups[key] = (sh, [], iys)
            czs = groups[key][1]
            dispensed = rx.dispensed or rx.day
            czs.append(pha.CZRecord(0, "1", rx.day, dispensed, len(czs) + 1, rp.days))
    days = len({(rx.dispensed or rx.day) for rx in prescriptions})
    total = 0
    for sh, czs, iys in groups.values():
        body += [sh, *czs, *iys]
        total += 45 * len(czs) + sum(int(Decimal(i.amount or 0)) for i in iys) * sum(
            c.quantity or 0 for c in czs
        )
    doctor = prescriber.doctor(prescriptions[0].department)
    kind = receipt_type(
        person,
        month,
        cov.insured if cov else True,
        bool(cov and cov.kind == "kouki"),
        len(expenses),
        False,
        pharmacy=True,
    )
    head = pha.PharmacyRERecord(
        0,
        0,
        kind,
        month,
        ident.name.kanji,
        person.sex_code,
        ident.birth,
        None,
        None,
        None,
        prescriber.prefecture,
        prescriber.table,
        prescriber.code7,
        doctor.name,
        reg.local_id,
        None,
        None,
        None,
        ident.name.kana,
        None,
    )
    records = [head, *_insurance(ident, days, total), *_public(expenses, days, total), *body]
    return encode(records), total, ident
