"""Ingest rates per source format for a synthetic population.

    python bench/ingest_rates.py --patients 10000 --workers 2 [--backend postgresql]

Writes the population with ``kizuna synth`` (seed 1), then ingests one format after the
other into an empty database with ``kizuna ingest --workers N`` semantics (the real
pipeline: parse, map, identity, validation, storage, one savepoint per unit), timing each.
Results go to bench/out/ingest-<backend>.json and are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.databases import fresh_database  # noqa: E402

OUT = ROOT / "bench" / "out"
FORMATS = ("ssmix2", "uke", "jahis-tc", "jahis-rx", "checkup", "fhir")


def main() -> None:
    from kizuna.ingest.parallel import ingest_parallel
    from kizuna.store.migrate import upgrade
    from kizuna.store.statistics import refresh_url
    from kizuna.synth.config import SynthConfig
    from kizuna.synth.generate import generate

    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="postgresql")
    parser.add_argument("--work", type=Path, default=Path("/tmp/kizuna-ingest-bench"))
    parser.add_argument("--formats", nargs="*", default=list(FORMATS))
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    population = args.work / f"synth-{args.patients}"
    started = time.perf_counter()
    if not (population / "truth").is_dir():
        generate(SynthConfig(patients=args.patients, seed=1, out=population, workers=2))
    generated = time.perf_counter() - started
    url = fresh_database(args.backend, args.work, "ingest")
    upgrade(url)
    results: dict[str, Any] = {"backend": args.backend, "patients": args.patients, "workers": args.workers,
                               "cpus": os.cpu_count(), "generate_seconds": round(generated, 1), "formats": {}}
    for name in args.formats:
        started = time.perf_counter()
        reports = ingest_parallel(url, [population / name], args.workers)
        seconds = time.perf_counter() - started
        units = sum(r.units for r in reports.values())
        row = {
            "units": units,
            "seconds": round(seconds, 1),
            "units_per_second": round(units / seconds) if seconds else 0,
            "resources_written": sum(r.created + r.updated for r in reports.values()),
            "quarantined": sum(r.quarantined for r in reports.values()),
            "warnings": sum(r.warnings for r in reports.values()),
        }
        results["formats"][name] = row
        print(name, row, flush=True)
        refresh_url(url)  # as autovacuum would (it is off on the benchmark machine)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"ingest-{args.backend}.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
