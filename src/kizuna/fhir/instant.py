"""Server timestamps: epoch milliseconds in the database, FHIR instants on the wire.

Calendar dates are Japan dates (Asia/Tokyo, +09:00, no daylight saving), the zone in
which dates and times without an offset are read: "today" is the day in Japan, whatever
zone the server's clock is set to.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta, timezone
from functools import lru_cache

JAPAN = timezone(timedelta(hours=9), "JST")


def now_ms() -> int:
    return time.time_ns() // 1_000_000


@lru_cache(maxsize=1024)
def format_instant(ms: int) -> str:
    """A FHIR instant in UTC with millisecond precision, e.g. 2026-11-24T05:30:00.123Z."""
    stamp = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def http_date(ms: int) -> str:
    """An RFC 7231 date for the Last-Modified header."""
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")


def japan_time(ms: int) -> datetime:
    """The wall-clock time in Japan at ``ms``."""
    return datetime.fromtimestamp(ms / 1000, tz=JAPAN)


def japan_date(ms: int) -> date:
    """The calendar date in Japan at ``ms``."""
    return japan_time(ms).date()


def japan_today() -> date:
    """Today in Japan, not in the server's local time zone."""
    return japan_date(now_ms())
