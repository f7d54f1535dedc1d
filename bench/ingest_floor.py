"""The database's part of an ingest, measured alone, beside the real ingest in the same run:
how many receipts (or messages) a second this machine could reach if nothing ran but
PostgreSQL storing the rows and the least client work that produces them.

    python bench/ingest_floor.py --patients 10000 --format uke
    python bench/ingest_floor.py --patients 2000 --format uke --without status-tokens

``--without`` leaves rows that a schema change could drop out of the floor's step 3, to
measure what PostgreSQL would save (:data:`WITHOUT`).

1. Ingest (timed): the real ``kizuna ingest --workers 2`` of one format of the synthetic
   population (as ``bench/ingest_rates.py``) into a fresh schema. The CPU time of the
   workers and of the PostgreSQL server (every backend and background process) is
   read from the kernel's accounting, so the cost per unit is split between the two.
2. Rows (set-up, not timed): every row that ingest left in every table (resources and
   their history, every index table, the units' bookkeeping, the patient index) is read
   back in the order it was written, as COPY text, and cut into one slice per 200 units
   (the ingest's workers commit every 50: fewer commits favour the floor).
3. Floor (timed): two processes COPY those slices into another fresh schema at the current
   migrations, one transaction per slice and each table's part of it with one COPY. No
   Kizuna code runs, no row is read and no lock is taken: this is PostgreSQL's work for
   storing what the ingest stores, less every lookup the ingest makes to stay idempotent.
4. The client's part (timed as this process's CPU): read, parse and map every unit of the
   same files; validate each resource whose content was not seen before; compute its
   version and index rows as the store computes them; send them with COPY as the store
   does (:func:`client_cpu`).

The ceiling printed last is ``cores / (floor + parse + validate + rows + send)``, each in
CPU milliseconds per unit: an ingest of this data into this schema, with this validation
and index extraction, cannot go faster on this machine at the speed it ran at (the
machine's speed drifts, so compare within one run), because its workers must at least
do the client's part and its database must at least store the rows. Everything
else the ingest does (patient resolution, the lookups that make it idempotent, the units'
bookkeeping rows) comes on top. Results go
to bench/out/ingest-floor-<format>.json and are printed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import orjson
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.databases import (  # noqa: E402
    PG_BASE,
    children_cpu_seconds,
    copy_batches,
    fresh_database,
    server_cpu_seconds,
)
from bench.ingest_rates import cpu_per_unit, summary, synth_population  # noqa: E402

from kizuna.fhir import writes  # noqa: E402
from kizuna.fhir.validate import check_resource  # noqa: E402

OUT = ROOT / "bench" / "out"
COMMIT_UNITS = 200  # units per floor transaction (the ingest's workers commit every 50)


def ingest(url: str, folder: Path, workers: int) -> dict[str, Any]:
    from kizuna.ingest.parallel import ingest_parallel
    from kizuna.store.migrate import upgrade

    upgrade(url)
    server, clients = server_cpu_seconds(url), children_cpu_seconds()
    started = time.perf_counter()
    reports = ingest_parallel(url, [folder], workers)
    seconds = time.perf_counter() - started
    server, clients = server_cpu_seconds(url) - server, children_cpu_seconds() - clients
    row = summary(reports, seconds)
    return row | cpu_per_unit(row["units"], clients, server)


#: rows a schema change could drop, by ``--without``: the status tokens (which could be
#: columns of ``resources``, as ``_source`` is) and the references from a resource to its
#: own patient (which repeat the row's ``patient_key``); a table's filter keeps the rest
WITHOUT = {
    "status-tokens": ("sp_token", "param NOT IN ('status', 'intent')"),
    "subject-references": (
        "sp_reference",
        "NOT (param IN ('subject', 'patient') AND target_type = 'Patient'"
        " AND target_id = patient_key)",
    ),
}


def dump_rows(url: str, folder: Path, slices: int, without: tuple[str, ...] = ()) -> dict[str, int]:
    """Every non-empty table's rows, in the order written, cut into ``slices`` files per
    table (slice N of each table in folder/N/TABLE.copy), less the rows ``without``
    names; returns rows per table."""
    kept = {WITHOUT[name][0]: WITHOUT[name][1] for name in without}
    counts: dict[str, int] = {}
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = current_schema() AND c.relkind = 'r'"
            " AND c.relname <> 'alembic_version' ORDER BY c.relname"
        )
        tables = [r[0] for r in cur.fetchall()]
        for table in tables:
            where = f" WHERE {kept[table]}" if table in kept else ""
            query = f"COPY (SELECT * FROM {table}{where} ORDER BY ctid) TO STDOUT"
            with cur.copy(query) as copy:
                lines = b"".join(bytes(block) for block in copy).splitlines(keepends=True)
            if not lines:
                continue
            counts[table] = len(lines)
            for number in range(slices):
                part = lines[number * len(lines) // slices : (number + 1) * len(lines) // slices]
                if part:
                    path = folder / f"{number:05d}" / f"{table}.copy"
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(b"".join(part))
    return counts


def floor(url: str, folder: Path, processes: int, units: int) -> dict[str, Any]:
    from kizuna.store.migrate import upgrade

    upgrade(url)
    slices = sorted(str(p) for p in folder.iterdir())
    shares = [slices[i::processes] for i in range(processes)]
    server = server_cpu_seconds(url)
    started = time.perf_counter()
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(processes, mp_context=context) as pool:
        rows = sum(pool.map(copy_batches, [url] * processes, shares))
    seconds = time.perf_counter() - started
    server = server_cpu_seconds(url) - server
    return {
        "rows": rows,
        "seconds": round(seconds, 1),
        "units_per_second": round(units / seconds),
        "server_cpu_ms_per_unit": round(1000 * server / units, 3),
    }


def client_cpu(folder: Path, format_name: str, url: str) -> dict[str, Any]:
    """CPU time of this process, per unit, for what any ingest of ``folder`` must do beside
    the database's own work: read, parse and map every unit (the format's adapter);
    validate each resource whose content it has not seen before (as the ingest's memory
    of checked content does); compute that resource's version and index rows as the store
    computes them (:func:`kizuna.fhir.writes.stored_version`); and send them with COPY as
    the store sends them (psycopg's ``write_row``, every 200 units), into temporary tables
    without indexes whose rows are discarded at each commit (the server's time is not this
    process's). Less than the ingest does: no patient resolution, no lookups, no units'
    bookkeeping."""
    from kizuna.fhir.instant import now_ms
    from kizuna.ingest import registry
    from kizuna.ingest.base import Unit

    seen: set[tuple[str, str, bytes]] = set()
    spent = {"parse": 0.0, "validate": 0.0, "rows": 0.0, "send": 0.0}
    pending: dict[str, list[tuple[Any, ...]]] = {}
    units = 0
    ms = now_ms()
    with psycopg.connect(url) as conn:
        for adapter, target in registry.plan([folder], registry.adapters(None)):
            if adapter is None or adapter.name != format_name:
                continue
            items = iter(adapter.read(target))
            while True:
                started = time.process_time()
                item = next(items, None)
                spent["parse"] += time.process_time() - started
                if item is None:
                    break
                if isinstance(item, Unit):
                    units += 1
                    _new_content(item, seen, ms, spent, pending)
                    if units % COMMIT_UNITS == 0:
                        _send_rows(conn, pending, spent)
        _send_rows(conn, pending, spent)
    return {"units": units} | {
        f"{name}_cpu_ms_per_unit": round(1000 * seconds / units, 3)
        for name, seconds in spent.items()
    }


def _new_content(
    unit: Any,
    seen: set[tuple[str, str, bytes]],
    ms: int,
    spent: dict[str, float],
    pending: dict[str, list[tuple[Any, ...]]],
) -> None:
    """Validate the unit's resources whose content is new and add their rows to
    ``pending``. Each resource's content digest counts as part of its rows."""
    for body in unit.resources:
        started = time.process_time()
        text = orjson.dumps(body)
        digest = hashlib.blake2b(text, digest_size=16).digest()
        key = (body["resourceType"], body["id"], digest)
        if key in seen:
            spent["rows"] += time.process_time() - started
            continue
        seen.add(key)
        checked = time.process_time()
        check_resource(body)
        computed = time.process_time()
        version, index, _ = writes.stored_version(body, 1, ms, digest.hex())
        pending.setdefault("resources", []).append(version.current_row())
        for table, rows in index.items():
            pending.setdefault(table, []).extend(rows)
        spent["validate"] += computed - checked
        spent["rows"] += time.process_time() - computed + checked - started


def _send_rows(
    conn: psycopg.Connection[Any],
    pending: dict[str, list[tuple[Any, ...]]],
    spent: dict[str, float],
) -> None:
    from kizuna.store import resources as sql

    started = time.process_time()
    with conn.transaction(), conn.cursor() as cur:
        for table, rows in pending.items():
            columns = sql.CURRENT_COLUMNS if table == "resources" else sql.index_columns(table)
            cur.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS sent_{table} (LIKE {table}) ON COMMIT DELETE ROWS"
            )
            with cur.copy(f"COPY sent_{table} ({','.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
    pending.clear()
    spent["send"] += time.process_time() - started


def main() -> None:
    from bench.fhir_server import machine

    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--format", default="uke", help="a format, and its population folder")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--work", type=Path, default=Path("/tmp/kizuna-ingest-bench"))
    parser.add_argument(
        "--without",
        nargs="*",
        choices=sorted(WITHOUT),
        default=[],
        help="leave these rows out of the floor (the client's part still computes them)",
    )
    args = parser.parse_args()
    source = synth_population(args.work, args.patients) / args.format

    ingest_url = fresh_database("postgresql", args.work, "ingest_floor_source")
    ingested = ingest(ingest_url, source, args.workers)
    print("ingest", ingested, flush=True)

    rows_dir = Path(tempfile.mkdtemp(prefix="kizuna-floor-rows-"))
    try:
        slices = max(1, ingested["units"] // COMMIT_UNITS)
        counts = dump_rows(ingest_url, rows_dir, slices, tuple(args.without))
        print("rows per table", counts, flush=True)
        floor_url = fresh_database("postgresql", args.work, "ingest_floor")
        measured = floor(floor_url, rows_dir, args.workers, ingested["units"])
        print("floor", measured, flush=True)
        parsing = client_cpu(source, args.format, floor_url)
        print("parse, validate, rows, send", parsing, flush=True)
    finally:
        shutil.rmtree(rows_dir, ignore_errors=True)
        with psycopg.connect(PG_BASE, autocommit=True) as conn:
            for schema in ("bench_ingest_floor_source", "bench_ingest_floor"):
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')

    parts = (
        measured["server_cpu_ms_per_unit"],
        parsing["parse_cpu_ms_per_unit"],
        parsing["validate_cpu_ms_per_unit"],
        parsing["rows_cpu_ms_per_unit"],
        parsing["send_cpu_ms_per_unit"],
    )
    cores = os.cpu_count() or 1
    ceiling = round(1000 * cores / sum(parts))
    print(
        f"ceiling: {cores} cores / ({' + '.join(map(str, parts))} ms) = {ceiling:,} units/s;"
        f" PostgreSQL alone: {measured['units_per_second']:,};"
        f" the real ingest: {ingested['units_per_second']:,}",
        flush=True,
    )
    results = {
        "machine": machine(),
        "patients": args.patients,
        "format": args.format,
        "without": args.without,
        "ingest": ingested,
        "rows": counts,
        "floor": measured,
        "client": parsing,
        "ceiling_units_per_second": ceiling,
    }
    OUT.mkdir(parents=True, exist_ok=True)
    suffix = "".join(f"-without-{name}" for name in args.without)
    (OUT / f"ingest-floor-{args.format}{suffix}.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
