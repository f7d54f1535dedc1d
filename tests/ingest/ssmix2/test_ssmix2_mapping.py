"""Mapping of every sample message type, asserted against the values in the sample text."""

from __future__ import annotations

from pathlib import Path

import pytest

from kizuna.codes.checkdigit import with_check_digit
from kizuna.fhir import jpcore
from kizuna.fhir.validation import errors_only, validate
from kizuna.ingest.base import PATIENT_REF, Unit, stable_id
from kizuna.ingest.ssmix2.adapter import Ssmix2Adapter
from kizuna.ingest.ssmix2.codes import CONDITION_OUTCOME_HL70241, ROUTE_HL70162

FACILITY = with_check_digit("221315001")  # the conftest's facility code

LOCAL_PATIENT = jpcore.local_patient_system(FACILITY)
MERIT9 = jpcore.MERIT9_UNIT


def of_type(unit: Unit, resource_type: str) -> list[dict]:
    return [r for r in unit.resources if r["resourceType"] == resource_type]


def one(unit: Unit, resource_type: str) -> dict:
    found = of_type(unit, resource_type)
    assert len(found) == 1, f"expected one {resource_type}, got {len(found)}"
    return found[0]


def codes_of(concept: dict) -> set[tuple[str, str]]:
    return {(c.get("system", ""), c["code"]) for c in concept.get("coding", [])}


def _name(patient: dict, representation: str) -> dict:
    for name in patient["name"]:
        if name["extension"][0]["valueCode"] == representation:
            return name
    raise AssertionError(f"no {representation} name")


def test_adt00_patient(sample_units: dict[str, Unit]) -> None:
    patient = sample_units["ADT-00"].patient
    assert patient is not None
    kanji, kana = _name(patient, "IDE"), _name(patient, "SYL")
    assert (kanji["family"], kanji["given"], kanji["text"]) == ("患者", ["太郎"], "患者 太郎")
    assert (kana["family"], kana["given"]) == ("カンジャ", ["タロウ"])
    assert patient["gender"] == "male"
    assert patient["birthDate"] == "1948-04-05"
    assert patient["identifier"] == [{"use": "usual", "system": LOCAL_PATIENT, "value": "9999013"}]
    address = patient["address"][0]
    assert (address["text"], address["postalCode"], address["use"]) == (
        "静岡県静岡市登呂１−３−５",
        "422-8033",
        "home",
    )
    phones = {(t["value"], t.get("use")) for t in patient["telecom"]}
    assert ("054-000-0000", "home") in phones
    assert ("03-3599-9993", "work") in phones
    contact = patient["contact"][0]
    assert contact["organization"]["display"] == "鹿ノ門商事株式会社"
    assert contact["relationship"][0]["coding"][0]["code"] == "SEL"


def test_adt00_coverage_and_insurer_check_digit(sample_units: dict[str, Unit]) -> None:
    unit = sample_units["ADT-00"]
    coverage = one(unit, "Coverage")
    assert coverage["status"] == "active"
    assert coverage["beneficiary"] == {"reference": PATIENT_REF}
    assert ("http://jpfhir.jp/fhir/core/CodeSystem/JHSD0001", "67") in codes_of(coverage["type"])
    assert coverage["type"]["text"] == "国民健康保険退職者"
    assert coverage["period"] == {"start": "2009-12-01"}
    assert coverage["relationship"]["coding"][0]["code"] == "self"
    insurer_id = stable_id("Organization", "insurer", "67999991")
    assert coverage["payor"] == [{"reference": f"Organization/{insurer_id}"}]
    insurer = next(r for r in of_type(unit, "Organization") if r["id"] == insurer_id)
    assert insurer["identifier"] == [{"system": jpcore.INSURER_NUMBER, "value": "67999991"}]
    warning = next(w for w in unit.warnings if w.code == "check-digit")
    assert (warning.location.segment, warning.location.field) == ("IN1[1]", "IN1-3")
    assert "67999991" not in warning.message


def test_adt00_allergy_and_observations(sample_units: dict[str, Unit]) -> None:
    unit = sample_units["ADT-00"]
    allergy = one(unit, "AllergyIntolerance")
    assert allergy["category"] == ["medication"]
    assert allergy["code"]["text"] == "ペニシリン"
    assert allergy["clinicalStatus"]["coding"][0]["code"] == "active"
    by_code = {o["code"]["coding"][0]["code"]: o for o in of_type(unit, "Observation")}
    height = by_code["9N001000000000001"]
    assert height["code"]["coding"][0]["system"] == jpcore.JLAC10
    assert height["valueQuantity"] == {
        "value": 167.8,
        "unit": "cm",
        "system": jpcore.UCUM,
        "code": "cm",
    }
    assert height["category"][0]["coding"][0]["code"] == "vital-signs"
    assert by_code["9N006000000000001"]["valueQuantity"]["value"] == 63.5
    blood = by_code["5H010000009199911"]
    assert blood["valueCodeableConcept"]["coding"][0]["code"] == "A"
    assert blood["code"]["text"] == "血液型-ABO式"


def test_adt22_42_52_encounter_lifecycle(sample_units: dict[str, Unit]) -> None:
    admitted = one(sample_units["ADT-22"], "Encounter")
    discharged = one(sample_units["ADT-52"], "Encounter")
    assert admitted == discharged  # the same Encounter, built from the whole admission
    enc = discharged
    assert enc["status"] == "finished"
    assert enc["class"]["code"] == "IMP"
    assert enc["period"] == {
        "start": "2011-11-20T16:00:00+09:00",
        "end": "2011-12-20T12:00:00+09:00",
    }
    location = enc["location"][0]
    assert location["location"]["display"] == "32-302-1"
    assert location["status"] == "completed"
    assert enc["hospitalization"]["dischargeDisposition"]["coding"][0]["code"] == "01"
    roles = {p["type"][0]["coding"][0]["code"] for p in enc["participant"]}
    assert roles == {"ATND", "ADM"}
    org_id = stable_id("Organization", FACILITY)
    assert enc["serviceProvider"]["reference"] == f"Organization/{org_id}"
    assert enc["subject"] == {"reference": PATIENT_REF}


def test_adt42_after_discharge_is_its_own_encounter(sample_units: dict[str, Unit]) -> None:
    unit = sample_units["ADT-42"]
    enc = one(unit, "Encounter")
    assert enc["id"] != one(sample_units["ADT-52"], "Encounter")["id"]
    assert enc["status"] == "in-progress"
    assert enc["location"] == [
        {
            "location": enc["location"][0]["location"],
            "status": "active",
            "period": {"start": "2011-12-20T20:00:00+09:00"},
        }
    ]
    assert enc["location"][0]["location"]["display"] == "32-305-1"
    assert [w.code for w in unit.warnings] == ["encounter-link"]


def test_adt61_allergies(sample_units: dict[str, Unit]) -> None:
    unit = sample_units["ADT-61"]
    allergies = {a["code"]["text"]: a for a in of_type(unit, "AllergyIntolerance")}
    assert set(allergies) == {"スギ", "ソバ", "ハウスダスト", "アリナミン"}
    cedar = allergies["スギ"]
    assert (jpcore.JLAC10, "5A1002216023023") in codes_of(cedar["code"])
    assert cedar["category"] == ["environment"]
    assert cedar["onsetDateTime"] == "1996-01"
    assert cedar["reaction"] == [
        {"description": "目のかゆみ", "manifestation": [{"text": "目のかゆみ"}], "severity": "mild"}
    ]
    buckwheat = allergies["ソバ"]
    assert buckwheat["category"] == ["food"]
    assert buckwheat["onsetString"] == "小学校低学年の頃"
    assert buckwheat["reaction"][0]["severity"] == "moderate"
    drug = allergies["アリナミン"]
    assert (jpcore.HOT9, "106824501") in codes_of(drug["code"])
    assert drug["onsetDateTime"] == "2007-07-10"
    assert [w.code for w in unit.warnings] == ["patient-id"]  # PID-3 12345678 vs path


def test_ppr01_condition(sample_units: dict[str, Unit]) -> None:
    unit = sample_units["PPR-01"]
    cond = one(unit, "Condition")
    codes = codes_of(cond["code"])
    assert (jpcore.MEDIS_DISEASE, "20054174") in codes  # labelled MDCDX2, shaped as key no.
    assert (jpcore.ICD10, "K297") in codes
    assert (jpcore.MEDIS_DISEASE_EXCHANGE, "TSQF") in codes
    assert cond["code"]["text"] == "胃炎"
    assert cond["onsetDateTime"] == "2011-08-31"
    assert cond["recordedDate"] == "2011-08-31"
    assert cond["clinicalStatus"]["coding"][0]["code"] == "inactive"  # 回復せず, ended
    assert cond["abatementDateTime"] == "2011-09-15"
    outcome = cond["extension"][0]
    assert outcome["url"].endswith("JP_Condition_DiseaseOutcome")
    assert outcome["valueCodeableConcept"]["coding"][0] == {
        "code": "N",
        "system": CONDITION_OUTCOME_HL70241,
        "display": "回復せず",
    }
    categories = [c["coding"][0]["code"] for c in cond["category"]]
    assert categories == ["encounter-diagnosis", "O", "1"]
    assert cond["category"][2]["text"] == "主診断"
    assert cond["recorder"]["display"] == "医師 一郎"
    assert {w.code for w in unit.warnings} == {"patient-id", "code-system"}


def test_omp01_prescription(sample_units: dict[str, Unit]) -> None:
    requests = of_type(sample_units["OMP-01"], "MedicationRequest")
    assert [r["medicationCodeableConcept"]["coding"][0]["code"] for r in requests] == [
        "108665201",
        "110626901",
        "100607002",
    ]
    first = requests[0]
    assert first["medicationCodeableConcept"]["coding"][0]["system"] == jpcore.HOT9
    assert first["medicationCodeableConcept"]["text"] == "ダーゼン錠（５mg)"
    assert first["authoredOn"] == "2011-07-01T10:30:45+09:00"
    assert first["intent"] == "order"
    assert [c["coding"][0]["code"] for c in first["category"]] == ["OHP", "OHI"]
    dosage = first["dosageInstruction"][0]
    assert dosage["timing"]["code"]["coding"][0] == {
        "code": "1013044400000000",
        "system": jpcore.JAMI_USAGE,
        "display": "内服・経口・１日３回朝昼夕食後",
    }
    assert dosage["route"]["coding"][0]["system"] == ROUTE_HL70162
    dose = dosage["doseAndRate"][0]
    assert dose["doseQuantity"] == {"value": 1, "unit": "錠", "system": MERIT9, "code": "TAB"}
    assert dose["rateRatio"]["numerator"]["value"] == 3
    assert first["dispenseRequest"]["quantity"]["value"] == 15
    assert first["dispenseRequest"]["expectedSupplyDuration"]["value"] == 5
    rp = [
        (i["system"].rsplit("/", 1)[-1], i["value"])
        for r in requests
        for i in r["identifier"]
        if "RPGroup" in i["system"] or "Index" in i["system"]
    ]
    assert rp == [
        ("Medication-RPGroupNumber", "1"),
        ("MedicationAdministrationIndex", "1"),
        ("Medication-RPGroupNumber", "1"),
        ("MedicationAdministrationIndex", "2"),
        ("Medication-RPGroupNumber", "2"),
        ("MedicationAdministrationIndex", "1"),
    ]
    powder = requests[2]
    assert powder["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["code"] == "MG"
    assert powder["dispenseRequest"]["expectedSupplyDuration"]["value"] == 14


def test_omp02_injection(sample_units: dict[str, Unit]) -> None:
    requests = of_type(sample_units["OMP-02"], "MedicationRequest")
    assert len(requests) == 3
    first = requests[0]
    med = first["contained"][0]
    assert first["medicationReference"] == {"reference": "#medication"}
    assert [i["itemCodeableConcept"]["coding"][0]["code"] for i in med["ingredient"]] == [
        "620007329",
        "620002559",
    ]
    assert med["ingredient"][1]["strength"]["numerator"]["code"] == "AMP"
    dosage = first["dosageInstruction"][0]
    assert dosage["route"]["coding"][0]["code"] == "IV"
    rate = dosage["doseAndRate"][0]["rateQuantity"]
    assert (rate["value"], rate["code"]) == (102, "mL/h")
    period = dosage["extension"][0]["valuePeriod"]
    assert period == {"start": "2011-07-01T08:00:00+09:00", "end": "2011-07-01T13:00:00+09:00"}


def test_omp12_administration(sample_units: dict[str, Unit]) -> None:
    admins = of_type(sample_units["OMP-12"], "MedicationAdministration")
    assert [a["medicationCodeableConcept"]["coding"][0]["code"] for a in admins] == [
        "620007329",
        "620002559",
    ]
    first = admins[0]
    assert first["status"] == "completed"
    assert first["effectivePeriod"] == {
        "start": "2011-07-01T08:05:21+09:00",
        "end": "2011-07-01T13:05:43+09:00",
    }
    assert first["dosage"]["dose"] == {"value": 1, "unit": "本", "system": MERIT9, "code": "HON"}
    assert first["dosage"]["route"]["coding"][0]["code"] == "IV"
    assert first["dosage"]["rateQuantity"]["value"] == 102
    assert first["note"] == [{"text": "左手に実施"}]
    assert first["performer"][0]["actor"]["display"] == "看護 花子"
    assert first["device"] == [{"display": "点滴ポンプ"}]


def test_omp11_administration(sample_units: dict[str, Unit]) -> None:
    admins = of_type(sample_units["OMP-11"], "MedicationAdministration")
    assert [
        (a["medicationCodeableConcept"]["text"], a["dosage"]["dose"]["value"]) for a in admins
    ] == [("ダーゼン錠（５mg)", 1), ("パンスポリンＴ錠（１００mg)", 2)]
    assert admins[0]["effectivePeriod"]["start"] == "2011-07-01T08:30:00+09:00"


def test_oml11_lab_results(sample_units: dict[str, Unit]) -> None:
    unit = sample_units["OML-11"]
    obs = {o["code"]["text"]: o for o in of_type(unit, "Observation")}
    assert set(obs) == {"A/G比", "総蛋白", "アルブミン"}
    protein = obs["総蛋白"]
    assert (jpcore.JLAC10, "3A010000002327101") in codes_of(protein["code"])
    gdl = {"unit": "g/dl", "system": jpcore.UCUM, "code": "g/dL"}
    assert protein["valueQuantity"] == {"value": 7.2, **gdl}
    assert protein["referenceRange"] == [
        {"text": "6.70-8.3", "low": {"value": 6.7, **gdl}, "high": {"value": 8.3, **gdl}}
    ]
    ratio = obs["A/G比"]
    assert ratio["valueQuantity"] == {"value": 1.7}
    assert (ratio["referenceRange"][0]["low"], ratio["referenceRange"][0]["high"]) == (
        {"value": 1.2},
        {"value": 2.0},
    )
    assert protein["effectiveDateTime"] == "2011-12-19T15:00:00+09:00"
    assert protein["category"][0]["coding"][0]["code"] == "laboratory"
    report = one(unit, "DiagnosticReport")
    assert report["code"]["coding"][0]["code"] == "E001"
    assert report["code"]["text"] == "血液学的検査"
    assert report["issued"] == "2011-12-20T10:30:59+09:00"
    assert report["effectivePeriod"] == {"start": "2011-12-19", "end": "2011-12-19"}
    assert sorted(r["reference"] for r in report["result"]) == sorted(
        f"Observation/{o['id']}" for o in obs.values()
    )
    specimen = one(unit, "Specimen")
    assert specimen["type"]["coding"][0]["code"] == "023"
    assert specimen["type"]["text"] == "血清"
    assert specimen["collection"] == {"collectedDateTime": "2011-12-19T15:00:00+09:00"}
    assert protein["specimen"] == {"reference": f"Specimen/{specimen['id']}"}
    request = one(unit, "ServiceRequest")
    assert request["status"] == "completed"
    assert report["basedOn"] == [{"reference": f"ServiceRequest/{request['id']}"}]


def test_oml01_lab_order(sample_units: dict[str, Unit]) -> None:
    unit = sample_units["OML-01"]
    requests = of_type(unit, "ServiceRequest")
    assert [r["code"]["text"] for r in requests] == ["生化学的検査", "血液学的検査"]
    details = [codes_of(d) for d in requests[0]["orderDetail"]]
    assert (jpcore.JLAC10, "3A010000002327101") in details[0]
    assert requests[0]["authoredOn"] == "2011-12-20T18:33:01+09:00"
    assert requests[0]["requester"]["display"] == "医師 一郎"
    specimens = [s["type"]["text"] for s in of_type(unit, "Specimen")]
    assert specimens == ["血清", "血漿"]


def test_omg13_physiology_report(sample_units: dict[str, Unit]) -> None:
    unit = sample_units["OMG-13"]
    report = one(unit, "DiagnosticReport")
    assert report["conclusion"] == "心筋虚血疑い"
    assert report["code"]["text"] == "標準１２誘導心電図"
    assert report["effectiveDateTime"] == "2011-12-20"
    assert report["issued"] == "2011-12-20T15:20:00+09:00"
    heart_rate = next(o for o in of_type(unit, "Observation") if o["code"]["text"] == "心拍数")
    assert heart_rate["valueQuantity"] == {
        "value": 67,
        "unit": "bpm",
        "system": jpcore.UCUM,
        "code": "/min",
    }
    axis = next(o for o in of_type(unit, "Observation") if o["code"]["text"] == "T 波軸")
    assert axis["valueQuantity"]["value"] == -14
    assert len(report["result"]) == 11


def test_omg11_imaging_study(sample_units: dict[str, Unit]) -> None:
    unit = sample_units["OMG-11"]
    study = one(unit, "ImagingStudy")
    assert study["identifier"][0] == {
        "system": "urn:dicom:uid",
        "value": "urn:oid:1.2.392.1114.20045.43233.5.300001",
    }
    assert study["identifier"][1]["value"] == "A201112200030001"
    assert study["modality"] == [
        {"system": "http://dicom.nema.org/resources/ontology/DCM", "code": "US"}
    ]
    assert study["procedureCode"][0]["text"] == "経皮的超音波検査"
    assert study["started"] == "2011-12-20"
    requests = of_type(unit, "ServiceRequest")
    assert [r["code"]["text"] for r in requests] == ["経皮的超音波検査", "胎児.経皮的超音波検査"]
    assert requests[1]["basedOn"] == [{"reference": f"ServiceRequest/{requests[0]['id']}"}]


def test_omg02_endoscopy_order_notes(sample_units: dict[str, Unit]) -> None:
    requests = of_type(sample_units["OMG-02"], "ServiceRequest")
    notes = [n["text"] for n in requests[0]["note"]]
    assert "臨床病名: 胃潰瘍の疑い" in notes
    assert "視覚障害: 重度" in notes
    assert requests[0]["category"][0]["text"] == "内視鏡"


def test_omd_nutrition_order(sample_units: dict[str, Unit]) -> None:
    order = one(sample_units["OMD"], "NutritionOrder")
    assert order["dateTime"] == "2011-10-13T23:22:13+09:00"
    assert order["oralDiet"]["instruction"] == "塩分控えめ"
    assert order["oralDiet"]["type"][0]["coding"][0]["code"] == "001"
    schedule = order["oralDiet"]["schedule"][0]
    assert schedule["repeat"]["boundsPeriod"]["start"] == "2011-10-16T07:00:00+09:00"
    assert schedule["code"]["coding"][0]["code"] == "TID"
    assert order["patient"] == {"reference": PATIENT_REF}


def test_every_unit_carries_the_facility_and_resolvable_references(
    sample_units: dict[str, Unit],
) -> None:
    org_id = stable_id("Organization", FACILITY)
    for data_type, unit in sample_units.items():
        present = {f"{r['resourceType']}/{r['id']}" for r in unit.resources}
        assert unit.source.facility_code == FACILITY
        if data_type not in ("ADT-61",):
            assert f"Organization/{org_id}" in present or not _refs(unit, "Organization"), data_type
        for ref in _refs(unit, ""):
            if ref.startswith(
                (
                    "Organization/",
                    "Practitioner/",
                    "Location/",
                    "Specimen/",
                    "Observation/",
                    "ServiceRequest/",
                )
            ):
                assert ref in present, (data_type, ref)


def _refs(unit: Unit, prefix: str) -> list[str]:
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            ref = node.get("reference")
            if isinstance(ref, str) and ref.startswith(prefix):
                found.append(ref)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(unit.resources)
    return found


@pytest.mark.parametrize("data_type", ["ADT-00", "OMP-01", "OML-11", "PPR-01", "ADT-61"])
def test_clinical_resources_point_at_the_patient_placeholder(
    sample_units: dict[str, Unit], data_type: str
) -> None:
    shared = {"Organization", "Practitioner", "Location"}
    for resource in sample_units[data_type].resources:
        if resource["resourceType"] in shared:
            continue
        ref = resource.get("subject") or resource.get("patient") or resource.get("beneficiary")
        assert ref == {"reference": PATIENT_REF}, resource["resourceType"]


def test_warnings_carry_no_patient_values(sample_units: dict[str, Unit]) -> None:
    secrets = ["9999013", "12345678", "患者", "カンジャ", "19480405", "67999991", "054-000"]
    for unit in sample_units.values():
        for warning in unit.warnings:
            assert not any(s in warning.message for s in secrets), warning.message


def test_all_resources_are_valid_fhir(sample_units: dict[str, Unit]) -> None:
    """The store's own structural validator (strict) finds no error in any resource."""
    for data_type, unit in sample_units.items():
        assert unit.patient is not None
        for resource in [dict(unit.patient, id="candidate"), *unit.resources]:
            errors = errors_only(validate(resource, strict=True))
            assert errors == [], (data_type, resource["resourceType"], errors)


def test_ids_are_deterministic(sample_root: Path, sample_units: dict[str, Unit]) -> None:
    again = {u.key: u for u in Ssmix2Adapter(FACILITY).read(sample_root) if isinstance(u, Unit)}
    for unit in sample_units.values():
        assert again[unit.key].resources == unit.resources
