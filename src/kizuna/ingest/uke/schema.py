"""How a typed record maps to its comma-separated columns, and the value converters.

Every record class lists its columns in ``COLUMNS`` in file order (the record type code is
column 1, as the 記録条件仕様 numbers its items). The dataclass fields after ``line`` follow
the same order; a ``DAYS`` column stands for the 31 day columns (算定日情報, 1日 to 31日).
Columns past the declared ones are kept verbatim in ``extra`` so nothing is lost.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import ClassVar

from kizuna.ingest.uke.eras import EraDateError, date_to_era, month_to_era, parse_date, parse_month

DAY_COUNT = 31
Days = tuple[int | None, ...]


class Kind(enum.Enum):
    TEXT = "text"
    CODE = "code"  # letters and digits: a code the mapper puts into FHIR as it stands
    INT = "int"
    DECIMAL = "decimal"
    DATE = "date"
    MONTH = "month"
    DAYS = "days"


@dataclass(frozen=True, slots=True)
class Col:
    """One column as the 記録条件仕様 names it (English attribute name, Japanese item name)."""

    attr: str
    name: str
    kind: Kind = Kind.TEXT


class ValueFormatError(ValueError):
    """A column value that does not fit its kind; the message names the kind of problem."""


def to_text(raw: str) -> str | None:
    return raw or None


def to_code(raw: str) -> str | None:
    if not raw:
        return None
    if not (raw.isascii() and raw.isalnum()):
        raise ValueFormatError("not a code (letters and digits only)")
    return raw


def to_int(raw: str) -> int | None:
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()):
        raise ValueFormatError("not a whole number")
    return int(raw)


def to_decimal(raw: str) -> Decimal | None:
    if not raw:
        return None
    if not raw.isascii() or raw.count(".") > 1 or not raw.replace(".", "").isdigit():
        raise ValueFormatError("not a decimal number")
    try:
        return Decimal(raw)
    except InvalidOperation as exc:  # pragma: no cover - guarded by the check above
        raise ValueFormatError("not a decimal number") from exc


def to_date(raw: str) -> dt.date | None:
    if not raw:
        return None
    try:
        return parse_date(raw)
    except EraDateError as exc:
        raise ValueFormatError(str(exc)) from exc


def to_month(raw: str) -> dt.date | None:
    if not raw:
        return None
    try:
        return parse_month(raw)
    except EraDateError as exc:
        raise ValueFormatError(str(exc)) from exc


CONVERTERS = {
    Kind.TEXT: to_text,
    Kind.CODE: to_code,
    Kind.INT: to_int,
    Kind.DECIMAL: to_decimal,
    Kind.DATE: to_date,
    Kind.MONTH: to_month,
}


def format_value(value: object, kind: Kind, era_dates: bool) -> str:
    """The column text of a typed value (the inverse of the converters)."""
    if value is None:
        return ""
    if kind is Kind.DATE:
        assert isinstance(value, dt.date)
        return date_to_era(value) if era_dates else value.strftime("%Y%m%d")
    if kind is Kind.MONTH:
        assert isinstance(value, dt.date)
        return month_to_era(value) if era_dates else value.strftime("%Y%m")
    return str(value)


def width(columns: tuple[Col, ...]) -> int:
    """How many raw columns (after the record type) the declared columns take."""
    return sum(DAY_COUNT if col.kind is Kind.DAYS else 1 for col in columns)


class RecordBase:
    """Marker base of all typed records; subclasses are dataclasses."""

    TYPE: ClassVar[str]
    COLUMNS: ClassVar[tuple[Col, ...]]
    line: int
    extra: tuple[str, ...]
