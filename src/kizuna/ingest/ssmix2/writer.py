"""Typed SS-MIX2 records to message bytes, and where they go in a storage tree.

Use::

    msg = adt00(Header("2213150010", "20240401093000"), patient)
    data = message_bytes(msg)                 # ISO-2022-JP, CR segment ends
    name = storage_name(msg, "ADT-00")        # PID_-_ADT-00_999..._timestamp_-_1
    path = root / relative_path(name)

A :class:`MessageRecord` is the MSH plus the other segments as typed records (see
:mod:`segments`); the builders below assemble the usual ones. Text is written the way
SS-MIX2 stores it: half-width katakana become full width, characters outside JIS X 0208
become ``■``. ``parse_message(message_bytes(m))`` gives back ``m`` unchanged for any
text that ISO-2022-JP can carry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import jaconv

from kizuna.ingest.ssmix2.datatypes import CWE, CX, EI, HD, MSG, PL, XAD, XCN, XPN, XTN
from kizuna.ingest.ssmix2.escape import STANDARD, Delimiters, escape
from kizuna.ingest.ssmix2.fields import Writer
from kizuna.ingest.ssmix2.segments import (
    AL1,
    EVN,
    IAM,
    IN1,
    MSH,
    OBR,
    OBX,
    ORC,
    PID,
    PRB,
    PV1,
    PV2,
    RXE,
    RXR,
    SPM,
    TQ1,
    ZPR,
    RawSegment,
    Segment,
)
from kizuna.ingest.ssmix2.storage import NO_DATE, NO_DEPARTMENT, NO_ORDER, VALID, StorageName

ISO_IR87 = ("", "ISO IR87")
PROFILE = EI("SS-MIX2_1.20", "SS-MIX2", "1.2.392.200250.2.1.100.1.2.120", "ISO")
GETA = "■"  # SS-MIX2 writes characters it cannot encode as this mark


@dataclass(slots=True)
class MessageRecord:
    """One message: its header and its other segments, in order."""

    msh: MSH
    segments: list[Segment] = field(default_factory=list)

    @property
    def patient_id(self) -> str:
        pid = next((s for s in self.segments if isinstance(s, PID)), None)
        return next((cx.id for cx in pid.identifiers if cx.id), "") if pid else ""


@dataclass(frozen=True, slots=True)
class Header:
    """What the generator knows about the sender of a message."""

    facility_code: str  # goes to MSH-4
    timestamp: str  # MSH-7, yyyyMMddHHmmss[.fff]
    control_id: str = ""  # MSH-10; defaults to the timestamp digits
    application: str = "HIS"


@dataclass(frozen=True, slots=True)
class Patient:
    """A patient as PID writes it: kanji and kana names split into family/given."""

    patient_id: str
    family: str
    given: str
    family_kana: str
    given_kana: str
    birth: str  # yyyyMMdd
    sex: str  # M, F, O, U
    postal_code: str = ""
    address: str = ""
    phone: str = ""


# --- serialisation -------------------------------------------------------------


def segment_text(seg: Segment, delims: Delimiters = STANDARD) -> str:
    """One segment as text (no segment terminator)."""
    if isinstance(seg, RawSegment):
        return delims.field.join(seg.fields)
    name = type(seg).__name__
    fields = Writer(delims).fields(seg)
    if isinstance(seg, MSH):
        return delims.field.join(["MSH", delims.encoding_characters, *fields[3:]])
    return delims.field.join([name, *fields[1:]])


def message_text(record: MessageRecord, delims: Delimiters = STANDARD) -> str:
    """The message as text, segments ended by CR."""
    return "".join(segment_text(s, delims) + "\r" for s in [record.msh, *record.segments])


def message_bytes(record: MessageRecord, delims: Delimiters = STANDARD) -> bytes:
    """The message as SS-MIX2 stores it: ISO-2022-JP, CR after every segment."""
    return encode_iso2022jp(message_text(record, delims))


def encode_iso2022jp(text: str) -> bytes:
    """ISO-2022-JP bytes; half-width kana widened, unencodable characters as ■."""
    try:
        return text.encode("iso2022_jp")
    except UnicodeEncodeError:
        # widen the whole text first, so ﾀﾞ (two half-width characters) becomes ダ
        wide = jaconv.h2z(text, kana=True, ascii=False, digit=False)
        return "".join(_storable(c) for c in wide).encode("iso2022_jp")


def _storable(char: str) -> str:
    try:
        char.encode("iso2022_jp")
    except UnicodeEncodeError:
        return GETA
    return char


def storage_name(
    record: MessageRecord,
    data_type: str,
    care_date: str = NO_DATE,
    order_number: str = NO_ORDER,
    department: str = NO_DEPARTMENT,
    flag: str = VALID,
) -> StorageName:
    """The storage file name of a message (timestamp from MSH-7, padded to 17 digits)."""
    digits = "".join(c for c in record.msh.timestamp if c.isdigit())
    timestamp = (digits + "0" * 17)[:17]
    return StorageName(
        record.patient_id, care_date, data_type, order_number, timestamp, department, flag
    )


# --- builders --------------------------------------------------------------------


def header(h: Header, code: str, trigger: str, structure: str) -> MSH:
    control = h.control_id or "".join(c for c in h.timestamp if c.isdigit())[:20]
    return MSH(
        sending_application=HD(h.application),
        sending_facility=HD(h.facility_code),
        receiving_application=HD("GW"),
        receiving_facility=HD("RCV"),
        timestamp=h.timestamp,
        message_type=MSG(code, trigger, structure),
        control_id=control,
        processing_id="P",
        version="2.5",
        charsets=ISO_IR87,
        profile=(PROFILE,),
    )


def pid(p: Patient) -> PID:
    return PID(
        set_id="0001",
        identifiers=(CX(p.patient_id, type_code="PI"),),
        names=(
            XPN(p.family, p.given, type_code="L", representation="I"),
            XPN(p.family_kana, p.given_kana, type_code="L", representation="P"),
        ),
        birth=p.birth,
        sex=p.sex,
        addresses=(XAD(zip=p.postal_code, country="JPN", type_code="H", text=p.address),)
        if p.address or p.postal_code
        else (),
        home_phones=(XTN(use="PRN", equipment="PH", number=p.phone),) if p.phone else (),
    )


def adt00(
    h: Header, p: Patient, insurances: Sequence[IN1] = (), allergies: Sequence[AL1] = ()
) -> MessageRecord:
    """ADT-00 patient information (ADT^A08)."""
    segs: list[Segment] = [EVN(recorded=h.timestamp[:12]), pid(p), PV1("0001", "O")]
    segs.extend(allergies)
    segs.extend(insurances)
    return MessageRecord(header(h, "ADT", "A08", "ADT_A01"), segs)


ENCOUNTER_EVENTS = {
    "ADT-12": ("A04", "ADT_A01"),
    "ADT-21": ("A14", "ADT_A05"),
    "ADT-22": ("A01", "ADT_A01"),
    "ADT-41": ("A15", "ADT_A15"),
    "ADT-42": ("A02", "ADT_A02"),
    "ADT-51": ("A16", "ADT_A16"),
    "ADT-52": ("A03", "ADT_A03"),
}


def adt_encounter(
    h: Header,
    p: Patient,
    data_type: str,
    visit: PV1,
    occurred: str = "",
    planned: PV2 | None = None,
) -> MessageRecord:
    """ADT-12 visit, ADT-21/22 admission, ADT-41/42 transfer, ADT-51/52 discharge.
    ``planned`` (PV2) carries expected admission/discharge times for ADT-21/51."""
    trigger, structure = ENCOUNTER_EVENTS[data_type]
    evn = EVN(recorded=h.timestamp[:12], occurred=occurred)
    segs: list[Segment] = [evn, pid(p), visit]
    if planned is not None:
        segs.append(planned)
    return MessageRecord(header(h, "ADT", trigger, structure), segs)


def adt61(h: Header, p: Patient, allergies: Sequence[IAM]) -> MessageRecord:
    """ADT-61 allergy information (ADT^A60)."""
    return MessageRecord(
        header(h, "ADT", "A60", "ADT_A60"),
        [EVN(recorded=h.timestamp[:14]), pid(p), *allergies],
    )


def ppr01(
    h: Header, p: Patient, problems: Sequence[tuple[PRB, ZPR | None]], doctor: XCN | None = None
) -> MessageRecord:
    """PPR-01 diagnoses (PPR^ZD1): PRB (with ZPR) per diagnosis, then the ORC."""
    segs: list[Segment] = [pid(p)]
    for prb, zpr in problems:
        segs.append(prb)
        if zpr is not None:
            segs.append(zpr)
    if doctor is not None:
        segs.append(ORC(control="NW", ordering_provider=(doctor,)))
    return MessageRecord(header(h, "PPR", "ZD1", "PPR_ZD1"), segs)


def omp01(
    h: Header, p: Patient, drugs: Sequence[tuple[ORC, RXE, TQ1, RXR]], visit: PV1 | None = None
) -> MessageRecord:
    """OMP-01 prescription order (RDE^O11): ORC, RXE, TQ1, RXR per drug."""
    segs: list[Segment] = [pid(p), visit or PV1("0001", "O")]
    for orc, rxe, tq1, rxr in drugs:
        segs.extend((orc, rxe, tq1, rxr))
    return MessageRecord(header(h, "RDE", "O11", "RDE_O11"), segs)


def oml11(
    h: Header, p: Patient, specimen: SPM, request: OBR, order: ORC, results: Sequence[OBX]
) -> MessageRecord:
    """OML-11 lab result (OUL^R22): SPM, OBR, ORC, then the OBX results."""
    segs: list[Segment] = [pid(p), PV1("0001", "O"), specimen, request, order, *results]
    return MessageRecord(header(h, "OUL", "R22", "OUL_R22"), segs)


def obx_value(text: str, delims: Delimiters = STANDARD) -> str:
    """An OBX-5 value for a text or numeric result (OBX-5 is kept escaped)."""
    return escape(text, delims)


def obx_coded(value: CWE, delims: Delimiters = STANDARD) -> str:
    """An OBX-5 value for a coded (CWE) result."""
    return Writer(delims).composite(value)


def staff(staff_id: str, family: str, given: str) -> XCN:
    """A doctor or nurse as XCN (kanji name, legal)."""
    return XCN(staff_id, family, given, type_code="L", representation="I")


def ward(ward_code: str, room: str = "", bed: str = "") -> PL:
    return PL(ward_code, room, bed, type_code="N")
