"""Receipt files (レセプト電算処理, ``.UKE``): CP932 bytes to typed records, one receipt at a time.

A file is a header (IR for 医科, YK for 調剤), receipts, and a GO trailer. A receipt is an RE
record and every record after it until the next RE or GO. :func:`split_file` cuts the bytes
into those blocks in one linear pass without decoding, so one damaged receipt never stops
the others; :func:`parse_header` and :func:`parse_receipt` then type one block each and
raise only :class:`~kizuna.ingest.base.ParseError`, naming file, line, record type and
column (number and 記録条件仕様 name).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, cast

from kizuna.ingest.base import Location, ParseError
from kizuna.ingest.uke import records as med
from kizuna.ingest.uke import records_pharmacy as pha
from kizuna.ingest.uke.schema import (
    CONVERTERS,
    DAY_COUNT,
    Kind,
    RecordBase,
    ValueFormatError,
    to_int,
)


class FileKind(enum.Enum):
    MEDICAL = "medical"  # 医科 (IR header, RECEIPTC.UKE)
    PHARMACY = "pharmacy"  # 調剤 (YK header, RECEIPTY.CYO)


Header = med.IRRecord | pha.YKRecord
ReceiptHead = med.MedicalRERecord | pha.PharmacyRERecord

_COMMON: tuple[type[RecordBase], ...] = (
    med.HORecord,
    med.KORecord,
    med.SNRecord,
    med.JDRecord,
    med.MFRecord,
    med.GORecord,
)
_MEDICAL: tuple[type[RecordBase], ...] = (
    med.IRRecord,
    med.MedicalRERecord,
    med.SYRecord,
    med.SIRecord,
    med.MedicalIYRecord,
    med.MedicalTORecord,
    med.CORecord,
    med.SJRecord,
)
_PHARMACY: tuple[type[RecordBase], ...] = (
    pha.YKRecord,
    pha.PharmacyRERecord,
    pha.SHRecord,
    pha.CZRecord,
    pha.PharmacyIYRecord,
    pha.PharmacyTORecord,
)
RECORD_TYPES: dict[FileKind, dict[str, type[RecordBase]]] = {
    FileKind.MEDICAL: {cls.TYPE: cls for cls in _COMMON + _MEDICAL},
    FileKind.PHARMACY: {cls.TYPE: cls for cls in _COMMON + _PHARMACY},
}
OPAQUE_TYPES = {
    FileKind.MEDICAL: med.MEDICAL_OPAQUE_TYPES,
    FileKind.PHARMACY: pha.PHARMACY_OPAQUE_TYPES,
}
HEADER_KINDS = {b"IR": FileKind.MEDICAL, b"YK": FileKind.PHARMACY}

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_RECORD_TYPE = re.compile(r"[A-Z]{2}")
ENCODING = "cp932"
EOF_MARK = b"\x1a"


@dataclass(slots=True)
class Block:
    """Consecutive raw lines (without line ends) starting at 1-based line ``first_line``."""

    first_line: int
    lines: list[bytes] = field(default_factory=list)

    @property
    def raw(self) -> bytes:
        return b"\r\n".join(self.lines) + b"\r\n"


@dataclass(slots=True)
class ReceiptBlock:
    header: Block | None  # the IR/YK line in force (None when the file has none)
    body: Block  # RE and the records after it


@dataclass(slots=True)
class FileBlocks:
    receipts: list[ReceiptBlock]
    stray: list[Block]  # lines outside any receipt that are not a header or trailer
    trailer: Block | None


@dataclass(slots=True)
class Receipt:
    """One receipt: its file header, its RE record and the records after it in file order."""

    kind: FileKind
    header: Header
    re: ReceiptHead
    records: list[Any]
    unknown_types: list[tuple[int, str]]  # (line, record type) of types outside the spec
    index: dict[type, list[Any]] = field(default_factory=dict)

    def of(self, cls: type) -> list[Any]:
        """The records of one type, in file order."""
        return self.index.get(cls, [])


@dataclass(slots=True)
class UkeFile:
    kind: FileKind
    header: Header
    receipts: list[Receipt]
    trailer: med.GORecord | None


@dataclass(frozen=True, slots=True)
class _Step:
    name: str
    kind: Kind
    convert: Any


_PLANS: dict[type[RecordBase], tuple[_Step, ...]] = {}


def _make(cls: type[RecordBase], *args: Any) -> Any:
    """An instance of a record dataclass (the marker base declares no constructor)."""
    return cast(Callable[..., RecordBase], cls)(*args)


def _plan(cls: type[RecordBase]) -> tuple[_Step, ...]:
    plan = _PLANS.get(cls)
    if plan is None:
        plan = tuple(_Step(c.name, c.kind, CONVERTERS.get(c.kind)) for c in cls.COLUMNS)
        _PLANS[cls] = plan
    return plan


def iter_lines(data: bytes) -> Iterator[tuple[int, bytes]]:
    """(1-based line number, line without its CR/LF) for every line; the EOF mark is dropped."""
    if data.endswith(EOF_MARK):
        data = data.rstrip(EOF_MARK)
    for number, line in enumerate(data.split(b"\n"), start=1):
        if line.endswith(b"\r"):
            line = line[:-1]
        if line:
            yield number, line


def split_file(data: bytes) -> FileBlocks:
    """Cut a file into receipt blocks (each with the header in force) in one pass."""
    blocks = FileBlocks(receipts=[], stray=[], trailer=None)
    header: Block | None = None
    current: ReceiptBlock | None = None
    for number, line in iter_lines(data):
        kind = line[:2]
        if kind in HEADER_KINDS:
            header, current = Block(number, [line]), None
        elif kind == b"RE":
            current = ReceiptBlock(header, Block(number, [line]))
            blocks.receipts.append(current)
        elif kind == b"GO":
            blocks.trailer, current = Block(number, [line]), None
        elif current is not None:
            current.body.lines.append(line)
        else:
            blocks.stray.append(Block(number, [line]))
    return blocks


def file_kind(header: Block, filename: str) -> FileKind:
    kind = HEADER_KINDS.get(header.lines[0][:2])
    if kind is None:
        where = Location(filename, header.first_line)
        raise ParseError("not a receipt file header (IR or YK)", where)
    return kind


def decode_fields(line: bytes, number: int, filename: str, receipt: str | None) -> list[str]:
    """The comma-separated columns of one line, decoded from CP932 and checked for controls."""
    try:
        text = line.decode(ENCODING)
    except UnicodeDecodeError as exc:
        where = Location(filename, number, record=receipt)
        raise ParseError(f"not CP932 text (byte {exc.start})", where) from exc
    bad = _CONTROL.search(text)
    if bad is not None:
        where = Location(filename, number, record=receipt)
        raise ParseError(f"control character at position {bad.start() + 1}", where)
    return text.split(",")


def build_record(
    cls: type[RecordBase], fields: list[str], number: int, filename: str, receipt: str | None
) -> Any:
    """A typed record from its decoded columns (``fields[0]`` is the record type)."""
    fast = _FAST.get(cls) or _fast_plan(cls)
    if len(fields) > fast.width:
        try:
            return _make(
                cls, number, *_convert_fast(fast.steps, fields), tuple(fields[fast.width + 1 :])
            )
        except ValueFormatError:
            pass  # the exact place is found by the checked path below
    return _build_checked(cls, fields, number, filename, receipt)


@dataclass(frozen=True, slots=True)
class _FastPlan:
    width: int
    steps: tuple[tuple[int, Any], ...]  # (column, converter); None = text, _DAYS = 31 days


_DAYS = object()
_NO_DAYS: tuple[int | None, ...] = (None,) * DAY_COUNT
_FAST: dict[type, _FastPlan] = {}


def _fast_plan(cls: type[RecordBase]) -> _FastPlan:
    steps: list[tuple[int, Any]] = []
    pos = 1
    for col in cls.COLUMNS:
        if col.kind is Kind.DAYS:
            steps.append((pos, _DAYS))
            pos += DAY_COUNT
        else:
            steps.append((pos, None if col.kind is Kind.TEXT else CONVERTERS[col.kind]))
            pos += 1
    plan = _FastPlan(pos - 1, tuple(steps))
    _FAST[cls] = plan
    return plan


def _convert_fast(steps: tuple[tuple[int, Any], ...], fields: list[str]) -> list[Any]:
    values: list[Any] = []
    add = values.append
    for pos, convert in steps:
        if convert is None:
            add(fields[pos] or None)
        elif convert is _DAYS:
            add(_fast_days(fields[pos : pos + DAY_COUNT]))
        else:
            add(convert(fields[pos]))
    return values


def _fast_days(chunk: list[str]) -> tuple[int | None, ...]:
    joined = "".join(chunk)
    if not joined:
        return _NO_DAYS
    if not (joined.isascii() and joined.isdigit()):
        raise ValueFormatError("not a whole number")
    return tuple(int(raw) if raw else None for raw in chunk)


def _build_checked(
    cls: type[RecordBase], fields: list[str], number: int, filename: str, receipt: str | None
) -> Any:
    plan = _plan(cls)
    values: list[Any] = []
    pos = 1
    size = len(fields)
    for step in plan:
        if step.kind is Kind.DAYS:
            values.append(_days(fields, pos, step, cls.TYPE, number, filename, receipt))
            pos += DAY_COUNT
            continue
        if pos >= size:
            raise _too_few(cls.TYPE, pos, step.name, size, number, filename, receipt)
        try:
            values.append(step.convert(fields[pos]))
        except ValueFormatError as exc:
            raise ParseError(
                str(exc), _where(cls.TYPE, pos, step.name, number, filename, receipt)
            ) from exc
        pos += 1
    return _make(cls, number, *values, tuple(fields[pos:]))


def _days(
    fields: list[str],
    pos: int,
    step: _Step,
    rtype: str,
    number: int,
    filename: str,
    receipt: str | None,
) -> tuple[int | None, ...]:
    if pos + DAY_COUNT > len(fields):
        missing = max(pos, len(fields))
        name = f"{step.name} {missing - pos + 1}日"
        raise _too_few(rtype, missing, name, len(fields), number, filename, receipt)
    out: list[int | None] = []
    for offset, raw in enumerate(fields[pos : pos + DAY_COUNT]):
        try:
            out.append(to_int(raw))
        except ValueFormatError as exc:
            name = f"{step.name} {offset + 1}日"
            where = _where(rtype, pos + offset, name, number, filename, receipt)
            raise ParseError(str(exc), where) from exc
    return tuple(out)


def _where(
    rtype: str, pos: int, name: str, number: int, filename: str, receipt: str | None
) -> Location:
    return Location(
        filename, number, segment=rtype, field=f"{rtype}-{pos + 1} ({name})", record=receipt
    )


def _too_few(
    rtype: str, pos: int, name: str, size: int, number: int, filename: str, receipt: str | None
) -> ParseError:
    reason = f"too few columns ({size}); column {pos + 1} missing"
    return ParseError(reason, _where(rtype, pos, name, number, filename, receipt))


def parse_header(block: Block, filename: str) -> Header:
    kind = file_kind(block, filename)
    fields = decode_fields(block.lines[0], block.first_line, filename, None)
    cls = RECORD_TYPES[kind]["IR" if kind is FileKind.MEDICAL else "YK"]
    header: Header = build_record(cls, fields, block.first_line, filename, None)
    return header


def parse_trailer(block: Block, filename: str) -> med.GORecord:
    fields = decode_fields(block.lines[0], block.first_line, filename, None)
    trailer: med.GORecord = build_record(med.GORecord, fields, block.first_line, filename, None)
    return trailer


def parse_receipt(block: ReceiptBlock, filename: str, header: Header | None = None) -> Receipt:
    """Type one receipt block; ``header`` may pass an already parsed header for speed."""
    if block.header is None:
        where = Location(filename, block.body.first_line)
        raise ParseError("receipt before any IR/YK header", where)
    if header is None:
        header = parse_header(block.header, filename)
    kind = FileKind.MEDICAL if isinstance(header, med.IRRecord) else FileKind.PHARMACY
    types = RECORD_TYPES[kind]
    body = block.body
    first = decode_fields(body.lines[0], body.first_line, filename, None)
    receipt_id = first[1] if len(first) > 1 and first[1].isascii() else None
    head: ReceiptHead = build_record(types["RE"], first, body.first_line, filename, receipt_id)
    receipt = Receipt(kind, header, head, [], [])
    for offset, line in enumerate(body.lines[1:], start=1):
        number = body.first_line + offset
        fields = decode_fields(line, number, filename, receipt_id)
        record = _record(kind, types, fields, number, filename, receipt_id, receipt.unknown_types)
        receipt.records.append(record)
        receipt.index.setdefault(type(record), []).append(record)
    return receipt


def _record(
    kind: FileKind,
    types: dict[str, type],
    fields: list[str],
    number: int,
    filename: str,
    receipt_id: str | None,
    unknown: list[tuple[int, str]],
) -> Any:
    rtype = fields[0]
    cls = types.get(rtype)
    if cls is not None and rtype not in ("RE", "IR", "YK", "GO"):
        return build_record(cls, fields, number, filename, receipt_id)
    if _RECORD_TYPE.fullmatch(rtype) is None:
        where = Location(
            filename, number, field=f"{rtype[:8]}-1 (レコード識別情報)", record=receipt_id
        )
        raise ParseError("not a record type", where)
    if rtype not in OPAQUE_TYPES[kind]:
        unknown.append((number, rtype))
    return med.OtherRecord(rtype, number, tuple(fields[1:]))


def parse_bytes(data: bytes, filename: str) -> UkeFile:
    """A whole file, strictly: the first problem raises (used by the writer round trip)."""
    blocks = split_file(data)
    if blocks.stray:
        first = blocks.stray[0]
        raise ParseError("record outside any receipt", Location(filename, first.first_line))
    if not blocks.receipts:
        raise ParseError("no receipt (RE) in file", Location(filename))
    header_block = blocks.receipts[0].header
    if header_block is None:
        raise ParseError("receipt before any IR/YK header", Location(filename, 1))
    header = parse_header(header_block, filename)
    receipts = [
        parse_receipt(b, filename, header if b.header is header_block else None)
        for b in blocks.receipts
    ]
    trailer = parse_trailer(blocks.trailer, filename) if blocks.trailer else None
    return UkeFile(receipts[0].kind, header, receipts, trailer)
