"""``verify_chain`` names every kind of tampering by sequence number, on both backends."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.audit.support import fill, forge_after, hash_of, move, shift_up, tamper

from kizuna.audit.checkpoints import load_checkpoints, write_checkpoint
from kizuna.audit.verify import verify_chain
from kizuna.auth.keys import ServerKeys, server_keys
from kizuna.store.db import Database


@pytest.fixture
def keys(tmp_path: Path) -> ServerKeys:
    return server_keys(tmp_path / "var")


def findings(db: Database, keys: ServerKeys | None = None) -> list[tuple[int, str]]:
    public = {keys.key_id: keys.public_key} if keys else None
    report = verify_chain(db, public)
    return [(f.seq, f.kind) for f in report.findings]


def test_an_intact_chain_verifies(db: Database) -> None:
    fill(db, 40)
    report = verify_chain(db)
    assert report.ok and report.rows == 40 and report.last_seq == 40 and report.head_seq == 40


def test_the_tables_refuse_updates_and_deletes_through_the_normal_path(db: Database) -> None:
    fill(db, 3)
    with pytest.raises(Exception, match="append-only"), db.transaction() as tx:
        tx.execute("UPDATE audit_log SET actor_name = 'x' WHERE seq = 2")
    with pytest.raises(Exception, match="append-only"), db.transaction() as tx:
        tx.execute("DELETE FROM audit_log WHERE seq = 2")
    with pytest.raises(Exception, match="append-only"), db.transaction() as tx:
        tx.execute("DELETE FROM audit_patients")
    assert verify_chain(db).ok


def test_a_changed_row(db: Database) -> None:
    fill(db, 20)
    with tamper(db) as tx:
        tx.execute("UPDATE audit_log SET patient_ids = 'patient-9' WHERE seq = 7")
    assert findings(db) == [(7, "changed")]


def test_a_changed_row_with_a_recomputed_hash_breaks_the_next_link(db: Database) -> None:
    fill(db, 20)
    previous = hash_of(db, 6)
    with tamper(db) as tx:
        tx.execute("DELETE FROM audit_log WHERE seq = 7")
        forge_after(
            tx,
            7,
            previous,
            actor_name="医師 7",
            data=("Observation/obs-7",),
            at_ms=1_800_000_000_007,
            actor_subject="user-0",
        )
    assert findings(db) == [(7, "changed")]


def test_a_deleted_row(db: Database) -> None:
    fill(db, 20)
    with tamper(db) as tx:
        tx.execute("DELETE FROM audit_log WHERE seq = 11")
    assert findings(db) == [(11, "deleted")]


def test_a_deleted_row_whose_gap_was_closed(db: Database) -> None:
    fill(db, 20)
    with tamper(db) as tx:
        tx.execute("DELETE FROM audit_log WHERE seq = 11")
        tx.execute("UPDATE audit_log SET seq = seq - 1 WHERE seq > 11")
        tx.execute("UPDATE audit_head SET seq = 19")
    found = findings(db)
    assert found[0] == (11, "deleted") and (11, "renumbered") in found


def test_a_swapped_pair(db: Database) -> None:
    fill(db, 20)
    with tamper(db) as tx:
        move(tx, 5, -5)
        move(tx, 6, 5)
        move(tx, -5, 6)
    assert findings(db) == [(5, "reordered"), (6, "reordered")]


def test_an_inserted_row(db: Database) -> None:
    fill(db, 20)
    previous = hash_of(db, 4)
    with tamper(db) as tx:
        shift_up(tx, 5)
        forge_after(tx, 5, previous, actor_subject="intruder")
    found = findings(db)
    assert (5, "inserted") in found
    assert (6, "renumbered") in found  # the genuine rows moved one place on


def test_a_row_appended_beyond_the_head(db: Database) -> None:
    fill(db, 10)
    previous = hash_of(db, 10)
    with tamper(db) as tx:
        forge_after(tx, 11, previous)
    assert findings(db) == [(11, "inserted")]


def test_a_truncated_tail_is_caught_by_the_head(db: Database) -> None:
    fill(db, 10)
    with tamper(db) as tx:
        tx.execute("DELETE FROM audit_log WHERE seq > 8")
    assert findings(db) == [(9, "truncated")]


def test_a_truncated_tail_with_a_rewound_head_is_caught_by_a_signed_checkpoint(
    db: Database, keys: ServerKeys
) -> None:
    fill(db, 10)
    write_checkpoint(db, keys)
    fill_more = 5
    from tests.audit.support import event

    from kizuna.audit.store import record

    for n in range(fill_more):
        record(db, event(100 + n))
    head = hash_of(db, 6)
    with tamper(db) as tx:
        tx.execute("DELETE FROM audit_log WHERE seq > 6")
        tx.execute("UPDATE audit_head SET seq = 6, hash = ?", (head,))
    found = findings(db, keys)
    assert (7, "truncated") in found  # the checkpoint covers seq 10; the chain ends at 6


def test_a_rewritten_chain_is_caught_by_a_signed_checkpoint(db: Database, keys: ServerKeys) -> None:
    fill(db, 10)
    write_checkpoint(db, keys)
    previous = hash_of(db, 2)
    with tamper(db) as tx:  # rewrite row 3 and every hash after it, consistently
        tx.execute("DELETE FROM audit_log WHERE seq >= 3")
        for seq in range(3, 11):
            previous = forge_after(tx, seq, previous, patient_ids=(f"patient-{seq % 4}",))
        tx.execute("UPDATE audit_head SET hash = ?", (previous,))
    assert findings(db, keys) == [(10, "checkpoint")]


def test_a_forged_checkpoint_is_caught(db: Database, keys: ServerKeys, tmp_path: Path) -> None:
    fill(db, 5)
    impostor = server_keys(tmp_path / "impostor")
    write_checkpoint(db, impostor)
    with db.read() as tx:
        assert load_checkpoints(tx)[0].key_id == impostor.key_id
    assert findings(db, keys) == [(5, "checkpoint")]
    assert verify_chain(db, {impostor.key_id: impostor.public_key}).signed_through == 5


def test_a_hidden_patient_index_entry_is_caught(db: Database) -> None:
    fill(db, 8)
    with tamper(db) as tx:
        tx.execute("DELETE FROM audit_patients WHERE seq = 4")
    assert findings(db) == [(4, "index")]


def test_a_long_chain_in_many_pages(db: Database) -> None:
    from kizuna.audit import verify

    fill(db, verify.PAGE * 2 + 17)
    with tamper(db) as tx:
        tx.execute("UPDATE audit_log SET action = 'search' WHERE seq = ?", (verify.PAGE + 3,))
    assert findings(db) == [(verify.PAGE + 3, "changed")]
