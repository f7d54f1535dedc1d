"""Ingest rates per source format for a synthetic population.

    python bench/ingest_rates.py --patients 10000 --workers 2 [--backend postgresql]

Writes the population with ``kizuna synth`` (seed 1), then ingests one format after the
other into an empty database with ``kizuna ingest --workers N`` semantics (the real
pipeline: parse, map, identity, validation, storage, one savepoint per unit), timing each.
Results go to bench/out/ingest-<backend>.json and are printed.

    python bench/ingest_rates.py --patients 300 --formats ssmix2 --profile

With ``--profile`` each format is ingested by this one process instead (no workers) under
pyinstrument (``pip install pyinstrument``): the profile is printed with the number of
statements sent to the database per unit.

    python bench/ingest_rates.py --patients 2000 --formats uke --cpu \
        --schema-at 0003_derived_index_rows ingest_0001

    python bench/ingest_rates.py --patients 2000 --formats uke --sites

With ``--sites`` each format is ingested by this one process (no profiler) and the
statements sent are counted by where they were sent from: the three innermost Kizuna
functions above the transaction (``store/db.py``), most frequent first.

``--cpu`` adds the CPU milliseconds per unit of the workers and of the PostgreSQL server
(from the kernel's accounting, as ``bench/ingest_floor.py`` reads it). ``--schema-at``
takes the fresh database back down to the given migration revisions after migrating it,
so a schema change can be measured against the schema before it with the same code:
alternate runs with and without it.

Every run first prints and records ``machine_reference_ms``, the time of
``bench/machine.py``'s fixed workload: rates from runs on machines of different speed
compare after scaling by the ratio of their figures.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.databases import (  # noqa: E402
    children_cpu_seconds,
    fresh_database,
    server_cpu_seconds,
)
from bench.machine import reference_ms  # noqa: E402

OUT = ROOT / "bench" / "out"
FORMATS = ("ssmix2", "uke", "jahis-tc", "jahis-rx", "checkup", "fhir")


def main() -> None:
    from kizuna.ingest.parallel import ingest_parallel
    from kizuna.store.migrate import upgrade
    from kizuna.store.statistics import refresh_url

    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="postgresql")
    parser.add_argument("--work", type=Path, default=Path("/tmp/kizuna-ingest-bench"))
    parser.add_argument("--formats", nargs="*", default=list(FORMATS))
    parser.add_argument("--profile", action="store_true", help="one process under pyinstrument")
    parser.add_argument("--sites", action="store_true", help="one process, statements by caller")
    parser.add_argument("--cpu", action="store_true", help="CPU ms per unit: workers, server")
    parser.add_argument("--schema-at", nargs="*", default=[], help="revisions to go down to")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    population = synth_population(args.work, args.patients)
    generated = time.perf_counter() - started
    url = fresh_database(args.backend, args.work, "ingest")
    upgrade(url)
    at_revisions(url, args.schema_at)
    results: dict[str, Any] = {
        "backend": args.backend,
        "patients": args.patients,
        "workers": args.workers,
        "cpus": os.cpu_count(),
        "generate_seconds": round(generated, 1),
        "schema_at": args.schema_at,
        "machine_reference_ms": reference_ms(),
        "formats": {},
    }
    print("machine reference", results["machine_reference_ms"], "ms", flush=True)
    cpu = args.cpu and args.backend == "postgresql"
    for name in args.formats:
        server, clients = (server_cpu_seconds(url), children_cpu_seconds()) if cpu else (0, 0)
        started = time.perf_counter()
        if args.profile:
            reports = profiled(url, population / name)
        elif args.sites:
            reports = by_site(url, population / name)
        else:
            reports = ingest_parallel(url, [population / name], args.workers)
        seconds = time.perf_counter() - started
        row = summary(reports, seconds)
        if cpu:
            server, clients = server_cpu_seconds(url) - server, children_cpu_seconds() - clients
            row |= cpu_per_unit(row["units"], clients, server)
        results["formats"][name] = row
        print(name, row, flush=True)
        refresh_url(url)  # as autovacuum would (it is off on the benchmark machine)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"ingest-{args.backend}.json").write_text(json.dumps(results, indent=2))


def synth_population(work: Path, patients: int) -> Path:
    """The folder of the seed-1 population of ``patients``, written on first use."""
    from kizuna.synth.config import SynthConfig
    from kizuna.synth.generate import generate

    population = work / f"synth-{patients}"
    if not (population / "truth").is_dir():
        generate(SynthConfig(patients=patients, seed=1, out=population, workers=2))
    return population


def at_revisions(url: str, revisions: list[str]) -> None:
    """Take the database down to each of ``revisions`` (one per migration branch)."""
    from alembic import command

    from kizuna.store.migrate import alembic_config

    for revision in revisions:
        command.downgrade(alembic_config(url), revision)


def cpu_per_unit(units: int, workers: float, server: float) -> dict[str, float]:
    """CPU milliseconds per unit of the workers and of the database server."""
    return {
        "worker_cpu_ms_per_unit": round(1000 * workers / max(units, 1), 3),
        "server_cpu_ms_per_unit": round(1000 * server / max(units, 1), 3),
    }


def summary(reports: dict[str, Any], seconds: float) -> dict[str, Any]:
    """One format's figures from its reports (``kizuna.ingest.pipeline.FormatReport``)."""
    units = sum(r.units for r in reports.values())
    return {
        "units": units,
        "seconds": round(seconds, 1),
        "units_per_second": round(units / seconds) if seconds else 0,
        "resources_written": sum(r.created + r.updated for r in reports.values()),
        "quarantined": sum(r.quarantined for r in reports.values()),
        "warnings": sum(r.warnings for r in reports.values()),
    }


class Counted:
    """Counts the statements every transaction of this process sends (and, with
    ``sites``, where from)."""

    def __init__(self, sites: bool = False) -> None:
        from kizuna.store import db

        self.sent = 0
        self.sites: Counter[str] | None = Counter() if sites else None
        for tx_class in (db._SqliteTx, db._PostgresTx):
            for method in ("execute", "executemany", "fetchall", "fetchone", "insert_rows"):
                setattr(tx_class, method, self._counting(getattr(tx_class, method)))

    def _counting(self, method: Any) -> Any:
        def counted(tx: Any, *args: Any, **kwargs: Any) -> Any:
            if method.__name__ != "insert_rows" or args[2]:  # no rows: nothing is sent
                self.sent += 1
                if self.sites is not None:
                    self.sites[_site()] += 1
            return method(tx, *args, **kwargs)

        return counted


def _site() -> str:
    """``inner < outer < outermost``: the three innermost Kizuna functions calling the
    transaction, with their lines."""
    frames = [
        f
        for f in traceback.extract_stack(limit=12)
        if "/kizuna/" in f.filename and not f.filename.endswith("store/db.py")
    ]
    return " < ".join(f"{Path(f.filename).stem}.{f.name}:{f.lineno}" for f in frames[::-1][:3])


def by_site(url: str, source: Path) -> Any:
    """Ingest ``source`` in this process; print the statements sent per call site."""
    from kizuna.ingest.pipeline import Pipeline
    from kizuna.store.db import Database

    counted, db = Counted(sites=True), Database(url)
    reports = Pipeline(db).ingest_paths([source])
    db.close()
    units = sum(r.units for r in reports.values())
    print(f"{source.name}: {counted.sent} statements, {counted.sent / max(units, 1):.2f} per unit")
    for site, sent in (counted.sites or Counter()).most_common(25):
        print(f"{sent:8d}  {site}")
    return reports


def profiled(url: str, source: Path) -> Any:
    """Ingest ``source`` in this process under pyinstrument; print the profile."""
    from pyinstrument import Profiler

    from kizuna.ingest.pipeline import Pipeline
    from kizuna.store.db import Database

    counted, db, profiler = Counted(), Database(url), Profiler(interval=0.0005)
    profiler.start()
    reports = Pipeline(db).ingest_paths([source])
    profiler.stop()
    db.close()
    units = sum(r.units for r in reports.values())
    print(profiler.output_text(unicode=False, color=False))
    print(f"{source.name}: {counted.sent} statements, {counted.sent / max(units, 1):.2f} per unit")
    return reports


if __name__ == "__main__":
    main()
