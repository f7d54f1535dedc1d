"""Parser of the JAHIS e-medication notebook CSV (電子版お薬手帳, JAHISTC07/08).

:func:`parse` is strict: the first problem raises :class:`ParseError`. :func:`read` is
what the adapter uses: a file may hold several exports (each starting with its
``JAHISTCnn`` header), and inside an export a bad dispensing block becomes a
:class:`BadBlock` while the other blocks still parse.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from kizuna.ingest.base import Location, ParseError
from kizuna.ingest.jahis_tc import csvtext as ct
from kizuna.ingest.jahis_tc.csvtext import Line
from kizuna.ingest.jahis_tc.records import (
    Dispensing,
    Doctor,
    Drug,
    Memo,
    Note,
    OtcDrug,
    OtcIngredient,
    PatientEntry,
    PatientInfo,
    PatientNote,
    Pharmacist,
    Pharmacy,
    PrescribingFacility,
    Prescription,
    ProvidedInfo,
    RegularPharmacist,
    Rp,
    SplitInfo,
    TcDocument,
    Usage,
)

_HEADER = re.compile(r"JAHISTC\d{2}")
_DATA_ID = re.compile(r"\d{1,14}")

ROOT_RECORDS = frozenset({"1", "2", "3", "31", "4", "701", "911"})
BLOCK_RECORDS = frozenset(
    {
        "5",
        "11",
        "15",
        "51",
        "55",
        "201",
        "281",
        "291",
        "301",
        "311",
        "391",
        "401",
        "411",
        "421",
        "501",
        "601",
    }
)

CREATORS = frozenset({"1", "2", "8", "9"})
SEXES = frozenset({"1", "2"})
NOTE_KINDS = frozenset({"1", "2", "3", "9"})
DRUG_CODE_TYPES = frozenset({"1", "2", "3", "4", "5", "6"})
GENERIC_CODE_TYPES = frozenset({"1", "2"})
USAGE_CODE_TYPES = frozenset({"1", "2", "3", "4", "5", "6", "7", "8"})
FORM_CODES = frozenset({"1", "2", "3", "4", "5", "6", "7", "9", "10"})
PROVIDED_KINDS = frozenset({"30", "31", "99"})
DISPENSING_TABLES = frozenset({"1", "3", "4"})
PRESCRIBING_TABLES = frozenset({"1", "3"})


@dataclass(slots=True)
class BadBlock:
    """A dispensing block that could not be read, with its verbatim lines."""

    error: ParseError
    lines: list[str]


@dataclass(slots=True)
class ParsedTc:
    """One export read leniently: good dispensings in ``document``, bad ones apart."""

    document: TcDocument
    bad_blocks: list[BadBlock] = field(default_factory=list)
    unknown_records: list[Location] = field(default_factory=list)
    encoding: str = "cp932"
    lines: list[str] = field(default_factory=list)
    block_lines: list[list[str]] = field(default_factory=list)  # per good dispensing


@dataclass(slots=True)
class BadDocument:
    """An export whose header, patient or patient-level records could not be read."""

    error: ParseError
    lines: list[str]
    encoding: str = "cp932"


def parse(data: bytes, file: str = "<bytes>") -> TcDocument:
    """Exactly one export, strictly: any problem raises :class:`ParseError`."""
    results = read(data, file)
    if len(results) != 1:
        raise ParseError(f"expected one export, found {len(results)}", Location(file, line=1))
    result = results[0]
    if isinstance(result, BadDocument):
        raise result.error
    if result.bad_blocks:
        raise result.bad_blocks[0].error
    return result.document


def read(data: bytes, file: str = "<bytes>") -> list[ParsedTc | BadDocument]:
    """Every export in a file, each read leniently."""
    text, encoding = ct.decode(data, file)
    numbered = ct.split_lines(text)
    if not numbered:
        raise ParseError("file is empty", Location(file, line=1))
    out: list[ParsedTc | BadDocument] = []
    for chunk in _exports(file, numbered):
        lines = [ct.to_line(n, t) for n, t in chunk]
        try:
            parsed = _parse_export(file, lines)
        except ParseError as exc:
            out.append(BadDocument(exc, [t for _, t in chunk], encoding))
            continue
        parsed.encoding = encoding
        parsed.lines = [t for _, t in chunk]
        out.append(parsed)
    return out


def _exports(file: str, numbered: list[tuple[int, str]]) -> list[list[tuple[int, str]]]:
    first_number, first_text = numbered[0]
    if not _is_header(first_text):
        where = Location(file, line=first_number, segment="header", field="version")
        raise ParseError("first line is not a JAHISTCnn version record", where)
    chunks: list[list[tuple[int, str]]] = []
    for item in numbered:
        if _is_header(item[1]):
            chunks.append([])
        chunks[-1].append(item)
    return chunks


def _is_header(text: str) -> bool:
    return bool(_HEADER.match(text.split(",", 1)[0].strip()))


def _parse_export(file: str, lines: list[Line]) -> ParsedTc:
    header = lines[0]
    version = header.record
    if not _HEADER.fullmatch(version):
        raise ParseError("bad version record", ct.where(file, header, "version"))
    category = ct.one_of(file, header, 1, "output category", frozenset({"1", "2"}))
    if not category:
        raise ParseError("output category is required", ct.where(file, header, "output category"))
    root = _Root(file)
    blocks: list[list[Line]] = []
    unknown: list[Location] = []
    for line in lines[1:]:
        if line.record in ROOT_RECORDS:
            root.add(line)
        elif line.record == "5" or (line.record in BLOCK_RECORDS and not blocks):
            blocks.append([line])
        elif line.record in BLOCK_RECORDS:
            blocks[-1].append(line)
        else:
            unknown.append(ct.where(file, line, "record number"))
    if root.patient is None:
        raise ParseError("patient record 1 is missing", ct.where(file, header))
    doc = TcDocument(
        version,
        category,
        root.patient,
        root.notes,
        root.otc,
        root.memos,
        regular_pharmacists=root.regular,
        split=root.split,
    )
    parsed = ParsedTc(doc, unknown_records=unknown)
    for block in blocks:
        try:
            doc.dispensings.append(_Block(file).parse(block))
            parsed.block_lines.append([line.text for line in block])
        except ParseError as exc:
            parsed.bad_blocks.append(BadBlock(exc, [line.text for line in block]))
    return parsed


class _Root:
    """Patient-level records: 1, 2, 3/31, 4, 701 and 911."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.patient: PatientInfo | None = None
        self.notes: list[PatientNote] = []
        self.otc: list[OtcDrug] = []
        self.memos: list[Memo] = []
        self.regular: list[RegularPharmacist] = []
        self.split: SplitInfo | None = None
        self._handlers: dict[str, Callable[[Line], None]] = {
            "1": self._patient,
            "2": self._note,
            "3": self._otc,
            "31": self._ingredient,
            "4": self._memo,
            "701": self._regular,
            "911": self._split,
        }

    def add(self, line: Line) -> None:
        self._handlers[line.record](line)

    def _patient(self, line: Line) -> None:
        f = self.file
        if self.patient is not None:
            raise ParseError("patient record 1 appears twice", ct.where(f, line))
        birth = ct.parse_date(f, line, 3, "birth date")
        if birth is None:
            raise ParseError("birth date is required", ct.where(f, line, "birth date"))
        self.patient = PatientInfo(
            name=ct.required(f, line, 1, "name"),
            sex=_required_of(f, line, 2, "sex", SEXES),
            birth_date=birth,
            postal_code=line.get(4),
            address=line.get(5),
            phone=line.get(6),
            emergency_contact=line.get(7),
            blood_type=line.get(8),
            weight=ct.parse_decimal(f, line, 9, "weight"),
            kana=line.get(10),
        )

    def _note(self, line: Line) -> None:
        f = self.file
        self.notes.append(
            PatientNote(
                kind=_required_of(f, line, 1, "note kind", NOTE_KINDS),
                text=ct.required(f, line, 2, "note text"),
                creator=_creator(f, line, 3),
            )
        )

    def _otc(self, line: Line) -> None:
        f = self.file
        self.otc.append(
            OtcDrug(
                name=ct.required(f, line, 1, "OTC drug name"),
                start=ct.parse_date(f, line, 2, "start date"),
                end=ct.parse_date(f, line, 3, "end date"),
                creator=_creator(f, line, 4),
                seq=line.get(5),
                jan=line.get(6),
            )
        )

    def _ingredient(self, line: Line) -> None:
        f = self.file
        seq = ct.required(f, line, 1, "OTC sequence")
        parent = next((d for d in reversed(self.otc) if d.seq == seq), None)
        if parent is None:
            raise ParseError(
                "no preceding OTC drug record 3 has this sequence number",
                ct.where(f, line, "OTC sequence"),
            )
        code_type = line.get(3)
        code = line.get(4)
        if code_type not in ("", "1") and not code:
            raise ParseError(
                "ingredient code is required for its code type",
                ct.where(f, line, "ingredient code"),
            )
        parent.ingredients.append(
            OtcIngredient(
                seq,
                ct.required(f, line, 2, "ingredient name"),
                code_type,
                code,
                _creator(f, line, 5),
                line=line.number,
            )
        )

    def _memo(self, line: Line) -> None:
        f = self.file
        self.memos.append(
            Memo(
                ct.required(f, line, 1, "memo text"),
                ct.parse_date(f, line, 2, "entry date"),
                _creator(f, line, 3),
            )
        )

    def _regular(self, line: Line) -> None:
        f = self.file
        self.regular.append(
            RegularPharmacist(
                name=ct.required(f, line, 1, "pharmacist name"),
                pharmacy_name=line.get(2),
                contact=line.get(3),
                start=ct.parse_date(f, line, 4, "start date"),
                end=ct.parse_date(f, line, 5, "end date"),
                creator=_creator(f, line, 6),
            )
        )

    def _split(self, line: Line) -> None:
        f = self.file
        data_id = ct.required(f, line, 1, "data id")
        if not _DATA_ID.fullmatch(data_id):
            raise ParseError("data id is not up to 14 digits", ct.where(f, line, "data id"))
        total = ct.parse_int(f, line, 2, "total parts")
        part = ct.parse_int(f, line, 3, "part number")
        if total is None or part is None or not 1 <= part <= total:
            raise ParseError(
                "part number must be between 1 and the total number of parts",
                ct.where(f, line, "part number"),
            )
        self.split = SplitInfo(data_id, total, part)


class _Block:
    """One dispensing block: record 5 and the records up to the next 5."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.prescription: Prescription | None = None
        self.rps: dict[int, Rp] = {}
        self.last_drug: Drug | None = None

    def parse(self, lines: list[Line]) -> Dispensing:
        first = lines[0]
        if first.record != "5":
            raise ParseError(
                f"record {first.record} comes before any dispensing-date record 5",
                ct.where(self.file, first),
            )
        when = ct.parse_date(self.file, first, 1, "dispensing date")
        if when is None:
            raise ParseError(
                "dispensing date is required", ct.where(self.file, first, "dispensing date")
            )
        disp = Dispensing(when, _creator(self.file, first, 2), line=first.number)
        for line in lines[1:]:
            self._add(disp, line)
        return disp

    def _add(self, disp: Dispensing, line: Line) -> None:
        f = self.file
        rec = line.record
        if rec == "11":
            _once(f, line, disp.pharmacy)
            disp.pharmacy = _pharmacy(f, line)
        elif rec == "15":
            _once(f, line, disp.pharmacist)
            disp.pharmacist = Pharmacist(
                ct.required(f, line, 1, "name"), line.get(2), _creator(f, line, 3)
            )
        elif rec == "51":
            self._open(disp, Prescription(facility=_prescriber(f, line)))
        elif rec == "55":
            self._doctor(
                disp,
                Doctor(ct.required(f, line, 1, "doctor name"), line.get(2), _creator(f, line, 3)),
            )
        elif rec == "201":
            self._drug(disp, line)
        elif rec in ("281", "291"):
            self._drug_note(line)
        elif rec == "301":
            self._usage(line)
        elif rec in ("311", "391"):
            rp = self._rp(line)
            note = Note(ct.required(f, line, 2, "text"), _creator(f, line, 3))
            (rp.usage_supplements if rec == "311" else rp.cautions).append(note)
        else:
            self._block_note(disp, line)

    def _block_note(self, disp: Dispensing, line: Line) -> None:
        f = self.file
        rec = line.record
        if rec == "411":
            disp.provided_info.append(
                ProvidedInfo(
                    ct.required(f, line, 1, "text"),
                    ct.one_of(f, line, 2, "information kind", PROVIDED_KINDS),
                    _creator(f, line, 3),
                )
            )
        elif rec == "601":
            disp.patient_entries.append(
                PatientEntry(
                    ct.required(f, line, 1, "text"), ct.parse_date(f, line, 2, "entry date")
                )
            )
        else:
            note = Note(ct.required(f, line, 1, "text"), _creator(f, line, 2))
            {"401": disp.cautions, "421": disp.remaining, "501": disp.remarks}[rec].append(note)

    def _open(self, disp: Dispensing, prescription: Prescription) -> None:
        disp.prescriptions.append(prescription)
        self.prescription = prescription
        self.rps = {}
        self.last_drug = None

    def _doctor(self, disp: Dispensing, doctor: Doctor) -> None:
        current = self.prescription
        if current is not None and current.doctor is None and not current.rps:
            current.doctor = doctor
            return
        facility = current.facility if current is not None else None
        self._open(disp, Prescription(facility=facility, doctor=doctor))

    def _drug(self, disp: Dispensing, line: Line) -> None:
        f = self.file
        if self.prescription is None:
            self._open(disp, Prescription())
        assert self.prescription is not None
        drug = _drug(f, line)
        rp = self.rps.get(drug.rp)
        if rp is None:
            rp = self.rps[drug.rp] = Rp(drug.rp)
            self.prescription.rps.append(rp)
        rp.drugs.append(drug)
        self.last_drug = drug

    def _drug_note(self, line: Line) -> None:
        f = self.file
        rp = _rp_number(f, line)
        drug = self.last_drug
        if drug is None or drug.rp != rp:
            raise ParseError(
                "no preceding drug record 201 in this RP", ct.where(f, line, "RP number")
            )
        note = Note(ct.required(f, line, 2, "text"), _creator(f, line, 3))
        (drug.supplements if line.record == "281" else drug.cautions).append(note)

    def _usage(self, line: Line) -> None:
        f = self.file
        rp = self._rp(line)
        if not rp.drugs:
            raise ParseError(
                "usage has no drug record 201 in its RP", ct.where(f, line, "RP number")
            )
        if rp.usage is not None:
            raise ParseError("second usage record 301 for one RP", ct.where(f, line, "RP number"))
        code_type = ct.one_of(f, line, 6, "usage code type", USAGE_CODE_TYPES)
        code = line.get(7)
        if code_type not in ("", "1") and not code:
            raise ParseError(
                "usage code is required for its code type", ct.where(f, line, "usage code")
            )
        rp.usage = Usage(
            rp=rp.number,
            name=line.get(2),
            quantity=ct.parse_decimal(f, line, 3, "dispensed quantity"),
            unit=line.get(4),
            form_code=ct.one_of(f, line, 5, "dosage form code", FORM_CODES),
            code_type=code_type,
            code=code,
            creator=_creator(f, line, 8),
            line=line.number,
        )

    def _rp(self, line: Line) -> Rp:
        number = _rp_number(self.file, line)
        rp = self.rps.get(number)
        if rp is None:
            raise ParseError(
                "RP number has no drug record 201", ct.where(self.file, line, "RP number")
            )
        return rp


def _drug(f: str, line: Line) -> Drug:
    code_type = _required_of(f, line, 5, "drug code type", DRUG_CODE_TYPES)
    code = line.get(6)
    if code_type != "1" and not code:
        raise ParseError("drug code is required for its code type", ct.where(f, line, "drug code"))
    generic_type = ct.one_of(f, line, 9, "generic code type", GENERIC_CODE_TYPES)
    generic_code = line.get(10)
    if generic_type == "2" and not generic_code:
        raise ParseError(
            "generic code is required for generic code type 2", ct.where(f, line, "generic code")
        )
    if generic_code and generic_type != "2":
        raise ParseError(
            "generic code needs generic code type 2", ct.where(f, line, "generic code type")
        )
    return Drug(
        rp=_rp_number(f, line),
        name=ct.required(f, line, 2, "drug name"),
        dose=ct.parse_decimal(f, line, 3, "dose"),
        unit=line.get(4),
        code_type=code_type,
        code=code,
        creator=_creator(f, line, 7),
        generic_name=line.get(8),
        generic_code_type=generic_type,
        generic_code=generic_code,
        line=line.number,
    )


def _pharmacy(f: str, line: Line) -> Pharmacy:
    return Pharmacy(
        name=ct.required(f, line, 1, "name"),
        prefecture=_prefecture(f, line, 2),
        table=ct.one_of(f, line, 3, "score table", DISPENSING_TABLES),
        code=_code7(f, line, 4),
        postal_code=line.get(5),
        address=line.get(6),
        phone=line.get(7),
        creator=_creator(f, line, 8),
        line=line.number,
    )


def _prescriber(f: str, line: Line) -> PrescribingFacility:
    return PrescribingFacility(
        name=ct.required(f, line, 1, "name"),
        prefecture=_prefecture(f, line, 2),
        table=ct.one_of(f, line, 3, "score table", PRESCRIBING_TABLES),
        code=_code7(f, line, 4),
        creator=_creator(f, line, 5),
        line=line.number,
    )


def _prefecture(f: str, line: Line, index: int) -> str:
    value = line.get(index)
    if value and not (value.isdigit() and len(value) <= 2 and 1 <= int(value) <= 47):
        raise ParseError("prefecture is not 01-47", ct.where(f, line, "prefecture"))
    return value


def _code7(f: str, line: Line, index: int) -> str:
    value = line.get(index)
    if value and not (value.isascii() and value.isdigit() and len(value) == 7):
        raise ParseError("facility code is not 7 digits", ct.where(f, line, "facility code"))
    return value


def _rp_number(f: str, line: Line) -> int:
    number = ct.parse_int(f, line, 1, "RP number")
    if number is None:
        raise ParseError("RP number is required", ct.where(f, line, "RP number"))
    return number


def _creator(f: str, line: Line, index: int) -> str:
    return ct.one_of(f, line, index, "record creator", CREATORS)


def _required_of(f: str, line: Line, index: int, name: str, allowed: frozenset[str]) -> str:
    value = ct.one_of(f, line, index, name, allowed)
    if not value:
        raise ParseError(f"{name} is required", ct.where(f, line, name))
    return value


def _once(f: str, line: Line, existing: object) -> None:
    if existing is not None:
        raise ParseError(f"record {line.record} appears twice in one dispensing", ct.where(f, line))
