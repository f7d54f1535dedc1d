"""Parse+map time per dispensing, prescription and checkup document.

Usage: .venv/bin/python bench/pharmacy_parse.py [rounds]
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

from kizuna.ingest.checkup.mapper import map_document as map_checkup
from kizuna.ingest.checkup.parser import parse as parse_checkup
from kizuna.ingest.jahis_rx.mapper import map_prescription
from kizuna.ingest.jahis_rx.parser import read as read_rx
from kizuna.ingest.jahis_tc.mapper import map_dispensing, patient_candidate, patient_key
from kizuna.ingest.jahis_tc.parser import ParsedTc
from kizuna.ingest.jahis_tc.parser import read as read_tc

ROOT = Path(__file__).resolve().parent.parent


def per_item(label: str, rounds: int, data: bytes, run) -> None:  # type: ignore[no-untyped-def]
    items = run(data)
    start = time.perf_counter()
    for _ in range(rounds):
        run(data)
    elapsed = time.perf_counter() - start
    print(f"{label:<34} {elapsed / (rounds * items) * 1e3:.3f} ms per item ({items} per file)")


def tc(data: bytes) -> int:
    count = 0
    for parsed in read_tc(data, "bench"):
        assert isinstance(parsed, ParsedTc)
        doc = parsed.document
        patient, person = patient_candidate(doc.patient), patient_key(doc.patient)
        for disp in doc.dispensings:
            map_dispensing(disp, "bench", patient, person, Counter())
            count += 1
    return count


def rx(data: bytes) -> int:
    parsed = read_rx(data, "bench")
    map_prescription(parsed.prescription, "bench", parsed.unknown_records)
    return 1


def checkup(data: bytes) -> int:
    map_checkup(parse_checkup(data, "bench"), "bench")
    return 1


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    per_item(
        "お薬手帳 (multi-dispensing)",
        rounds,
        (ROOT / "samples/jahis-tc/tc-multi-dispensing.txt").read_bytes(),
        tc,
    )
    per_item(
        "お薬手帳 (full record set)",
        rounds,
        (ROOT / "samples/jahis-tc/tc-minimal-valid.txt").read_bytes(),
        tc,
    )
    per_item(
        "処方箋 QR (external-sample2)",
        rounds,
        (ROOT / "samples/jahis-rx/external-sample2.txt").read_bytes(),
        rx,
    )
    per_item(
        "特定健診 CDA (19 items)",
        rounds // 4,
        (ROOT / "samples/checkup/checkup-sample-sato-2025.xml").read_bytes(),
        checkup,
    )


if __name__ == "__main__":
    main()
