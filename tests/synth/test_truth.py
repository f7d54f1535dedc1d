"""The ground truth (truth/persons.csv) and the files agree: every record key points to an
existing file and every file is accounted for; receipt numbers, chart numbers and
insurance numbers are those in the receipts."""

from __future__ import annotations

import json
import unicodedata
from collections import defaultdict
from pathlib import Path

from tests.synth.support import people_rows, truth_rows

from kizuna.ingest.uke import records as med
from kizuna.ingest.uke.parser import parse_bytes
from kizuna.synth.generate import Summary

FORMATS = {"ssmix2", "uke", "uke-pharmacy", "jahis-tc", "jahis-rx", "checkup", "fhir"}


def test_every_key_points_to_a_file_and_every_file_has_a_key(demo: tuple[Path, Summary]) -> None:
    root, _ = demo
    rows = truth_rows(root)
    assert {r["format"] for r in rows} == FORMATS
    referenced = {r["file"] for r in rows}
    for file in referenced:
        assert (root / file).exists(), file
    for path in root.rglob("*"):
        if not path.is_file() or path.parts[len(root.parts)] == "truth":
            continue
        relative = path.relative_to(root).as_posix()
        if relative.startswith("ssmix2/"):
            relative = "/".join(relative.split("/")[:5])  # the patient's folder
        assert relative in referenced, relative


def test_people_and_facilities(demo: tuple[Path, Summary]) -> None:
    root, summary = demo
    people = people_rows(root)
    assert len(people) == summary.patients == summary.counts["patients"]
    rows = truth_rows(root)
    assert {r["person_id"] for r in rows} <= set(people)
    assert len({r["person_id"] for r in rows}) > 0.8 * len(people)
    facilities = {f["code"] for f in json.loads((root / "truth" / "facilities.json").read_text())}
    assert {r["facility_code"] for r in rows} <= facilities


def test_receipt_keys_match_the_receipts(demo: tuple[Path, Summary]) -> None:
    root, _ = demo
    by_file: dict[str, dict[str, dict[str, str]]] = defaultdict(dict)
    for row in truth_rows(root):
        if row["format"].startswith("uke"):
            by_file[row["file"]][row["record"]] = row
    assert by_file
    for file, rows in by_file.items():
        parsed = parse_bytes((root / file).read_bytes(), file)
        assert len(parsed.receipts) == len(rows)
        for receipt in parsed.receipts:
            row = rows[str(receipt.re.receipt_number)]
            assert receipt.re.chart_number == row["local_id"]
            ho = receipt.of(med.HORecord)[0]
            sn = receipt.of(med.SNRecord)[0]
            written = ":".join(
                unicodedata.normalize("NFKC", v or "")
                for v in (ho.insurer_number, ho.symbol, ho.number, sn.branch)
            )
            assert written == row["insurance_key"]
        assert parsed.trailer is not None
        assert parsed.trailer.total_receipts == len(rows)
