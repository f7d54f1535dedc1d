"""Parser of the JAHIS prescription 2D symbol text (院外処方箋 2次元シンボル, JAHIS10).

The layout is JAHIS 院外処方箋2次元シンボル記録条件規約 Ver.1.10. One file (or one symbol
payload) is one prescription; :func:`parse` returns it or raises :class:`ParseError`
naming the line, record and field. Record numbers the layout does not define are skipped
and listed in :attr:`ParsedRx.unknown_records` (the mapper turns them into warnings).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from kizuna.ingest.base import Location, ParseError
from kizuna.ingest.jahis_rx.records import (
    Doctor,
    Drug,
    DrugSupplement,
    Facility,
    Insurance,
    Patient,
    PublicExpense,
    Remark,
    Rp,
    RxPrescription,
    UsageSupplement,
)
from kizuna.ingest.jahis_tc import csvtext as ct
from kizuna.ingest.jahis_tc.csvtext import Line

_VERSION = re.compile(r"JAHIS\d{1,2}")
_BIRTH = re.compile(r"\d{3,8}")
_CODE7 = re.compile(r"[0-9]{7}")
_PREF = re.compile(r"[0-9]{2}")

SEXES = frozenset({"1", "2"})
FACILITY_KINDS = frozenset({"1", "3", "6"})
DRUG_CODE_TYPES = frozenset({"1", "2", "3", "4", "5", "6", "7", "8"})
INFO_KINDS = frozenset({"1", "2", "3"})
POTENCY = frozenset({"1", "2"})
FORMS = frozenset({"1", "2", "3", "4", "5", "6", "9"})
USAGE_CODE_TYPES = frozenset({"1", "2", "3", "4", "5", "6", "7", "8"})
RELATIONS = frozenset({"1", "2"})
SINGLE_RECORDS = frozenset(
    {
        "1",
        "2",
        "3",
        "4",
        "5",
        "11",
        "12",
        "13",
        "14",
        "21",
        "22",
        "23",
        "24",
        "25",
        "27",
        "28",
        "29",
        "30",
        "31",
        "51",
        "52",
        "61",
        "62",
        "63",
        "64",
        "82",
    }
)


@dataclass(slots=True)
class ParsedRx:
    prescription: RxPrescription
    unknown_records: list[Location] = field(default_factory=list)
    encoding: str = "cp932"


def parse(data: bytes, file: str = "<bytes>") -> RxPrescription:
    """The prescription in ``data``; :class:`ParseError` on any problem."""
    return read(data, file).prescription


def read(data: bytes, file: str = "<bytes>") -> ParsedRx:
    text, encoding = ct.decode(data, file)
    numbered = ct.split_lines(text)
    if not numbered:
        raise ParseError("file is empty", Location(file, line=1, segment="header"))
    lines = [ct.to_line(n, t) for n, t in numbered]
    header = lines[0]
    if not _VERSION.fullmatch(header.text.strip()):
        raise ParseError(
            "first line is not a JAHISnn version record", ct.where(file, header, "version")
        )
    builder = _Builder(file, header.text.strip())
    for line in lines[1:]:
        builder.add(line)
    return ParsedRx(builder.finish(header), builder.unknown, encoding)


class _Builder:
    def __init__(self, file: str, version: str) -> None:
        self.file = file
        self.version = version
        self.seen: set[str] = set()
        self.unknown: list[Location] = []
        self.facility: Facility | None = None
        self.doctor: Doctor | None = None
        self.patient = Patient()
        self.insurance = Insurance()
        self.has_insurance = False
        self.issue: date | None = None
        self.rx_fields: dict[str, object] = {}
        self.public: list[PublicExpense] = []
        self.remarks: list[Remark] = []
        self.rps: dict[int, Rp] = {}
        self.drugs: dict[tuple[int, int], Drug] = {}
        self._handlers: dict[str, Callable[[Line], None]] = {
            "1": self._r1,
            "2": self._r2,
            "3": self._r3,
            "4": self._r4,
            "5": self._r5,
            "11": self._r11,
            "12": self._r12,
            "13": self._r13,
            "14": self._r14,
            "21": self._r21,
            "22": self._r22,
            "23": self._r23,
            "24": self._r24,
            "25": self._r25,
            "27": self._public,
            "28": self._public,
            "29": self._public,
            "30": self._public,
            "31": self._r31,
            "51": self._r51,
            "52": self._r52,
            "61": self._r61,
            "62": self._r62,
            "63": self._r63,
            "64": self._r64,
            "81": self._r81,
            "82": self._r82,
            "101": self._r101,
            "102": self._r102,
            "111": self._r111,
            "181": self._r181,
            "201": self._r201,
            "211": self._r211,
            "221": self._r221,
            "231": self._r231,
            "241": self._r241,
            "281": self._r281,
        }

    # -- helpers ---------------------------------------------------------------------------

    def err(self, line: Line, reason: str, field: str | None = None) -> ParseError:
        return ParseError(reason, ct.where(self.file, line, field))

    def add(self, line: Line) -> None:
        handler = self._handlers.get(line.record)
        if handler is None:
            self.unknown.append(ct.where(self.file, line, "record number"))
            return
        if line.record in SINGLE_RECORDS:
            if line.record in self.seen:
                raise self.err(line, f"record {line.record} may appear only once")
            self.seen.add(line.record)
        handler(line)

    def _fac(self, line: Line) -> Facility:
        if self.facility is None:
            raise self.err(line, "facility record 1 must come first")
        return self.facility

    def _int(self, line: Line, index: int, name: str, required: bool = True) -> int | None:
        value = ct.parse_int(self.file, line, index, name)
        if value is None and required:
            raise self.err(line, f"{name} is required", name)
        return value

    def _req(self, line: Line, index: int, name: str) -> str:
        return ct.required(self.file, line, index, name)

    def _of(self, line: Line, index: int, name: str, allowed: frozenset[str]) -> str:
        return ct.one_of(self.file, line, index, name, allowed)

    def _rp(self, line: Line) -> Rp:
        number = self._int(line, 1, "RP number")
        rp = self.rps.get(number or 0)
        if rp is None:
            raise self.err(line, "RP number has no dosage-form record 101", "RP number")
        return rp

    def _drug(self, line: Line) -> Drug:
        rp = self._int(line, 1, "RP number") or 0
        seq = self._int(line, 2, "drug sequence") or 0
        drug = self.drugs.get((rp, seq))
        if drug is None:
            raise self.err(line, "no drug record 201 has this RP and sequence", "drug sequence")
        return drug

    # -- facility and doctor ---------------------------------------------------------------

    def _r1(self, line: Line) -> None:
        code = self._req(line, 2, "facility code")
        if not _CODE7.fullmatch(code):
            raise self.err(line, "facility code is not 7 digits", "facility code")
        pref = self._req(line, 3, "prefecture")
        if not _PREF.fullmatch(pref) or not 1 <= int(pref) <= 47:
            raise self.err(line, "prefecture is not 01-47", "prefecture")
        kind = self._of(line, 1, "facility code kind", FACILITY_KINDS)
        self.facility = Facility(code, pref, kind, line.get(4))

    def _r2(self, line: Line) -> None:
        fac = self._fac(line)
        fac.postal_code, fac.address, fac.has_address = line.get(1), line.get(2), True

    def _r3(self, line: Line) -> None:
        fac = self._fac(line)
        fac.phone, fac.fax, fac.other_contact = line.get(1), line.get(2), line.get(3)
        fac.has_phone = True

    def _r4(self, line: Line) -> None:
        fac = self._fac(line)
        fac.department_code_type = self._of(line, 1, "department code type", frozenset("12345678"))
        fac.department_code, fac.department = line.get(2), line.get(3)
        fac.has_department = True

    def _r5(self, line: Line) -> None:
        self.doctor = Doctor(self._req(line, 3, "doctor name"), line.get(1), line.get(2))

    # -- patient and insurance -------------------------------------------------------------

    def _r11(self, line: Line) -> None:
        p = self.patient
        p.code, p.name, p.kana = line.get(1), line.get(2), line.get(3)
        if not p.name and not p.kana:
            raise self.err(line, "patient name (kanji or kana) is required", "patient name")

    def _r12(self, line: Line) -> None:
        self.patient.sex = self._of(line, 1, "sex", SEXES) or self._missing(line, "sex")

    def _r13(self, line: Line) -> None:
        value = self._req(line, 1, "birth date")
        try:
            self.patient.birth_date = partial_date(value)
        except ValueError:
            raise self.err(line, "birth date is not a valid date", "birth date") from None

    def _r14(self, line: Line) -> None:
        self.patient.burden_class = self._of(line, 1, "burden class", frozenset("12345"))

    def _r21(self, line: Line) -> None:
        self.insurance.kind = self._of(line, 1, "insurance kind", frozenset("1234567"))
        self.insurance.has_kind = True
        self.has_insurance = True

    def _r22(self, line: Line) -> None:
        value = line.get(1)
        if value and (not value.isascii() or len(value) > 14):
            raise self.err(line, "insurer number is not up to 14 characters", "insurer number")
        self.insurance.insurer = value
        self.has_insurance = True

    def _r23(self, line: Line) -> None:
        ins = self.insurance
        ins.symbol, ins.number = line.get(1), line.get(2)
        ins.relation = self._of(line, 3, "insured relation", RELATIONS)
        branch = line.get(4)
        if branch and not (branch.isascii() and branch.isalnum() and len(branch) <= 2):
            raise self.err(line, "branch number is not up to 2 letters or digits", "branch")
        ins.branch = branch.zfill(2) if branch else ""
        self.has_insurance = True

    def _r24(self, line: Line) -> None:
        self.insurance.patient_rate = self._int(line, 1, "patient burden rate")
        self.insurance.benefit_rate = self._int(line, 2, "benefit rate")
        self.insurance.has_rates = True
        self.has_insurance = True

    def _r25(self, line: Line) -> None:
        self.insurance.occupational = self._of(line, 1, "occupational reason", frozenset("123"))
        self.has_insurance = True

    def _public(self, line: Line) -> None:
        order = {"27": 1, "28": 2, "29": 3, "30": 4}[line.record]
        payer = self._req(line, 1, "public expense payer number")
        recipient = line.get(2)
        if order < 4 and not (payer.isascii() and payer.isdigit() and len(payer) == 8):
            raise self.err(line, "payer number is not 8 digits", "public expense payer number")
        if order < 4 and recipient and not (recipient.isdigit() and len(recipient) == 7):
            raise self.err(line, "recipient number is not 7 digits", "recipient number")
        self.public.append(PublicExpense(order, payer, recipient))

    def _r31(self, line: Line) -> None:
        self.rx_fields["receipt_kind"] = self._req(line, 1, "receipt kind")

    # -- prescription-level ----------------------------------------------------------------

    def _date(self, line: Line, name: str) -> date:
        value = ct.parse_date(self.file, line, 1, name)
        if value is None:
            raise self.err(line, f"{name} is required", name)
        return value

    def _r51(self, line: Line) -> None:
        self.issue = self._date(line, "issue date")

    def _r52(self, line: Line) -> None:
        self.rx_fields["expiry_date"] = self._date(line, "expiry date")

    def _r61(self, line: Line) -> None:
        self.rx_fields.update(
            narcotic_license=line.get(1),
            narcotic_address=line.get(2),
            narcotic_phone=line.get(3),
            has_narcotic=True,
        )

    def _r62(self, line: Line) -> None:
        self.rx_fields["remaining_flag"] = self._of(
            line, 1, "remaining-drug flag", frozenset("12")
        ) or self._missing(line, "remaining-drug flag")

    def _r63(self, line: Line) -> None:
        total = self._int(line, 1, "split count")
        number = self._int(line, 2, "split number")
        if total is None or number is None or not 1 <= number <= total:
            raise self.err(
                line, "split number must be between 1 and the split count", "split number"
            )
        self.rx_fields.update(split_total=total, split_number=number)

    def _r64(self, line: Line) -> None:
        self.rx_fields["refill_count"] = self._int(line, 1, "refill count")

    def _r81(self, line: Line) -> None:
        seq = self._int(line, 1, "remark sequence") or 0
        self.remarks.append(Remark(seq, line.get(2), self._req(line, 3, "remark")))

    def _r82(self, line: Line) -> None:
        number = self._req(line, 2, "prescription number")
        if not number.isdigit():
            raise self.err(line, "prescription number is not digits", "prescription number")
        self.rx_fields.update(number_kind=self._req(line, 1, "number kind"), number=number)

    # -- RPs and drugs ---------------------------------------------------------------------

    def _r101(self, line: Line) -> None:
        number = self._int(line, 1, "RP number") or 0
        if number in self.rps:
            raise self.err(line, "RP number appears twice in record 101", "RP number")
        form = self._of(line, 2, "dosage form", FORMS) or self._missing(line, "dosage form")
        quantity = self._int(line, 4, "dispensed quantity") or 0
        self.rps[number] = Rp(number, form, quantity, line.get(3), line=line.number)

    def _r102(self, line: Line) -> None:
        rp = self._rp(line)
        rp.split_quantity = self._int(line, 2, "quantity per split")
        rp.split_total = self._int(line, 3, "total quantity")

    def _r111(self, line: Line) -> None:
        rp = self._rp(line)
        if rp.has_usage:
            raise self.err(line, "second usage record 111 for one RP", "RP number")
        rp.usage_code_type = self._of(line, 2, "usage code type", USAGE_CODE_TYPES)
        rp.usage_code = line.get(3)
        if rp.usage_code_type not in ("", "1") and not rp.usage_code:
            raise self.err(line, "usage code is required for its code type", "usage code")
        rp.usage = self._req(line, 4, "usage")
        rp.times_per_day = self._int(line, 5, "times per day", required=False)
        rp.has_usage = True

    def _r181(self, line: Line) -> None:
        rp = self._rp(line)
        seq = self._int(line, 2, "supplement sequence") or 0
        kind = line.get(3)
        supplement = UsageSupplement(
            seq, kind, self._req(line, 4, "usage supplement"), line.get(5), line.get(6)
        )
        if kind == "8" and not supplement.code:
            raise self.err(line, "supplementary usage code is required for kind 8", "code")
        rp.supplements.append(supplement)

    def _r201(self, line: Line) -> None:
        rp = self._rp(line)
        seq = self._int(line, 2, "drug sequence") or 0
        if (rp.number, seq) in self.drugs:
            raise self.err(line, "drug sequence appears twice in this RP", "drug sequence")
        code_type = self._of(line, 4, "drug code type", DRUG_CODE_TYPES)
        if not code_type:
            self._missing(line, "drug code type")
        code, name = line.get(5), line.get(6)
        if code_type in ("2", "3", "4", "6") and not code:
            raise self.err(line, "drug code is required for its code type", "drug code")
        if not name and not (code_type == "2" and code and code != "777770000"):
            raise self.err(line, "drug name is required", "drug name")
        dose = ct.parse_decimal(self.file, line, 7, "dose")
        if dose is None:
            raise self.err(line, "dose is required", "dose")
        drug = Drug(
            rp=rp.number,
            seq=seq,
            code_type=code_type,
            dose=dose,
            potency=self._of(line, 8, "potency flag", POTENCY)
            or self._missing(line, "potency flag"),
            unit=self._req(line, 9, "unit"),
            info_kind=self._of(line, 3, "information kind", INFO_KINDS),
            code=code,
            name=name,
            line=line.number,
        )
        rp.drugs.append(drug)
        self.drugs[(rp.number, seq)] = drug

    def _r211(self, line: Line) -> None:
        self._drug(line).unit_factor = ct.parse_decimal(self.file, line, 3, "unit factor")

    def _r221(self, line: Line) -> None:
        drug = self._drug(line)
        doses = [line.get(i) for i in range(3, 8)]
        if not doses[0] or not doses[1]:
            raise self.err(line, "first and second uneven doses are required", "uneven dose")
        drug.uneven_doses = _trim(doses)
        drug.uneven_codes = _trim([line.get(i) for i in range(8, 13)])

    def _r231(self, line: Line) -> None:
        drug = self._drug(line)
        values = [self._of(line, i, "burden flag", frozenset("01")) for i in range(3, 7)]
        drug.burden = values

    def _r241(self, line: Line) -> None:
        drug = self._drug(line)
        drug.once_dose = self._req(line, 3, "dose per time")
        drug.times_per_day = self._int(line, 4, "times per day", required=False)

    def _r281(self, line: Line) -> None:
        drug = self._drug(line)
        seq = self._int(line, 3, "supplement sequence") or 0
        kind = line.get(4)
        supplement = DrugSupplement(seq, kind, self._req(line, 5, "drug supplement"), line.get(6))
        if kind == "7" and not supplement.code:
            raise self.err(line, "supplementary usage code is required for kind 7", "code")
        drug.supplements.append(supplement)

    def _missing(self, line: Line, name: str) -> str:
        raise self.err(line, f"{name} is required", name)

    # -- the whole -------------------------------------------------------------------------

    def finish(self, header: Line) -> RxPrescription:
        def missing(what: str) -> ParseError:
            return ParseError(
                f"required {what} is missing", Location(self.file, line=header.number, segment=what)
            )

        if self.facility is None:
            raise missing("record 1 (facility)")
        if self.doctor is None:
            raise missing("record 5 (doctor)")
        if not (self.patient.name or self.patient.kana):
            raise missing("record 11 (patient name)")
        if self.issue is None:
            raise missing("record 51 (issue date)")
        if not self.rps:
            raise missing("record 101 (RP)")
        for rp in self.rps.values():
            where = Location(self.file, line=rp.line, segment="101", field="RP number")
            if not rp.has_usage:
                raise ParseError(f"RP {rp.number} has no usage record 111", where)
            if not rp.drugs:
                raise ParseError(f"RP {rp.number} has no drug record 201", where)
        rx = RxPrescription(
            self.version,
            self.facility,
            self.doctor,
            self.patient,
            self.issue,
            insurance=self.insurance if self.has_insurance else None,
            public_expenses=self.public,
            remarks=self.remarks,
            rps=list(self.rps.values()),
        )
        for name, value in self.rx_fields.items():
            setattr(rx, name, value)
        return rx


def partial_date(value: str) -> str:
    """Birth date forms of record 13 as a FHIR date (YYYY, YYYY-MM or YYYY-MM-DD)."""
    if not _BIRTH.fullmatch(value):
        raise ValueError("not digits")
    if len(value) in (7, 5, 3):
        year = ct.ERA_START[value[0]] + int(value[1:3]) - 1 if value[0] in "12345" else 0
        if not year or value[1:3] == "00":
            raise ValueError("bad era")
        rest = value[3:]
    elif len(value) in (8, 6, 4):
        year, rest = int(value[:4]), value[4:]
    else:
        raise ValueError("bad length")
    if len(rest) == 4:
        return ct.to_date(f"{year:04d}{rest}").isoformat()
    if len(rest) == 2:
        month = int(rest)
        if not 1 <= month <= 12 or year < 1:
            raise ValueError("bad month")
        return f"{year:04d}-{month:02d}"
    if year < 1:
        raise ValueError("bad year")
    return f"{year:04d}"


def _trim(values: list[str]) -> list[str]:
    while values and not values[-1]:
        values.pop()
    return values
