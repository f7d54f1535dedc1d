"""Microseconds per resource for index extraction, validation and the patient key.

Runs over every entry of the 25 Synthea R4 bundles in ``samples/synthea-r4`` (about 7,100
resources) after rewriting their ``urn:uuid:`` references to ``Type/id``, as a
transaction does before indexing. Each measurement is the best of ``--passes`` passes
over the whole set, after one warm-up pass (which builds the per-type plans), in CPU
time of this process (``time.process_time``), so other work on a shared machine does
not inflate it.

    python bench/fhir_engine.py [--passes 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kizuna.fhir.indexing import extract, patient_key
from kizuna.fhir.validation import validate
from kizuna.fhir.validation.jp import validate_jp

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "synthea-r4"


def load_resources() -> list[dict[str, Any]]:
    resources: list[dict[str, Any]] = []
    for path in sorted(SAMPLES.glob("*.json")):
        bundle = json.loads(path.read_text())
        text = json.dumps([entry["resource"] for entry in bundle["entry"]])
        for entry in bundle["entry"]:
            resource = entry["resource"]
            target = f"{resource['resourceType']}/{resource['id']}"
            text = text.replace(f'"{entry["fullUrl"]}"', f'"{target}"')
        resources.extend(json.loads(text))
    return resources


def best_of(passes: int, fn: Callable[[dict[str, Any]], object], items: list[Any]) -> float:
    """Best CPU microseconds per item over ``passes`` timed passes (after a warm-up)."""
    for item in items:
        fn(item)
    best = float("inf")
    for _ in range(passes):
        start = time.process_time()
        for item in items:
            fn(item)
        best = min(best, time.process_time() - start)
    return best / len(items) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    resources = load_resources()
    rows = sum(extract(r).count() for r in resources)
    results = {
        "resources": len(resources),
        "index_rows_per_resource": round(rows / len(resources), 1),
        "extract_us": best_of(args.passes, extract, resources),
        "validate_us": best_of(args.passes, validate, resources),
        "validate_strict_us": best_of(args.passes, lambda r: validate(r, strict=True), resources),
        "validate_jp_us": best_of(args.passes, validate_jp, resources),
        "patient_key_us": best_of(args.passes, patient_key, resources),
    }
    if args.json:
        print(json.dumps(results, indent=1))
        return
    print(
        f"{results['resources']} Synthea resources, {results['index_rows_per_resource']} rows each"
    )
    for name in (
        "extract_us",
        "validate_us",
        "validate_strict_us",
        "validate_jp_us",
        "patient_key_us",
    ):
        value = float(results[name])
        print(f"{name[:-3]:>16}: {value:7.1f} us/resource  ({1e6 / value:9,.0f} resources/s)")


if __name__ == "__main__":
    main()
