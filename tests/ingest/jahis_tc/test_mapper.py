"""お薬手帳 records -> FHIR units, checked against the values in the source files."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kizuna.fhir import jpcore
from kizuna.ingest.base import PATIENT_REF, Unit
from kizuna.ingest.jahis_tc.adapter import JahisTcAdapter
from kizuna.ingest.jahis_tc.mapper import map_document
from kizuna.ingest.jahis_tc.notes import allergy_substance
from kizuna.ingest.jahis_tc.parser import parse

Check = Callable[[dict[str, Any]], None]


def units(path: Path) -> list[Unit]:
    return map_document(parse(path.read_bytes(), str(path)), str(path))


def by_type(unit: Unit, kind: str) -> list[dict[str, Any]]:
    return [r for r in unit.resources if r["resourceType"] == kind]


def resolve(unit: Unit, ref: dict[str, str]) -> dict[str, Any]:
    kind, rid = ref["reference"].split("/")
    return next(r for r in unit.resources if r["resourceType"] == kind and r["id"] == rid)


def test_dispensing_unit(tc_dir: Path, assert_r4: Check) -> None:
    [unit] = units(tc_dir / "tc-minimal-valid.txt")
    for resource in unit.resources:
        assert_r4(resource)
    assert unit.patient is not None
    assert_r4(unit.patient)
    assert [n["text"] for n in unit.patient["name"]] == ["山田 太郎", "ヤマダ タロウ"]
    assert [n["extension"][0]["valueCode"] for n in unit.patient["name"]] == ["IDE", "SYL"]
    assert (unit.patient["gender"], unit.patient["birthDate"]) == ("male", "1980-01-01")
    [dispense] = by_type(unit, "MedicationDispense")
    med = dispense["medicationCodeableConcept"]
    assert med["text"] == "ノルバスク錠２．５ｍｇ"
    assert med["coding"][0] == {
        "system": jpcore.RECEIPT_DRUG_CODE,
        "code": "612170709",
        "display": "ノルバスク錠２．５ｍｇ",
    }
    assert dispense["subject"] == {"reference": PATIENT_REF}
    assert dispense["whenHandedOver"] == "2026-03-10"
    assert dispense["quantity"] == {"value": 3, "unit": "錠"}
    assert dispense["daysSupply"]["value"] == 3 and dispense["daysSupply"]["code"] == "d"
    dosage = dispense["dosageInstruction"][0]
    assert dosage["text"] == "毎食後服用"
    assert [a["text"] for a in dosage["additionalInstruction"]] == ["透析日に服用", "朝1錠、夕2錠"]
    assert "車の運転は控えてください。" in dosage["patientInstruction"]
    pharmacist, pharmacy = (resolve(unit, p["actor"]) for p in dispense["performer"])
    assert pharmacist["name"][0]["text"] == "工業会 次郎"
    assert pharmacy["identifier"] == [{"system": jpcore.FACILITY_CODE, "value": "1341234567"}]
    assert pharmacy["name"] == "株式会社 工業会薬局 駅前店"
    assert unit.source.facility_code == "1341234567"
    request = resolve(unit, dispense["authorizingPrescription"][0])
    role = resolve(unit, request["requester"])
    assert resolve(unit, role["practitioner"])["name"][0]["text"] == "工業会 太郎"
    assert resolve(unit, role["organization"])["identifier"][0]["value"] == "1311234567"
    assert role["specialty"] == [{"text": "内科"}]
    notes = [n["text"] for n in dispense["note"]]
    assert "服用注意: 他の薬を併用する際は、相談してください。" in notes
    assert notes[-1] == "患者等記入: 飲み始めてから昼に眠くなるようになった。"
    assert dispense["note"][-1]["authorReference"] == {"reference": PATIENT_REF}


def test_bad_check_digits_are_warnings(tc_dir: Path) -> None:
    [unit] = units(tc_dir / "tc-minimal-valid.txt")
    found = sorted((w.code, w.location.line, w.location.segment) for w in unit.warnings)
    assert found == [("check-digit", 4, "11"), ("check-digit", 6, "51")]


def test_generic_name_code(tc_dir: Path) -> None:
    doc = parse((tc_dir / "tc-supported-records-full.txt").read_bytes())
    unit = map_document(doc, "f")[0]
    coding = by_type(unit, "MedicationDispense")[0]["medicationCodeableConcept"]["coding"]
    assert [(c["system"], c["code"]) for c in coding] == [
        (jpcore.RECEIPT_DRUG_CODE, "612170709"),
        (jpcore.GENERAL_ORDER_CODE, "1179044F1ZZZ"),
    ]


def test_patient_notes_and_otc(tc_dir: Path, assert_r4: Check) -> None:
    dispensing, info = units(tc_dir / "tc-output-category-2-full.txt")
    for resource in info.resources:
        assert_r4(resource)
    [allergy] = by_type(info, "AllergyIntolerance")
    assert allergy["code"] == {"text": "乳製品"}
    assert allergy["patient"] == {"reference": PATIENT_REF}
    [note] = by_type(info, "Observation")
    assert note["valueString"] == "セフェム系（発熱）"
    assert note["code"]["coding"][0]["code"] == "2"
    [otc] = by_type(info, "MedicationStatement")
    assert otc["informationSource"] == {"reference": PATIENT_REF}
    assert otc["effectivePeriod"] == {"start": "2020-04-06", "end": "2020-04-09"}
    medication = otc["contained"][0]
    assert medication["code"]["text"] == "バファリン"
    assert medication["ingredient"][0]["itemCodeableConcept"]["text"] == "イブプロフェン"
    assert [w.code for w in info.warnings] == ["unknown-code"]  # 1149001 is no レセ電 code
    assert dispensing.source.facility_code is None  # category 2: pharmacy without code


def test_otc_jan_code(tc_dir: Path) -> None:
    doc = parse((tc_dir / "tc-supported-records-full.txt").read_bytes())
    info = map_document(doc, "f")[-1]
    [otc] = by_type(info, "MedicationStatement")
    assert otc["contained"][0]["code"]["coding"] == [
        {"system": jpcore.GTIN, "code": "4987107609229", "display": "イブA錠"}
    ]


def test_second_doctor_is_the_requester_of_later_rps(tsuchi84: Path) -> None:
    [unit] = units(tsuchi84 / "4.csv")
    dispenses = by_type(unit, "MedicationDispense")
    ointment = next(
        d for d in dispenses if d["medicationCodeableConcept"]["text"] == "ﾘﾝﾃﾞﾛﾝ-VG軟膏0.12%"
    )
    role = resolve(unit, resolve(unit, ointment["authorizingPrescription"][0])["requester"])
    assert resolve(unit, role["practitioner"])["name"][0]["text"] == "佐藤 三郎"
    assert role["specialty"] == [{"text": "皮膚科"}]
    assert ointment["quantity"] == {"value": 10, "unit": "g"}
    assert "daysSupply" not in ointment  # 調剤 unit, not 日分
    capsule = dispenses[0]
    assert capsule["quantity"] == {"value": 30, "unit": "Ｃ"}  # 6 a day for 5 days


def test_note_kinds_of_the_shift_jis_sample(tsuchi84: Path) -> None:
    _, info = units(tsuchi84 / "7.csv")
    assert [a["code"]["text"] for a in by_type(info, "AllergyIntolerance")] == ["乳製品"]
    assert [o["valueString"] for o in by_type(info, "Observation")] == [
        "セフェム系（発熱）",
        "狭心症（2011年～）",
        "嚥下困難",
    ]


@pytest.mark.parametrize(
    ("kind", "text", "expected"),
    [
        ("1", "ペニシリン", "ペニシリン"),
        ("1", "アレルギー歴あり", None),
        ("1", "なし", None),
        ("2", "卵アレルギー", "卵"),
        ("9", "そばアレルギーあり", "そば"),
        ("2", "セフェム系（発熱）", None),
        ("3", "狭心症", None),
        ("9", "アレルギーなし", None),
    ],
)
def test_allergy_rule(kind: str, text: str, expected: str | None) -> None:
    assert allergy_substance(kind, text) == expected


def test_ids_are_stable_and_distinct(tc_dir: Path) -> None:
    first = units(tc_dir / "tc-multi-dispensing.txt")
    again = units(tc_dir / "tc-multi-dispensing.txt")
    assert [u.key for u in first] == [u.key for u in again]
    assert [[r["id"] for r in u.resources] for u in first] == [
        [r["id"] for r in u.resources] for u in again
    ]
    assert len({u.key for u in first}) == 2
    ids = Counter(r["id"] for u in first for r in by_type(u, "MedicationDispense"))
    assert max(ids.values()) == 1


def test_adapter_over_the_sample_folder(tc_dir: Path) -> None:
    out = list(JahisTcAdapter().read(tc_dir))
    failures = {Path(f.location.file).name: f for f in out if not isinstance(f, Unit)}
    assert failures["tc-invalid-missing-drug-code.txt"].location.field == "drug code"
    assert failures["tc-invalid-missing-otc-sequence-parent.txt"].location.line == 3
    assert "split data 12345678901234" in failures["tc-split-output-part-2.txt"].reason
    assert failures["tc-invalid-missing-drug-code.txt"].raw.startswith(b"5,20260310,1")
    mapped = {Path(u.source.file).name for u in out if isinstance(u, Unit)}
    assert mapped == {
        "tc-minimal-valid.txt",
        "tc-multi-dispensing.txt",
        "tc-output-category-2-full.txt",
        "tc-with-otc-components-and-remaining-medicine.txt",
    }
