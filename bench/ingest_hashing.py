"""Microseconds per receipt that ingestion spends serialising and hashing mapped resources.

Maps the receipts of the first ``--files`` UKE files of a synthetic population (written by
``bench/ingest_rates.py``, or by ``kizuna synth``), then times, per receipt: the unit
digest, the validation memory (every resource seen before, so validation itself is not
timed) with the patient placeholder replaced, and the content hash the write engine needs
for each resource. Best of ``--passes`` passes, in CPU time of this process.

    python bench/ingest_hashing.py [--population /tmp/kizuna-ingest-bench/synth-2000]

Run against an earlier commit with ``bench/ab.py --match us_per_receipt``; before
commit f35902f the pipeline had ``unit_digest(unit)`` and ``CheckedContent.body`` only,
which this script falls back to.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from kizuna.fhir import writes
from kizuna.ingest import pipeline
from kizuna.ingest.base import Unit
from kizuna.ingest.checked import CheckedContent
from kizuna.ingest.uke.adapter import UkeAdapter

TARGET = "Patient/0f6f1c7e-0000-5000-8000-000000000001"


def receipts(population: Path, files: int) -> list[Unit]:
    paths = sorted((population / "uke").rglob("*.UKE"))[:files]
    return [u for p in paths for u in UkeAdapter().read(p) if isinstance(u, Unit)]


def one_pass(units: list[Unit], memory: CheckedContent) -> None:
    texts_of = getattr(pipeline, "unit_texts", None)
    for unit in units:
        if texts_of is None:  # the code before f35902f
            pipeline.unit_digest(unit)  # type: ignore[call-arg]
            for resource in unit.resources:
                writes.content_hash(memory.body(resource, TARGET, "x"))
            continue
        texts = texts_of(unit)
        pipeline.unit_digest(unit, texts)
        for resource, text in zip(unit.resources, texts, strict=False):
            body, digest = memory.checked(resource, text, TARGET, "x")
            if digest is None:
                writes.content_hash(body)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--population", type=Path, default=Path("/tmp/kizuna-ingest-bench/synth-2000")
    )
    parser.add_argument("--files", type=int, default=40)
    parser.add_argument("--passes", type=int, default=5)
    args = parser.parse_args()
    units = receipts(args.population, args.files)
    memory = CheckedContent()
    one_pass(units, memory)  # warm-up: validates each distinct content once
    best = min(_timed(units, memory) for _ in range(args.passes))
    resources = sum(len(u.resources) for u in units)
    result: dict[str, Any] = {
        "receipts": len(units),
        "resources": resources,
        "us_per_receipt": round(best / len(units) * 1e6, 1),
    }
    print("serialise_and_hash", result, flush=True)


def _timed(units: list[Unit], memory: CheckedContent) -> float:
    started = time.process_time()
    one_pass(units, memory)
    return time.process_time() - started


if __name__ == "__main__":
    main()
