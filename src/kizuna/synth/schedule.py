"""Calendar helpers: visit days on working days, monthly steps, dialysis weekdays."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta


def closed(day: date, hospital: bool = False) -> bool:
    """Sundays, the New Year holidays and (for hospitals' outpatients) Saturdays."""
    if day.weekday() == 6 or (day.month, day.day) in _NEW_YEAR:
        return True
    return hospital and day.weekday() == 5


_NEW_YEAR = {(12, 29), (12, 30), (12, 31), (1, 1), (1, 2), (1, 3)}


def open_day(day: date, hospital: bool = False) -> date:
    """``day``, or the next day the facility is open."""
    while closed(day, hospital):
        day += timedelta(days=1)
    return day


def regular(
    first: date, last: date, interval: int, rng: random.Random, hospital: bool = False
) -> Iterator[date]:
    """Visits every ``interval`` days (give or take a few) from ``first`` to ``last``."""
    day = open_day(first + timedelta(days=rng.randrange(max(1, interval))), hospital)
    while day <= last:
        yield day
        step = interval + rng.randint(-3, 3) if interval >= 14 else interval
        day = open_day(day + timedelta(days=step), hospital)


def dialysis_days(first: date, last: date, rng: random.Random) -> Iterator[date]:
    """Three sessions a week: Monday/Wednesday/Friday or Tuesday/Thursday/Saturday."""
    days = (0, 2, 4) if rng.random() < 0.6 else (1, 3, 5)
    day = first
    while day <= last:
        if day.weekday() in days and (day.month, day.day) not in {(1, 1)}:
            yield day
        day += timedelta(days=1)


def months(first: date, last: date) -> Iterator[date]:
    """The first day of every month from ``first``'s month to ``last``'s."""
    day = first.replace(day=1)
    while day <= last:
        yield day
        day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def month_end(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def between(rng: random.Random, first: date, last: date) -> date:
    span = (last - first).days
    return first + timedelta(days=rng.randrange(span + 1)) if span > 0 else first
