"""Receipts to JP Core resources: identity, insurance, diagnoses, acts, drugs, warnings."""

from __future__ import annotations

from typing import Any

from kizuna.codes.checkdigit import facility_code_valid, insurer_number_valid
from kizuna.codes.masters import Masters
from kizuna.fhir import jpcore
from kizuna.fhir.validation import errors_only, validate
from kizuna.ingest.base import PATIENT_REF, Unit
from kizuna.ingest.uke.mapper import map_receipt
from kizuna.ingest.uke.parser import UkeFile, parse_bytes

HEADER = "IR,1,13,1,1234567,,テスト病院,202111,00,0312345678"
RE_LINE = "RE,1,1112,202110,基金　太郎,1,19800101,,,,,,,A-77,,,,,,,,,,,,,,,,,,,,,,,キキン　タロウ,"
NO_DAYS = ",".join([""] * 31)


def _day(day: int, count: int = 1) -> str:
    values = [""] * 31
    values[day - 1] = str(count)
    return ",".join(values)


def _unit(masters: Masters, *lines: str, header: str = HEADER) -> Unit:
    data = "\r\n".join([header, RE_LINE, *lines, ""]).encode("cp932")
    return map_receipt(parse_bytes(data, "t.UKE").receipts[0], "t.UKE", masters)


def _of(unit: Unit, resource_type: str) -> list[dict[str, Any]]:
    return [r for r in unit.resources if r["resourceType"] == resource_type]


def _codes(concept: dict[str, Any]) -> dict[str, str]:
    return {c["system"]: c["code"] for c in concept.get("coding", [])}


def test_patient_from_the_first_receipt(sample_units: list[Unit]) -> None:
    unit = sample_units[0]
    patient = unit.patient
    assert patient is not None
    assert patient["identifier"] == [
        {"system": jpcore.local_patient_system("1210000000"), "value": "00697"}
    ]
    kanji, kana = patient["name"]
    assert kanji["text"] == "テスト\u3000汎用"
    assert (kanji["family"], kanji["given"]) == ("テスト", ["汎用"])
    assert kanji["extension"][0]["valueCode"] == "IDE"
    assert kana["text"] == "テストハンヨウ" and kana["extension"][0]["valueCode"] == "SYL"
    assert "family" not in kana  # the kana name has no space to split at
    assert (patient["gender"], patient["birthDate"]) == ("male", "1991-11-21")
    assert unit.key == "uke:1210000000:202110:chart:00697:AMB"
    assert (unit.version, unit.source.record, unit.source.facility_code) == (
        "202111",
        "1",
        "1210000000",
    )


def test_insurance_member_id_needs_the_branch_number(sample_units: list[Unit]) -> None:
    second = sample_units[1]
    assert second.patient is not None
    member = [i for i in second.patient["identifier"] if i["system"] == jpcore.INSURANCE_MEMBER_ID]
    assert member == [{"system": jpcore.INSURANCE_MEMBER_ID, "value": "01130012:64440718:7:00"}]
    coverage = _of(second, "Coverage")[0]
    assert coverage["dependent"] == "00"
    symbol = [
        e["valueString"] for e in coverage["extension"] if e["url"] == jpcore.COVERAGE_SYMBOL_EXT
    ]
    assert symbol == ["６４４４０７１８"]
    first_patient = sample_units[0].patient or {}
    assert all(i["system"] != jpcore.INSURANCE_MEMBER_ID for i in first_patient["identifier"])


def test_coverages_and_payers(sample_units: list[Unit]) -> None:
    unit = sample_units[0]
    insurance, public = _of(unit, "Coverage")
    orgs = {o["id"]: o for o in _of(unit, "Organization")}
    insurer = orgs[insurance["payor"][0]["reference"].split("/")[1]]
    assert insurer["identifier"] == [{"system": jpcore.INSURER_NUMBER, "value": "01010016"}]
    assert _codes(insurance["type"]) == {jpcore.INSURANCE_TYPE: "1"}
    assert _codes(insurance["relationship"]) == {jpcore.INSURED_PERSON_CATEGORY: "1"}
    assert insurance["beneficiary"] == {"reference": PATIENT_REF}
    payer = orgs[public["payor"][0]["reference"].split("/")[1]]
    assert payer["identifier"] == [{"system": jpcore.PUBLIC_PAYER_NUMBER, "value": "83136019"}]
    assert (public["subscriberId"], public["order"]) == ("1111111", 2)
    assert _codes(public["type"]) == {jpcore.INSURANCE_TYPE: "8"}


def test_check_digit_warnings_follow_the_rule(sample_units: list[Unit]) -> None:
    assert not facility_code_valid("1210000000")
    assert insurer_number_valid("01010016") and not insurer_number_valid("83136019")
    fields = [w.location.field for w in sample_units[0].warnings if w.code == "check-digit"]
    assert fields == ["IR-5 (医療機関コード)", "KO-2 (公費負担者番号)"]
    facility = _of(sample_units[0], "Organization")[0]
    assert facility["identifier"][0] == {"system": jpcore.FACILITY_CODE, "value": "1210000000"}


def test_encounter_is_the_month_of_outpatient_care(sample_units: list[Unit]) -> None:
    (encounter,) = _of(sample_units[1], "Encounter")
    assert encounter["class"]["code"] == "AMB"
    assert encounter["period"] == {"start": "2021-10-11", "end": "2021-10-11"}
    facility = _of(sample_units[1], "Organization")[0]
    assert encounter["serviceProvider"] == {"reference": f"Organization/{facility['id']}"}


def test_diagnoses_of_the_first_receipt(sample_units: list[Unit]) -> None:
    coded, uncoded, long_name = _of(sample_units[0], "Condition")
    assert _codes(coded["code"]) == {jpcore.RECEIPT_DISEASE_CODE: "2500013"}
    assert coded["onsetDateTime"] == "2021-08-01"
    assert [e["valueCodeableConcept"]["coding"][0]["code"] for e in coded["extension"]] == [
        "principal",
        "1",
    ]
    assert coded["clinicalStatus"]["coding"][0]["code"] == "active"
    assert "coding" not in uncoded["code"] and uncoded["code"]["text"] == "テスト"
    assert long_name["code"]["text"].startswith("寿限無寿限無")
    assert coded["subject"] == {"reference": PATIENT_REF}


def test_outcome_and_suspected_diagnosis(sample_units: list[Unit]) -> None:
    unit = sample_units[2]
    suspected, _, stopped = _of(unit, "Condition")
    assert stopped["clinicalStatus"]["coding"][0]["code"] == "inactive"
    outcome = [e for e in stopped["extension"] if e["url"].endswith("JP_Condition_DiseaseOutcome")]
    assert outcome[0]["valueCodeableConcept"]["coding"][0]["code"] == "4"
    # SY,4659007,...,8002: 急性上気道炎 with the suffix 8002 の疑い
    assert suspected["code"]["text"] == "急性上気道炎の疑い"
    assert suspected["verificationStatus"]["coding"][0]["code"] == "provisional"
    modifier = suspected["code"]["extension"][0]
    assert modifier["url"] == jpcore.CONDITION_POSTFIX_MODIFIER
    assert modifier["valueCodeableConcept"]["coding"][0] == {
        "system": jpcore.RECEIPT_MODIFIER_CODE,
        "code": "8002",
        "display": "の疑い",
    }


def test_unknown_codes_are_reported_once_per_receipt(shipped_masters: Masters) -> None:
    unit = _unit(
        shipped_masters,
        "SY,4375001,20210901,1,9999,,01,",
        "SY,0000001,20210901,1,,,,",
        f"SI,13,1,999999999,,10,1,,,,,,,{_day(2)}",
    )
    (warning,) = [w for w in unit.warnings if w.code == "unknown-code"]
    assert "disease 0000001" in warning.message
    assert "modifier 9999" in warning.message
    assert "procedure 999999999" in warning.message
    assert (warning.location.line, warning.location.segment) == (2, "RE")


def test_an_act_or_drug_line_without_its_code_is_left_out_with_a_warning(
    shipped_masters: Masters,
) -> None:
    """A damaged line (a comma too many moves the code to the next field) names no act or
    drug: no resource is made for it, the rest of the receipt is mapped."""
    unit = _unit(
        shipped_masters,
        f"SI,12,2,,112015570,,50,1,,,,,,,{_day(3)}",
        f"SI,13,1,999999999,,10,1,,,,,,,{_day(2)}",
        f"IY,21,1,,620000402,1,10,1,,,,,,,{_day(2)}",
    )
    missing = [w for w in unit.warnings if w.code == "missing-code"]
    assert [(w.location.line, w.location.segment) for w in missing] == [(3, "SI"), (5, "IY")]
    (procedure,) = _of(unit, "Procedure")
    assert _codes(procedure["code"]) == {jpcore.RECEIPT_PROCEDURE_CODE: "999999999"}
    assert _of(unit, "MedicationRequest") == []
    assert all(not errors_only(validate(r)) for r in unit.resources)


def test_known_disease_with_modifiers_renders_the_full_name(shipped_masters: Masters) -> None:
    unit = _unit(shipped_masters, "SY,4375001,20210901,1,20608048,,01,")
    (condition,) = _of(unit, "Condition")
    assert condition["code"]["text"] == "左右もやもや病の術後"
    codes = _codes(condition["code"])
    assert codes[jpcore.RECEIPT_DISEASE_CODE] == "4375001"
    assert codes[jpcore.ICD10] == "I675"
    assert codes[jpcore.MEDIS_DISEASE] == "20050703"
    urls = [e["url"] for e in condition["code"]["extension"]]
    assert urls == [jpcore.CONDITION_PREFIX_MODIFIER, jpcore.CONDITION_POSTFIX_MODIFIER]


def test_surgery_procedure_with_its_day(sample_units: list[Unit]) -> None:
    procedures = _of(sample_units[0], "Procedure")
    surgery = [
        p for p in procedures if _codes(p["code"]).get(jpcore.RECEIPT_PROCEDURE_CODE) == "150253010"
    ]
    (proc,) = surgery
    assert proc["code"]["text"] == "水晶体再建術（眼内レンズを挿入）（その他）"
    assert proc["performedDateTime"] == "2021-10-01"
    category = {c["system"]: c["code"] for c in proc["category"]["coding"]}
    assert category == {
        "urn:kizuna:codesystem:uke-shinryo-shikibetsu": "50",
        "urn:kizuna:codesystem:procedure-class": "surgery",
    }


def test_anaesthesia_is_classified_from_the_master(shipped_masters: Masters) -> None:
    unit = _unit(shipped_masters, f"SI,54,1,150233410,,6100,1,,,,,,,{_day(12)}")
    (proc,) = _of(unit, "Procedure")
    classes = [
        c["code"]
        for c in proc["category"]["coding"]
        if c["system"] == "urn:kizuna:codesystem:procedure-class"
    ]
    assert classes == ["anaesthesia"]
    assert proc["performedDateTime"] == "2021-10-12"


def test_drug_with_comment_and_count(sample_units: list[Unit]) -> None:
    requests = _of(sample_units[0], "MedicationRequest")
    loxoprofen = requests[0]
    assert _codes(loxoprofen["medicationCodeableConcept"]) == {
        jpcore.RECEIPT_DRUG_CODE: "620098801"
    }
    assert loxoprofen["medicationCodeableConcept"]["text"] == "ロキソニン錠６０ｍｇ"
    assert loxoprofen["note"] == [{"text": "疼痛時"}]
    assert loxoprofen["category"][0]["coding"][0]["code"] == "22"
    assert loxoprofen["dispenseRequest"]["quantity"] == {"value": 2}
    assert loxoprofen["authoredOn"] == "2021-10-01"


def test_oral_drug_daily_dose_days_and_yj(shipped_masters: Masters) -> None:
    unit = _unit(shipped_masters, f"IY,21,1,622895000,3,17,14,,,,,,,{_day(4, 14)}")
    (request,) = _of(unit, "MedicationRequest")
    assert _codes(request["medicationCodeableConcept"]) == {
        jpcore.RECEIPT_DRUG_CODE: "622895000",
        jpcore.YJ_CODE: "2344009F4018",
    }
    dosage = request["dosageInstruction"][0]
    assert dosage["doseAndRate"][0]["rateRatio"]["numerator"] == {"value": 3, "unit": "錠"}
    assert dosage["timing"]["repeat"]["boundsDuration"]["value"] == 14
    assert request["dispenseRequest"]["quantity"] == {"value": 42, "unit": "錠"}
    assert request["dispenseRequest"]["expectedSupplyDuration"]["code"] == "d"
    assert request["authoredOn"] == "2021-10-04"


def test_materials_become_used_codes(shipped_masters: Masters) -> None:
    unit = _unit(
        shipped_masters,
        f"SI,40,1,140000610,,,1,,,,,,,{_day(3)}",
        "TO,,1,700010000,2,52,1,006,120.00,,,,,,,,," + _day(3),
    )
    (proc,) = _of(unit, "Procedure")
    assert _codes(proc["code"]) == {jpcore.RECEIPT_PROCEDURE_CODE: "140000610"}
    assert proc["usedCode"] == [
        {
            "coding": [
                {
                    "system": jpcore.RECEIPT_MATERIAL_CODE,
                    "code": "700010000",
                    "display": "フィルム・半切",
                }
            ],
            "text": "フィルム・半切",
        }
    ]


def test_symptom_details_annotate_the_main_diagnosis(shipped_masters: Masters) -> None:
    unit = _unit(
        shipped_masters,
        "SY,9599001,20211001,1,,,,",
        "SY,4375001,20211001,1,,,01,",
        "SJ,01,経過観察中",
    )
    other, main = _of(unit, "Condition")
    assert main["note"] == [{"text": "経過観察中"}]
    assert "note" not in other


def test_inpatient_receipt(shipped_masters: Masters) -> None:
    data = "\r\n".join(
        [
            HEADER,
            RE_LINE.replace("RE,1,1112,202110", "RE,1,1111,202110").replace(
                ",19800101,,", ",19800101,,20210920"
            ),
            f"SI,90,1,111000110,,288,1,,,,,,,{_day(2)}",
            "",
        ]
    ).encode("cp932")
    unit = map_receipt(parse_bytes(data, "t").receipts[0], "t", shipped_masters)
    (encounter,) = _of(unit, "Encounter")
    assert encounter["class"]["code"] == "IMP"
    assert encounter["period"]["start"] == "2021-09-20"
    assert unit.key.endswith(":IMP")


def test_corrected_receipt_updates_the_same_resources(shipped_masters: Masters) -> None:
    original = _unit(
        shipped_masters, "SY,4375001,20210901,1,,,01,", f"SI,12,1,112007410,,73,1,,,,,,,{_day(5)}"
    )
    corrected = _unit(
        shipped_masters,
        "SY,4375001,20210901,1,,,01,",
        f"SI,12,1,112007410,,75,1,,,,,,,{_day(5)}",
        header=HEADER.replace("202111", "202112"),
    )
    assert original.key == corrected.key
    assert [r["id"] for r in original.resources] == [r["id"] for r in corrected.resources]
    assert (original.version, corrected.version) == ("202111", "202112")


def test_every_resource_is_valid_r4(sample_units: list[Unit]) -> None:
    checked = 0
    for unit in sample_units:
        for resource in unit.resources:
            assert not errors_only(validate(resource)), resource["resourceType"]
            checked += 1
        assert unit.patient is not None
        assert not errors_only(validate({**unit.patient, "id": "p"}))
    assert checked > 700


def test_warnings_carry_no_patient_data(sample_units: list[Unit], sample_file: UkeFile) -> None:
    for unit, receipt in zip(sample_units, sample_file.receipts, strict=True):
        personal = [
            v for v in (receipt.re.name, receipt.re.kana_name, receipt.re.chart_number) if v
        ]
        if receipt.re.birth_date:
            personal.append(receipt.re.birth_date.strftime("%Y%m%d"))
        for warning in unit.warnings:
            text = f"{warning.message} {warning.location}"
            assert not any(value in text for value in personal)


def _days(*days: tuple[int, int]) -> str:
    values = [""] * 31
    for day, count in days:
        values[day - 1] = str(count)
    return ",".join(values)


def test_routine_act_on_several_days_is_one_procedure(shipped_masters: Masters) -> None:
    unit = _unit(shipped_masters, f"SI,12,1,112007410,,73,3,,,,,,,{_days((4, 1), (18, 2))}")
    (proc,) = _of(unit, "Procedure")
    assert proc["code"]["text"] == "再診料"
    assert proc["performedPeriod"] == {"start": "2021-10-04", "end": "2021-10-18"}
    assert proc["note"] == [{"text": "算定日 4日, 18日×2"}]
    # a routine act carries its 診療識別 only: no Kizuna class, which marks history acts
    assert proc["category"] == {
        "coding": [
            {
                "system": "urn:kizuna:codesystem:uke-shinryo-shikibetsu",
                "code": "12",
                "display": "再診",
            }
        ]
    }


def test_surgery_on_several_days_keeps_each_date(shipped_masters: Masters) -> None:
    unit = _unit(shipped_masters, f"SI,50,1,150253010,,12100,2,,,,,,,{_days((1, 1), (15, 1))}")
    first, second = _of(unit, "Procedure")
    assert (first["performedDateTime"], second["performedDateTime"]) == ("2021-10-01", "2021-10-15")
    assert first["id"] != second["id"]


def test_transfusion_is_classified_from_the_master(shipped_masters: Masters) -> None:
    unit = _unit(shipped_masters, f"SI,50,1,150224910,400,900,1,,,,,,,{_day(7)}")
    (proc,) = _of(unit, "Procedure")
    classes = [
        c["code"]
        for c in proc["category"]["coding"]
        if c["system"] == "urn:kizuna:codesystem:procedure-class"
    ]
    assert classes == ["transfusion"]
    assert proc["code"]["text"] == "保存血液輸血（２００ｍＬごとに）（１回目）"
    assert proc["performedDateTime"] == "2021-10-07"
    assert proc["note"] == [{"text": "数量 400ｍＬ"}]
