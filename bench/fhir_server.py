"""The shared-record benchmark: transaction ingest, bulk import, and read/search latency.

    python bench/fhir_server.py --backend postgresql --resources 1000000
    python bench/fhir_server.py --backend sqlite --resources 1000000

Data: the 25 Synthea bundles in samples/ cloned with fresh UUIDs until the target size is
reached (transaction bundles for the ingest phase, the same resources as NDJSON for the
bulk phase). Each phase starts from an empty database.

1. Transaction ingest: ``kizuna serve`` with N workers; C client threads POST bundles.
2. Bulk import: NDJSON files loaded with ``kizuna.fhir.bulk`` (P processes on PostgreSQL),
   and, on PostgreSQL, a bare COPY of the same lines into ``(id, type, jsonb)`` as the
   ceiling, in the same run.
3. Read and search: wrk drives a mix of reads and searches at 16, 32 and 64 connections
   against the bulk-loaded database; latency percentiles come from wrk's own histogram.
   Then the same mix offered at a fixed rate (``--rates``, default 1,000 requests/s) on 16,
   32 and 64 connections by ``open_loop.py``: latency at that load, counted from each
   request's planned send time.

Results go to bench/out/<backend>.json and are printed as a table.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import orjson
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
import open_loop
from databases import PG_BASE, fresh_database, kept_database
from machine import reference_ms
from served import KIZUNA, Server

ROOT = Path(__file__).resolve().parent.parent
SYNTHEA = ROOT / "samples" / "synthea-r4"
OUT = ROOT / "bench" / "out"
UUID_RE = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


# -- data -------------------------------------------------------------------------------------


def _clone(template: bytes) -> bytes:
    mapping: dict[bytes, bytes] = {}

    def fresh(match: re.Match[bytes]) -> bytes:
        old = match.group(0)
        if old not in mapping:
            mapping[old] = str(uuid.uuid4()).encode()
        return mapping[old]

    return UUID_RE.sub(fresh, template)


def _ndjson_lines(bundle: dict[str, Any]) -> list[bytes]:
    """The bundle's resources with ids from their fullUrls and references resolved."""
    refs = {
        e["fullUrl"]: f"{e['resource']['resourceType']}/{e['fullUrl'][9:]}" for e in bundle["entry"]
    }
    text = orjson.dumps(
        [e["resource"] | {"id": e["fullUrl"][9:]} for e in bundle["entry"]]
    ).decode()
    for full, local in refs.items():
        text = text.replace(f'"{full}"', f'"{local}"')
    return [orjson.dumps(r) for r in orjson.loads(text)]


def generate(target: int, folder: Path) -> tuple[list[Path], list[Path], int]:
    """Bundle files and NDJSON files holding at least ``target`` resources (reused when a
    previous run with the same target left them in ``folder``)."""
    manifest = folder / "manifest.json"
    if manifest.exists():
        saved = json.loads(manifest.read_text())
        if saved["target"] == target:
            return (
                [Path(p) for p in saved["bundles"]],
                [Path(p) for p in saved["ndjson"]],
                saved["total"],
            )
    templates = [p.read_bytes() for p in sorted(SYNTHEA.glob("*.json"))]
    bundles_dir, ndjson_dir = folder / "bundles", folder / "ndjson"
    bundles_dir.mkdir(parents=True, exist_ok=True)
    ndjson_dir.mkdir(parents=True, exist_ok=True)
    total, index, chunk = 0, 0, []
    bundle_files, ndjson_files = [], []
    while total < target:
        raw = _clone(templates[index % len(templates)])
        path = bundles_dir / f"b{index:06d}.json"
        path.write_bytes(raw)
        bundle_files.append(path)
        bundle = orjson.loads(raw)
        chunk += _ndjson_lines(bundle)
        total += len(bundle["entry"])
        index += 1
        if len(chunk) >= 50_000:
            ndjson_files.append(_write_ndjson(ndjson_dir, len(ndjson_files), chunk))
            chunk = []
    if chunk:
        ndjson_files.append(_write_ndjson(ndjson_dir, len(ndjson_files), chunk))
    manifest.write_text(
        json.dumps(
            {
                "target": target,
                "total": total,
                "bundles": [str(p) for p in bundle_files],
                "ndjson": [str(p) for p in ndjson_files],
            }
        )
    )
    return bundle_files, ndjson_files, total


def _write_ndjson(folder: Path, number: int, lines: list[bytes]) -> Path:
    path = folder / f"part{number:04d}.ndjson"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


# -- databases and servers ----------------------------------------------------------------------


def start_server(url: str, workers: int, data_dir: Path) -> Server:
    # Open mode (no tokens): the bench measures storage and search, not token checks;
    # the access decision and the audit record still run for every request.
    server = Server(url, data_dir, workers, KIZUNA_POOL_SIZE="16", KIZUNA_AUTH="off")
    server.base = f"{server.url}/fhir"  # type: ignore[attr-defined]
    return server


# -- phases ----------------------------------------------------------------------------------------


def transaction_ingest(server: Server, files: list[Path], clients: int) -> dict[str, Any]:
    queue = list(files)
    lock = threading.Lock()
    counts = [0] * clients
    failures: list[str] = []

    def work(slot: int) -> None:
        with httpx.Client(timeout=300) as client:
            while True:
                with lock:
                    if not queue:
                        return
                    path = queue.pop()
                body = path.read_bytes()
                response = client.post(
                    server.base, content=body, headers={"Content-Type": "application/fhir+json"}
                )
                if response.status_code != 200:
                    failures.append(f"{path.name}: {response.status_code}")
                    continue
                counts[slot] += body.count(b'"request"')

    started = time.perf_counter()
    threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    total = sum(counts)
    return {
        "resources": total,
        "seconds": round(seconds, 1),
        "per_second": round(total / seconds),
        "clients": clients,
        "failures": failures[:5],
    }


def bulk_import(url: str, files: list[Path], processes: int) -> dict[str, Any]:
    """What ``kizuna import --workers P`` runs (one process loads everything when P is 1)."""
    from kizuna.fhir import bulk
    from kizuna.fhir.repository import Repository
    from kizuna.heap import settle_heap
    from kizuna.store.db import Database
    from kizuna.store.migrate import upgrade

    upgrade(url)
    started = time.perf_counter()
    if processes > 1:
        reports = bulk.load_files_in_workers(url, files, processes)
    else:
        settle_heap()
        db = Database(url)
        reports = [bulk.load_file(Repository(db), f) for f in files]
        db.close()
    seconds = time.perf_counter() - started
    total = sum(r.total for r in reports)
    return {
        "resources": total,
        "errors": sum(len(r.errors) for r in reports),
        "seconds": round(seconds, 1),
        "per_second": round(total / seconds),
        "processes": processes,
    }


def bare_copy(files: list[Path]) -> dict[str, Any]:
    """The ceiling: COPY the same lines into (id, type, jsonb), no validation or indexes."""
    with psycopg.connect(PG_BASE, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_bare")
        conn.execute("CREATE UNLOGGED TABLE bench_bare (id text, type text, doc jsonb)")
        conn.execute("ALTER TABLE bench_bare SET LOGGED")
    started = time.perf_counter()
    total = 0
    with psycopg.connect(PG_BASE) as conn, conn.cursor() as cur:
        for path in files:
            with (
                path.open("rb") as handle,
                cur.copy("COPY bench_bare (id, type, doc) FROM STDIN") as copy,
            ):
                for line in handle:
                    resource = orjson.loads(line)
                    copy.write_row(
                        (resource["id"], resource["resourceType"], line.rstrip(b"\n").decode())
                    )
                    total += 1
        conn.commit()
    seconds = time.perf_counter() - started
    with psycopg.connect(PG_BASE, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_bare")
    return {"resources": total, "seconds": round(seconds, 1), "per_second": round(total / seconds)}


WRK_SCRIPT = """
local paths = {}
for line in io.lines(os.getenv("KIZUNA_PATHS")) do paths[#paths + 1] = line end
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter * 7919) % #paths + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("JSON {\\"requests\\": %d, \\"seconds\\": %f, \\"errors\\": %d, "
    .. "\\"non2xx\\": %d, \\"p50\\": %f, \\"p95\\": %f, \\"p99\\": %f}\\n",
    summary.requests, summary.duration / 1e6, e.connect + e.read + e.write + e.timeout,
    summary.errors.status, latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
"""


def search_paths(url: str, count: int = 5000) -> list[str]:
    """A realistic mix: reads by id and patient-scoped searches, from the loaded data."""
    from kizuna.store.db import Database

    db = Database(url)
    ids = "SELECT res_id FROM resources WHERE res_type = ? LIMIT 2000"
    with db.read() as tx:
        patients = [r[0] for r in tx.fetchall(ids, ("Patient",))]
        observations = [r[0] for r in tx.fetchall(ids, ("Observation",))]
        codes = [
            r[0]
            for r in tx.fetchall(
                "SELECT DISTINCT code FROM sp_token WHERE res_type = 'Observation' AND param = 'code' LIMIT 50"
            )
        ]
        families = [
            r[0]
            for r in tx.fetchall(
                "SELECT DISTINCT value_exact FROM sp_string WHERE res_type = 'Patient' AND param = 'family' LIMIT 200"
            )
        ]
    db.close()
    rng = random.Random(7)
    makers = [
        lambda: f"/fhir/Patient/{rng.choice(patients)}",
        lambda: f"/fhir/Observation/{rng.choice(observations)}",
        lambda: f"/fhir/Observation?subject=Patient/{rng.choice(patients)}&_count=20",
        lambda: (
            f"/fhir/Observation?subject=Patient/{rng.choice(patients)}&code={rng.choice(codes)}"
            "&_sort=-date&_count=10"
        ),
        lambda: f"/fhir/Condition?patient={rng.choice(patients)}",
        lambda: f"/fhir/Encounter?subject={rng.choice(patients)}&date=ge2015-01-01&_count=20",
        lambda: f"/fhir/Patient?family={rng.choice(families)}&_count=10",
        lambda: f"/fhir/MedicationRequest?patient={rng.choice(patients)}&status=active",
    ]
    return [rng.choice(makers)() for _ in range(count)]


def latency(
    server: Server, paths: list[str], connections: int, seconds: int, folder: Path
) -> dict[str, Any]:
    paths_file = folder / "paths.txt"
    paths_file.write_text("\n".join(paths) + "\n")
    script = folder / "mix.lua"
    script.write_text(WRK_SCRIPT)
    threads = min(connections, 2)
    result = subprocess.run(
        [
            "wrk",
            "-t",
            str(threads),
            "-c",
            str(connections),
            "-d",
            f"{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            f"http://127.0.0.1:{server.port}",
        ],
        env={**os.environ, "KIZUNA_PATHS": str(paths_file)},
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(row for row in result.stdout.splitlines() if row.startswith("JSON "))
    stats = json.loads(line[5:])
    stats["connections"] = connections
    stats["per_second"] = round(stats["requests"] / stats["seconds"])
    return stats


# -- main -------------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "reference_ms": reference_ms(),  # the fixed workload of bench/machine.py
        "python": sys.version.split()[0],
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), required=True)
    parser.add_argument("--resources", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "kizuna-bench")
    parser.add_argument(
        "--skip",
        nargs="*",
        default=[],
        help="phases to skip: transaction; bulk (search the database kept by --keep)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the generated data")
    parser.add_argument(
        "--connections",
        type=int,
        nargs="+",
        default=[16, 32, 64],
        help="wrk connection counts for the read/search phase",
    )
    parser.add_argument(
        "--rates",
        type=float,
        nargs="*",
        default=[1000],
        help="offered requests/s for the open-loop latency phase (none: skip it)",
    )
    args = parser.parse_args()
    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"backend": args.backend, "machine": machine()}
    print("generating data ...", flush=True)
    bundle_files, ndjson_files, total = generate(args.resources, work / "data")
    results["data"] = {
        "resources": total,
        "bundles": len(bundle_files),
        "ndjson_files": len(ndjson_files),
    }
    workers = args.workers if args.backend == "postgresql" else 1

    if "transaction" not in args.skip:
        url = fresh_database(args.backend, work, "tx")
        subprocess.run(
            [KIZUNA, "db", "upgrade"],
            env={**os.environ, "KIZUNA_DATABASE_URL": url},
            check=True,
            capture_output=True,
        )
        server = start_server(url, workers, work / "var")
        try:
            results["transaction_ingest"] = transaction_ingest(server, bundle_files, args.clients)
        finally:
            server.stop()
        print("transaction ingest", results["transaction_ingest"], flush=True)

    if "bulk" in args.skip:  # search the database an earlier run bulk-loaded (kept with --keep)
        url = kept_database(args.backend, work, "bulk")
    else:
        url = fresh_database(args.backend, work, "bulk")
        processes = 2 if args.backend == "postgresql" else 1
        results["bulk_import"] = bulk_import(url, ndjson_files, processes)
        print("bulk import", results["bulk_import"], flush=True)
    if args.backend == "postgresql" and "bulk" not in args.skip:
        results["bare_copy"] = bare_copy(ndjson_files)
        print("bare copy", results["bare_copy"], flush=True)
        results["bulk_vs_bare"] = round(
            results["bulk_import"]["per_second"] / results["bare_copy"]["per_second"], 3
        )
        with psycopg.connect(PG_BASE, autocommit=True) as conn:
            conn.execute("ANALYZE")

    server = start_server(url, args.workers, work / "var")
    try:
        paths = search_paths(url)
        latency(server, paths, 16, 5, work)  # warm the caches
        results["read_search"] = [
            latency(server, paths, c, args.seconds, work) for c in args.connections
        ]
        results["read_search_at_rate"] = [
            open_loop.run(server.url, paths, rate, c, args.seconds)
            for rate in args.rates
            for c in args.connections
        ]
    finally:
        server.stop()
    for row in results["read_search"]:
        print("read/search", row, flush=True)
    for row in results["read_search_at_rate"]:
        print("read/search at a fixed rate", row, flush=True)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{args.backend}.json").write_text(json.dumps(results, indent=2))
    if not args.keep:
        shutil.rmtree(work / "data", ignore_errors=True)


if __name__ == "__main__":
    main()
