"""Signed checkpoints: the chain head (seq, hash) signed with the server key (ES384).

A hash chain alone shows that rows were changed, removed or reordered, but someone able
to write the database could cut the tail and move the head back. A signed checkpoint
fixes a point of the chain that such a person cannot forge: ``verify`` reports rows
missing up to the newest checkpoint as truncation, and rows rewritten before it as a
mismatch. Copy checkpoints off the database host too (``kizuna audit checkpoint`` prints
one) so that deleting the checkpoint table is not enough either.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import orjson

from kizuna.auth.keys import ServerKeys, verify_signature
from kizuna.store.db import Database, Tx


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at_ms: int
    key_id: str
    signature: str

    def payload(self) -> bytes:
        return payload(self.seq, self.hash, self.at_ms)

    def as_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "hash": self.hash,
            "at_ms": self.at_ms,
            "key_id": self.key_id,
            "signature": self.signature,
        }


def payload(seq: int, head_hash: str, at_ms: int) -> bytes:
    body = {"v": 1, "seq": seq, "hash": head_hash, "at_ms": at_ms}
    return orjson.dumps(body, option=orjson.OPT_SORT_KEYS)


def signature_valid(checkpoint: Checkpoint, public_keys: dict[str, Any]) -> bool:
    key = public_keys.get(checkpoint.key_id)
    return key is not None and verify_signature(key, checkpoint.payload(), checkpoint.signature)


def _write(tx: Tx, keys: ServerKeys, at_ms: int) -> Checkpoint | None:
    head = tx.fetchone("SELECT seq, hash FROM audit_head WHERE id = 1")
    if head is None or head[0] == 0:
        return None
    if tx.fetchone("SELECT 1 FROM audit_checkpoints WHERE seq = ?", (head[0],)):
        return None
    seq, head_hash = int(head[0]), str(head[1])
    cp = Checkpoint(seq, head_hash, at_ms, keys.key_id, keys.sign(payload(seq, head_hash, at_ms)))
    tx.insert_rows(
        "audit_checkpoints",
        ("seq", "hash", "at_ms", "key_id", "signature"),
        [(cp.seq, cp.hash, cp.at_ms, cp.key_id, cp.signature)],
    )
    return cp


def write_checkpoint(db: Database, keys: ServerKeys, at_ms: int | None = None) -> Checkpoint | None:
    """Sign and store the current head (None when the chain is empty or already signed)."""
    with db.transaction() as tx:
        return _write(tx, keys, at_ms if at_ms is not None else int(time.time() * 1000))


def load_checkpoints(tx: Tx) -> list[Checkpoint]:
    rows = tx.fetchall(
        "SELECT seq, hash, at_ms, key_id, signature FROM audit_checkpoints ORDER BY seq"
    )
    return [Checkpoint(*row) for row in rows]


class Checkpointer:
    """Writes a checkpoint when enough rows or enough time have passed since the last."""

    def __init__(
        self, db: Database, keys: ServerKeys, every_rows: int = 10_000, every_seconds: float = 60.0
    ) -> None:
        self.db = db
        self.keys = keys
        self.every_rows = every_rows
        self.every_seconds = every_seconds
        self._last_seq = 0
        self._last_time = time.monotonic()

    def after_append(self, head_seq: int) -> None:
        due_rows = head_seq - self._last_seq >= self.every_rows
        due_time = time.monotonic() - self._last_time >= self.every_seconds
        if due_rows or due_time:
            write_checkpoint(self.db, self.keys)
            self._last_seq = head_seq
            self._last_time = time.monotonic()
