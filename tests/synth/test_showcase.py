"""The showcase patients are there, findable by their documented identities, and their
records show what the emergency view needs: dialysis, a child's care and guardian,
allergies, operations with anaesthesia and transfusion, implants, a name change, twins."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.synth.support import read_units, resources, truth_rows

from kizuna.fhir import jpcore
from kizuna.ingest.uke import records as med
from kizuna.ingest.uke.parser import parse_bytes
from kizuna.synth import showcase
from kizuna.synth.generate import Summary


def _rows(root: Path, key: str, fmt: str | None = None) -> list[dict[str, str]]:
    who = showcase.patient(key)
    return [
        r
        for r in truth_rows(root)
        if r["person_id"] == who.person_id and (fmt is None or r["format"] == fmt)
    ]


def _receipts(root: Path, key: str, fmt: str = "uke") -> list[Any]:
    out = []
    for row in _rows(root, key, fmt):
        parsed = parse_bytes((root / row["file"]).read_bytes(), row["file"])
        out.append(parsed.receipts[int(row["record"]) - 1])
    return out


def _hospital_units(root: Path, key: str) -> list[Any]:
    row = _rows(root, key, "ssmix2")[0]
    tree = root / row["file"]
    return [
        u
        for u in read_units(root, "ssmix2", "/".join(Path(row["file"]).parts[:2]))
        if Path(u.source.file).is_relative_to(tree)
    ]


def _documents(root: Path, key: str) -> list[dict[str, Any]]:
    return [json.loads((root / r["file"]).read_text("utf-8")) for r in _rows(root, key, "fhir")]


def test_identities_are_the_documented_ones(demo: tuple[Path, Summary]) -> None:
    root, _ = demo
    scripted = [p for p in showcase.PATIENTS.values() if p.facilities]
    assert len(scripted) == 8
    for who in scripted:
        rows = _rows(root, who.key)
        keys = {r["insurance_key"] for r in rows if r["insurance_key"]}
        documented = f"{who.insurer}:{who.symbol}:{who.number}:{who.branch}"
        assert documented in keys, (who.key, keys)
        assert {r["facility_code"] for r in rows} >= set(who.facilities) - {
            showcase.PEDIATRIC_CLINIC
        }
    assert showcase.patient("diabetes").member_id == "01130012:51200031:4821:00"


def test_dialysis(demo: tuple[Path, Summary]) -> None:
    root, _ = demo
    receipts = [
        r
        for r in _receipts(root, "dialysis")
        if r.header.facility_code7 == showcase.DIALYSIS_CLINIC[3:]
    ]
    assert len(receipts) >= 30  # every month of the timeline
    assert all(r.re.special_notes == "02" for r in receipts)  # 長: 特定疾病療養
    assert all(
        any(k.payer_number.startswith("15") for k in r.of(med.KORecord)) for r in receipts
    )  # 更生医療
    visits = max(sum(1 for d in r.of(med.SIRecord)[0].days if d) for r in receipts)
    assert visits >= 12  # three sessions a week
    people = (root / "truth" / "people.csv").read_text("utf-8")
    assert "shunt" in next(
        line
        for line in people.splitlines()
        if line.startswith(showcase.patient("dialysis").person_id)
    )


def test_child_with_medical_care_needs(demo: tuple[Path, Summary]) -> None:
    root, _ = demo
    guardian = showcase.patient("care-child-guardian")
    units = _hospital_units(root, "care-child")
    contacts = [c for u in units for c in (u.patient or {}).get("contact", [])]
    assert contacts
    phones = {t["value"] for c in contacts for t in c.get("telecom", [])}
    assert "090-0123-4567" in phones  # the mother's mobile
    assert any(c["name"]["family"] == guardian.family for c in contacts if "name" in c)
    receipts = _receipts(root, "care-child")
    assert any(k.payer_number.startswith("52") for r in receipts for k in r.of(med.KORecord))
    discharges = [d for d in _documents(root, "care-child") if d["type"] == "document"]
    assert discharges
    kinds = {e["resource"]["resourceType"] for d in discharges for e in d["entry"]}
    assert "Device" in kinds
    devices = {
        e["resource"]["type"]["text"]
        for d in discharges
        for e in d["entry"]
        if e["resource"]["resourceType"] == "Device"
    }
    assert {"気管切開カニューレ", "在宅人工呼吸器", "胃瘻ボタン"} <= devices
    patient = next(
        e["resource"] for e in discharges[0]["entry"] if e["resource"]["resourceType"] == "Patient"
    )
    assert patient["contact"][0]["telecom"][0]["value"] == "090-0123-4567"
    notebook = _rows(root, "care-child", "jahis-tc")[0]
    text = (root / notebook["file"]).read_bytes().decode("cp932")
    assert "090-0123-4567" in text.splitlines()[1]  # record 1: emergency contact


def test_drug_allergy(demo: tuple[Path, Summary]) -> None:
    root, _ = demo
    units = _hospital_units(root, "allergy")
    allergies = {a["code"]["text"] for a in resources(units, "AllergyIntolerance")}
    assert {"ペニシリン系抗菌薬", "ソバ"} <= allergies
    notebook = _rows(root, "allergy", "jahis-tc")[0]
    lines = (root / notebook["file"]).read_bytes().decode("cp932").splitlines()
    assert "2,1,ペニシリン系抗生物質アレルギー,1" in lines
    for row in _rows(root, "allergy", "uke-pharmacy"):
        receipt = parse_bytes((root / row["file"]).read_bytes(), row["file"]).receipts[
            int(row["record"]) - 1
        ]
        assert "622899900" not in {r.code for r in receipt.records if hasattr(r, "code")}


def test_surgery_anaesthesia_transfusion_and_implants(demo: tuple[Path, Summary]) -> None:
    root, _ = demo
    codes = {r.code for rec in _receipts(root, "surgery") for r in rec.of(med.SIRecord)}
    assert {"150233410", "150224910"} <= codes  # general anaesthesia, transfusion
    assert "180016110" in codes  # the clinic's referral fee for the planned operation
    documents = _documents(root, "surgery")
    devices = {
        e["resource"]["type"]["text"]
        for d in documents
        for e in d["entry"]
        if e["resource"]["resourceType"] == "Device"
    }
    assert {"ペースメーカー（DDD）", "冠動脈ステント（薬剤溶出型）"} <= devices
    assert any(text.startswith("人工膝関節") for text in devices)
    notebook = _rows(root, "surgery", "jahis-tc")[0]
    text = (root / notebook["file"]).read_bytes().decode("cp932")
    assert "併用注意：アスピリンとＮＳＡＩＤｓ" in text


def test_name_change_on_marriage(demo: tuple[Path, Summary]) -> None:
    root, _ = demo
    rows = _rows(root, "married", "uke")
    by_facility = {r["facility_code"]: r for r in rows}
    before = by_facility[showcase.KANAGAWA_CLINIC]
    after = by_facility[showcase.INTERNAL_CLINIC]
    assert before["insurance_key"] != after["insurance_key"]
    old = parse_bytes((root / before["file"]).read_bytes(), before["file"]).receipts[
        int(before["record"]) - 1
    ]
    new = parse_bytes((root / after["file"]).read_bytes(), after["file"]).receipts[
        int(after["record"]) - 1
    ]
    assert old.re.name == "山本\u3000美穂" and new.re.name == "中村\u3000美穂"
    assert old.re.birth_date == new.re.birth_date


def test_twins(demo: tuple[Path, Summary]) -> None:
    root, _ = demo
    a, b = showcase.patient("twin-a"), showcase.patient("twin-b")
    assert a.birth == b.birth and a.family == b.family and a.given != b.given
    assert (a.symbol, a.number) == (b.symbol, b.number) and a.branch != b.branch
    for key in ("twin-a", "twin-b"):
        receipt = _receipts(root, key)[0]
        assert receipt.re.birth_date == a.birth
        sn = receipt.of(med.SNRecord)[0]
        assert sn.branch == showcase.patient(key).branch


def test_fhir_documents_carry_the_member_id(demo: tuple[Path, Summary]) -> None:
    root, _ = demo
    who = showcase.patient("surgery")
    for document in _documents(root, "surgery"):
        patient = next(
            e["resource"] for e in document["entry"] if e["resource"]["resourceType"] == "Patient"
        )
        ids = {i["system"]: i["value"] for i in patient["identifier"]}
        assert ids[jpcore.INSURANCE_MEMBER_ID] == who.member_id
