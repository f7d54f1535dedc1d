"""Replacing resources moves their current versions to history and their index rows away
(``kizuna.store.resources.archive``: one statement on PostgreSQL, one per table on SQLite),
leaving every other resource's rows as they were."""

from __future__ import annotations

from typing import Any

from kizuna.fhir import writes
from kizuna.store.db import Database
from kizuna.store.resources import INDEX_TABLES, index_columns


def _patient(pid: str, family: str, born: str, member: str) -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "id": pid,
        "identifier": [{"system": "urn:oid:1.2.392.100495.20.3.51.1", "value": member}],
        "name": [{"family": family, "given": ["花子"]}],
        "birthDate": born,
        "generalPractitioner": [{"reference": f"Practitioner/gp-{pid}"}],
    }


def _observation(oid: str, pid: str, value: float) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": oid,
        "meta": {"source": f"urn:kizuna:test:{oid}"},
        "status": "final",
        "code": {
            "coding": [{"system": "urn:oid:1.2.392.200119.4.504", "code": "3F015000002327101"}]
        },
        "subject": {"reference": f"Patient/{pid}"},
        "effectiveDateTime": "2026-04-01",
        "valueQuantity": {"value": value, "unit": "mg/dL", "system": "http://unitsofmeasure.org"},
    }


def _rows(db: Database, res_type: str, res_id: str) -> dict[str, set[tuple[Any, ...]]]:
    found: dict[str, set[tuple[Any, ...]]] = {}
    with db.read() as tx:
        for table in INDEX_TABLES:
            columns = ", ".join(index_columns(table))
            rows = tx.fetchall(
                f"SELECT {columns} FROM {table} WHERE res_type = ? AND res_id = ?",
                (res_type, res_id),
            )
            if rows:
                found[table] = {tuple(r) for r in rows}
    return found


def _expected(resource: dict[str, Any], pkey: str) -> dict[str, set[tuple[Any, ...]]]:
    rows = writes.index_rows(resource["resourceType"], resource["id"], pkey, resource)
    return {table: set(values) for table, values in rows.items() if values}


def test_replaced_resources_go_to_history_with_their_index_rows_gone(db: Database) -> None:
    first = [
        _patient("p1", "山田", "1960-01-02", "01130012:1:2:01"),
        _patient("p2", "佐藤", "1970-03-04", "01130012:3:4:01"),
        _observation("o1", "p1", 98.0),
        _observation("o2", "p2", 130.0),
    ]
    with db.transaction() as tx:
        writes.apply(tx, [writes.Put(r) for r in first])
    kept_before = _rows(db, "Observation", "o2")
    second = [
        _patient("p1", "鈴木", "1960-01-03", "01130012:1:2:02"),  # a married name, say
        _observation("o1", "p1", 104.0),
    ]
    with db.transaction() as tx:  # two keys: the multi-key form of the archive
        outcomes = writes.apply(tx, [writes.Put(r) for r in second])
    assert [(o.key, o.version, o.status) for o in outcomes] == [
        (("Patient", "p1"), 2, 200),
        (("Observation", "o1"), 2, 200),
    ]
    with db.read() as tx:
        history = tx.fetchall(
            "SELECT res_type, res_id, version, content FROM resource_history ORDER BY res_type"
        )
        current = tx.fetchall(
            "SELECT res_id, version FROM resources WHERE res_id IN ('p1', 'o1') ORDER BY res_id"
        )
    assert [(h[0], h[1], h[2]) for h in history] == [("Observation", "o1", 1), ("Patient", "p1", 1)]
    assert '"value":98.0' in history[0][3] and "山田" in history[1][3]
    assert [tuple(r) for r in current] == [("o1", 2), ("p1", 2)]
    patient_rows = _rows(db, "Patient", "p1")
    assert patient_rows == _expected(second[0], "p1")
    assert ("name", "鈴木") in {(r[3], r[5]) for r in patient_rows["sp_string"]}
    assert not any("山田" in str(row) for rows in patient_rows.values() for row in rows)
    observation_rows = _rows(db, "Observation", "o1")
    assert observation_rows == _expected(second[1], "p1")
    assert {r[4] for r in observation_rows["sp_quantity"]} == {104.0}
    assert _rows(db, "Observation", "o2") == kept_before == _expected(first[3], "p2")
    with db.transaction() as tx:  # one key: the single-key form
        writes.apply(tx, [writes.Put(_observation("o2", "p2", 131.0))])
    assert {r[4] for r in _rows(db, "Observation", "o2")["sp_quantity"]} == {131.0}
