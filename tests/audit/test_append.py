"""Concurrent writers make one linear chain; the group-committing recorder is durable."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from tests.audit.support import event, fill

from kizuna.audit.chain import CHAIN_COLUMNS
from kizuna.audit.checkpoints import Checkpointer
from kizuna.audit.event import Action, AuditEvent
from kizuna.audit.recorder import AuditRecorder, RecorderClosed
from kizuna.audit.store import append_committed, event_values, record
from kizuna.audit.verify import verify_chain
from kizuna.auth.keys import server_keys
from kizuna.store.db import Database

THREADS = 8
EACH = 40


def _seqs(db: Database) -> list[int]:
    with db.read() as tx:
        return [r[0] for r in tx.fetchall("SELECT seq FROM audit_log ORDER BY seq")]


def test_concurrent_writers_each_in_their_own_transaction_make_one_chain(
    database_url: str,
) -> None:
    db = Database(database_url, pool_size=THREADS)
    start = threading.Barrier(THREADS)

    def writer(n: int) -> list[int]:
        start.wait()
        return [record(db, event(n * 1000 + i)) for i in range(EACH)]

    try:
        with ThreadPoolExecutor(THREADS) as pool:
            returned = [s for seqs in pool.map(writer, range(THREADS)) for s in seqs]
        assert sorted(returned) == list(range(1, THREADS * EACH + 1))
        assert _seqs(db) == list(range(1, THREADS * EACH + 1))
        report = verify_chain(db)
        assert report.ok and report.rows == THREADS * EACH
    finally:
        db.close()


def test_the_recorder_group_commits_concurrent_events(database_url: str) -> None:
    db = Database(database_url, pool_size=4)
    recorder = AuditRecorder(db, max_batch=64)
    try:
        with ThreadPoolExecutor(THREADS) as pool:
            seqs = list(pool.map(lambda n: recorder.record(event(n)), range(THREADS * EACH)))
        assert sorted(seqs) == list(range(1, THREADS * EACH + 1))
        assert verify_chain(db).ok
    finally:
        recorder.close()
        db.close()


def test_a_recorded_event_is_committed_when_record_returns(db: Database) -> None:
    recorder = AuditRecorder(db)
    try:
        seq = recorder.record(event(1, patient_ids=("p-77",)))
        with db.read() as tx:
            row = tx.fetchone("SELECT patient_ids FROM audit_log WHERE seq = ?", (seq,))
        assert row == ("p-77",)
    finally:
        recorder.close()


def test_close_writes_what_is_queued_and_then_refuses(db: Database) -> None:
    recorder = AuditRecorder(db)
    futures = [recorder.submit(event(n)) for n in range(50)]
    recorder.close()
    assert sorted(f.result(5) for f in futures) == list(range(1, 51))
    with pytest.raises(RecorderClosed):
        recorder.submit(event(51))


def test_a_failed_append_reaches_every_waiting_caller(tmp_path: Path) -> None:
    broken = Database(f"sqlite:///{tmp_path / 'no-tables.sqlite3'}")  # never migrated
    recorder = AuditRecorder(broken)
    try:
        futures = [recorder.submit(event(n)) for n in range(5)]
        for future in futures:
            with pytest.raises(Exception, match="no such table"):
                future.result(5)
    finally:
        recorder.close()
        broken.close()


def test_the_recorder_writes_signed_checkpoints(db: Database, tmp_path: Path) -> None:
    keys = server_keys(tmp_path / "var")
    recorder = AuditRecorder(
        db, checkpointer=Checkpointer(db, keys, every_rows=10, every_seconds=3600)
    )
    try:
        for n in range(25):
            recorder.record(event(n))
    finally:
        recorder.close()
    report = verify_chain(db, {keys.key_id: keys.public_key})
    assert report.ok and report.checkpoints >= 2 and report.signed_through >= 20


def test_events_are_validated_before_they_are_queued() -> None:
    with pytest.raises(ValueError, match="declared reason"):
        AuditEvent(action="emergency-access", patient_ids=("p1",))
    with pytest.raises(ValueError, match="outcome"):
        AuditEvent(action="read", outcome="maybe")
    with pytest.raises(ValueError, match="lowercase"):
        AuditEvent(action="Read Patient")


def test_stored_text_is_cleaned_and_bounded(db: Database) -> None:
    seq = record(db, event(1, user_agent="evil\x00agent\n" + "x" * 1000, emergency_reason=None))
    with db.read() as tx:
        row = tx.fetchone("SELECT user_agent FROM audit_log WHERE seq = ?", (seq,))
    assert row is not None and "\x00" not in row[0] and len(row[0]) == 256
    assert verify_chain(db).ok


def test_one_statement_appends_store_what_the_python_path_stores(database_url: str) -> None:
    """PostgreSQL appends through ``kizuna_audit_append``; SQLite through ``append``. Either
    way each row holds the event's values and hashes onto its predecessor."""
    db = Database(database_url)
    awkward = event(
        2,
        action=Action.EMERGENCY_ACCESS,
        patient_ids=("p-1", "p-2", "p-1"),
        emergency_reason='意識障害 "搬送中"\\n\t救急',
        user_agent=None,
    )
    events = [event(1), awkward, event(3, patient_ids=())]
    try:
        fill(db, 2)  # the Python path first, then the one-statement path on its head
        seqs = append_committed(db, events)
        assert seqs == [3, 4, 5]
        with db.read() as tx:
            stored = tx.fetchall(
                f"SELECT {', '.join(CHAIN_COLUMNS)} FROM audit_log WHERE seq >= 3 ORDER BY seq"
            )
            patients = tx.fetchall(
                "SELECT patient_id, seq FROM audit_patients WHERE seq >= 3 ORDER BY seq, patient_id"
            )
            reviews = tx.fetchall("SELECT seq, opened_ms, status FROM audit_reviews")
        for row, sent, seq in zip(stored, events, seqs, strict=True):
            assert list(row) == event_values(sent, seq, 0)
        assert [tuple(p) for p in patients] == [("patient-1", 3), ("p-1", 4), ("p-2", 4)]
        assert [tuple(r) for r in reviews] == [(4, awkward.at_ms, "open")]
        assert verify_chain(db).ok
        assert append_committed(db, []) == []
    finally:
        db.close()
