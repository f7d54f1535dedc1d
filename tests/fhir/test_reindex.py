"""``kizuna db reindex``: index rows rebuilt from the stored resources, nothing else changed."""

from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner

from kizuna.cli.database import app
from kizuna.fhir import writes
from kizuna.fhir.reindex import reindex
from kizuna.store.db import Database
from kizuna.store.resources import INDEX_TABLES

runner = CliRunner()


def _patient(pid: str, family: str) -> dict[str, Any]:
    return {"resourceType": "Patient", "id": pid, "name": [{"family": family, "given": ["花子"]}]}


def _condition(cid: str, pid: str, text: str) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "id": cid,
        "subject": {"reference": f"Patient/{pid}"},
        "code": {
            "coding": [{"system": "urn:oid:1.2.392.200119.4.101.6", "code": "8833421"}],
            "text": text,
        },
        "recordedDate": "2024-04-01",
    }


def _store(db: Database) -> None:
    """Three patients with a diagnosis each; the third patient deleted afterwards."""
    puts = [
        writes.Put(_patient(f"p{i}", family))
        for i, family in enumerate(["ヤマダ", "すずき", "ｻﾄｳ"])
    ]
    puts += [writes.Put(_condition(f"c{i}", f"p{i}", "高血圧症")) for i in range(3)]
    with db.transaction() as tx:
        writes.apply(tx, puts)
    with db.transaction() as tx:
        writes.apply(tx, [writes.Delete("Patient", "p2")])


def _index(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    with db.read() as tx:
        return {
            t: sorted(map(tuple, tx.fetchall(f"SELECT * FROM {t}")), key=repr) for t in INDEX_TABLES
        }


def _resources(db: Database) -> list[tuple[Any, ...]]:
    with db.read() as tx:
        return sorted(map(tuple, tx.fetchall("SELECT * FROM resources ORDER BY res_type, res_id")))


def _damage(db: Database) -> None:
    """What an older release might have left: missing rows, a stale row, a deleted one's row."""
    with db.transaction() as tx:
        tx.execute("DELETE FROM sp_string WHERE res_type = 'Patient' AND res_id = 'p0'")
        tx.execute(
            "INSERT INTO sp_token (res_type, res_id, patient_key, param, system, code, text_norm)"
            " VALUES ('Condition', 'c1', 'p1', 'code', NULL, NULL, 'こうけつあつしょう')"
        )
        tx.execute(
            "INSERT INTO sp_string (res_type, res_id, patient_key, param, value_norm, value_exact)"
            " VALUES ('Patient', 'p2', 'p2', 'family', 'さとう', 'ｻﾄｳ')"
        )


def test_reindex_restores_the_rows_a_write_derives_and_changes_no_resource(db: Database) -> None:
    _store(db)
    written, stored = _index(db), _resources(db)
    assert ("Patient", "p0", "p0", "family", "やまだ", "ヤマダ") in written["sp_string"]
    _damage(db)
    damaged = _index(db)
    assert damaged != written

    report = reindex(db, batch=2)  # several batches, one crossing from Condition to Patient

    assert _index(db) == written
    assert _resources(db) == stored
    assert report.resources == 5  # p2 is deleted: it keeps no rows
    assert report.written == sum(map(len, written.values()))
    assert report.removed == sum(map(len, damaged.values()))


def test_reindex_of_one_type_leaves_the_others(db: Database) -> None:
    _store(db)
    written = _index(db)
    _damage(db)
    report = reindex(db, "Patient")
    after = _index(db)
    assert report.resources == 2
    assert [r for r in after["sp_string"] if r[0] == "Patient"] == [
        r for r in written["sp_string"] if r[0] == "Patient"
    ]
    stale = ("Condition", "c1", "p1", "code", None, None, "こうけつあつしょう")
    assert stale in after["sp_token"] and stale not in written["sp_token"]


def test_the_command_reports_what_it_rebuilt(
    db: Database, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIZUNA_DATABASE_URL", database_url)
    _store(db)
    written = _index(db)
    _damage(db)
    removed = sum(map(len, _index(db).values()))
    result = runner.invoke(app, ["reindex"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(  # off a terminal: the summary alone, no progress lines
        f"5 resources reindexed: {removed:,} index rows removed, "
    )
    assert f"{sum(map(len, written.values())):,} written" in result.output
    assert _index(db) == written
    wrong = runner.invoke(app, ["reindex", "--type", "Patients"])
    assert wrong.exit_code != 0
    assert "not a resource type: Patients" in wrong.output
