"""A failed batch of statements reaches the caller as its error, once: psycopg's own
warning that repeats it ("error ignored terminating <Pipeline …>", logged when the error
is read while the batch is still being sent) is not printed beside the ingest's progress,
where an operator would take it for a second, unhandled fault."""

from __future__ import annotations

import logging

import psycopg
import pytest

from kizuna.store.db import Database


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # psycopg's pipeline
def test_a_failed_batch_raises_its_error_and_logs_no_repeat(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    # Whether the error is read while rows are still going out depends on timing, so the
    # batch is large, its rows are long, and it is sent ten times.
    rows = [("u1", "Condition", f"c{n}", "p" * 2000) for n in range(5000)]
    rows[1] = rows[0]  # the second row repeats the first
    caplog.set_level(logging.DEBUG)
    for _ in range(10):
        with pytest.raises(psycopg.errors.UniqueViolation) as raised, db.transaction() as tx:
            tx.execute(
                "CREATE TEMP TABLE unique_rows (unit_key text, res_type text, res_id text,"
                " patient_key text, PRIMARY KEY (res_type, res_id))"
            )
            tx.executemany("INSERT INTO unique_rows VALUES (?, ?, ?, ?)", rows)
        assert "Key (res_type, res_id)=(Condition, c0) already exists" in str(raised.value)
    assert [r.getMessage() for r in caplog.records if r.name.startswith("psycopg")] == []
    with db.transaction() as tx:  # the pool's connection is usable again
        assert tx.fetchone("SELECT 1") == (1,)
