"""``Patient/$everything``: the patient, everything in their compartment, and what it cites.

Compartment membership uses the ``patient_key`` every patient-owned row carries (the
owning patient's id), so the query is one index range scan per page.
"""

from __future__ import annotations

from typing import Any

from kizuna.fhir.outcome import not_found
from kizuna.fhir.search.engine import Hit, Limits, fetch, no_limits
from kizuna.store.db import Tx

MAX_COUNT = 1000


def everything_page(
    tx: Tx,
    patient_id: str,
    since_ms: int | None,
    types: list[str] | None,
    count: int,
    offset: int,
    limits: Limits = no_limits,
) -> tuple[list[Hit], list[Hit], bool]:
    """(matches, referenced resources, has_next) for one page."""
    row = tx.fetchone(
        "SELECT deleted FROM resources WHERE res_type = 'Patient' AND res_id = ?", (patient_id,)
    )
    if row is None or row[0]:
        raise not_found(f"Patient/{patient_id} is not known")
    where = ["r.patient_key = ?", "r.deleted = 0"]
    params: list[Any] = [patient_id]
    if since_ms is not None:
        where.append("r.last_updated >= ?")
        params.append(since_ms)
    if types:
        where.append(f"r.res_type IN ({','.join('?' * len(types))})")
        params.extend(types)
    for sql, args in limits("*"):
        where.append(sql)
        params.extend(args)
    rows = tx.fetchall(
        "SELECT r.res_type, r.res_id, r.content FROM resources r WHERE "
        + " AND ".join(where)
        + " ORDER BY (r.res_type <> 'Patient'), r.res_type, r.res_id LIMIT ? OFFSET ?",
        [*params, min(count, MAX_COUNT) + 1, offset],
    )
    has_next = len(rows) > count
    matches = [(r[0], r[1], r[2]) for r in rows[:count]]
    return matches, _cited(tx, matches, limits), has_next


def _cited(tx: Tx, matches: list[Hit], limits: Limits) -> list[Hit]:
    """Resources the page refers to that belong to no patient (Organization, ...)."""
    if not matches:
        return []
    page = {(h[0], h[1]) for h in matches}
    keys: list[tuple[str, str]] = []
    for start in range(0, len(matches), 400):
        chunk = matches[start : start + 400]
        cond = " OR ".join(["(i.res_type = ? AND i.res_id = ?)"] * len(chunk))
        args = [v for h in chunk for v in (h[0], h[1])]
        rows = tx.fetchall(
            "SELECT DISTINCT i.target_type, i.target_id FROM sp_reference i "
            f"WHERE ({cond}) AND i.target_id IS NOT NULL AND i.target_type <> 'Patient'",
            args,
        )
        keys.extend((r[0], r[1]) for r in rows if (r[0], r[1]) not in page)
    if not keys:
        return []

    def unowned(res_type: str) -> list[tuple[str, list[Any]]]:
        # the patient's own resources come as matches on their page; others' never
        return [*limits(res_type), ("r.patient_key IS NULL", [])]

    return fetch(tx, keys, unowned)
