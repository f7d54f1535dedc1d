"""Record-numbered CSV text as JAHIS defines it (お薬手帳 and 処方箋 2D symbol alike).

A JAHIS file is lines of comma-separated fields, the first field being the record number.
The standard says Shift_JIS (CP932 in practice) with CRLF; real exports and test fixtures
also come as UTF-8 and with LF only, so both are accepted. Quotes are not used and a comma
inside text is written as a full-width comma, so a plain split is exact.

Both :mod:`kizuna.ingest.jahis_tc` and :mod:`kizuna.ingest.jahis_rx` read through here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from kizuna.ingest.base import Location, ParseError

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_WESTERN_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_ERA_DATE = re.compile(r"([MTSHR1-5])(\d{2})(\d{2})(\d{2})")
_DECIMAL = re.compile(r"\d{1,6}(\.\d{1,5})?")
_DIGITS = re.compile(r"\d+")
_TWO_BYTE_UTF8 = re.compile("[\u0080-\u07ff]")
_THREE_BYTE_UTF8 = re.compile("[\u0800-\uffff]")

#: First year of each era (元年), by letter (お薬手帳) and by digit (処方箋 QR, receipts).
ERA_START = {
    "M": 1868,
    "T": 1912,
    "S": 1926,
    "H": 1989,
    "R": 2019,
    "1": 1868,
    "2": 1912,
    "3": 1926,
    "4": 1989,
    "5": 2019,
}

EOF_MARK = "\x1a"


@dataclass(frozen=True, slots=True)
class Line:
    """One record: its 1-based line number, record number and the fields after it."""

    number: int
    record: str
    fields: tuple[str, ...]
    text: str

    def get(self, index: int) -> str:
        """Field ``index`` (1-based, after the record number), stripped; "" when absent."""
        if index <= len(self.fields):
            return self.fields[index - 1].strip(" \u3000")
        return ""


def decode(data: bytes, file: str) -> tuple[str, str]:
    """The text and the encoding name ("utf-8" or "cp932") of a JAHIS file."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if not _TWO_BYTE_UTF8.search(text) or _THREE_BYTE_UTF8.search(text):
            return text, "utf-8"
        # Pairs of half-width katakana in Shift_JIS can look like two-byte UTF-8
        # (Latin, Greek...); Japanese text in UTF-8 uses three-byte sequences.
        try:
            return data.decode("cp932"), "cp932"
        except UnicodeDecodeError:
            return text, "utf-8"
    try:
        return data.decode("cp932"), "cp932"
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ParseError(
            "bytes are neither UTF-8 nor Shift_JIS (CP932)", Location(file, line=line)
        ) from None


def split_lines(text: str) -> list[tuple[int, str]]:
    """Non-empty lines with their 1-based numbers; a trailing EOF mark (1Ah) is ignored."""
    out = []
    for number, raw in enumerate(_LINE_BREAK.split(text), start=1):
        line = raw.replace(EOF_MARK, "")
        if line.strip():
            out.append((number, line))
    return out


def to_line(number: int, text: str) -> Line:
    parts = text.split(",")
    return Line(number, parts[0].strip(), tuple(parts[1:]), text)


def where(file: str, line: Line, field: str | None = None) -> Location:
    return Location(file, line=line.number, segment=line.record, field=field)


def required(file: str, line: Line, index: int, name: str) -> str:
    value = line.get(index)
    if not value:
        raise ParseError(f"{name} is required", where(file, line, name))
    return value


def one_of(file: str, line: Line, index: int, name: str, allowed: frozenset[str]) -> str:
    """Field ``index`` when it is empty or one of ``allowed``."""
    value = line.get(index)
    if value and value not in allowed:
        raise ParseError(f"{name} is not one of {sorted(allowed)}", where(file, line, name))
    return value


def parse_date(file: str, line: Line, index: int, name: str) -> date | None:
    """A western ``YYYYMMDD`` or era ``GYYMMDD`` date; None when the field is empty."""
    value = line.get(index)
    if not value:
        return None
    try:
        return to_date(value)
    except ValueError:
        raise ParseError(f"{name} is not a valid date", where(file, line, name)) from None


def to_date(value: str) -> date:
    """``YYYYMMDD`` or ``GYYMMDD`` (G an era letter M/T/S/H/R or digit 1-5) as a date."""
    if m := _WESTERN_DATE.fullmatch(value):
        return date(int(m[1]), int(m[2]), int(m[3]))
    if m := _ERA_DATE.fullmatch(value):
        if int(m[2]) == 0:
            raise ValueError("era year 0")
        return date(ERA_START[m[1]] + int(m[2]) - 1, int(m[3]), int(m[4]))
    raise ValueError("not a date")


def parse_decimal(file: str, line: Line, index: int, name: str) -> Decimal | None:
    """A JAHIS quantity (up to 6 integer and 5 fraction digits); None when empty."""
    value = line.get(index)
    if not value:
        return None
    if not _DECIMAL.fullmatch(value):
        raise ParseError(f"{name} is not a number", where(file, line, name))
    try:
        return Decimal(value)
    except InvalidOperation:
        raise ParseError(f"{name} is not a number", where(file, line, name)) from None


def parse_int(file: str, line: Line, index: int, name: str) -> int | None:
    value = line.get(index)
    if not value:
        return None
    if not _DIGITS.fullmatch(value) or len(value) > 6:
        raise ParseError(f"{name} is not a whole number", where(file, line, name))
    return int(value)


def format_decimal(value: Decimal | None) -> str:
    """The JAHIS number form: no leading or trailing zeros, no point for whole numbers."""
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def format_date(value: date | None) -> str:
    return value.strftime("%Y%m%d") if value else ""


def encode(lines: list[str], encoding: str) -> bytes:
    """CRLF-terminated records in ``encoding`` ("cp932" by the standard, or "utf-8")."""
    return "".join(line + "\r\n" for line in lines).encode(encoding)


def join_fields(record: str, *fields: str) -> str:
    """A record line; trailing empty fields are kept so the layout stays positional."""
    return ",".join((record, *fields))
