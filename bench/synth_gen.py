"""Generation speed of the synthetic population (``kizuna synth``).

Usage: .venv/bin/python bench/synth_gen.py [patients] [workers] [out]

Generates ``patients`` people (default 10,000) with ``workers`` processes (default 2) into
``out`` (default a temporary folder, removed afterwards) and reports wall time, CPU time of
this process and its workers, and what was produced per second of wall time: files, SS-MIX2
messages, receipts, dispensings, documents. The machine's load average is printed too,
since other work on a shared machine slows every number down.
"""

from __future__ import annotations

import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from kizuna.synth.config import SynthConfig
from kizuna.synth.generate import generate


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    patients = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    given = Path(sys.argv[3]) if len(sys.argv) > 3 else None
    out = given or Path(tempfile.mkdtemp(prefix="kizuna-synth-"))
    load_before = os.getloadavg()[0]
    cpu_before = cpu_seconds()
    started = time.perf_counter()
    summary = generate(SynthConfig(patients, seed=1, out=out, workers=workers))
    wall = time.perf_counter() - started
    cpu = cpu_seconds() - cpu_before
    counts = summary.counts
    print(
        f"patients {patients:,}  workers {workers}  load average {load_before:.1f} -> "
        f"{os.getloadavg()[0]:.1f}"
    )
    print(f"wall {wall:.1f} s   cpu {cpu:.1f} s   ({cpu / patients * 1000:.1f} ms cpu per person)")
    print(f"output {counts['bytes'] / 1e6:,.0f} MB in {counts['files']:,} files")
    for name in (
        "files",
        "message",
        "receipt",
        "receipt_file",
        "dispensing",
        "notebook",
        "qr",
        "checkup",
        "document",
    ):
        print(f"  {name:13s} {counts[name]:>9,}   {counts[name] / wall:>9,.0f} per second")
    if given is None:
        shutil.rmtree(out)


if __name__ == "__main__":
    main()
