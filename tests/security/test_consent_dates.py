"""Today is the day in Japan, whatever zone the server's clock is set to: consent periods
are read at Japan time, so a consent given now starts on the Japan date.

The server's zone is pinned with POSIX ``TZ`` strings (``JST-9`` is UTC+9), the clock by
monkeypatching ``now_ms``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from datetime import date

import pytest

from kizuna.auth.principal import Principal
from kizuna.consent import service
from kizuna.consent.model import evaluate
from kizuna.fhir import instant, writes
from kizuna.store.db import Database
from kizuna.viewer.compose.chart import Chart

FACILITY = "1310000116"
PATIENT = "consent-dates-patient"
#: 2026-03-31 21:00 in Japan; 2026-04-01 already east of +12
EVENING_MS = 1_774_958_400_000
#: 2026-04-01 01:00 in Japan; still 2026-03-31 anywhere west of +01
AFTER_MIDNIGHT_MS = 1_774_972_800_000


@pytest.fixture
def server_zone() -> Iterator[Callable[[str], None]]:
    """Set the process's local time zone; the original one is restored afterwards."""
    saved = os.environ.get("TZ")

    def set_zone(zone: str) -> None:
        os.environ["TZ"] = zone
        time.tzset()

    yield set_zone
    if saved is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = saved
    time.tzset()


def _record(db: Database, at_ms: int, monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    monkeypatch.setattr(service, "now_ms", lambda: at_ms)
    with db.transaction() as tx:
        writes.apply(tx, [writes.Put({"resourceType": "Patient", "id": PATIENT})])
    clerk = Principal("user", "clerk-1", "Clerk", "clerk", facility_code=FACILITY)
    return service.record(db, clerk, (PATIENT,), service.ConsentRequest("facility"))


@pytest.mark.parametrize(
    ("zone", "at_ms", "day"),
    [
        ("LINT-14", EVENING_MS, "2026-03-31"),  # the server is a day ahead of Japan
        ("PST+8", AFTER_MIDNIGHT_MS, "2026-04-01"),  # the server is a day behind Japan
        ("JST-9", AFTER_MIDNIGHT_MS, "2026-04-01"),
    ],
)
def test_a_new_consent_starts_on_the_japan_date(
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
    server_zone: Callable[[str], None],
    zone: str,
    at_ms: int,
    day: str,
) -> None:
    server_zone(zone)
    consent = _record(db, at_ms, monkeypatch)
    assert consent["provision"]["period"]["start"] == day  # type: ignore[index]
    assert evaluate([consent], FACILITY, set(), at_ms).state == "active"


def test_the_chart_is_built_for_the_japan_date(
    monkeypatch: pytest.MonkeyPatch, server_zone: Callable[[str], None]
) -> None:
    monkeypatch.setattr(instant, "now_ms", lambda: AFTER_MIDNIGHT_MS)
    server_zone("PST+8")
    assert Chart.from_hits([]).today == date(2026, 4, 1)
    monkeypatch.setattr(instant, "now_ms", lambda: EVENING_MS)
    server_zone("LINT-14")
    assert Chart.from_hits([]).today == date(2026, 3, 31)
