"""The database's part of a bulk import, measured alone: how fast PostgreSQL takes the rows
that ``kizuna import`` writes when every row is computed beforehand, beside a bare COPY of
the same lines in the same run.

    python bench/bulk_floor.py --resources 1000000

1. Prepare (not timed): the NDJSON files of ``bench/fhir_server.py`` (the same generated
   data, reused from its work folder). Two processes turn every batch of 2,000 lines into
   exactly the rows the bulk loader writes for it: the stamped version row of each
   resource and every index table's rows, as :mod:`kizuna.fhir.writes` derives them. Each
   table's rows are kept as COPY text, one file per batch and table.
2. Floor (timed): two processes, as ``kizuna import --workers 2`` has, send those files
   with COPY into a fresh schema at the current migrations, one transaction per batch. No
   Kizuna code runs: this is what PostgreSQL alone needs for the load (less the loader's
   one lookup of existing versions per batch, which an empty database answers at once).
3. Bare COPY (timed): the same lines into ``(id, type, jsonb)``, as ``bench/fhir_server.py``.

The floor bounds any loader of this schema from above on this machine: the loader's own
CPU (parsing, validation, index extraction) comes on top of it on the same cores. Results
go to bench/out/bulk-floor.json and are printed.
"""

from __future__ import annotations

import argparse
import functools
import json
import multiprocessing
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from databases import PG_BASE, copy_batches, fresh_database

from fhir_server import bare_copy, generate, machine

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _field(value: Any) -> str:
    if value is None:
        return "\\N"
    return str(value).translate(_ESCAPES)


def _copy_text(rows: list[tuple[Any, ...]]) -> bytes:
    return "".join("\t".join(map(_field, row)) + "\n" for row in rows).encode()


def _prepare_file(path: str, folder: str) -> list[str]:
    """The batches of one NDJSON file as COPY files; returns the batch folders."""
    import orjson

    from kizuna.fhir import bulk, writes
    from kizuna.fhir.instant import now_ms

    lines = Path(path).read_bytes().splitlines()
    size = bulk.BATCH_SIZE  # resources per transaction, as the loader writes them
    batches = []
    for start in range(0, len(lines), size):
        ms = now_ms()
        tables: dict[str, list[tuple[Any, ...]]] = {"resources": []}
        for line in lines[start : start + size]:
            resource = bulk.prepare(orjson.loads(line))  # validated, as the loader does
            digest = writes.content_hash(resource)
            stored, index_rows, _ = writes.stored_version(resource, 1, ms, digest)
            tables["resources"].append(stored.current_row())
            for table, rows in index_rows.items():
                tables.setdefault(table, []).extend(rows)
        batch = Path(folder) / f"{Path(path).stem}-{start // size:04d}"
        batch.mkdir(parents=True)
        for table, rows in tables.items():
            (batch / f"{table}.copy").write_bytes(_copy_text(rows))
        batches.append(str(batch))
    return batches


def _columns(table: str) -> tuple[str, ...]:
    from kizuna.store import resources as sql

    return sql.CURRENT_COLUMNS if table == "resources" else sql.index_columns(table)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--resources", type=int, default=1_000_000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "kizuna-bench")
    args = parser.parse_args()
    from kizuna.store.migrate import upgrade

    _, ndjson_files, total = generate(args.resources, args.work / "data")
    rows_dir = args.work / "floor-rows"
    shutil.rmtree(rows_dir, ignore_errors=True)
    context = multiprocessing.get_context("spawn")
    started = time.perf_counter()
    with ProcessPoolExecutor(args.processes, mp_context=context) as pool:
        prepared = list(
            pool.map(_prepare_file, map(str, ndjson_files), [str(rows_dir)] * len(ndjson_files))
        )
    print(f"prepared {total:,} resources in {time.perf_counter() - started:.0f} s", flush=True)

    url = fresh_database("postgresql", args.work, "floor")
    upgrade(url)
    shares: list[list[str]] = [[] for _ in range(args.processes)]
    for number, batches in enumerate(prepared):  # whole files to each process, as the loader
        shares[number % args.processes].extend(batches)
    started = time.perf_counter()
    with ProcessPoolExecutor(args.processes, mp_context=context) as pool:
        send = functools.partial(copy_batches, columns=_columns)
        rows = sum(pool.map(send, [url] * args.processes, shares))
    seconds = time.perf_counter() - started
    floor = {
        "resources": total,
        "rows": rows,
        "seconds": round(seconds, 1),
        "per_second": round(total / seconds),
    }
    print("floor", floor, flush=True)
    bare = bare_copy(ndjson_files)
    print("bare copy", bare, flush=True)
    results = {
        "machine": machine(),
        "floor": floor,
        "bare_copy": bare,
        "floor_vs_bare": round(floor["per_second"] / bare["per_second"], 3),
    }
    print("floor / bare copy", results["floor_vs_bare"], flush=True)
    with psycopg.connect(PG_BASE, autocommit=True) as conn:
        conn.execute('DROP SCHEMA IF EXISTS "bench_floor" CASCADE')
    shutil.rmtree(rows_dir, ignore_errors=True)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "bulk-floor.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
