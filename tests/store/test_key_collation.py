"""The store's key columns compare bytewise, and only references by URL are in the URL
index (migrations ``0004_key_collation`` and ``ingest_0002``)."""

from __future__ import annotations

from typing import Any

import pytest

from kizuna.fhir import writes
from kizuna.fhir.search import engine
from kizuna.fhir.search.query import parse
from kizuna.store.db import Database, Tx

KEY_TABLES = [
    "resources",
    "resource_history",
    "sp_token",
    "sp_string",
    "sp_date",
    "sp_reference",
    "sp_quantity",
    "sp_number",
    "sp_uri",
    "ingest_units",
    "ingest_unit_resources",
]

_INDEXED_TEXT = """
SELECT DISTINCT c.relname, a.attname, coalesce(col.collname, '')
FROM pg_index i
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY(i.indkey)
LEFT JOIN pg_collation col ON col.oid = a.attcollation
WHERE a.atttypid = 'text'::regtype AND c.relname = ANY(?)
"""


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_every_indexed_text_column_of_the_store_uses_the_c_collation(db: Database) -> None:
    with db.read() as tx:
        rows = tx.fetchall(_INDEXED_TEXT, (KEY_TABLES,))
    collations = {(r[0], r[1]): r[2] for r in rows}
    assert {k for k, v in collations.items() if v != "C"} == set()
    for key in [
        ("resources", "res_id"),
        ("resources", "patient_key"),
        ("sp_token", "code"),
        ("sp_reference", "target_id"),
        ("sp_reference", "url"),
        ("sp_uri", "value"),
        ("ingest_unit_resources", "unit_key"),
    ]:
        assert collations[key] == "C"


def _observation(number: int, reference: str) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": f"obs-{number}",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]},
        "subject": {"reference": reference},
    }


def _load(db: Database) -> None:
    puts = [writes.Put(_observation(n, f"Patient/P{n}")) for n in range(40)]
    puts += [
        writes.Put(_observation(40, "urn:uuid:6f2d0c4e-8a57-4b1c-9a0e-2f5b7d1e3c90")),
        writes.Put(_observation(41, "https://fhir.example.jp/fhir/Patient/ext-7")),
    ]
    with db.transaction() as tx:
        writes.apply(tx, puts)


def _uses_url_index(tx: Tx) -> bool:
    query = "SELECT res_id FROM sp_reference WHERE url = ?"
    if tx.dialect == "sqlite":
        plan = tx.fetchall(f"EXPLAIN QUERY PLAN {query}", ("urn:uuid:x",))
        return any("ix_reference_url" in str(row[-1]) for row in plan)
    tx.execute("SET LOCAL enable_seqscan = off")  # may the index answer it at all?
    plan = tx.fetchall(f"EXPLAIN {query}", ("urn:uuid:x",))
    return any("ix_reference_url" in row[0] for row in plan)


def test_only_references_by_url_are_in_the_url_index_and_searches_still_use_it(
    db: Database,
) -> None:
    _load(db)
    with db.transaction() as tx:
        with_url = tx.fetchall("SELECT res_id, url FROM sp_reference WHERE url IS NOT NULL")
        assert sorted(with_url) == [
            ("obs-40", "urn:uuid:6f2d0c4e-8a57-4b1c-9a0e-2f5b7d1e3c90"),
            ("obs-41", "https://fhir.example.jp/fhir/Patient/ext-7"),
        ]
        assert _uses_url_index(tx)
    with db.read() as tx:
        by_urn = engine.search(
            tx, parse("Observation", [("subject", "urn:uuid:6f2d0c4e-8a57-4b1c-9a0e-2f5b7d1e3c90")])
        )
        by_url = engine.search(
            tx, parse("Observation", [("subject", "https://fhir.example.jp/fhir/Patient/ext-7")])
        )
        by_id = engine.search(tx, parse("Observation", [("subject", "Patient/P7")]))
    assert [h[1] for h in by_urn.matches] == ["obs-40"]
    assert [h[1] for h in by_url.matches] == ["obs-41"]
    assert [h[1] for h in by_id.matches] == ["obs-7"]


def test_ids_are_ordered_by_code_point(db: Database) -> None:
    ids = ["b-2", "B-1", "a-3", "é-4", "Z-5", "ア-6", "0-7"]
    with db.transaction() as tx:
        writes.apply(tx, [writes.Put(_observation(0, "Patient/P0") | {"id": i}) for i in ids])
    with db.read() as tx:
        stored = [r[0] for r in tx.fetchall("SELECT res_id FROM resources ORDER BY res_id")]
    assert stored == sorted(ids)  # Python orders str by code point
    assert stored[:2] == ["0-7", "B-1"]
