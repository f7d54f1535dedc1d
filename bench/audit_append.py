"""Audit append throughput on SQLite and PostgreSQL.

Usage: .venv/bin/python bench/audit_append.py [events-per-mode] [threads]

Modes (every event is durable when its call returns):
  single      one thread, one transaction per event (``record(db, event)``)
  batch-100   one thread, 100 events per transaction (``append(tx, events)``)
  threads-tx  N threads, one transaction per event: writers contend for the chain head
  recorder    N and 8N threads through ``AuditRecorder`` (group commit by one writer
              thread; a batch holds what the waiting callers queued, so throughput grows
              with concurrency)

Each mode starts on an empty database (``bench/databases.py``): a SQLite file, or the
PostgreSQL schema ``bench_audit`` of KIZUNA_BENCH_PG (default: the test server), dropped
afterwards; PostgreSQL is skipped when unreachable. Every run ends with
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

import psycopg
from databases import PG_BASE, fresh_database

from kizuna.audit.event import AuditEvent
from kizuna.audit.recorder import AuditRecorder
from kizuna.audit.store import append, record
from kizuna.audit.verify import verify_chain
from kizuna.store.db import Database
from kizuna.store.migrate import upgrade


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


def run(backend: str, folder: Path, count: int, threads: int) -> None:
    """Each mode on a database of its own: audit rows cannot be deleted on either backend."""
    for name, mode, workers in modes(threads):
        url = fresh_database(backend, folder, "audit")
        upgrade(url)
        db = Database(url, pool_size=threads + 2)
        try:
            started = time.perf_counter()
            mode(db, count, workers)
            elapsed = time.perf_counter() - started
            checked = time.perf_counter()
            report = verify_chain(db)
            verify_rate = report.rows / (time.perf_counter() - checked)
        finally:
            db.close()
        assert report.ok and report.rows == count, report.findings[:3]
        print(
            f"{backend:<10} {name:<10} threads={workers:<3} {count / elapsed:>8,.0f} events/s"
            f"   verify {verify_rate:>8,.0f} rows/s",
            flush=True,
        )


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    print(f"{count} events per mode, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as tmp:
        run("sqlite", Path(tmp), count, threads)
        try:
            run("postgresql", Path(tmp), count, threads)
        except psycopg.OperationalError as exc:
            print(f"postgresql skipped: {str(exc).splitlines()[0]}")
            return
    with psycopg.connect(PG_BASE, autocommit=True) as conn:
        conn.execute('DROP SCHEMA IF EXISTS "bench_audit" CASCADE')


if __name__ == "__main__":
    main()
