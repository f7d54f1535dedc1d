"""Audit append throughput on SQLite and PostgreSQL.

Usage: .venv/bin/python bench/audit_append.py [events-per-mode] [threads]

Modes (every event is durable when its call returns):
  single      one thread, one transaction per event (``record(db, event)``)
  batch-100   one thread, 100 events per transaction (``append(tx, events)``)
  threads-tx  N threads, one transaction per event: writers contend for the chain head
  recorder    N and 8N threads through ``AuditRecorder`` (group commit by one writer
              thread; a batch holds what the waiting callers queued, so throughput grows
              with concurrency)

PostgreSQL is KIZUNA_BENCH_PG_URL (default: the test server), in a scratch schema that
is dropped afterwards; it is skipped when unreachable. Every run ends with
``verify_chain``, whose speed is reported too.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from kizuna.audit.event import AuditEvent
from kizuna.audit.recorder import AuditRecorder
from kizuna.audit.store import append, record
from kizuna.audit.verify import verify_chain
from kizuna.store.db import Database
from kizuna.store.migrate import upgrade

PG_URL = os.environ.get("KIZUNA_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def make_event(n: int) -> AuditEvent:
    return AuditEvent(
        action="search" if n % 3 else "read",
        actor_kind="user",
        actor_subject=f"user-{n % 50}",
        actor_name="佐藤 花子",
        actor_role="physician",
        facility_code="1310123458",
        facility_name="かもめ中央病院",
        session_id=f"s-{n % 50}",
        request_id=str(uuid.uuid4()),
        patient_ids=(f"pat-{n % 997}",),
        data=tuple(f"Observation/obs-{n}-{i}" for i in range(5)),
        query="code=4548-4&date=ge2026-01-01&_count=50" if n % 3 else None,
        purpose="treatment",
        client_ip="192.0.2.10",
        user_agent="Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
    )


TABLES = ("audit_log", "audit_reviews", "audit_patients", "audit_checkpoints", "audit_head")


def reset(db: Database) -> None:
    """Empty the audit tables. Row deletes are refused on both backends: TRUNCATE on
    PostgreSQL; on SQLite the append-only triggers are dropped and created again."""
    with db.transaction() as tx:
        if tx.dialect == "postgresql":
            tx.execute(f"TRUNCATE {', '.join(TABLES)}")
            return
        marks = ",".join("?" * len(TABLES))
        triggers = tx.fetchall(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ({marks})",
            TABLES,
        )
        for name, _ in triggers:
            tx.execute(f'DROP TRIGGER "{name}"')
        for table in TABLES:
            tx.execute(f"DELETE FROM {table}")
        for _, sql in triggers:
            tx.execute(sql)


def single(db: Database, count: int, threads: int) -> None:
    for n in range(count):
        record(db, make_event(n))


def batch(db: Database, count: int, threads: int) -> None:
    for start in range(0, count, 100):
        with db.transaction() as tx:
            append(tx, [make_event(n) for n in range(start, min(start + 100, count))])


def threads_tx(db: Database, count: int, threads: int) -> None:
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda n: record(db, make_event(n)), range(count)))


def recorder(db: Database, count: int, threads: int) -> None:
    writer = AuditRecorder(db)
    try:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(lambda n: writer.record(make_event(n)), range(count)))
    finally:
        writer.close()


Mode = Callable[[Database, int, int], None]


def modes(threads: int) -> list[tuple[str, Mode, int]]:
    return [
        ("single", single, 1),
        ("batch-100", batch, 1),
        ("threads-tx", threads_tx, threads),
        ("recorder", recorder, threads),
        ("recorder", recorder, threads * 8),
    ]


def run(label: str, url: str, count: int, threads: int) -> None:
    upgrade(url)
    db = Database(url, pool_size=threads + 2)
    try:
        for name, mode, workers in modes(threads):
            reset(db)
            started = time.perf_counter()
            mode(db, count, workers)
            elapsed = time.perf_counter() - started
            checked = time.perf_counter()
            report = verify_chain(db)
            verify_rate = report.rows / (time.perf_counter() - checked)
            assert report.ok and report.rows == count, report.findings[:3]
            print(
                f"{label:<10} {name:<10} threads={workers:<3} {count / elapsed:>8,.0f} events/s"
                f"   verify {verify_rate:>8,.0f} rows/s",
                flush=True,
            )
    finally:
        db.close()


def postgres_url() -> tuple[str, Callable[[], None]] | None:
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    try:
        with psycopg.connect(PG_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
    except psycopg.Error as exc:
        print(f"postgresql skipped: {str(exc).splitlines()[0]}")
        return None

    def drop() -> None:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')

    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csearch_path%3D{schema}", drop


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    print(f"{count} events per mode, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as tmp:
        run("sqlite", f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", count, threads)
    pg = postgres_url()
    if pg is not None:
        url, drop = pg
        try:
            run("postgresql", url, count, threads)
        finally:
            drop()


if __name__ == "__main__":
    main()
