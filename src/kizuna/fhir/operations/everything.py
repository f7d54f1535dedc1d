"""``Patient/$everything``: the patient, everything in their compartment, and what it cites.

Compartment membership uses the ``patient_key`` every patient-owned row carries (the
owning patient's id), so the query is one index range scan per record of the person.
"""

from __future__ import annotations

from typing import Any

from kizuna.fhir.outcome import not_found
from kizuna.fhir.search.engine import Hit, Limits, fetch, no_limits
from kizuna.store.db import Tx

MAX_COUNT = 1000


def everything_page(
    tx: Tx,
    patient_ids: tuple[str, ...],
    since_ms: int | None,
    types: list[str] | None,
    count: int,
    offset: int,
    limits: Limits = no_limits,
) -> tuple[list[Hit], list[Hit], bool]:
    """(matches, referenced resources, has_next) for one page.

    ``patient_ids`` are the Patient records of one person, the one asked for first. Their
    compartments are read as one list in one total order (the Patient asked for, the
    person's other Patients, then everything else by type and id), and the page is cut
    from that list, so paging neither repeats nor skips a resource of any of the records.
    """
    asked = _require_patient(tx, patient_ids)
    where, params = _compartment_where(patient_ids, since_ms, types, limits)
    rows = tx.fetchall(
        f"SELECT r.res_type, r.res_id, r.content FROM resources r WHERE {where} ORDER BY"
        " (r.res_type <> 'Patient'), (r.res_id <> ?), r.res_type, r.res_id LIMIT ? OFFSET ?",
        [*params, asked, min(count, MAX_COUNT) + 1, offset],
    )
    has_next = len(rows) > count
    matches = [(r[0], r[1], r[2]) for r in rows[:count]]
    return matches, _cited(tx, matches, limits), has_next


def _require_patient(tx: Tx, patient_ids: tuple[str, ...]) -> str:
    """The id of the Patient asked for (the first); 404 if it is unknown or deleted."""
    if not patient_ids:
        raise not_found("no Patient was asked for")
    row = tx.fetchone(
        "SELECT deleted FROM resources WHERE res_type = 'Patient' AND res_id = ?",
        (patient_ids[0],),
    )
    if row is None or row[0]:
        raise not_found(f"Patient/{patient_ids[0]} is not known")
    return patient_ids[0]


def _compartment_where(
    patient_ids: tuple[str, ...], since_ms: int | None, types: list[str] | None, limits: Limits
) -> tuple[str, list[Any]]:
    where = [f"r.patient_key IN ({','.join('?' * len(patient_ids))})", "r.deleted = 0"]
    params: list[Any] = list(patient_ids)
    if since_ms is not None:
        where.append("r.last_updated >= ?")
        params.append(since_ms)
    if types:
        where.append(f"r.res_type IN ({','.join('?' * len(types))})")
        params.extend(types)
    for sql, args in limits("*"):
        where.append(sql)
        params.extend(args)
    return " AND ".join(where), params


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
