"""A group of units that another writer's work crossed (a deadlock, a unique key both
inserted) is tried again whole, in a new transaction, not unit by unit: storing units one
at a time in one transaction holds each unit's locks while it takes the next unit's,
which is how two workers deadlock again. Any other failure still goes unit by unit, so
the bad unit is quarantined alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest

from kizuna.ingest import pipeline
from kizuna.ingest.pipeline import GroupWriter, Pipeline
from kizuna.store.db import Database

RECEIPTS = "uke/RECEIPTC_GAIRAI_SAMPLE.UKE"


def _receipts(samples: Path) -> int:
    """Receipts in the file: its RE records (one unit each)."""
    lines = (samples / RECEIPTS).read_bytes().decode("cp932").split("\r\n")
    return sum(1 for line in lines if line.startswith("RE,"))


def _stored_receipt_keys(db: Database) -> set[str]:
    with db.read() as tx:
        return {r[0] for r in tx.fetchall("SELECT unit_key FROM ingest_units")}


def _fail_first_group(
    monkeypatch: pytest.MonkeyPatch, error: Exception
) -> tuple[list[int], list[str]]:
    """The first group's first try fails with ``error``; every try's size, and every unit
    stored one by one, are recorded."""
    tries: list[int] = []
    singles: list[str] = []
    monkeypatch.setattr(pipeline, "GROUP_UNITS", 50)  # the sample's 75 receipts: two groups
    store = GroupWriter.store
    ingest_unit = Pipeline.ingest_unit

    def failing_once(self: GroupWriter) -> Any:
        tries.append(len(self.units))
        if len(tries) == 1:
            raise error
        return store(self)

    def recorded(self: Pipeline, unit: Any, format_name: str | None = None) -> Any:
        singles.append(unit.key)
        return ingest_unit(self, unit, format_name)

    monkeypatch.setattr(GroupWriter, "store", failing_once)
    monkeypatch.setattr(Pipeline, "ingest_unit", recorded)
    return tries, singles


def test_a_group_crossed_by_another_writer_is_tried_again_whole(
    db: Database, samples: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tries, singles = _fail_first_group(
        monkeypatch, psycopg.errors.DeadlockDetected("deadlock detected")
    )
    receipts = _receipts(samples)
    report = Pipeline(db, batch_size=50).ingest_paths([samples / RECEIPTS])["uke"]
    assert tries == [50, 50, receipts - 50]
    assert singles == []
    assert report.units == receipts and report.quarantined == 0
    assert len(_stored_receipt_keys(db)) == receipts


def test_any_other_failure_goes_unit_by_unit(
    db: Database, samples: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tries, singles = _fail_first_group(monkeypatch, ValueError("a defect"))
    receipts = _receipts(samples)
    report = Pipeline(db, batch_size=50).ingest_paths([samples / RECEIPTS])["uke"]
    assert tries == [50, receipts - 50]
    assert len(singles) == 50 and len(set(singles)) == 50
    assert report.units == receipts and report.quarantined == 0
    assert len(_stored_receipt_keys(db)) == receipts
