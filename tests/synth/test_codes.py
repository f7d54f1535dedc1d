"""Every code written is valid: facility and insurer check digits, and drug, disease and
act codes that the code masters know."""

from __future__ import annotations

import re
from pathlib import Path

from tests.synth.support import people_rows, truth_rows

from kizuna.codes.checkdigit import facility_code_valid, insurer_number_valid
from kizuna.codes.masters import Masters
from kizuna.ingest.uke import records as med
from kizuna.ingest.uke import records_pharmacy as pha
from kizuna.ingest.uke.parser import parse_bytes
from kizuna.synth import showcase
from kizuna.synth.catalog import shipped
from kizuna.synth.facilities import build_directory
from kizuna.synth.generate import Summary

MASTERS = Masters(None)


def test_facility_codes_check(demo: tuple[Path, Summary]) -> None:
    root, _ = demo
    codes = {row["facility_code"] for row in truth_rows(root)}
    assert codes and all(facility_code_valid(c) for c in codes)
    for size in (120, 200, 10_000, 50_000):
        directory = build_directory(size)
        assert all(facility_code_valid(f.code) for f in directory.facilities)
        assert len(directory.by_code) == len(directory.facilities)


def test_pharmacies_are_table_4_and_medical_facilities_table_1() -> None:
    for facility in build_directory(10_000).facilities:
        assert facility.table == ("4" if facility.kind == "pharmacy" else "1")


def test_showcase_facilities_exist_at_every_size() -> None:
    wanted = {code for p in showcase.PATIENTS.values() for code in p.facilities}
    for size in (1, 50, 200, 1_000, 2_000, 3_000, 5_000, 10_000, 30_000):
        assert wanted <= set(build_directory(size).by_code), size


def test_insurer_numbers_check(demo: tuple[Path, Summary]) -> None:
    root, _ = demo
    insurers = {
        item.split(":")[1]
        for row in people_rows(root).values()
        for item in row["insurance"].split("|")
    }
    assert {6, 8} <= {len(i) for i in insurers}  # 国保 has 6 digits, the others 8
    assert all(insurer_number_valid(i) for i in insurers)


def test_receipt_codes_are_in_the_masters(demo: tuple[Path, Summary]) -> None:
    root, _ = demo
    seen = {"disease": set(), "drug": set(), "act": set(), "insurer": set(), "payer": set()}
    for path in sorted((root / "uke").rglob("*.UKE")):
        for receipt in parse_bytes(path.read_bytes(), path.name).receipts:
            seen["disease"] |= {r.disease_code for r in receipt.of(med.SYRecord)}
            seen["act"] |= {r.code for r in receipt.of(med.SIRecord)}
            seen["drug"] |= {r.code for r in receipt.of(med.MedicalIYRecord)}
            seen["drug"] |= {r.code for r in receipt.of(pha.PharmacyIYRecord)}
            seen["insurer"] |= {r.insurer_number for r in receipt.of(med.HORecord)}
            seen["payer"] |= {r.payer_number for r in receipt.of(med.KORecord)}
    assert all(MASTERS.disease(c) is not None for c in seen["disease"]), seen["disease"]
    assert all(MASTERS.procedure(c) is not None for c in seen["act"])
    assert all(MASTERS.drug(c) is not None for c in seen["drug"])
    assert all(insurer_number_valid(c) for c in seen["insurer"])
    assert all(insurer_number_valid(c) for c in seen["payer"])
    assert len(seen["disease"]) >= 10 and len(seen["drug"]) >= 15 and len(seen["act"]) >= 10


def test_catalog_codes_match_their_master_names() -> None:
    catalog = shipped()
    for drug in catalog.drugs.values():
        info = MASTERS.drug(drug.code)
        assert info is not None and info.name == drug.name
        if drug.yj:
            assert info.yj_code == drug.yj
    for disease in catalog.diseases.values():
        if disease.coded:
            assert MASTERS.disease(disease.code) is not None
    for act in catalog.acts.values():
        if act is not None:
            assert MASTERS.procedure(act.code) is not None


def test_notebook_and_qr_drug_codes_are_known(demo: tuple[Path, Summary]) -> None:
    root, _ = demo
    yj = {i.yj_code for i in (MASTERS.drug(d.code) for d in shipped().drugs.values()) if i}
    pattern = re.compile(r"^201,")
    for path in list((root / "jahis-tc").rglob("*.csv"))[:60]:
        for line in path.read_bytes().decode("cp932").splitlines():
            if pattern.match(line):
                fields = line.split(",")
                code_type, code = fields[5], fields[6]
                assert (
                    (code_type == "2" and MASTERS.drug(code))
                    or (code_type == "4" and code in yj)
                    or (code_type == "6" and MASTERS.yj_of_hot9(code))
                ), line
