"""Planner statistics are gathered on both backends, and a SQLite server gathers them at start."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kizuna.cli.database import app
from kizuna.fhir.repository import Repository
from kizuna.store import statistics
from kizuna.store.db import Database


def _observation(patient_id: str, code: str) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
        "subject": {"reference": f"Patient/{patient_id}"},
    }


def test_refresh_records_statistics_for_the_index_tables(db: Database) -> None:
    repo = Repository(db)
    patient = repo.create({"resourceType": "Patient", "gender": "female"})
    for code in ("718-7", "2345-7", "2093-3"):
        repo.create(_observation(patient.res_id, code))
    statistics.refresh(db)
    with db.read() as tx:
        if tx.dialect == "sqlite":
            rows = tx.fetchall("SELECT tbl, idx, stat FROM sqlite_stat1 WHERE tbl = 'sp_reference'")
            stats = {r[1]: r[2] for r in rows}
            # "rows rows-per-first-column ...": 3 Observations + their Patient compartments
            assert stats["ix_reference_res"].split()[0] == str(_count(tx, "sp_reference"))
        else:
            row = tx.fetchone(
                "SELECT reltuples FROM pg_class WHERE oid = to_regclass('sp_reference')"
            )
            assert row is not None and int(row[0]) == _count(tx, "sp_reference")


def test_db_analyze_command_refreshes_them(
    db: Database, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    Repository(db).create({"resourceType": "Patient", "gender": "male"})
    monkeypatch.setenv("KIZUNA_DATABASE_URL", database_url)
    result = CliRunner().invoke(app, ["analyze"])
    assert result.exit_code == 0, result.output
    assert "planner statistics refreshed in" in result.output
    with db.read() as tx:
        if tx.dialect == "sqlite":
            row = tx.fetchone("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'resources'")
        else:
            row = tx.fetchone(
                "SELECT COUNT(*) FROM pg_stat_user_tables WHERE relname = 'resources' "
                "AND schemaname = current_schema() AND last_analyze IS NOT NULL"
            )
        assert row is not None and row[0] >= 1


def _count(tx: Any, table: str) -> int:
    row = tx.fetchone(f"SELECT COUNT(*) FROM {table}")
    assert row is not None and row[0] > 0
    return int(row[0])


def test_a_sqlite_store_gathers_statistics_as_it_grows(tmp_path: Path) -> None:
    from kizuna.store.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'grows.sqlite3'}"
    upgrade(url)
    db = Database(url)
    db.analyze_every = 4
    repo = Repository(db)
    try:
        patient = repo.create({"resourceType": "Patient", "gender": "other"})  # write 1
        for code in ("718-7", "2345-7"):  # writes 2 and 3: no statistics yet
            repo.create(_observation(patient.res_id, code))
        with db.read() as tx:
            assert tx.fetchall("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'") == []
        repo.create(_observation(patient.res_id, "2093-3"))  # write 4
        with db.read() as tx:
            stats = dict(
                tx.fetchall("SELECT idx, stat FROM sqlite_stat1 WHERE tbl = 'sp_reference'")
            )
            assert stats["ix_reference_res"].split()[0] == str(_count(tx, "sp_reference"))
    finally:
        db.close()
