"""The viewer's chart cache: reused only for the same visibility and data version, and
every view is audited whether it came from the cache or not."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from kizuna.access.reader import Reader
from kizuna.auth.principal import Principal
from kizuna.fhir import writes
from kizuna.store.db import Database
from kizuna.store.migrate import upgrade
from kizuna.viewer import loader
from kizuna.viewer.loader import load_chart

OPEN = Principal(kind="client", subject="t", name="t", role="open", scopes=("system/*.cruds",))
PATIENT = {"resourceType": "Patient", "id": "p1", "name": [{"family": "木村"}]}


def _condition(text: str, cid: str = "c1") -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "id": cid,
        "subject": {"reference": "Patient/p1"},
        "code": {"text": text},
    }


def _texts(chart: Any) -> list[str]:
    return sorted(c["code"]["text"] for c in chart.by_type.get("Condition", []))


def test_cached_chart_follows_every_change_and_every_view_is_audited(db: Database) -> None:
    with db.transaction() as tx:
        writes.apply(tx, [writes.Put(PATIENT), writes.Put(_condition("高血圧症"))])
    log: list[dict[str, Any]] = []
    _, first = load_chart(Reader(db, OPEN, log.append, "treatment"), "p1")
    _, second = load_chart(Reader(db, OPEN, log.append, "treatment"), "p1")
    assert second is first and _texts(second) == ["高血圧症"]
    with db.transaction() as tx:
        writes.apply(tx, [writes.Put(_condition("本態性高血圧症"))])
    _, third = load_chart(Reader(db, OPEN, log.append, "treatment"), "p1")
    assert third is not first and _texts(third) == ["本態性高血圧症"]
    with db.transaction() as tx:
        writes.apply(tx, [writes.Delete("Condition", "c1")])
    _, fourth = load_chart(Reader(db, OPEN, log.append, "treatment"), "p1")
    assert _texts(fourth) == []
    assert [entry["action"] for entry in log] == ["view"] * 4
    assert all(entry["patient_ids"] == ["p1"] for entry in log)


def test_a_change_in_the_same_millisecond_is_not_served_from_the_cache(
    db: Database, monkeypatch: Any
) -> None:
    """The clock is pinned so both writes carry one lastUpdated: the count and the newest
    change are equal before and after, and only the version sum tells them apart."""
    monkeypatch.setattr(writes, "now_ms", lambda: 1_790_000_000_000)
    with db.transaction() as tx:
        writes.apply(tx, [writes.Put(PATIENT), writes.Put(_condition("高血圧症"))])
    log: list[dict[str, Any]] = []
    _, first = load_chart(Reader(db, OPEN, log.append, "treatment"), "p1")
    with db.transaction() as tx:
        writes.apply(tx, [writes.Put(_condition("本態性高血圧症"))])
    _, second = load_chart(Reader(db, OPEN, log.append, "treatment"), "p1")
    assert second is not first and _texts(second) == ["本態性高血圧症"]


def test_a_chart_of_another_database_is_not_served_from_the_cache(
    db: Database, tmp_path: Path, monkeypatch: Any
) -> None:
    """Two databases holding the same person at the same versions and time: the count, the
    newest change and the version sum are equal, only the database tells them apart."""
    monkeypatch.setattr(writes, "now_ms", lambda: 1_790_000_100_000)
    other_url = f"sqlite:///{tmp_path / 'other.sqlite3'}"
    upgrade(other_url)
    other = Database(other_url)
    try:
        for database, text in ((db, "高血圧症"), (other, "気管支喘息")):
            with database.transaction() as tx:
                writes.apply(tx, [writes.Put(PATIENT), writes.Put(_condition(text))])
        log: list[dict[str, Any]] = []
        _, first = load_chart(Reader(db, OPEN, log.append, "treatment"), "p1")
        _, second = load_chart(Reader(other, OPEN, log.append, "treatment"), "p1")
    finally:
        other.close()
    assert _texts(first) == ["高血圧症"] and _texts(second) == ["気管支喘息"]


def test_a_chart_is_built_for_the_day_it_is_cached_under(db: Database, monkeypatch: Any) -> None:
    """The loader reads the day once; a second reading in the chart could fall on the next
    day when the call spans midnight, and the chart kept under one day would be another's."""

    monkeypatch.setattr(loader, "japan_today", lambda: date(2026, 3, 31))
    with db.transaction() as tx:
        writes.apply(tx, [writes.Put(PATIENT), writes.Put(_condition("高血圧症"))])
    _, chart = load_chart(Reader(db, OPEN, lambda _: None, "treatment"), "p1")
    assert chart.today == date(2026, 3, 31)
