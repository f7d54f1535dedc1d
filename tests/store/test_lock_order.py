"""Write locks on current versions (kizuna.store.resources.heads with ``lock``) are taken in
key order, whatever order the keys were given in: two such statements locking overlapping
keys queue behind each other instead of deadlocking, which PostgreSQL would only break
after ``deadlock_timeout`` by failing one of them."""

from __future__ import annotations

import threading
from typing import Any

import psycopg
import pytest

from kizuna.fhir import writes
from kizuna.store import resources as sql
from kizuna.store.db import Database

FIRST = ("Patient", "lock-a")
LAST = ("Patient", "lock-z")


def _patients(db: Database) -> None:
    """Stored last key first: a scan in storage order meets it first."""
    with db.transaction() as tx:
        writes.apply(
            tx, [writes.Put({"resourceType": "Patient", "id": key[1]}) for key in (LAST, FIRST)]
        )


def _backend_waits_for_a_lock(tx: Any, pid: int) -> bool:
    row = tx.fetchone("SELECT wait_event_type FROM pg_stat_activity WHERE pid = ?", (pid,))
    return row is not None and row[0] == "Lock"


def _locked_by_another(url: str, key: tuple[str, str]) -> bool:
    other = Database(url)
    try:
        with other.transaction() as tx:
            tx.fetchone(
                "SELECT version FROM resources WHERE res_type = ? AND res_id = ? FOR UPDATE NOWAIT",
                key,
            )
    except psycopg.errors.LockNotAvailable:
        return True
    finally:
        other.close()
    return False


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # row locks
def test_keys_are_locked_in_key_order(db: Database, database_url: str) -> None:
    _patients(db)
    holder = Database(database_url)
    writer = Database(database_url)
    started = threading.Event()
    writer_pid: list[int] = []
    found: list[dict[Any, Any]] = []

    def lock_last_then_first() -> None:
        with writer.transaction() as tx:
            row = tx.fetchone("SELECT pg_backend_pid()")
            assert row is not None
            writer_pid.append(row[0])
            started.set()
            found.append(sql.heads(tx, [LAST, FIRST], lock=True))  # given last key first

    try:
        with holder.transaction() as held:
            sql.heads(held, [LAST], lock=True)  # another writer holds the last key
            thread = threading.Thread(target=lock_last_then_first)
            thread.start()
            assert started.wait(10)
            with db.read() as probe:
                waiting = False
                for _ in range(1000):  # until the writer queues for the held key
                    waiting = _backend_waits_for_a_lock(probe, writer_pid[0])
                    if waiting:
                        break
                    probe.fetchone("SELECT pg_sleep(0.01)")
            assert waiting
            # the writer holds the first key while it waits for the last one
            assert _locked_by_another(database_url, FIRST)
        thread.join(10)
        assert set(found[0]) == {FIRST, LAST}
    finally:
        holder.close()
        writer.close()
