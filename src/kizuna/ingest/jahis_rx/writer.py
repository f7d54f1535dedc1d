"""Writer of the JAHIS prescription 2D symbol text: :class:`RxPrescription` -> bytes.

``write(rx)`` gives the Ver.1.10 layout in CP932 with CRLF (``write(rx, "utf-8")`` for
UTF-8), records in the order the standard prescribes: header, 1-82, then per RP the
101-181 group followed by each drug's 201-281 records. Dates are written western.
Text must not hold commas or line breaks (commas become full-width).
"""

from __future__ import annotations

from kizuna.ingest.jahis_rx.records import Drug, Insurance, Patient, Rp, RxPrescription
from kizuna.ingest.jahis_tc import csvtext as ct

_d = ct.format_date
_n = ct.format_decimal


def write(rx: RxPrescription, encoding: str = "cp932") -> bytes:
    return ct.encode(lines(rx), encoding)


def lines(rx: RxPrescription) -> list[str]:
    out = [rx.version, *_facility(rx)]
    out += _patient(rx.patient)
    if rx.insurance is not None:
        out += _insurance(rx.insurance)
    for pe in rx.public_expenses:
        out.append(_rec({1: "27", 2: "28", 3: "29", 4: "30"}[pe.order], pe.payer, pe.recipient))
    if rx.receipt_kind:
        out.append(_rec("31", rx.receipt_kind))
    out.append(_rec("51", _d(rx.issue_date)))
    if rx.expiry_date:
        out.append(_rec("52", _d(rx.expiry_date)))
    if rx.has_narcotic:
        out.append(_rec("61", rx.narcotic_license, rx.narcotic_address, rx.narcotic_phone))
    if rx.remaining_flag:
        out.append(_rec("62", rx.remaining_flag))
    if rx.split_total is not None and rx.split_number is not None:
        out.append(_rec("63", str(rx.split_total), str(rx.split_number)))
    if rx.refill_count is not None:
        out.append(_rec("64", str(rx.refill_count)))
    out += [_rec("81", str(r.seq), r.kind, r.text) for r in rx.remarks]
    if rx.number:
        out.append(_rec("82", rx.number_kind, rx.number))
    for rp in rx.rps:
        out += _rp(rp)
    return out


def _rec(record: str, *fields: str) -> str:
    return ct.join_fields(record, *(f.replace(",", "，").replace("\n", " ") for f in fields))


def _facility(rx: RxPrescription) -> list[str]:
    f = rx.facility
    out = [_rec("1", f.code_kind, f.code, f.prefecture, f.name)]
    if f.has_address:
        out.append(_rec("2", f.postal_code, f.address))
    if f.has_phone:
        out.append(_rec("3", f.phone, f.fax, f.other_contact))
    if f.has_department:
        out.append(_rec("4", f.department_code_type, f.department_code, f.department))
    out.append(_rec("5", rx.doctor.code, rx.doctor.kana, rx.doctor.name))
    return out


def _patient(p: Patient) -> list[str]:
    out = [_rec("11", p.code, p.name, p.kana)]
    if p.sex:
        out.append(_rec("12", p.sex))
    if p.birth_date:
        out.append(_rec("13", p.birth_date.replace("-", "")))
    if p.burden_class:
        out.append(_rec("14", p.burden_class))
    return out


def _insurance(i: Insurance) -> list[str]:
    out = [_rec("21", i.kind)] if i.has_kind else []
    out.append(_rec("22", i.insurer))
    out.append(_rec("23", i.symbol, i.number, i.relation, i.branch))
    if i.has_rates:
        out.append(_rec("24", _opt(i.patient_rate), _opt(i.benefit_rate)))
    if i.occupational:
        out.append(_rec("25", i.occupational))
    return out


def _rp(rp: Rp) -> list[str]:
    out = [_rec("101", str(rp.number), rp.form, rp.form_name, str(rp.quantity))]
    if rp.split_quantity is not None or rp.split_total is not None:
        out.append(_rec("102", str(rp.number), _opt(rp.split_quantity), _opt(rp.split_total)))
    out.append(
        _rec(
            "111",
            str(rp.number),
            rp.usage_code_type,
            rp.usage_code,
            rp.usage,
            _opt(rp.times_per_day),
        )
    )
    out += [
        _rec("181", str(rp.number), str(s.seq), s.kind, s.text, s.code, s.site_code)
        for s in rp.supplements
    ]
    for drug in rp.drugs:
        out += _drug(drug)
    return out


def _drug(d: Drug) -> list[str]:
    key = (str(d.rp), str(d.seq))
    out = [
        _rec("201", *key, d.info_kind, d.code_type, d.code, d.name, _n(d.dose), d.potency, d.unit)
    ]
    if d.unit_factor is not None:
        out.append(_rec("211", *key, _n(d.unit_factor)))
    if d.uneven_doses:
        doses = (d.uneven_doses + [""] * 5)[:5]
        codes = (d.uneven_codes + [""] * 5)[:5]
        out.append(_rec("221", *key, *doses, *codes))
    if d.burden is not None:
        out.append(_rec("231", *key, *(d.burden + [""] * 4)[:4]))
    if d.once_dose:
        out.append(_rec("241", *key, d.once_dose, _opt(d.times_per_day)))
    out += [_rec("281", *key, str(s.seq), s.kind, s.text, s.code) for s in d.supplements]
    return out


def _opt(value: int | None) -> str:
    return "" if value is None else str(value)
