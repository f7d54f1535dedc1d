"""Listings cut by a LIMIT order rows of the same millisecond by their key, so which rows
fall under the limit does not depend on the order the database happens to return ties in.

Rows are written in an order that is neither their key order nor its reverse, so a listing
that sorted on the time alone would show them in insertion (or reverse) order.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import pytest

from kizuna.access import emergency, notify
from kizuna.ingest import quarantine
from kizuna.ingest.base import Failure, Location
from kizuna.store.db import Database

NOW = 1_790_000_000_000
#: insertion order: not the key order (a, b, c, d) and not its reverse
SHUFFLE = (1, 3, 0, 2)


def _ids(values: list[str]) -> SimpleNamespace:
    """A stand-in for the ``uuid`` module whose ``uuid4().hex`` yields ``values`` in turn."""
    pending: Iterator[str] = iter(values)
    return SimpleNamespace(uuid4=lambda: SimpleNamespace(hex=next(pending)))


def _store_notifications(db: Database, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    keys = ["n-a", "n-b", "n-c", "n-d"]
    monkeypatch.setattr(notify, "now_ms", lambda: NOW)
    monkeypatch.setattr(notify, "uuid", _ids([keys[i] for i in SHUFFLE]))
    with db.transaction() as tx:
        for _ in keys:
            notify.store(tx, "patient-1", "consent-change", {"text": "changed"})
    return keys


def test_notifications_of_one_millisecond_are_listed_by_key(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = _store_notifications(db, monkeypatch)
    newest_first = list(reversed(keys))
    assert [n["id"] for n in notify.for_patients(db, ("patient-1",))] == newest_first
    assert [n["id"] for n in notify.for_patients(db, ("patient-1",), limit=2)] == newest_first[:2]


def test_pending_notifications_are_delivered_in_key_order(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = _store_notifications(db, monkeypatch)
    monkeypatch.delenv("KIZUNA_NOTIFY_WEBHOOK", raising=False)
    monkeypatch.delenv("KIZUNA_SMTP_HOST", raising=False)
    notify.deliver_pending(db, limit=2)  # no channel: each try is counted on its row
    with db.read() as tx:
        rows = tx.fetchall("SELECT notification_id FROM notifications WHERE attempts > 0")
    assert sorted(r[0] for r in rows) == keys[:2]


def _failure(n: int) -> Failure:
    return Failure("hl7v2", f"reason {n}", Location("feed.hl7", line=n), b"MSH|%d" % n)


def test_quarantine_items_of_one_millisecond_are_listed_by_key(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(quarantine, "now_ms", lambda: NOW)
    failures = sorted((_failure(n) for n in range(4)), key=quarantine.fingerprint)
    with db.transaction() as tx:
        for i in SHUFFLE:
            quarantine.add(tx, failures[i])
    keys = [quarantine.fingerprint(f) for f in failures]
    assert [i.item_id for i in quarantine.items(db)] == keys
    assert [i.item_id for i in quarantine.items(db, limit=2)] == keys[:2]
    assert [i.item_id for i in quarantine.items(db, None, limit=3)] == keys[:3]


def test_grants_ending_together_resolve_to_the_same_grant(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(emergency, "uuid", _ids(["g-b", "g-a"]))
    with db.transaction() as tx:
        for patient in ("patient-1", "patient-2"):
            emergency.declare(tx, "dr-1", "physician", None, patient, "cardiac arrest", at_ms=NOW)
    with db.read() as tx:
        found = emergency.active_grant(tx, "dr-1", ("patient-1", "patient-2"), NOW + 1)
    assert found == "g-a"
