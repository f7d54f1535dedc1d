"""The お薬手帳 CSV parser against the JAHISTC07/08 samples."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from kizuna.ingest.base import ParseError
from kizuna.ingest.jahis_tc.parser import BadDocument, ParsedTc, parse, read


def test_minimal_valid_reads_every_record(tc_dir: Path) -> None:
    doc = parse((tc_dir / "tc-minimal-valid.txt").read_bytes(), "min")
    assert (doc.version, doc.output_category) == ("JAHISTC01", "1")
    p = doc.patient
    assert (p.name, p.kana, p.sex, p.birth_date) == (
        "山田 太郎",
        "ヤマダ タロウ",
        "1",
        date(1980, 1, 1),
    )
    [disp] = doc.dispensings
    assert disp.date == date(2026, 3, 10)
    assert disp.pharmacy is not None
    ph = disp.pharmacy
    assert (ph.name, ph.prefecture, ph.table, ph.code, ph.phone) == (
        "株式会社 工業会薬局 駅前店",
        "13",
        "4",
        "1234567",
        "03-3506-8010",
    )
    assert disp.pharmacist is not None and disp.pharmacist.name == "工業会 次郎"
    [presc] = disp.prescriptions
    assert presc.facility is not None and presc.facility.name == "医療法人 工業会病院"
    assert presc.doctor is not None
    assert (presc.doctor.name, presc.doctor.department) == ("工業会 太郎", "内科")
    [rp] = presc.rps
    [drug] = rp.drugs
    assert (drug.name, drug.dose, drug.unit, drug.code_type, drug.code) == (
        "ノルバスク錠２．５ｍｇ",
        Decimal(1),
        "錠",
        "2",
        "612170709",
    )
    assert [n.text for n in drug.supplements] == ["朝1錠、夕2錠"]
    assert [n.text for n in drug.cautions] == [
        "グレープフルーツジュースと一緒に飲まないでください。"
    ]
    assert rp.usage is not None
    assert (rp.usage.name, rp.usage.quantity, rp.usage.unit, rp.usage.form_code) == (
        "毎食後服用",
        Decimal(3),
        "日分",
        "1",
    )
    assert [n.text for n in rp.usage_supplements] == ["透析日に服用"]
    assert [n.text for n in rp.cautions] == ["車の運転は控えてください。"]
    assert [(i.text, i.kind) for i in disp.provided_info] == [
        ("嚥下困難が見られるため錠剤は粉砕して投与する。", "31")
    ]
    assert [e.entered for e in disp.patient_entries] == [date(2026, 3, 10)]
    assert doc.regular_pharmacists[0].pharmacy_name == "工業会薬局 駅前店"


def test_era_dates_notes_and_otc(tc_dir: Path) -> None:
    doc = parse((tc_dir / "tc-output-category-2-full.txt").read_bytes())
    assert doc.patient.birth_date == date(1958, 3, 3)  # S330303
    assert doc.patient.weight == Decimal("63.7")
    assert [(n.kind, n.text) for n in doc.notes] == [("1", "乳製品"), ("2", "セフェム系（発熱）")]
    [otc] = doc.otc_drugs
    assert (otc.name, otc.start, otc.end) == ("バファリン", date(2020, 4, 6), date(2020, 4, 9))
    assert [(i.name, i.code) for i in otc.ingredients] == [("イブプロフェン", "1149001")]
    assert doc.memos[0].entered == date(2020, 4, 11)
    assert doc.dispensings[0].date == date(2020, 4, 10)


def test_generic_name_and_split_record(tc_dir: Path) -> None:
    doc = parse((tc_dir / "tc-supported-records-full.txt").read_bytes())
    drug = doc.dispensings[0].prescriptions[0].rps[0].drugs[0]
    assert (drug.generic_name, drug.generic_code_type, drug.generic_code) == (
        "【般】アムロジピンベシル酸塩錠２．５ｍｇ",
        "2",
        "1179044F1ZZZ",
    )
    assert doc.split is not None
    assert (doc.split.data_id, doc.split.total, doc.split.part) == ("12345678901234", 2, 1)
    assert [n.text for n in doc.dispensings[0].remaining] == ["残薬は5錠"]


def test_multiple_dispensings(tc_dir: Path) -> None:
    doc = parse((tc_dir / "tc-multi-dispensing.txt").read_bytes())
    assert [d.date for d in doc.dispensings] == [date(2026, 3, 12), date(2026, 2, 20)]
    second = doc.dispensings[1]
    assert second.pharmacy is not None and second.pharmacy.code == "7654321"
    assert second.prescriptions[0].doctor is not None
    assert second.prescriptions[0].doctor.department == "循環器内科"
    assert second.prescriptions[0].rps[0].usage is not None
    assert second.prescriptions[0].rps[0].usage.quantity == Decimal(14)


def test_shift_jis_sample_with_half_width_kana(tsuchi84: Path) -> None:
    doc = parse((tsuchi84 / "1.csv").read_bytes(), "1.csv")
    assert doc.version == "JAHISTC07"
    rps = doc.dispensings[0].prescriptions[0].rps
    assert [d.name for d in rps[0].drugs] == ["ｺﾘｵﾊﾟﾝｶﾌﾟｾﾙ5mg", "ﾌｪﾛﾍﾞﾘﾝ配合錠"]
    assert rps[1].drugs[1].code == "612310013"  # the sample has a stray leading space
    assert rps[1].drugs[0].dose == Decimal("1.5")
    assert rps[0].usage is not None and rps[0].usage.name == "【分２ 朝夕食後服用】"


def test_doctor_record_starts_a_new_prescription(tsuchi84: Path) -> None:
    doc = parse((tsuchi84 / "4.csv").read_bytes())
    first, second = doc.dispensings[0].prescriptions
    assert first.doctor is not None and second.doctor is not None
    assert (first.doctor.name, second.doctor.name) == ("工業会 次郎", "佐藤 三郎")
    assert second.facility == first.facility  # 55 pattern 1: same facility, new doctor
    assert [rp.number for rp in second.rps] == [6, 7]
    assert second.rps[0].drugs[0].name == "ﾘﾝﾃﾞﾛﾝ-VG軟膏0.12%"


def test_every_shift_jis_sample_parses(tsuchi84: Path) -> None:
    names = sorted(p.name for p in tsuchi84.glob("*.csv"))
    assert names == [f"{i}.csv" for i in range(1, 8)]
    for path in tsuchi84.glob("*.csv"):
        doc = parse(path.read_bytes(), path.name)
        assert doc.patient.name == "鈴木 太郎"


def test_missing_drug_code_names_line_record_and_field(tc_dir: Path) -> None:
    [result] = read((tc_dir / "tc-invalid-missing-drug-code.txt").read_bytes(), "f")
    assert isinstance(result, ParsedTc)
    assert result.document.dispensings == []
    [bad] = result.bad_blocks
    loc = bad.error.location
    assert (loc.line, loc.segment, loc.field) == (4, "201", "drug code")
    assert bad.lines[0] == "5,20260310,1"


def test_orphan_otc_ingredient_fails_the_export(tc_dir: Path) -> None:
    [result] = read((tc_dir / "tc-invalid-missing-otc-sequence-parent.txt").read_bytes(), "f")
    assert isinstance(result, BadDocument)
    loc = result.error.location
    assert (loc.line, loc.segment, loc.field) == (3, "31", "OTC sequence")


def test_bad_block_does_not_stop_the_others(tc_dir: Path) -> None:
    text = (tc_dir / "tc-multi-dispensing.txt").read_text(encoding="utf-8")
    broken = text.replace("5,20260220,1", "5,20261340,1")
    [result] = read(broken.encode("utf-8"))
    assert isinstance(result, ParsedTc)
    assert [d.date for d in result.document.dispensings] == [date(2026, 3, 12)]
    [bad] = result.bad_blocks
    assert (bad.error.location.line, bad.error.location.field) == (11, "dispensing date")


def test_two_exports_in_one_file(tc_dir: Path) -> None:
    data = (tc_dir / "tc-minimal-valid.txt").read_bytes() + (
        tc_dir / "tc-multi-dispensing.txt"
    ).read_bytes()
    results = read(data)
    assert [len(r.document.dispensings) for r in results if isinstance(r, ParsedTc)] == [1, 2]


@pytest.mark.parametrize(
    ("lines", "line", "field"),
    [
        (["1,山田 太郎,3,19800101"], 2, "sex"),
        (["1,山田 太郎,1,19800101", "281,1,text,1"], 3, None),
        (["1,山田 太郎,1,19800101", "5,20260310,1", "281,1,text,1"], 4, "RP number"),
        (["1,山田 太郎,1,19800101", "5,20260310,1", "301,1,毎食後,3,日分,1,1,,1"], 4, "RP number"),
        (["1,山田 太郎,1,19800101", "5,20260310,1", "201,1,薬,1,錠,9,1,1"], 4, "drug code type"),
        (["1,山田 太郎,1,19800101", "911,123,2,3"], 3, "part number"),
        (["2,1,卵"], 1, None),
    ],
)
def test_errors_name_the_place(lines: list[str], line: int, field: str | None) -> None:
    data = "\r\n".join(["JAHISTC08,1", *lines]).encode("cp932")
    with pytest.raises(ParseError) as info:
        parse(data, "x.csv")
    assert info.value.location.file == "x.csv"
    assert info.value.location.line == line
    assert info.value.location.field == field


def test_unknown_record_numbers_are_listed() -> None:
    data = "JAHISTC08,1\r\n1,山田 太郎,1,19800101\r\n999,x\r\n".encode("cp932")
    [result] = read(data)
    assert isinstance(result, ParsedTc)
    assert [(u.line, u.segment) for u in result.unknown_records] == [(3, "999")]


@pytest.mark.parametrize("data", [b"", b"\xff\xfe\x00", b"NOTJAHIS,1\r\n", b"JAHISTC08\r\n"])
def test_unreadable_input_is_a_parse_error(data: bytes) -> None:
    with pytest.raises(ParseError):
        parse(data)
