"""Server timestamps: epoch milliseconds in the database, FHIR instants on the wire."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from functools import lru_cache


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
