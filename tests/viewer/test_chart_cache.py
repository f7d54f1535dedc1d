"""The viewer's chart cache: reused only for the same visibility and data version, and
every view is audited whether it came from the cache or not."""

from __future__ import annotations

from typing import Any

from kizuna.access.reader import Reader
from kizuna.auth.principal import Principal
from kizuna.fhir import writes
from kizuna.store.db import Database
from kizuna.viewer.loader import load_chart

OPEN = Principal(kind="client", subject="t", name="t", role="open", scopes=("system/*.cruds",))
PATIENT = {"resourceType": "Patient", "id": "p1", "name": [{"family": "木村"}]}


def _condition(text: str, cid: str = "c1") -> dict[str, Any]:
    return {"resourceType": "Condition", "id": cid, "subject": {"reference": "Patient/p1"}, "code": {"text": text}}


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
