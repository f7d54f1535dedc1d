"""Planner statistics: refreshed after large loads, and when a server opens a SQLite file.

Search queries pick their indexes from these statistics. SQLite never gathers them by
itself, and without them it chose, for ``Encounter?subject=…&date=ge2015``, to scan every
Encounter reference rather than the one patient's (seconds instead of milliseconds on a
million resources). A sampled ``ANALYZE`` (``analysis_limit``) reads a bounded number of
rows per index, so it takes tens of milliseconds even on a database of gigabytes; a SQLite
``Database`` also runs it after every ``SQLITE_ANALYZE_EVERY`` committed writes, so a
server that started on an empty file does not plan from no statistics for ever.
PostgreSQL's autovacuum keeps its own statistics; it is asked explicitly only after a
bulk load, which would otherwise run on estimates until autovacuum catches up.
"""

from __future__ import annotations

import logging
import time

from kizuna.store.db import Database, sqlite_analyze

log = logging.getLogger("kizuna.store")


def refresh(db: Database) -> float:
    """Gather planner statistics for every table; returns the seconds it took."""
    started = time.perf_counter()
    with db.transaction() as tx:
        if tx.dialect == "sqlite":
            sqlite_analyze(tx)
        else:  # this schema's tables only; never wait on a table another session locks
            rows = tx.fetchall(
                "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = current_schema()"
            )
            if rows:
                tx.execute(f"ANALYZE (SKIP_LOCKED) {', '.join(r[0] for r in rows)}")
    elapsed = time.perf_counter() - started
    log.info("planner statistics refreshed in %.2f s", elapsed)
    return elapsed


def refresh_url(url: str) -> float:
    """:func:`refresh` on the database at ``url`` (for commands and scripts)."""
    db = Database(url)
    try:
        return refresh(db)
    finally:
        db.close()
