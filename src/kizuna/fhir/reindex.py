"""Rebuilding the search index rows from the stored resources.

A resource's index rows are derived from its content by the compiled SearchParameter
definitions (:func:`kizuna.fhir.writes.index_rows`) when it is written. When an upgrade
changes those rules (a new parameter, another normalisation, fewer redundant rows), the
rows written before keep their old form until each resource is written again.
:func:`reindex` rebuilds them now, for every resource or for one type, in key order and in
batches of one transaction each. The resources, their versions and history are not
touched. A search running meanwhile sees a batch's old rows or its new ones, never
neither; a stopped run leaves whole batches done, and running it again is harmless.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from kizuna.fhir.writes import index_rows
from kizuna.store import resources as sql
from kizuna.store.db import Database, Tx

BATCH = 1000


@dataclass
class ReindexReport:
    resources: int = 0  # current (not deleted) resources whose rows were rebuilt
    removed: int = 0  # index rows deleted
    written: int = 0  # index rows written


def reindex(
    db: Database,
    res_type: str | None = None,
    batch: int = BATCH,
    progress: Callable[[int], None] | None = None,
) -> ReindexReport:
    """Rebuild the index rows of every stored resource (of ``res_type`` only, if given).
    ``progress`` is called with the number of resources each batch read."""
    report = ReindexReport()
    after: tuple[str, str] = ("", "")
    while True:
        with db.transaction() as tx:
            rows = _next_batch(tx, res_type, after, batch)
            if not rows:
                return report
            _rebuild(tx, rows, report)
        after = (rows[-1][0], rows[-1][1])
        if progress is not None:
            progress(len(rows))


def count(db: Database, res_type: str | None = None) -> int:
    """How many stored resources (deleted ones included) a reindex reads."""
    where, params = ("WHERE res_type = ?", [res_type]) if res_type else ("", [])
    with db.read() as tx:
        row = tx.fetchone(f"SELECT count(*) FROM resources {where}", params)
    return int(row[0]) if row else 0


def _next_batch(
    tx: Tx, res_type: str | None, after: tuple[str, str], batch: int
) -> list[tuple[Any, ...]]:
    """The next ``batch`` resources in key order (deleted ones too: they keep no rows)."""
    columns = "res_type, res_id, patient_key, deleted, content"
    if res_type is not None:
        where, params = "res_type = ? AND res_id > ?", [res_type, after[1]]
    else:
        where, params = "(res_type, res_id) > (?, ?)", list(after)
    return tx.fetchall(
        f"SELECT {columns} FROM resources WHERE {where} ORDER BY res_type, res_id LIMIT ?",
        [*params, batch],
    )


def _rebuild(tx: Tx, rows: list[tuple[Any, ...]], report: ReindexReport) -> None:
    where, params = sql.key_filter([(r[0], r[1]) for r in rows], tx.dialect)
    report.removed += sql.delete_index_rows(tx, where, params, count=True)
    merged: dict[str, list[tuple[Any, ...]]] = {}
    for res_type, res_id, patient_key, deleted, content in rows:
        if deleted or not content:
            continue
        report.resources += 1
        derived = index_rows(res_type, res_id, patient_key, orjson.loads(content))
        for table, values in derived.items():
            merged.setdefault(table, []).extend(values)
            report.written += len(values)
    sql.insert_index_rows(tx, merged)
