"""Writer of the JAHIS e-medication notebook CSV: :class:`TcDocument` -> bytes.

``write(doc)`` gives CP932 with CRLF, as the standard says; ``write(doc, "utf-8")`` gives
the UTF-8 variant some apps export. Dates are written western (``YYYYMMDD``). Text must
not hold commas or line breaks (the standard replaces commas by full-width ones, which
this writer does), and leading or trailing spaces are not kept by readers.
"""

from __future__ import annotations

from kizuna.ingest.jahis_tc import csvtext as ct
from kizuna.ingest.jahis_tc.records import (
    Dispensing,
    Drug,
    OtcDrug,
    PatientInfo,
    Prescription,
    Rp,
    TcDocument,
)

_d = ct.format_date
_n = ct.format_decimal


def write(doc: TcDocument, encoding: str = "cp932") -> bytes:
    """The export as bytes in ``encoding`` ("cp932" or "utf-8")."""
    return ct.encode(lines(doc), encoding)


def lines(doc: TcDocument) -> list[str]:
    out = [f"{doc.version},{doc.output_category}", _patient(doc.patient)]
    out += [_rec("2", n.kind, n.text, n.creator) for n in doc.notes]
    for otc in doc.otc_drugs:
        out += _otc(otc)
    out += [_rec("4", m.text, _d(m.entered), m.creator) for m in doc.memos]
    for disp in doc.dispensings:
        out += _dispensing(disp)
    out += [
        _rec("701", r.name, r.pharmacy_name, r.contact, _d(r.start), _d(r.end), r.creator)
        for r in doc.regular_pharmacists
    ]
    if doc.split is not None:
        out.append(_rec("911", doc.split.data_id, str(doc.split.total), str(doc.split.part)))
    return out


def _rec(record: str, *fields: str) -> str:
    return ct.join_fields(record, *(_clean(f) for f in fields))


def _clean(text: str) -> str:
    return text.replace(",", "，").replace("\r", " ").replace("\n", " ")


def _patient(p: PatientInfo) -> str:
    return _rec(
        "1",
        p.name,
        p.sex,
        _d(p.birth_date),
        p.postal_code,
        p.address,
        p.phone,
        p.emergency_contact,
        p.blood_type,
        _n(p.weight),
        p.kana,
    )


def _otc(otc: OtcDrug) -> list[str]:
    out = [_rec("3", otc.name, _d(otc.start), _d(otc.end), otc.creator, otc.seq, otc.jan)]
    out += [_rec("31", i.otc_seq, i.name, i.code_type, i.code, i.creator) for i in otc.ingredients]
    return out


def _dispensing(disp: Dispensing) -> list[str]:
    out = [_rec("5", _d(disp.date), disp.creator)]
    if (ph := disp.pharmacy) is not None:
        out.append(
            _rec(
                "11",
                ph.name,
                ph.prefecture,
                ph.table,
                ph.code,
                ph.postal_code,
                ph.address,
                ph.phone,
                ph.creator,
            )
        )
    if (pc := disp.pharmacist) is not None:
        out.append(_rec("15", pc.name, pc.contact, pc.creator))
    previous: Prescription | None = None
    for prescription in disp.prescriptions:
        out += _prescription(prescription, previous)
        previous = prescription
    out += [_rec("401", n.text, n.creator) for n in disp.cautions]
    out += [_rec("411", i.text, i.kind, i.creator) for i in disp.provided_info]
    out += [_rec("421", n.text, n.creator) for n in disp.remaining]
    out += [_rec("501", n.text, n.creator) for n in disp.remarks]
    out += [_rec("601", e.text, _d(e.entered)) for e in disp.patient_entries]
    return out


def _prescription(p: Prescription, previous: Prescription | None) -> list[str]:
    out = []
    same_facility = previous is not None and previous.facility == p.facility
    if p.facility is not None and not (p.doctor is not None and same_facility):
        f = p.facility
        out.append(_rec("51", f.name, f.prefecture, f.table, f.code, f.creator))
    if p.doctor is not None:
        out.append(_rec("55", p.doctor.name, p.doctor.department, p.doctor.creator))
    for rp in p.rps:
        out += _rp(rp)
    return out


def _rp(rp: Rp) -> list[str]:
    out = []
    for drug in rp.drugs:
        out += _drug(drug)
    if (u := rp.usage) is not None:
        out.append(
            _rec(
                "301",
                str(rp.number),
                u.name,
                _n(u.quantity),
                u.unit,
                u.form_code,
                u.code_type,
                u.code,
                u.creator,
            )
        )
    out += [_rec("311", str(rp.number), n.text, n.creator) for n in rp.usage_supplements]
    out += [_rec("391", str(rp.number), n.text, n.creator) for n in rp.cautions]
    return out


def _drug(d: Drug) -> list[str]:
    fields = [str(d.rp), d.name, _n(d.dose), d.unit, d.code_type, d.code, d.creator]
    if d.generic_name or d.generic_code_type or d.generic_code:
        fields += [d.generic_name, d.generic_code_type, d.generic_code]
    out = [_rec("201", *fields)]
    out += [_rec("281", str(d.rp), n.text, n.creator) for n in d.supplements]
    out += [_rec("291", str(d.rp), n.text, n.creator) for n in d.cautions]
    return out
