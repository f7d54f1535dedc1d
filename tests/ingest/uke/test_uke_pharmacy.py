"""Pharmacy (調剤) receipts: prescriber, prescriptions and dispensings."""

from __future__ import annotations

from typing import Any

from kizuna.codes.checkdigit import facility_code_valid
from kizuna.codes.masters import Masters
from kizuna.fhir import jpcore
from kizuna.fhir.validation import errors_only, validate
from kizuna.ingest.base import PATIENT_REF, Unit
from kizuna.ingest.uke.mapper import map_receipt
from kizuna.ingest.uke.parser import FileKind, parse_bytes
from kizuna.ingest.uke.records_pharmacy import CZRecord, PharmacyIYRecord, SHRecord
from kizuna.ingest.uke.writer import write_file

PHARMACY = "1341234563"  # 13 Tokyo, 4 調剤, 123456 + check digit 3
PRESCRIBER = "1317654323"  # 13 Tokyo, 1 医科, 765432 + check digit 3
YK = "YK,1,13,4,1234563,,テスト薬局,202111,00,0312345678"
RE = "RE,1,1112,202110,調剤　花子,2,19750315,,,,13,1,7654323,処方　医師,K-12,,,,チョウザイ　ハナコ,"
HO = "HO,01010016,記１,２３,1,13642,,,,,,,,,"
ORAL = [
    "SH,01,1,1001,食後に服用",
    "CZ,,20211004,20211005,1,14",
    "IY,1,622895000,3",
    "IY,1,610406079,1.5",
]
EYE_DROPS = ["SH,02,5,,", "CZ,,20211004,20211005,1,1", "IY,1,620000402,2"]


def _data(*lines: str, re_line: str = RE) -> bytes:
    return "\r\n".join([YK, re_line, HO, *lines, "GO,1,1234,99", ""]).encode("cp932")


def _unit(masters: Masters, *lines: str, re_line: str = RE) -> Unit:
    file = parse_bytes(_data(*lines, re_line=re_line), "p.UKE")
    return map_receipt(file.receipts[0], "p.UKE", masters)


def _of(unit: Unit, resource_type: str) -> list[dict[str, Any]]:
    return [r for r in unit.resources if r["resourceType"] == resource_type]


def _codes(concept: dict[str, Any]) -> dict[str, str]:
    return {c["system"]: c["code"] for c in concept["coding"]}


def test_the_test_facility_codes_are_valid() -> None:
    assert facility_code_valid(PHARMACY) and facility_code_valid(PRESCRIBER)


def test_parsed_pharmacy_records() -> None:
    file = parse_bytes(_data(*ORAL), "p.UKE")
    assert file.kind is FileKind.PHARMACY
    (receipt,) = file.receipts
    head = receipt.re
    assert (head.name, head.kana_name, head.sex) == ("調剤　花子", "チョウザイ　ハナコ", "2")
    assert head.birth_date is not None and head.birth_date.isoformat() == "1975-03-15"
    assert (head.prescriber_prefecture, head.prescriber_table, head.prescriber_code7) == (
        "13",
        "1",
        "7654323",
    )
    (sh,) = receipt.of(SHRecord)
    assert (sh.prescription_number, sh.dosage_form, sh.usage_code, sh.instruction) == (
        "01",
        "1",
        "1001",
        "食後に服用",
    )
    (cz,) = receipt.of(CZRecord)
    assert (str(cz.prescribed_date), str(cz.dispensed_date), cz.quantity) == (
        "2021-10-04",
        "2021-10-05",
        14,
    )
    first, second = receipt.of(PharmacyIYRecord)
    assert (first.code, str(first.amount), second.code, str(second.amount)) == (
        "622895000",
        "3",
        "610406079",
        "1.5",
    )


def test_patient_and_unit_key(shipped_masters: Masters) -> None:
    unit = _unit(shipped_masters, *ORAL)
    assert unit.patient is not None
    assert unit.patient["identifier"] == [
        {"system": jpcore.local_patient_system(PHARMACY), "value": "K-12"}
    ]
    kanji, kana = unit.patient["name"]
    assert (kanji["family"], kanji["given"]) == ("調剤", ["花子"])
    assert (kana["family"], kana["given"]) == ("チョウザイ", ["ハナコ"])
    assert (unit.patient["gender"], unit.patient["birthDate"]) == ("female", "1975-03-15")
    assert unit.key == f"uke:{PHARMACY}:202110:chart:K-12:{PRESCRIBER}"
    assert unit.warnings == []


def test_prescriber_is_facility_and_doctor(shipped_masters: Masters) -> None:
    unit = _unit(shipped_masters, *ORAL)
    orgs = {
        o["identifier"][0]["value"]: o
        for o in _of(unit, "Organization")
        if o["identifier"][0]["system"] == jpcore.FACILITY_CODE
    }
    assert orgs[PHARMACY]["name"] == "テスト薬局"
    (doctor,) = _of(unit, "Practitioner")
    assert doctor["name"] == [{"text": "処方　医師"}]
    (role,) = _of(unit, "PractitionerRole")
    assert role["organization"] == {"reference": f"Organization/{orgs[PRESCRIBER]['id']}"}
    assert role["practitioner"] == {"reference": f"Practitioner/{doctor['id']}"}
    for request in _of(unit, "MedicationRequest"):
        assert request["requester"] == {"reference": f"PractitionerRole/{role['id']}"}
        assert request["subject"] == {"reference": PATIENT_REF}
        assert request["authoredOn"] == "2021-10-04"


def test_oral_dispensing(shipped_masters: Masters) -> None:
    unit = _unit(shipped_masters, *ORAL)
    magnesium, famotidine = _of(unit, "MedicationDispense")
    assert _codes(magnesium["medicationCodeableConcept"]) == {
        jpcore.RECEIPT_DRUG_CODE: "622895000",
        jpcore.YJ_CODE: "2344009F4018",
    }
    assert magnesium["medicationCodeableConcept"]["text"] == "酸化マグネシウム５００ｍｇ錠"
    assert magnesium["quantity"] == {"value": 42, "unit": "錠"}  # 3 a day for 14 days
    assert magnesium["daysSupply"]["value"] == 14
    assert magnesium["whenHandedOver"] == "2021-10-05"
    assert magnesium["type"]["coding"][0]["display"] == "内服"
    assert magnesium["dosageInstruction"][0]["text"] == "食後に服用"
    pharmacy = next(o for o in _of(unit, "Organization") if o["identifier"][0]["value"] == PHARMACY)
    assert magnesium["performer"] == [{"actor": {"reference": f"Organization/{pharmacy['id']}"}}]
    assert famotidine["quantity"] == {"value": 21, "unit": "ｇ"}
    request_ids = {r["id"] for r in _of(unit, "MedicationRequest")}
    assert magnesium["authorizingPrescription"][0]["reference"].split("/")[1] in request_ids


def test_external_use_has_no_days_supply(shipped_masters: Masters) -> None:
    unit = _unit(shipped_masters, *EYE_DROPS)
    (drops,) = _of(unit, "MedicationDispense")
    assert drops["medicationCodeableConcept"]["text"] == "ベノキシール点眼液０．４％"
    assert drops["quantity"] == {"value": 2}
    assert "daysSupply" not in drops
    assert drops["type"]["coding"][0]["display"] == "外用"


def test_two_dispensings_of_one_prescription(shipped_masters: Masters) -> None:
    unit = _unit(
        shipped_masters,
        "SH,01,1,1001,",
        "CZ,,20211004,20211004,1,7",
        "CZ,,20211004,20211011,2,7",
        "IY,1,622895000,3",
    )
    (request,) = _of(unit, "MedicationRequest")
    first, second = _of(unit, "MedicationDispense")
    assert (first["whenHandedOver"], second["whenHandedOver"]) == ("2021-10-04", "2021-10-11")
    assert first["id"] != second["id"]
    assert {d["authorizingPrescription"][0]["reference"] for d in (first, second)} == {
        f"MedicationRequest/{request['id']}"
    }


def test_ids_do_not_depend_on_line_numbers(shipped_masters: Masters) -> None:
    plain = _unit(shipped_masters, *ORAL)
    shifted = _unit(shipped_masters, "KI,1,,,", *ORAL)
    assert [r["id"] for r in _of(plain, "MedicationDispense")] == [
        r["id"] for r in _of(shifted, "MedicationDispense")
    ]


def test_prescriber_check_digit_warning(shipped_masters: Masters) -> None:
    unit = _unit(shipped_masters, *ORAL, re_line=RE.replace("7654323", "7654321"))
    (warning,) = unit.warnings
    assert warning.code == "check-digit"
    assert (warning.location.line, warning.location.segment) == (2, "RE")
    assert warning.location.field is not None and "RE-13" in warning.location.field


def test_resources_are_valid_fhir(shipped_masters: Masters) -> None:
    unit = _unit(shipped_masters, *ORAL, *EYE_DROPS)
    for resource in unit.resources:
        assert not errors_only(validate(resource)), resource["resourceType"]


def test_round_trip_is_byte_exact() -> None:
    data = _data(*ORAL, *EYE_DROPS)
    assert write_file(parse_bytes(data, "p.UKE")) == data
