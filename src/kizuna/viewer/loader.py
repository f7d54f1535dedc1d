"""Fetching a person's chart: one audited read through the access module, then the directory.

``Reader.person_resources`` returns everything of the person the reader may see in one
query and writes one audit record. Facilities, practitioners and their roles belong to no
patient; they are read here in at most three batched queries (no query per item).
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from datetime import date
from typing import Any

import orjson

from kizuna.access.decision import Decision
from kizuna.access.reader import Reader
from kizuna.fhir import jpcore
from kizuna.fhir.instant import japan_today
from kizuna.store.db import Database, Tx
from kizuna.viewer.compose.chart import DIRECTORY_TYPES, Chart, Directory
from kizuna.viewer.compose.fields import facility_code_of

MAX_IDS = 500


#: charts kept per process (``KIZUNA_VIEWER_CHART_CACHE``; 0 builds every chart afresh)
CACHE_SIZE = int(os.environ.get("KIZUNA_VIEWER_CHART_CACHE", "64"))
_charts: OrderedDict[tuple[Any, ...], Chart] = OrderedDict()
_lock = threading.Lock()


def _cache_key(
    reader: Reader,
    decision: Decision,
    version: tuple[int, int, int],
    types: list[str] | None,
    today: date,
) -> tuple[Any, ...]:
    """Everything that decides what the chart holds: the database, the person, what the
    decision lets this reader see, the data's version and the day (current medication
    depends on it). The cache is per process and a process may use more than one database,
    whose versions can be equal."""
    return (
        reader.db.url.url,
        decision.patient_ids,
        decision.excluded_categories,
        decision.types,
        decision.exempt_types,
        reader.principal.scopes,
        reader.principal.role,
        tuple(types or ()),
        version,
        today,
    )


def load_chart(
    reader: Reader, patient_id: str, today: date | None = None, types: list[str] | None = None
) -> tuple[Decision, Chart]:
    """The person's chart. A chart already built for the same visibility and the same data
    version (this process) is reused; the access decision and the audit record are made
    on every call either way. The day is read once: a chart is built for the day it is
    kept under, also when the call spans midnight."""
    today = today or japan_today()
    decision, version = reader.person_version(patient_id, types)
    key = _cache_key(reader, decision, version, types, today)
    if decision.allowed:
        with _lock:
            chart = _charts.get(key)
            if chart is not None:
                _charts.move_to_end(key)
        if chart is not None:
            reader.record_view(decision, patient_id, sorted(chart.by_type), version[0])
            return decision, chart
    decision, hits = reader.person_resources(patient_id, types)
    chart = Chart.from_hits(hits, today=today)
    if decision.allowed:
        chart.directory = load_directory(reader.db, chart)
        with _lock:
            _charts[key] = chart
            while len(_charts) > CACHE_SIZE:
                _charts.popitem(last=False)
    return decision, chart


def _fetch(tx: Tx, keys: set[tuple[str, str]], directory: Directory) -> None:
    by_type: dict[str, list[str]] = {}
    for res_type, res_id in keys:
        if res_type in DIRECTORY_TYPES and (res_type, res_id) not in directory.by_key:
            by_type.setdefault(res_type, []).append(res_id)
    for res_type, ids in by_type.items():
        ids = ids[:MAX_IDS]
        rows = tx.fetchall(
            f"SELECT res_id, content FROM resources WHERE res_type = ? AND deleted = 0 "
            f"AND patient_key IS NULL AND res_id IN ({','.join('?' * len(ids))})",
            [res_type, *ids],
        )
        for res_id, content in rows:
            directory.by_key[(res_type, res_id)] = orjson.loads(content)


def _organizations_by_code(tx: Tx, codes: set[str], directory: Directory) -> None:
    missing = sorted(codes - set(directory.facility_names))[:MAX_IDS]
    if not missing:
        return
    rows = tx.fetchall(
        "SELECT r.res_id, r.content FROM resources r WHERE r.res_type = 'Organization' "
        "AND r.deleted = 0 AND r.patient_key IS NULL AND r.res_id IN (SELECT s.res_id FROM sp_token s "
        "WHERE s.res_type = 'Organization' AND s.param = 'identifier' AND s.system = ? "
        f"AND s.code IN ({','.join('?' * len(missing))}))",
        [jpcore.FACILITY_CODE, *missing],
    )
    for res_id, content in rows:
        directory.by_key[("Organization", res_id)] = orjson.loads(content)


def load_directory(db: Database, chart: Chart) -> Directory:
    directory = Directory()
    with db.read() as tx:
        _fetch(tx, chart.references(), directory)
        roles = [r for (t, _), r in directory.by_key.items() if t == "PractitionerRole"]
        org_refs = {
            tuple(str((r.get("organization") or {}).get("reference", "")).split("/", 1))
            for r in roles
        }
        _fetch(tx, {k for k in org_refs if len(k) == 2}, directory)  # type: ignore[misc]
        _organizations_by_code(tx, chart.facility_codes(), directory)
    for (res_type, _), resource in directory.by_key.items():
        if res_type == "Organization":
            code = facility_code_of(resource)
            if code and resource.get("name") and code not in directory.facility_names:
                directory.facility_names[code] = str(resource["name"])
    return directory
