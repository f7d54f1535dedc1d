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
