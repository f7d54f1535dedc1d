"""A command that loses its database says so once: the connection pool's own warnings
(each connection it discards, each failed reconnection) are kept out of its output, and
the error reaches the caller, which prints one line (``kizuna.cli.main.describe``)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator

import psycopg
import pytest

from kizuna.cli.main import describe
from kizuna.store.db import Database, quiet_pool_warnings

POOL_LOGGER = logging.getLogger("psycopg.pool")


@pytest.fixture
def pool_logger_level() -> Iterator[None]:
    level = POOL_LOGGER.level
    yield
    POOL_LOGGER.setLevel(level)


def _lose_connection(database_url: str) -> BaseException:
    """Use a database whose connection PostgreSQL ended; what using it raised."""
    name = f"kizuna-lost-{uuid.uuid4().hex[:8]}"
    url = f"{database_url}&application_name={name}"
    db = Database(url)
    try:
        with db.read() as tx:
            assert tx.fetchone("SELECT 1") == (1,)
        with psycopg.connect(database_url, autocommit=True) as admin:
            ended = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE application_name = %s",
                (name,),
            ).fetchall()
        assert ended and all(row[0] for row in ended)
        with pytest.raises(psycopg.OperationalError) as raised, db.read() as tx:
            tx.fetchone("SELECT 1")
        return raised.value
    finally:
        db.close()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_the_pool_warns_of_a_lost_connection_by_default(
    database_url: str, caplog: pytest.LogCaptureFixture, pool_logger_level: None
) -> None:
    POOL_LOGGER.setLevel(logging.NOTSET)
    caplog.set_level(logging.WARNING)
    _lose_connection(database_url)
    warnings = [r.getMessage() for r in caplog.records if r.name == "psycopg.pool"]
    assert any(w.startswith("discarding closed connection") for w in warnings)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_command_reports_a_lost_connection_once(
    database_url: str, caplog: pytest.LogCaptureFixture, pool_logger_level: None
) -> None:
    quiet_pool_warnings()
    caplog.set_level(logging.WARNING)
    error = _lose_connection(database_url)
    assert [r.getMessage() for r in caplog.records if r.name.startswith("psycopg")] == []
    line = describe(error)
    assert line.startswith("AdminShutdown: terminating connection due to administrator command")
    assert line.endswith("run the command again when the database is back)")
