"""Rows by a list of key values (kizuna.store.resources.rows_by_values): the rows an IN
list would give, and on PostgreSQL one index probe per value even when the table's
statistics were taken before it grew (as during a load, between autovacuum's visits)."""

from __future__ import annotations

from typing import Any

import pytest

from kizuna.store import resources as sql
from kizuna.store.db import Database


def _fill(db: Database, units: int) -> None:
    with db.transaction() as tx:
        tx.insert_rows(
            "ingest_unit_resources",
            ("unit_key", "res_type", "res_id"),
            [
                (f"uke:1310100019:202310:chart:{n:06d}", "Condition", f"c{n}-{k}")
                for n in range(units)
                for k in range(2)
            ],
        )


def test_rows_by_values_are_the_rows_an_in_list_gives(db: Database) -> None:
    _fill(db, 300)
    wanted = [
        "uke:1310100019:202310:chart:000007",
        "uke:1310100019:202310:chart:000299",
        "uke:1310100019:202310:chart:000007",  # asked twice, found once
        "uke:1310100019:202310:chart:999999",  # not there
    ]
    columns = ("unit_key", "res_type", "res_id")
    with db.read() as tx:
        found = sql.rows_by_values(tx, "ingest_unit_resources", columns, "unit_key", wanted)
        assert sql.rows_by_values(tx, "ingest_unit_resources", columns, "unit_key", []) == []
    assert sorted(tuple(r) for r in found) == [
        ("uke:1310100019:202310:chart:000007", "Condition", "c7-0"),
        ("uke:1310100019:202310:chart:000007", "Condition", "c7-1"),
        ("uke:1310100019:202310:chart:000299", "Condition", "c299-0"),
        ("uke:1310100019:202310:chart:000299", "Condition", "c299-1"),
    ]


def _scans(node: dict[str, Any]) -> list[str]:
    found = [node["Node Type"]] if "Relation Name" in node else []
    for child in node.get("Plans", []):
        found.extend(_scans(child))
    return found


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # its plans
def test_each_value_is_an_index_probe_whatever_the_statistics_say(db: Database) -> None:
    with db.read() as tx:
        tx.execute("ANALYZE ingest_unit_resources")  # statistics of an empty table
    _fill(db, 5000)  # then the table grows, as it does during a load
    wanted = [f"uke:1310100019:202310:chart:{n:06d}" for n in range(0, 5000, 100)]
    with db.read() as tx:
        query, args = sql.select_by_values(
            "ingest_unit_resources", ("unit_key",), "unit_key", wanted, "postgresql"
        )
        row = tx.fetchone(f"EXPLAIN (FORMAT JSON) {query}", args)
        found = sql.rows_by_values(tx, "ingest_unit_resources", ("unit_key",), "unit_key", wanted)
    assert row is not None
    assert [s for s in _scans(row[0][0]["Plan"]) if s != "Function Scan"] in (
        ["Index Scan"],
        ["Index Only Scan"],
        ["Bitmap Heap Scan"],
    )
    assert sorted(r[0] for r in found) == sorted(wanted * 2)


def test_delete_by_values_removes_exactly_those_rows(db: Database) -> None:
    _fill(db, 300)
    gone = ["uke:1310100019:202310:chart:000007", "uke:1310100019:202310:chart:999999"]
    with db.transaction() as tx:
        sql.delete_by_values(tx, "ingest_unit_resources", "unit_key", gone)
        sql.delete_by_values(tx, "ingest_unit_resources", "unit_key", [])
    with db.read() as tx:
        left = tx.fetchall("SELECT unit_key, res_id FROM ingest_unit_resources")
    assert len(left) == 598
    assert ("uke:1310100019:202310:chart:000007", "c7-0") not in {tuple(r) for r in left}
    assert ("uke:1310100019:202310:chart:000008", "c8-1") in {tuple(r) for r in left}


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # its plans
def test_delete_probes_each_value_whatever_the_statistics_say(db: Database) -> None:
    with db.read() as tx:
        tx.execute("ANALYZE ingest_unit_resources")  # statistics of an empty table
    _fill(db, 5000)
    gone = [f"uke:1310100019:202310:chart:{n:06d}" for n in range(0, 5000, 100)]
    query, args = sql.delete_by_values_sql("ingest_unit_resources", "unit_key", gone, "postgresql")
    with db.transaction() as tx:
        for _ in range(6):  # past psycopg's prepare threshold: the kept plan is checked too
            row = tx.fetchone(f"EXPLAIN (FORMAT JSON) {query}", args)
        assert row is not None
        scans = [s for s in _scans(row[0][0]["Plan"]) if s not in ("Function Scan", "ModifyTable")]
        sql.delete_by_values(tx, "ingest_unit_resources", "unit_key", gone)
        left = tx.fetchone("SELECT count(*) FROM ingest_unit_resources")
    assert "Seq Scan" not in scans and scans, scans
    assert left is not None and left[0] == 10_000 - 100
