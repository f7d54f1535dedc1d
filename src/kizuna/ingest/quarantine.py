"""The quarantine: failed items kept verbatim with their reason and place, for replay."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from kizuna.fhir.instant import now_ms
from kizuna.ingest.base import Failure
from kizuna.store.db import Database, Tx

_COLUMNS = "item_id, format, file, location, reason, raw, status, created_ms, resolved_ms, note"


@dataclass
class Item:
    item_id: str
    format: str
    file: str
    location: str
    reason: str
    raw: bytes
    status: str
    created_ms: int
    resolved_ms: int | None
    note: str | None

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> Item:
        raw = row[5]
        return cls(
            row[0], row[1], row[2], row[3], row[4], bytes(raw), row[6], row[7], row[8], row[9]
        )


def fingerprint(failure: Failure) -> str:
    """The same failure (format, place, reason, bytes) always gets the same id."""
    digest = hashlib.blake2b(digest_size=10)
    for part in (failure.format, str(failure.location), failure.reason):
        digest.update(part.encode() + b"\x1f")
    digest.update(failure.raw)
    return digest.hexdigest()


def add(tx: Tx, failure: Failure) -> str:
    """Quarantine ``failure``; seeing the same failure again reopens it, never duplicates."""
    item_id = fingerprint(failure)
    tx.execute(
        f"INSERT INTO quarantine ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?) "
        "ON CONFLICT (item_id) DO UPDATE SET status = 'open', resolved_ms = NULL",
        (
            item_id,
            failure.format,
            failure.location.file,
            str(failure.location),
            failure.reason,
            failure.raw,
            "open",
            now_ms(),
            None,
            None,
        ),
    )
    return item_id


def items(db: Database, status: str | None = "open", limit: int = 100) -> list[Item]:
    """Oldest first; items of the same millisecond by id, so the limit cuts a fixed list."""
    where, params = ("WHERE status = ?", [status]) if status else ("", [])
    with db.read() as tx:
        rows = tx.fetchall(
            f"SELECT {_COLUMNS} FROM quarantine {where} ORDER BY created_ms, item_id LIMIT ?",
            [*params, limit],
        )
    return [Item.from_row(r) for r in rows]


def get(db: Database, item_id: str) -> Item | None:
    with db.read() as tx:
        row = tx.fetchone(f"SELECT {_COLUMNS} FROM quarantine WHERE item_id = ?", (item_id,))
    return Item.from_row(row) if row else None


def resolve(db: Database, item_id: str, status: str, note: str | None = None) -> None:
    with db.transaction() as tx:
        tx.execute(
            "UPDATE quarantine SET status = ?, resolved_ms = ?, note = ? WHERE item_id = ?",
            (status, now_ms(), note, item_id),
        )


def count_open(db: Database) -> int:
    with db.read() as tx:
        row = tx.fetchone("SELECT COUNT(*) FROM quarantine WHERE status = 'open'")
    return int(row[0]) if row else 0
