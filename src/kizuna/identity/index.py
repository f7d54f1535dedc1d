"""The stored side of matching: each patient's features and block keys.

``identity_features`` keeps the folded features of every indexed patient (and whether it
still waits to be matched); ``identity_blocks`` maps block keys to patients, so that the
candidates of a patient are a handful of indexed lookups.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kizuna.fhir.instant import now_ms
from kizuna.identity.blocking import MAX_BLOCK, block_keys
from kizuna.identity.features import Features, features_of
from kizuna.store.db import Tx
from kizuna.store.resources import rows_by_values

_CHUNK = 400


def stored(tx: Tx, patient_ids: Sequence[str]) -> dict[str, Features]:
    found: dict[str, Features] = {}
    for start in range(0, len(patient_ids), _CHUNK):
        chunk = list(patient_ids[start : start + _CHUNK])
        columns = ("patient_id", "features")
        rows = rows_by_values(tx, "identity_features", columns, "patient_id", chunk)
        found.update((r[0], Features.loads(r[1])) for r in rows)
    return found


def index_patient(
    tx: Tx, patient_id: str, patient: dict[str, Any], pending: bool = True
) -> Features | None:
    """Store the patient's features and blocks; the features if they changed, else None.

    ``pending=False`` when the caller matches the patient in the same transaction (as
    resolving on ingest does): it is then stored as matched, one statement fewer than
    marking it afterwards with :func:`mark_matched`."""
    features = features_of(patient)
    text = features.dumps()
    row = tx.fetchone("SELECT features FROM identity_features WHERE patient_id = ?", (patient_id,))
    if row is not None and row[0] == text:
        return None
    tx.execute(
        "INSERT INTO identity_features (patient_id, features, updated_ms, pending) VALUES (?,?,?,?)"
        " ON CONFLICT (patient_id) DO UPDATE SET features = excluded.features,"
        " updated_ms = excluded.updated_ms, pending = excluded.pending",
        (patient_id, text, now_ms(), int(pending)),
    )
    if row is not None:
        tx.execute("DELETE FROM identity_blocks WHERE patient_id = ?", (patient_id,))
    tx.insert_rows(
        "identity_blocks",
        ("block_key", "patient_id"),
        [(k, patient_id) for k in block_keys(features)],
    )
    return features


def candidate_ids(tx: Tx, features: Features, exclude: str) -> list[str]:
    """Patients sharing a block key with ``features`` (blocks over MAX_BLOCK skipped)."""
    keys = block_keys(features)
    if not keys:
        return []
    part = "SELECT block_key, patient_id FROM (SELECT block_key, patient_id FROM identity_blocks"
    union = " UNION ALL ".join(
        f"{part} WHERE block_key = ? LIMIT {MAX_BLOCK + 1}) AS b{i}" for i in range(len(keys))
    )
    rows = tx.fetchall(union, keys)
    sizes: dict[str, int] = {}
    for key, _ in rows:
        sizes[key] = sizes.get(key, 0) + 1
    found = {p for key, p in rows if sizes[key] <= MAX_BLOCK and p != exclude}
    return sorted(found)


def mark_matched(tx: Tx, patient_ids: Sequence[str]) -> None:
    tx.executemany(
        "UPDATE identity_features SET pending = 0 WHERE patient_id = ?", [(p,) for p in patient_ids]
    )


def pending(tx: Tx, limit: int) -> list[str]:
    rows = tx.fetchall(
        "SELECT patient_id FROM identity_features WHERE pending = 1 ORDER BY patient_id LIMIT ?",
        (limit,),
    )
    return [r[0] for r in rows]
