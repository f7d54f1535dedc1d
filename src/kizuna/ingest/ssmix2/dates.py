"""HL7 v2 DTM/DT values (``YYYY[MM[DD[HH[MM[SS[.S...]]]]]][+/-ZZZZ]``) to FHIR.

SS-MIX2 times are Japan local time; a value without an offset gets ``+09:00``.
FHIR dateTime needs seconds once a time is given, so ``201112202100`` becomes
``2011-12-20T21:00:00+09:00``. Invalid values give ``None``; the caller warns.
"""

from __future__ import annotations

import re
from calendar import monthrange
from functools import lru_cache

JST = "+09:00"

_DTM = re.compile(
    r"^(\d{4})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:\.(\d{1,4}))?)?)?)?)?)?"
    r"([+-]\d{4})?$"
)


@lru_cache(maxsize=8192)
def to_datetime(value: str) -> str | None:
    """A FHIR dateTime (or partial date) for an HL7 DTM, or ``None`` when invalid."""
    m = _DTM.match(value.strip())
    if not m:
        return None
    year, month, day, hour, minute, second, fraction, offset = m.groups()
    if not _valid_date(year, month, day):
        return None
    date = "-".join(p for p in (year, month, day) if p)
    if hour is None:
        return date
    if day is None or not _valid_time(hour, minute, second):
        return None
    time = f"{hour}:{minute or '00'}:{second or '00'}"
    if fraction:
        time += "." + fraction
    zone = f"{offset[:3]}:{offset[3:]}" if offset else JST
    if offset and not _valid_zone(offset):
        return None
    return f"{date}T{time}{zone}"


def to_date(value: str) -> str | None:
    """A FHIR date (time part dropped) for an HL7 DT/DTM, or ``None`` when invalid."""
    full = to_datetime(value)
    return full.split("T", 1)[0] if full else None


def to_instant(value: str) -> str | None:
    """A FHIR instant: only for values given at least to the minute."""
    full = to_datetime(value)
    return full if full and "T" in full else None


def storage_timestamp(value: str) -> str | None:
    """The 17-digit ``yyyyMMddHHmmssfff`` form used in SS-MIX2 file names."""
    digits = value.split("+", 1)[0].split("-", 1)[0].replace(".", "")
    if not digits.isdigit() or len(digits) < 8 or to_datetime(digits[:14]) is None:
        return None
    return (digits + "0" * 17)[:17]


def _valid_date(year: str, month: str | None, day: str | None) -> bool:
    if int(year) < 1:
        return False
    if month is None:
        return True
    m = int(month)
    if not 1 <= m <= 12:
        return False
    return day is None or 1 <= int(day) <= monthrange(int(year), m)[1]


def _valid_time(hour: str, minute: str | None, second: str | None) -> bool:
    return int(hour) < 24 and int(minute or 0) < 60 and int(second or 0) < 60


def _valid_zone(offset: str) -> bool:
    return int(offset[1:3]) <= 14 and int(offset[3:]) < 60
