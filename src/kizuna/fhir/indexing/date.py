"""Date search rows: the inclusive epoch-millisecond range a value's precision implies.

``2024`` covers the whole year, ``2024-05`` the month, ``2024-05-01`` the day, and a
dateTime down to its stated precision (minutes, seconds, or fractions). Values without a
timezone (dates, and times without an offset) are read at Japan time, +09:00 (Japan has
no daylight saving). :func:`parse_date_range` is shared with the search layer so that
query values parse exactly like indexed values.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from kizuna.fhir.indexing.rows import Encoder, IndexRows

LOCAL_OFFSET_MINUTES = 9 * 60  # Japan Standard Time, no DST
OPEN_LOW = -(2**62)
OPEN_HIGH = 2**62
MS_PER_DAY = 86_400_000
_LOCAL_OFFSET_MS = LOCAL_OFFSET_MINUTES * 60_000
_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


@lru_cache(maxsize=16384)
def parse_date_range(value: str) -> tuple[int, int]:
    """``(low_ms, high_ms)`` of a FHIR date, dateTime or instant; ValueError if malformed."""
    size = len(value)
    if size < 4 or not value[:4].isdigit() or not value.isascii():
        raise ValueError("malformed date")
    year = int(value[:4])
    if size == 4:
        return _local_days(year, 1, 1), _local_days(year + 1, 1, 1) - 1
    month = _field(value, 5, 1, 12, "-")
    if size == 7:
        following = (year + 1, 1) if month == 12 else (year, month + 1)
        return _local_days(year, month, 1), _local_days(*following, 1) - 1
    day = _field(value, 8, 1, _month_days(year, month), "-")
    if size == 10:
        low = _local_days(year, month, day)
        return low, low + MS_PER_DAY - 1
    if value[10] != "T":
        raise ValueError("malformed dateTime")
    return _time_range(value, _days_from_civil(year, month, day) * MS_PER_DAY)


def _field(value: str, start: int, low: int, high: int, separator: str) -> int:
    """The two digits at ``start``, preceded by ``separator``, within [low, high]."""
    if value[start - 1 : start] != separator:
        raise ValueError("malformed date")
    return _two_digits(value, start, low, high)


def _two_digits(value: str, start: int, low: int, high: int) -> int:
    text = value[start : start + 2]
    if len(text) != 2 or not text.isdigit():
        raise ValueError("malformed date")
    number = int(text)
    if not low <= number <= high:
        raise ValueError("date field out of range")
    return number


def _time_range(value: str, day_ms: int) -> tuple[int, int]:
    """The range of ``YYYY-MM-DDThh:mm[:ss[.fff]][Z|+hh:mm]`` (value[10] is 'T')."""
    body, offset_ms = _split_zone(value[11:])
    if len(body) not in (5, 8) and (len(body) < 10 or body[8] != "."):
        raise ValueError("malformed time")
    hour = _two_digits(body, 0, 0, 23)
    minute = _field(body, 3, 0, 59, ":")
    low = day_ms + (hour * 60 + minute) * 60_000 - offset_ms
    if len(body) == 5:
        return low, low + 59_999
    low += min(_field(body, 6, 0, 60, ":"), 59) * 1000
    if len(body) == 8:
        return low, low + 999
    fraction = body[9:]
    if not fraction.isdigit():
        raise ValueError("malformed fraction of a second")
    low += int(fraction[:3].ljust(3, "0"))
    return low, low + 10 ** max(0, 3 - len(fraction)) - 1


def _split_zone(text: str) -> tuple[str, int]:
    """The time text without its zone, and the zone offset in ms (Japan if absent)."""
    if text.endswith("Z"):
        return text[:-1], 0
    if len(text) > 6 and text[-6] in "+-" and text[-3] == ":":
        hours, minutes = text[-5:-3], text[-2:]
        if not (hours.isdigit() and minutes.isdigit()):
            raise ValueError("malformed timezone")
        offset = (int(hours) * 60 + int(minutes)) * 60_000
        return text[:-6], offset if text[-6] == "+" else -offset
    return text, _LOCAL_OFFSET_MS


def _month_days(year: int, month: int) -> int:
    if month == 2 and (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)):
        return 29
    return _DAYS_IN_MONTH[month - 1]


def _local_days(year: int, month: int, day: int) -> int:
    """Epoch ms of local (Japan) midnight at the start of that day."""
    return _days_from_civil(year, month, day) * MS_PER_DAY - _LOCAL_OFFSET_MS


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 in the proleptic Gregorian calendar."""
    year -= month <= 2
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146097 + day_of_era - 719468


def range_or_none(value: Any) -> tuple[int, int] | None:
    if not isinstance(value, str):
        return None
    try:
        return parse_date_range(value)
    except ValueError:
        return None


def encode_datetime(param: str, value: Any, rows: IndexRows) -> None:
    found = range_or_none(value)
    if found is not None:
        rows.dates.append((param, found[0], found[1]))


def encode_period(param: str, value: Any, rows: IndexRows) -> None:
    found = period_range(value)
    if found is not None:
        rows.dates.append((param, found[0], found[1]))


def period_range(value: Any) -> tuple[int, int] | None:
    """Start low .. end high; an open end is unbounded; None if neither parses."""
    if type(value) is not dict:
        return None
    start = range_or_none(value.get("start"))
    end = range_or_none(value.get("end"))
    if start is None and end is None:
        return None
    return (start[0] if start else OPEN_LOW, end[1] if end else OPEN_HIGH)


def encode_timing(param: str, value: Any, rows: IndexRows) -> None:
    """One row spanning every event and the repeat bounds period."""
    if type(value) is not dict:
        return
    spans = [r for r in map(range_or_none, value.get("event") or ()) if r is not None]
    repeat = value.get("repeat")
    if type(repeat) is dict:
        bounds = period_range(repeat.get("boundsPeriod"))
        if bounds is not None:
            spans.append(bounds)
    if spans:
        rows.dates.append((param, min(s[0] for s in spans), max(s[1] for s in spans)))


ENCODERS: dict[str, Encoder] = {
    "date": encode_datetime,
    "dateTime": encode_datetime,
    "instant": encode_datetime,
    "string": encode_datetime,
    "Period": encode_period,
    "Timing": encode_timing,
}
