"""The shipped curated master set: every code real and well formed, lookups answer with the
values of the cited public sources (docs/masters.md)."""

from __future__ import annotations

import csv
from importlib import resources
from pathlib import Path

import pytest

from kizuna.codes.masters import Masters, ProcedureCategory, categorise, ingredient_of_yj
from kizuna.codes.masters.ssk import read_ssk
from kizuna.fhir import jpcore

#: Source tags used in the shipped files; docs/masters.md cites each one.
SOURCES = {"Y25", "SMP", "RCP", "RZM", "JPC", "ANE", "EPD", "RBM", "RSM", "HOT"}
CODE_SIZES = {
    "drugs.csv": 9,
    "diseases.csv": 7,
    "modifiers.csv": 4,
    "procedures.csv": 9,
    "materials.csv": 9,
}


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("kizuna.codes.masters").joinpath("data", name).read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


@pytest.fixture(scope="module")
def masters() -> Masters:
    return Masters(None)


@pytest.mark.parametrize("name", sorted(CODE_SIZES))
def test_shipped_codes_are_well_formed_unique_and_sourced(name: str) -> None:
    rows = _rows(name)
    codes = [r["code"] for r in rows]
    assert len(codes) == len(set(codes))
    for row in rows:
        assert len(row["code"]) == CODE_SIZES[name] and row["code"].isdigit(), row
        assert row["name"], row
        assert row["source"] in SOURCES, row


def test_shipped_yj_codes_have_an_ingredient() -> None:
    for row in _rows("drugs.csv"):
        if row["yj_code"]:
            assert ingredient_of_yj(row["yj_code"]) == row["yj_code"][:7], row
    for row in _rows("hot9.csv"):
        assert len(row["hot9"]) == 9 and row["hot9"].isdigit()
        assert ingredient_of_yj(row["yj_code"]) is not None, row
        assert row["source"] in SOURCES


def test_coverage_of_the_shipped_set() -> None:
    assert len(_rows("drugs.csv")) >= 100
    assert len(_rows("diseases.csv")) >= 50
    categories = {
        categorise(r["letter"] or None, r["kubun"] or None) for r in _rows("procedures.csv")
    }
    assert {
        ProcedureCategory.SURGERY,
        ProcedureCategory.ANAESTHESIA,
        ProcedureCategory.TRANSFUSION,
    } <= categories


@pytest.mark.parametrize(
    ("kind", "sample"),
    [
        ("drugs", "y"),
        ("diseases", "b"),
        ("modifiers", "z"),
        ("procedures", "s"),
        ("materials", "t"),
    ],
)
def test_rows_taken_from_the_sample_masters_match_them(
    masters: Masters, samples: Path, kind: str, sample: str
) -> None:
    _, official = read_ssk(samples / "uke" / "master" / "2022" / f"{sample}_ALL00000000.csv")
    lookup = {
        "drugs": masters.drug,
        "diseases": masters.disease,
        "modifiers": masters.modifier,
        "procedures": masters.procedure,
        "materials": masters.material,
    }[kind]
    shipped = [r for r in _rows(f"{kind}.csv") if r["source"] == "SMP"]
    assert shipped
    for row in shipped:
        assert lookup(row["code"]) == official[row["code"]], row["code"]


def test_drug_lookup(masters: Masters) -> None:
    # 支払基金 医薬品マスター 2025-10-14: 622895000 酸化マグネシウム５００ｍｇ錠,
    # unit 錠, YJ 2344009F4018
    info = masters.drug("622895000")
    assert info is not None
    assert (info.name, info.unit, info.yj_code) == (
        "酸化マグネシウム５００ｍｇ錠",
        "錠",
        "2344009F4018",
    )
    assert info.ingredient_key == "2344009"
    assert masters.drug("000000000") is None


def test_disease_lookup(masters: Masters) -> None:
    info = masters.disease("8833421")
    assert info is not None
    assert (info.name, info.kana, info.icd10) == ("高血圧症", "コウケツアツショウ", "I10")
    assert (info.medis_management, info.medis_exchange) == ("20061593", "UHGQ")
    dm2 = masters.disease("2500015")
    assert dm2 is not None and (dm2.name, dm2.icd10, dm2.medis_management) == (
        "２型糖尿病",
        "E11",
        "20050020",
    )


def test_procedure_categories(masters: Masters) -> None:
    anaesthesia = masters.procedure("150233410")
    assert anaesthesia is not None and anaesthesia.name == "閉鎖循環式全身麻酔５（その他）"
    assert (anaesthesia.category, anaesthesia.table_number) == (
        ProcedureCategory.ANAESTHESIA,
        "L008",
    )
    surgery = masters.procedure("150253010")
    assert surgery is not None and (surgery.category, surgery.table_number) == (
        ProcedureCategory.SURGERY,
        "K282",
    )
    first_visit = masters.procedure("111000110")
    assert first_visit is not None and first_visit.name == "初診料"
    assert first_visit.category is ProcedureCategory.OTHER
    assert categorise("K", "920") is ProcedureCategory.TRANSFUSION
    # 支払基金 s_ master 2026-02-02: 150224910 保存血液輸血, 点数表 K920, unit mL
    transfusion = masters.procedure("150224910")
    assert transfusion is not None
    assert (transfusion.category, transfusion.table_number, transfusion.unit) == (
        ProcedureCategory.TRANSFUSION,
        "K920",
        "ｍＬ",
    )
    drainage = masters.procedure("150336010")
    assert drainage is not None and drainage.table_number == "K384-2"


def test_material_and_modifier(masters: Masters) -> None:
    film = masters.material("700010000")
    assert film is not None and (film.name, film.unit) == ("フィルム・半切", "枚")
    after_surgery = masters.modifier("8048")
    assert after_surgery is not None and after_surgery.name == "の術後"
    assert after_surgery.is_suffix
    left_right = masters.modifier("2060")
    assert left_right is not None and not left_right.is_suffix


def test_disease_text_with_modifiers(masters: Masters) -> None:
    assert masters.disease_text("4375001", ["2060", "8048"], None) == "左右もやもや病の術後"
    assert masters.disease_text("0000999", [], "テスト病") == "テスト病"
    assert masters.disease_text("0000999", ["9999"], "テスト病") == "テスト病"
    assert masters.disease_text("9999999", [], None) is None


@pytest.mark.parametrize(
    ("system", "code", "expected"),
    [
        (jpcore.YJ_CODE, "2344009F4018", "2344009"),
        ("yj", "2344009F4018", "2344009"),
        (jpcore.RECEIPT_DRUG_CODE, "622895000", "2344009"),
        ("receipt", "610406079", "2325003"),
        ("general", "2325003B2ZZZ", "2325003"),
        (jpcore.HOT9, "103831601", "2233002"),  # ePrescription example: カルボシステイン
        ("hot13", "1038316010101", "2233002"),
        ("hot9", "105203901", "2454002"),  # MEDIS HOT: デカドロン錠０．５ｍｇ
        ("receipt", "999999999", None),
        ("hot9", "999999999", None),
        ("yj", "23", None),
        ("urn:example:unknown", "2344009F4018", None),
    ],
)
def test_ingredient_key(masters: Masters, system: str, code: str, expected: str | None) -> None:
    assert masters.ingredient_key(system, code) == expected


def test_tables_are_loaded_once(masters: Masters) -> None:
    masters.drug("622895000")
    table = masters._tables["drugs"]
    masters.drug("610406079")
    assert masters._tables["drugs"] is table
