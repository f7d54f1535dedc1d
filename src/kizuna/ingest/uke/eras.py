"""Japanese era dates (和暦) as receipt files write them: ``GYYMM`` and ``GYYMMDD``.

``G`` is the era code of the 記録条件仕様 (別表 年号区分コード): 1 明治, 2 大正, 3 昭和,
4 平成, 5 令和. ``YY`` is the year of the era (元年 is ``01``). A date outside its era
(平成31年5月1日, 昭和64年1月8日) is rejected rather than silently moved to the next era.
Current receipt files use western dates (``YYYYMM``, ``YYYYMMDD``); :func:`parse_date` and
:func:`parse_month` accept both forms, told apart by their length.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache


class EraDateError(ValueError):
    """A value that is not a valid western or era date (the message names the problem)."""


@dataclass(frozen=True, slots=True)
class Era:
    code: str
    name: str
    first_day: dt.date
    last_day: dt.date


ERAS: tuple[Era, ...] = (
    Era("1", "明治", dt.date(1868, 1, 1), dt.date(1912, 7, 29)),
    Era("2", "大正", dt.date(1912, 7, 30), dt.date(1926, 12, 24)),
    Era("3", "昭和", dt.date(1926, 12, 25), dt.date(1989, 1, 7)),
    Era("4", "平成", dt.date(1989, 1, 8), dt.date(2019, 4, 30)),
    Era("5", "令和", dt.date(2019, 5, 1), dt.date(9999, 12, 31)),
)
_BY_CODE = {era.code: era for era in ERAS}


def _digits(value: str, size: int) -> bool:
    return len(value) == size and value.isascii() and value.isdigit()


def _era(code: str) -> Era:
    era = _BY_CODE.get(code)
    if era is None:
        raise EraDateError(f"unknown era code {code!r}")
    return era


def era_to_date(value: str) -> dt.date:
    """``GYYMMDD`` (7 digits) to a date, checking the date lies inside the era."""
    if not _digits(value, 7):
        raise EraDateError("era date must be 7 digits GYYMMDD")
    era = _era(value[0])
    year = era.first_day.year + int(value[1:3]) - 1
    try:
        day = dt.date(year, int(value[3:5]), int(value[5:7]))
    except ValueError as exc:
        raise EraDateError("not a calendar date") from exc
    if int(value[1:3]) == 0 or not era.first_day <= day <= era.last_day:
        raise EraDateError(f"date outside the {era.name} era")
    return day


def era_to_month(value: str) -> dt.date:
    """``GYYMM`` (5 digits) to the first day of that month, checking the month is in the era."""
    if not _digits(value, 5):
        raise EraDateError("era month must be 5 digits GYYMM")
    era = _era(value[0])
    year = era.first_day.year + int(value[1:3]) - 1
    month = int(value[3:5])
    if int(value[1:3]) == 0 or not 1 <= month <= 12:
        raise EraDateError("not a calendar month")
    first = dt.date(year, month, 1)
    last = _month_end(first)
    if last < era.first_day or first > era.last_day:
        raise EraDateError(f"month outside the {era.name} era")
    return first


def date_to_era(day: dt.date) -> str:
    """The ``GYYMMDD`` form of a date (the era in force on that day)."""
    era = era_of(day)
    return f"{era.code}{day.year - era.first_day.year + 1:02d}{day.month:02d}{day.day:02d}"


def month_to_era(month: dt.date) -> str:
    """The ``GYYMM`` form of a month; a month that two eras share takes the later era."""
    era = era_of(_month_end(month))
    return f"{era.code}{month.year - era.first_day.year + 1:02d}{month.month:02d}"


def era_of(day: dt.date) -> Era:
    for era in reversed(ERAS):
        if day >= era.first_day:
            return era
    raise EraDateError("date before the 明治 era")


def parse_date(value: str) -> dt.date:
    """``YYYYMMDD`` or ``GYYMMDD`` to a date."""
    if _digits(value, 8):
        try:
            return dt.date(int(value[:4]), int(value[4:6]), int(value[6:8]))
        except ValueError as exc:
            raise EraDateError("not a calendar date") from exc
    if len(value) == 7:
        return era_to_date(value)
    raise EraDateError("date must be YYYYMMDD or GYYMMDD")


def parse_month(value: str) -> dt.date:
    """``YYYYMM`` or ``GYYMM`` to the first day of the month."""
    if _digits(value, 6):
        year, month = int(value[:4]), int(value[4:6])
        if not 1 <= month <= 12 or year < 1868:
            raise EraDateError("not a calendar month")
        return dt.date(year, month, 1)
    if len(value) == 5:
        return era_to_month(value)
    raise EraDateError("month must be YYYYMM or GYYMM")


def _month_end(first: dt.date) -> dt.date:
    following = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


@lru_cache(maxsize=4096)
def month_end(month: dt.date) -> dt.date:
    """The last day of the month that ``month`` falls in."""
    return _month_end(month.replace(day=1))
