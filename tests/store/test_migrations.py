"""Schema migrations upgrade an existing database without touching its data."""

from __future__ import annotations

from alembic import command

from kizuna.fhir.repository import Repository
from kizuna.store.db import Database
from kizuna.store.migrate import alembic_config, current_heads, upgrade


def _tables(db: Database) -> set[str]:
    with db.read() as tx:
        if tx.dialect == "sqlite":
            rows = tx.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")
        else:
            rows = tx.fetchall(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            )
    return {r[0] for r in rows}


def test_an_older_database_upgrades_with_its_data(database_url: str) -> None:
    db = Database(database_url)
    repo = Repository(db)
    written = repo.create({"resourceType": "Patient", "name": [{"family": "伊藤"}]})
    heads = current_heads(database_url)

    command.downgrade(alembic_config(database_url), "0001_fhir_store")
    assert current_heads(database_url) == {"0001_fhir_store"}
    assert "export_jobs" not in _tables(db)

    upgrade(database_url)
    assert current_heads(database_url) == heads
    assert "export_jobs" in _tables(db)
    stored = repo.read("Patient", written.res_id)
    assert stored.version == 1 and '"伊藤"' in (stored.content or "")
    db.close()


def _rows(db: Database, table: str, res_id: str, param: str) -> set[tuple[str | None, ...]]:
    columns = "system, code" if table == "sp_token" else "target_type, target_id"
    with db.read() as tx:
        found = tx.fetchall(
            f"SELECT {columns} FROM {table} WHERE res_id = ? AND param = ?", (res_id, param)
        )
    return {tuple(r) for r in found}


def test_rows_of_derived_parameters_are_dropped_and_come_back_on_downgrade(
    database_url: str,
) -> None:
    db = Database(database_url)
    repo = Repository(db)
    written = repo.create(
        {
            "resourceType": "Observation",
            "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9"}]},
            "subject": {"reference": "Patient/p1"},
            "component": [{"code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]}}],
        }
    )
    obs = written.res_id
    assert _rows(db, "sp_token", obs, "combo-code") == set()
    assert _rows(db, "sp_reference", obs, "patient") == set()

    # what earlier versions stored, rebuilt from the rows that answer them
    command.downgrade(alembic_config(database_url), "0002_export_jobs")
    assert _rows(db, "sp_token", obs, "combo-code") == {
        ("http://loinc.org", "85354-9"),
        ("http://loinc.org", "8480-6"),
    }
    assert _rows(db, "sp_reference", obs, "patient") == {("Patient", "p1")}

    upgrade(database_url)
    assert _rows(db, "sp_token", obs, "combo-code") == set()
    assert _rows(db, "sp_reference", obs, "patient") == set()
    assert _rows(db, "sp_reference", obs, "subject") == {("Patient", "p1")}
    db.close()


def _columns(db: Database, table: str) -> list[str]:
    with db.read() as tx:
        if tx.dialect == "sqlite":
            return [r[1] for r in tx.fetchall(f"PRAGMA table_info({table})")]
        rows = tx.fetchall(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ?"
            " AND table_schema = current_schema() ORDER BY ordinal_position",
            (table,),
        )
    return [r[0] for r in rows]


def test_unit_outputs_drop_the_unread_patient_column_and_get_it_back_on_downgrade(
    database_url: str,
) -> None:
    db = Database(database_url)
    unit = "uke:1310100019:202310:chart:000042"
    with db.transaction() as tx:
        tx.insert_rows(
            "ingest_units",
            ("unit_key", "format", "version", "digest", "patient_id", "deleted", "updated_ms"),
            [(unit, "uke", "202310", "d1", "p42", 0, 1)],
        )
        tx.insert_rows(
            "ingest_unit_resources",
            ("unit_key", "res_type", "res_id"),
            [(unit, "Condition", "c1"), (unit, "Encounter", "e1")],
        )
    assert _columns(db, "ingest_unit_resources") == ["unit_key", "res_type", "res_id"]

    command.downgrade(alembic_config(database_url), "ingest_0002")
    assert "patient_key" in _columns(db, "ingest_unit_resources")
    with db.read() as tx:
        rows = tx.fetchall("SELECT res_id, patient_key FROM ingest_unit_resources ORDER BY res_id")
    assert [tuple(r) for r in rows] == [("c1", "p42"), ("e1", "p42")]

    upgrade(database_url)
    assert _columns(db, "ingest_unit_resources") == ["unit_key", "res_type", "res_id"]
    with db.read() as tx:
        rows = tx.fetchall("SELECT unit_key, res_id FROM ingest_unit_resources ORDER BY res_id")
    assert [tuple(r) for r in rows] == [(unit, "c1"), (unit, "e1")]
    db.close()


def _source_rows(db: Database) -> tuple[list[tuple[str, str | None]], list[tuple[str, str]]]:
    """``resources.source`` by id (when the column exists), and the ``_source`` index rows."""
    has_column = "source" in _columns(db, "resources")
    with db.read() as tx:
        uri = tx.fetchall("SELECT res_id, value FROM sp_uri WHERE param = '_source'")
        column = []
        if has_column:
            column = tx.fetchall("SELECT res_id, source FROM resources ORDER BY res_id")
    return sorted(tuple(r) for r in column), sorted(tuple(r) for r in uri)


def test_source_moves_between_the_column_and_index_rows(database_url: str) -> None:
    db = Database(database_url)
    repo = Repository(db)
    where = "urn:kizuna:source:uke:1310100019:202310.UKE#7"
    traced = repo.create({"resourceType": "Patient", "meta": {"source": where}}).res_id
    plain = repo.create({"resourceType": "Patient", "gender": "female"}).res_id
    expected = sorted([(traced, where), (plain, None)])
    assert _source_rows(db) == (expected, [])

    command.downgrade(alembic_config(database_url), "0004_key_collation")
    assert "source" not in _columns(db, "resources")
    assert _source_rows(db) == ([], [(traced, where)])

    upgrade(database_url)
    assert _source_rows(db) == (expected, [])
    db.close()
