"""Typed receipt records to receipt-file bytes (CP932, comma-separated, CRLF).

The inverse of :mod:`kizuna.ingest.uke.parser` (the synthetic population generator uses it):
``parse_bytes(write_file(f))`` gives back the same records. Dates are written western
(``YYYYMMDD``) unless ``era_dates`` asks for the older 和暦 form (``GYYMMDD``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from kizuna.ingest.uke.parser import ENCODING, UkeFile
from kizuna.ingest.uke.records import OtherRecord
from kizuna.ingest.uke.schema import DAY_COUNT, Kind, format_value

_FORBIDDEN = re.compile(r"[,\x00-\x1f\x7f]")
EOF_MARK = b"\x1a"


class WriterError(ValueError):
    """A value the file format cannot carry; the message names the record and column."""


def _check(text: str, where: str) -> str:
    if _FORBIDDEN.search(text):
        raise WriterError(f"{where}: comma or control character in value")
    return text


def record_columns(record: Any, era_dates: bool = False) -> list[str]:
    """The columns of one record, record type first."""
    if isinstance(record, OtherRecord):
        return [record.type, *(_check(c, f"{record.type} column") for c in record.columns)]
    columns = [record.TYPE]
    for col in record.COLUMNS:
        value = getattr(record, col.attr)
        where = f"{record.TYPE}.{col.attr}"
        if col.kind is Kind.DAYS:
            if len(value) != DAY_COUNT:
                raise WriterError(f"{where}: {DAY_COUNT} day values expected")
            columns.extend("" if v is None else str(v) for v in value)
        else:
            columns.append(_check(format_value(value, col.kind, era_dates), where))
    columns.extend(_check(e, f"{record.TYPE} extra column") for e in record.extra)
    return columns


def write_records(records: Iterable[Any], era_dates: bool = False, eof: bool = False) -> bytes:
    """Records as receipt-file lines, CP932 with CRLF after every line (and 0x1A if ``eof``)."""
    lines = []
    for record in records:
        text = ",".join(record_columns(record, era_dates))
        try:
            lines.append(text.encode(ENCODING))
        except UnicodeEncodeError as exc:
            name = getattr(record, "TYPE", None) or getattr(record, "type", "?")
            raise WriterError(f"{name}: text not representable in CP932") from exc
    out = b"".join(line + b"\r\n" for line in lines)
    return out + EOF_MARK if eof else out


def file_records(file: UkeFile) -> list[Any]:
    """Every record of a file in order: header, each receipt's RE and records, trailer."""
    out: list[Any] = [file.header]
    for receipt in file.receipts:
        out.append(receipt.re)
        out.extend(receipt.records)
    if file.trailer is not None:
        out.append(file.trailer)
    return out


def write_file(file: UkeFile, era_dates: bool = False, eof: bool = False) -> bytes:
    return write_records(file_records(file), era_dates, eof)
