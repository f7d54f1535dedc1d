"""Where one ingest process spends its CPU, part by part, without a profiler.

    python bench/ingest_parts.py --patients 2000 --format ssmix2

Ingests one format of the synthetic population (as ``bench/ingest_rates.py`` writes it)
into a fresh PostgreSQL schema in this one process, as ``kizuna ingest`` does without
workers. Named parts of the pipeline are wrapped to add up this thread's CPU time (and the
wall time, which includes waiting for the database); a part's figure leaves out the parts
nested in it. Profilers slow the small functions they sample by more than the large ones,
and py-spy's pauses lengthen system calls; these timers cost about a microsecond per call,
so the parts called once per resource carry that much each.

Parts: reading the source (listing, reading, parsing and mapping, per format), validation
(``checked``: the pipeline's own work around the checks), patient resolution, the rows of
each version (``stored_version``), the COPYs, and the group's lookups and bookkeeping.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.databases import fresh_database  # noqa: E402
from bench.ingest_rates import synth_population  # noqa: E402
from bench.machine import reference_ms  # noqa: E402


class Parts:
    """Self CPU and wall seconds of wrapped functions, and their calls."""

    def __init__(self) -> None:
        self.cpu: Counter[str] = Counter()
        self.wall: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()
        self._stack: list[str] = []

    def wrap(self, owner: Any, name: str, label: str) -> None:
        inner = getattr(owner, name)
        parts = self

        def timed(*args: Any, **kwargs: Any) -> Any:
            parts._stack.append(label)
            cpu, wall = time.thread_time(), time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
                parts._stack.pop()
                parts.cpu[label] += cpu
                parts.wall[label] += wall
                parts.calls[label] += 1
                if parts._stack:  # the parent's own time leaves this out
                    parts.cpu[parts._stack[-1]] -= cpu
                    parts.wall[parts._stack[-1]] -= wall

        setattr(owner, name, timed)


def wrap_pipeline(parts: Parts) -> None:
    import kizuna.fhir.validate as validate
    import kizuna.fhir.writes as writes
    import kizuna.ingest.checked as checked
    import kizuna.ingest.pipeline as pipeline
    import kizuna.ingest.ssmix2.adapter as ssmix2
    import kizuna.ingest.uke.adapter as uke

    targets: list[tuple[Any, str, str]] = [
        (pipeline.Pipeline, "ingest_items", "source: the rest"),
        (ssmix2, "patient_files", "source: listing"),
        (ssmix2, "_read_bytes", "source: reading"),
        (ssmix2, "parse_message", "source: parsing"),
        (ssmix2, "map_message", "source: mapping"),
        (uke, "parse_receipt", "source: parsing"),
        (uke, "map_receipt", "source: mapping"),
        (pipeline.UnitWriter, "__init__", "unit texts and digest"),
        (pipeline.UnitWriter, "_patient", "patient resolution"),
        (pipeline.GroupWriter, "_prefetch", "patient resolution: prefetch"),
        (pipeline.UnitWriter, "_resources", "checked: the rest"),
        (checked, "check_resource", "checked: check_resource"),
        (validate, "validate", "checked: structure"),
        (validate, "validate_jp", "checked: JP Core"),
        (writes, "stored_version", "rows (stored_version)"),
        (writes._Batch, "__init__", "version lookup"),
        (writes._Batch, "flush", "COPY of versions and index rows"),
        (pipeline.GroupWriter, "_priors", "unit lookups"),
        (pipeline, "_shared_writes", "shared resources"),
        (pipeline, "_bookkeeping", "unit bookkeeping"),
        (pipeline.UnitWriter, "_deletions", "deletions"),
        (pipeline.Pipeline, "_try_group", "group: the rest"),
        (pipeline.Batch, "commit", "commit"),
    ]
    for owner, name, label in targets:
        parts.wrap(owner, name, label)


def collector_seconds() -> Callable[[], float]:
    """A running total of the collector's CPU seconds in this thread."""
    total = [0.0, 0.0]

    def note(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            total[1] = time.thread_time()
        else:
            total[0] += time.thread_time() - total[1]

    gc.callbacks.append(note)
    return lambda: total[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--patients", type=int, default=2000)
    parser.add_argument("--format", choices=("ssmix2", "uke"), default="ssmix2")
    parser.add_argument("--work", type=Path, default=Path("/tmp/kizuna-ingest-bench"))
    args = parser.parse_args()

    from kizuna.heap import GC_YOUNG_INGEST, settle_heap
    from kizuna.ingest.pipeline import Pipeline
    from kizuna.store.db import Database
    from kizuna.store.migrate import upgrade

    print(f"machine reference {reference_ms():.1f} ms")
    source = synth_population(args.work, args.patients) / args.format
    url = fresh_database("postgresql", args.work, "parts")
    upgrade(url)
    parts = Parts()
    wrap_pipeline(parts)
    collector = collector_seconds()
    settle_heap(young=GC_YOUNG_INGEST)
    db = Database(url)
    cpu, wall = time.thread_time(), time.perf_counter()
    reports = Pipeline(db).ingest_paths([source])
    cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
    db.close()
    units = sum(r.units for r in reports.values())
    per = 1000 / max(units, 1)
    print(
        f"{args.format}: {units} units; CPU {cpu * per:.3f} ms per unit, wall {wall * per:.3f};"
        f" collector {collector():.2f} s"
    )
    for label, seconds in parts.cpu.most_common():
        print(
            f"  {label:34s} CPU {seconds * per:6.3f} ms ({100 * seconds / cpu:4.1f}%)"
            f"  wall {parts.wall[label] * per:6.3f}  calls {parts.calls[label]}"
        )


if __name__ == "__main__":
    main()
