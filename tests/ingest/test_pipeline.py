"""The whole ingestion path on both backends: files in, JP Core FHIR out, checked against
the source text; idempotent re-ingest; SS-MIX2 superseding and deletion; quarantine."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import orjson
import pytest

from kizuna.fhir.writes import content_hash
from kizuna.ingest import quarantine
from kizuna.ingest.pipeline import Pipeline
from kizuna.store.db import Database

SSMIX2 = "ssmix2/sampleData/999/901/9999013"


def _resources(db: Database, res_type: str) -> list[dict[str, Any]]:
    with db.read() as tx:
        rows = tx.fetchall(
            "SELECT content FROM resources WHERE res_type = ? AND deleted = 0", (res_type,)
        )
    return [orjson.loads(r[0]) for r in rows]


def _versions(db: Database) -> dict[tuple[str, str], int]:
    with db.read() as tx:
        rows = tx.fetchall("SELECT res_type, res_id, version FROM resources")
    return {(r[0], r[1]): r[2] for r in rows}


def _segments(path: Path) -> dict[str, list[list[str]]]:
    """The message's segments split by hand (independent of the parser under test)."""
    text = path.read_bytes().decode("iso2022_jp")
    out: dict[str, list[list[str]]] = {}
    for line in text.replace("\r\n", "\r").split("\r"):
        if line:
            fields = line.split("|")
            out.setdefault(fields[0], []).append(fields)
    return out


def _name_texts(patient: dict[str, Any]) -> set[str]:
    return {n.get("family", "") + n.get("given", [""])[0] for n in patient.get("name", [])}


def test_ssmix2_patient_diagnosis_and_lab_land_as_in_the_source(
    db: Database, samples: Path
) -> None:
    tree = samples / SSMIX2
    Pipeline(db).ingest_paths([tree])
    pid = _segments(next((tree / "-" / "ADT-00").iterdir()))["PID"][0]
    kanji, kana = (rep.split("^") for rep in pid[5].split("~"))
    patients = [
        p
        for p in _resources(db, "Patient")
        if any(i.get("value") == pid[3] for i in p.get("identifier", []))
    ]
    assert len(patients) == 1
    patient = patients[0]
    assert {kanji[0] + kanji[1], kana[0] + kana[1]} <= _name_texts(patient)
    assert patient["birthDate"] == f"{pid[7][:4]}-{pid[7][4:6]}-{pid[7][6:8]}"
    assert patient["gender"] == {"M": "male", "F": "female"}[pid[8]]

    obx = {
        seg[3].split("^")[0]: seg
        for seg in _segments(next((tree / "20111220" / "OML-11").iterdir()))["OBX"]
    }
    observations = [o for o in _resources(db, "Observation") if o.get("valueQuantity")]
    by_code = {c["code"]: o for o in observations for c in o["code"].get("coding", [])}
    matched = [code for code in obx if code in by_code]
    assert matched, "every numeric lab result is stored with its JLAC10 code"
    for code in matched:
        stored, source = by_code[code], obx[code]
        assert stored["valueQuantity"]["value"] == pytest.approx(float(source[5]))
        assert stored["subject"]["reference"] == f"Patient/{patient['id']}"
        assert stored["meta"]["source"].startswith("urn:kizuna:source:ssmix2:")

    zd1 = _segments(next((tree / "-" / "PPR-01").iterdir()))
    names = {seg[3].split("^")[1] for seg in zd1.get("PRB", []) if "^" in seg[3]}
    stored_names = {c["code"].get("text") for c in _resources(db, "Condition")} | {
        coding.get("display")
        for c in _resources(db, "Condition")
        for coding in c["code"].get("coding", [])
    }
    assert names and names <= stored_names


def _uke_lines(path: Path) -> list[list[str]]:
    return [line.split(",") for line in path.read_bytes().decode("cp932").splitlines()]


def test_uke_receipts_land_as_in_the_source(db: Database, samples: Path) -> None:
    path = samples / "uke" / "RECEIPTC_GAIRAI_SAMPLE.UKE"
    report = Pipeline(db).ingest_paths([path])["uke"]
    lines = _uke_lines(path)
    receipts = [line for line in lines if line[0] == "RE"]
    assert report.units == len(receipts) == 75 and report.quarantined == 0
    first = receipts[0]
    name, birth, kana = first[4], first[6], first[36]
    patient = next(
        p
        for p in _resources(db, "Patient")
        if any(
            n.get("family", "") + "　" + n.get("given", [""])[0] == name or n.get("text") == name
            for n in p["name"]
        )
    )
    assert birth == patient["birthDate"].replace("-", "")
    assert any(
        kana in (n.get("text") or n.get("family", "") + n.get("given", [""])[0])
        for n in patient["name"]
    )
    insurer = next(line for line in lines if line[0] == "HO")[1]
    coverage = [
        c
        for c in _resources(db, "Coverage")
        if c["beneficiary"]["reference"] == f"Patient/{patient['id']}"
    ]
    payors = {ref["reference"].split("/")[1] for c in coverage for ref in c["payor"]}
    insurers = {
        i["value"]
        for o in _resources(db, "Organization")
        if o["id"] in payors
        for i in o.get("identifier", [])
    }
    assert insurer in insurers
    start = lines.index(first)
    diagnosis_codes = []
    for line in lines[start + 1 :]:
        if line[0] == "RE":
            break
        if line[0] == "SY" and line[1] != "0000999":
            diagnosis_codes.append(line[1])
    conditions = [
        c
        for c in _resources(db, "Condition")
        if c["subject"]["reference"] == f"Patient/{patient['id']}"
    ]
    stored_codes = {coding["code"] for c in conditions for coding in c["code"].get("coding", [])}
    assert set(diagnosis_codes) <= stored_codes
    assert all(coding["system"] for c in conditions for coding in c["code"].get("coding", []))
    facility = next(line for line in lines if line[0] == "IR")
    code = f"{int(facility[2]):02d}{facility[3]}{facility[4]}"
    assert any(
        i.get("value") == code
        for o in _resources(db, "Organization")
        for i in o.get("identifier", [])
    )


def test_pharmacy_and_documents_land_as_in_the_source(db: Database, samples: Path) -> None:
    notebook = samples / "jahis-tc" / "tc-supported-records-full.txt"
    Pipeline(db).ingest_paths(
        [samples / "jahis-tc" / "tc-multi-dispensing.txt", samples / "fhir-jp" / "eReferral"]
    )
    lines = [
        ln.split(",")
        for ln in (samples / "jahis-tc" / "tc-multi-dispensing.txt").read_text("utf-8").splitlines()
    ]
    drug_records = [ln for ln in lines if ln[0] == "201"]
    dispenses = _resources(db, "MedicationDispense")
    names = {d["medicationCodeableConcept"].get("text") for d in dispenses}
    assert {rec[2] for rec in drug_records} <= names
    assert notebook.exists()
    referral = orjson.loads(next((samples / "fhir-jp" / "eReferral").glob("*.json")).read_bytes())
    compositions = _resources(db, "Composition")
    assert [c["title"] for c in compositions] == [referral["entry"][0]["resource"]["title"]]
    documents = _resources(db, "Bundle")
    assert documents[0]["identifier"] == referral["identifier"]  # the document is kept whole
    conditions = _resources(db, "Condition")
    source_conditions = [
        e["resource"] for e in referral["entry"] if e["resource"]["resourceType"] == "Condition"
    ]
    assert sorted(
        orjson.dumps(c["code"], option=orjson.OPT_SORT_KEYS) for c in conditions
    ) == sorted(orjson.dumps(c["code"], option=orjson.OPT_SORT_KEYS) for c in source_conditions)
    patient_ref = {c["subject"]["reference"] for c in conditions}
    assert len(patient_ref) == 1 and patient_ref.pop().startswith("Patient/")


def test_reingest_changes_nothing(db: Database, samples: Path) -> None:
    inputs = [
        samples / SSMIX2,
        samples / "uke",
        samples / "jahis-tc",
        samples / "fhir-jp",
        samples / "checkup",
    ]
    Pipeline(db).ingest_paths(inputs)
    before = _versions(db)
    again = Pipeline(db).ingest_paths(inputs)
    assert _versions(db) == before
    assert sum(r.created + r.updated + r.deleted for r in again.values()) == 0
    assert sum(r.skipped for r in again.values()) > 100
    with db.read() as tx:
        stored = tx.fetchall(
            "SELECT res_type, res_id, hash, content FROM resources WHERE deleted = 0"
        )
    wrong = [(t, i) for t, i, h, c in stored if h != content_hash(orjson.loads(c))]
    assert len(stored) > 300 and not wrong  # the digest that makes re-sends no-ops


def _tree_copy(samples: Path, tmp_path: Path) -> Path:
    root = tmp_path / "store"
    shutil.copytree(samples / "ssmix2" / "sampleData", root)
    return root


def test_superseded_and_deleted_ssmix2_files(db: Database, samples: Path, tmp_path: Path) -> None:
    root = _tree_copy(samples, tmp_path)
    folder = root / "999/901/9999013/20111220/OML-11"
    original = next(folder.iterdir())
    Pipeline(db).ingest_paths([root])
    first_values = {
        o["id"]: o["valueQuantity"]["value"]
        for o in _resources(db, "Observation")
        if "valueQuantity" in o
    }
    # a corrected result arrives: the old file is renamed _2, the new one is _1
    parts = original.name.split("_")
    corrected = "_".join([*parts[:4], "20111221090000000", parts[5], "1"])
    text = original.read_bytes().decode("iso2022_jp")
    obx = next(line for line in text.split("\r") if line.startswith("OBX") and "|NM|" in line)
    fields = obx.split("|")
    new_value = str(round(float(fields[5]) + 1.5, 1))
    changed = text.replace(obx, "|".join([*fields[:5], new_value, *fields[6:]]))
    original.rename(folder / (original.name[:-1] + "2"))
    (folder / corrected).write_bytes(changed.encode("iso2022_jp"))
    Pipeline(db).ingest_paths([root])
    after = {o["id"]: o for o in _resources(db, "Observation") if "valueQuantity" in o}
    updated = [
        o for oid, o in after.items() if first_values.get(oid) != o["valueQuantity"]["value"]
    ]
    assert len(updated) == 1 and updated[0]["valueQuantity"]["value"] == float(new_value)
    assert updated[0]["meta"]["versionId"] == "2"
    assert set(after) == set(first_values)  # same resources, updated in place

    # the order is deleted: flag 0
    (folder / corrected).rename(folder / (corrected[:-1] + "0"))
    report = Pipeline(db).ingest_paths([root])["ssmix2"]
    assert report.deleted > 0
    order_results = {oid for oid, o in after.items() if "OML-11" in o["meta"]["source"]}
    remaining = {o["id"] for o in _resources(db, "Observation")}
    assert order_results and remaining.isdisjoint(order_results)
    assert any(
        "ADT-00" in o["meta"]["source"] for o in _resources(db, "Observation")
    )  # others stay


def test_corrupt_input_is_quarantined_and_the_rest_goes_in(
    db: Database, samples: Path, tmp_path: Path
) -> None:
    root = _tree_copy(samples, tmp_path)
    good = next((root / "999/901/9999013/-/ADT-00").iterdir())
    broken = root / "999/901/9999013/20111220/OML-11"
    target = next(broken.iterdir())
    target.write_bytes(target.read_bytes()[:40])  # truncated inside MSH
    garbage = tmp_path / "garbage.UKE"
    garbage.write_bytes(b"IR,1,13,1,\x81\x00\xff\xfe garbage\r\nRE,1,oops\r\n")
    uke = tmp_path / "receipts.UKE"
    data = (
        (samples / "uke" / "RECEIPTC_GAIRAI_SAMPLE.UKE").read_bytes().decode("cp932").split("\r\n")
    )
    data[1] = data[1].replace(",19911121,", ",19911341,")  # an impossible birth date in receipt 1
    uke.write_bytes("\r\n".join(data).encode("cp932"))
    reports = Pipeline(db).ingest_paths([root, garbage, uke])
    assert reports["ssmix2"].quarantined == 1 and reports["ssmix2"].units >= 17
    assert reports["uke"].units == 74 and reports["uke"].quarantined >= 2
    items = quarantine.items(db)
    places = {Path(i.file).name for i in items}
    assert {target.name, uke.name, garbage.name} <= places
    bad_receipt = next(i for i in items if Path(i.file).name == uke.name)
    assert "line 2" in bad_receipt.location and "RE" in bad_receipt.location
    assert bad_receipt.raw  # kept verbatim
    assert any(
        i.get("value") == "9999013"
        for p in _resources(db, "Patient")
        for i in p.get("identifier", [])
    )
    assert good.exists()


def test_check_digit_failures_are_warnings(db: Database, samples: Path) -> None:
    report = Pipeline(db).ingest_paths([samples / SSMIX2 / "-" / "ADT-00"])["ssmix2"]
    assert report.quarantined == 0 and report.units == 1
    assert any("check digit" in w for w in report.warning_texts)
    stored = orjson.dumps(_resources(db, "Coverage") + _resources(db, "Organization")).decode()
    assert "67999991" in stored  # kept and flagged, not dropped


def test_races_between_workers_are_retried_and_other_failures_are_not() -> None:
    import sqlite3

    import psycopg

    from kizuna.fhir.outcome import FhirError
    from kizuna.ingest.pipeline import _is_conflict

    assert _is_conflict(psycopg.errors.DeadlockDetected("deadlock detected"))
    assert _is_conflict(psycopg.errors.LockNotAvailable("canceling statement due to lock timeout"))
    assert _is_conflict(psycopg.errors.UniqueViolation("duplicate key"))
    assert _is_conflict(FhirError(412))
    assert _is_conflict(sqlite3.OperationalError("database is locked"))
    assert not _is_conflict(FhirError(422))
    assert not _is_conflict(sqlite3.OperationalError("no such table: resources"))
    assert not _is_conflict(ValueError("bad date"))


def _collection(name: str, code: str) -> dict[str, Any]:
    patient = {
        "resourceType": "Patient",
        "identifier": [{"system": "urn:oid:1.2.392.100495.20.3.51.11310100019", "value": name}],
        "name": [{"family": "山田", "given": ["花子"]}],
        "gender": "female",
        "birthDate": "1980-04-01",
    }
    observation = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "urn:oid:1.2.392.200119.4.504", "code": code}]},
        "subject": {"reference": "urn:uuid:11111111-1111-4111-8111-111111111111"},
        "valueQuantity": {"value": 5.6, "unit": "%"},
    }
    return {
        "resourceType": "Bundle",
        "identifier": {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:bundle-{name}"},
        "type": "collection",
        "entry": [
            {"fullUrl": "urn:uuid:11111111-1111-4111-8111-111111111111", "resource": patient},
            {"fullUrl": "urn:uuid:22222222-2222-4222-8222-222222222222", "resource": observation},
        ],
    }


@pytest.mark.parametrize("where", ["Observation.code", "Patient.identifier"])
def test_a_value_too_long_to_index_quarantines_its_unit_only(
    db: Database, tmp_path: Path, where: str
) -> None:
    """On PostgreSQL an incompressible code or patient id of 3,000 characters cannot be
    indexed: its document is quarantined with a reason naming the parameter, and the
    other goes in. SQLite stores both. (The patient id also links the patient: its link
    key is bounded, so it is the Patient's own index row that refuses it.)"""
    import random
    import string

    rng = random.Random(7)
    long = "".join(rng.choice(string.ascii_letters) for _ in range(3_000))
    code = long if where == "Observation.code" else "3D045000001906202"
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_bytes(orjson.dumps(_collection("good", "3D045000001906202")))
    bad_bundle = _collection("bad", code)
    if where == "Patient.identifier":
        bad_bundle["entry"][0]["resource"]["identifier"][0]["value"] = long
    bad.write_bytes(orjson.dumps(bad_bundle))
    report = Pipeline(db).ingest_paths([good, bad])["fhir"]
    ids = {i["value"] for p in _resources(db, "Patient") for i in p["identifier"]}
    codes = {o["code"]["coding"][0]["code"] for o in _resources(db, "Observation")}
    if db.dialect == "sqlite":
        assert report.quarantined == 0 and codes == {code, "3D045000001906202"}
        assert ids == {"good", long if where == "Patient.identifier" else "bad"}
        return
    assert report.quarantined == 1
    assert codes == {"3D045000001906202"} and "good" in ids and long not in ids
    (item,) = quarantine.items(db)
    assert Path(item.file).name == "bad.json" and item.raw == bad.read_bytes()
    param, res_type = where.split(".")[1], where.split(".")[0]
    assert f"'{param}' of {res_type}/" in item.reason and "3,000 bytes long" in item.reason
