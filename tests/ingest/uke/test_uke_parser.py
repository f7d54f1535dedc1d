"""Every record type of the 医科 sample, typed, against the sample's own text; the record
types the sample lacks are parsed from lines written to the specification."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kizuna.ingest.base import ParseError
from kizuna.ingest.uke import records as med
from kizuna.ingest.uke import records_pharmacy as pha
from kizuna.ingest.uke.parser import (
    Block,
    FileKind,
    ReceiptBlock,
    UkeFile,
    parse_bytes,
    parse_receipt,
    split_file,
)
from kizuna.ingest.uke.schema import width


def _receipt_lines(
    *lines: str, header: str = "IR,1,13,1,1234567,,テスト病院,202111,00,0312345678"
) -> bytes:
    return "\r\n".join([header, *lines, ""]).encode("cp932")


def test_column_counts_match_every_sample_line(sample_lines: list[str]) -> None:
    classes = {
        cls.TYPE: cls
        for cls in (
            med.IRRecord,
            med.MedicalRERecord,
            med.HORecord,
            med.KORecord,
            med.SNRecord,
            med.SYRecord,
            med.SIRecord,
            med.MedicalIYRecord,
            med.CORecord,
            med.GORecord,
        )
    }
    for line in filter(None, sample_lines):
        rtype = line[:2]
        assert len(line.split(",")) == width(classes[rtype].COLUMNS) + 1, line[:20]


def test_header_and_trailer(sample_file: UkeFile) -> None:
    ir, go = sample_file.header, sample_file.trailer
    assert sample_file.kind is FileKind.MEDICAL
    assert isinstance(ir, med.IRRecord)
    assert (ir.payer, ir.prefecture, ir.table, ir.facility_code7) == ("1", "12", "1", "0000000")
    assert ir.billing_month == dt.date(2021, 11, 1)
    assert (ir.volume, ir.phone, ir.line) == ("00", "05012345678", 1)
    assert go is not None
    assert (go.total_receipts, go.total_points, go.volume, go.line) == (140, 86392, "99", 636)
    assert len(sample_file.receipts) == 75


def test_first_receipt_patient(sample_file: UkeFile) -> None:
    re = sample_file.receipts[0].re
    assert isinstance(re, med.MedicalRERecord)
    assert re.name == "テスト\u3000汎用"
    assert re.kana_name == "テストハンヨウ"
    assert re.birth_date == dt.date(1991, 11, 21)
    assert (re.receipt_number, re.receipt_type, re.sex) == (1, "1122", "1")
    assert re.service_month == dt.date(2021, 10, 1)
    assert (re.special_notes, re.chart_number) == ("28", "00697")


def test_insurance_public_expense_and_eligibility(sample_file: UkeFile) -> None:
    first = sample_file.receipts[0]
    ho = first.of(med.HORecord)[0]
    assert (ho.insurer_number, ho.symbol, ho.number) == ("01010016", "１", "１")
    assert (ho.actual_days, ho.total_points) == (1, 13642)
    ko = first.of(med.KORecord)[0]
    assert (ko.payer_number, ko.recipient_number, ko.actual_days) == ("83136019", "1111111", 1)
    assert (ko.total_points, ko.burden_amount) == (677, 1354)
    sn = sample_file.receipts[1].of(med.SNRecord)[0]
    assert (sn.payer_kind, sn.confirmation, sn.branch, sn.line) == ("1", "01", "00", 34)


def test_diagnoses(sample_file: UkeFile) -> None:
    first = sample_file.receipts[0].of(med.SYRecord)
    assert (first[0].disease_code, first[0].start_date) == ("2500013", dt.date(2021, 8, 1))
    assert (first[0].outcome, first[0].main) == ("1", "01")
    assert (first[1].disease_code, first[1].disease_name) == ("0000999", "テスト")
    assert first[2].disease_name is not None and first[2].disease_name.endswith("の疑い")
    third = sample_file.receipts[2].of(med.SYRecord)
    assert [(s.disease_code, s.modifier_codes, s.outcome) for s in third] == [
        ("4659007", "8002", "1"),
        ("5559001", None, "1"),
        ("2500013", None, "4"),
    ]


def test_acts_drugs_and_comments(sample_file: UkeFile) -> None:
    records = sample_file.receipts[0].records
    si = records[5]
    assert isinstance(si, med.SIRecord)
    assert (si.category, si.burden, si.code, si.quantity) == ("11", "2", "111000110", None)
    assert (si.points, si.count, si.days[0], si.days[1:]) == (288, 1, 1, (None,) * 30)
    co = records[8]
    assert isinstance(co, med.CORecord)
    assert (co.category, co.burden, co.code, co.text) == ("22", "2", "810000001", "疼痛時")
    iy = records[9]
    assert isinstance(iy, med.MedicalIYRecord)
    assert (iy.category, iy.code, iy.amount, iy.points, iy.count) == (
        None,
        "620098801",
        Decimal("1"),
        1,
        2,
    )
    assert iy.days[0] == 2
    surgery = next(r for r in records if isinstance(r, med.SIRecord) and r.category == "50")
    assert (surgery.code, surgery.points, surgery.line) == ("150253010", 12100, 21)


def test_day_columns_locate_the_service_day(sample_file: UkeFile) -> None:
    iy = sample_file.receipts[1].of(med.MedicalIYRecord)[0]
    assert [i + 1 for i, v in enumerate(iy.days) if v] == [11]


def test_record_types_missing_from_the_sample() -> None:
    days = ",".join(["1", *[""] * 29, "2"])
    data = _receipt_lines(
        "RE,1,1112,202110,基金　太郎,1,19800101,,,,,,,123,,,,,,,,,,,,,,,,,,,,,,,キキンタロウ,",
        f"JD,1,{days}",
        "MF,01," + ",".join([""] * 31),
        "TO,40,1,710010001,1.5,120,1,012,13900.00,,シースセット,,,,,,,"
        + ",".join(["1"] + [""] * 30),
        "SJ,01,症状の経過を記載",
        "GR,1,理由",
    )
    receipt = parse_bytes(data, "x.UKE").receipts[0]
    jd, mf, to, sj, gr = receipt.records
    assert isinstance(jd, med.JDRecord)
    assert (jd.payer_kind, jd.days[0], jd.days[30]) == ("1", 1, 2)
    assert isinstance(mf, med.MFRecord)
    assert (mf.copay_class, len(mf.extra)) == ("01", 31)
    assert isinstance(to, med.MedicalTORecord)
    assert (to.code, to.amount, to.unit_code, to.unit_price) == (
        "710010001",
        Decimal("1.5"),
        "012",
        Decimal("13900.00"),
    )
    assert (to.product_name, to.points, to.days[0]) == ("シースセット", 120, 1)
    assert isinstance(sj, med.SJRecord)
    assert (sj.kind, sj.text) == ("01", "症状の経過を記載")
    assert isinstance(gr, med.OtherRecord)
    assert (gr.type, gr.columns) == ("GR", ("1", "理由"))
    assert receipt.unknown_types == []


def test_pharmacy_records() -> None:
    data = _receipt_lines(
        "RE,1,4112,202110,調剤　花子,2,19700505,,,,13,1,1234567,処方　医師,C-1,,,,"
        "チョウザイハナコ,",
        "SH,01,1,1011000,食後に服用",
        "CZ,1,20211004,20211005,1,14",
        "IY,1,622895000,3",
        "KI,20211005,1,1,1,420000110,45",
        header="YK,1,13,4,7654321,,テスト薬局,202111,00,0300000000",
    )
    file = parse_bytes(data, "y.CYO")
    assert file.kind is FileKind.PHARMACY
    assert isinstance(file.header, pha.YKRecord)
    receipt = file.receipts[0]
    re = receipt.re
    assert isinstance(re, pha.PharmacyRERecord)
    assert (re.prescriber_prefecture, re.prescriber_table, re.prescriber_code7) == (
        "13",
        "1",
        "1234567",
    )
    assert (re.doctor_name, re.kana_name, re.chart_number) == (
        "処方　医師",
        "チョウザイハナコ",
        "C-1",
    )
    sh, cz, iy, ki = receipt.records
    assert (sh.dosage_form, sh.usage_code, sh.instruction) == ("1", "1011000", "食後に服用")
    assert (cz.prescribed_date, cz.dispensed_date, cz.quantity) == (
        dt.date(2021, 10, 4),
        dt.date(2021, 10, 5),
        14,
    )
    assert (iy.code, iy.amount) == ("622895000", Decimal("3"))
    assert isinstance(ki, med.OtherRecord) and ki.type == "KI"


def test_era_dates_are_read() -> None:
    data = _receipt_lines(
        "RE,1,1112,50310,基金　太郎,1,3550505,,,,,,,123,,,,,,,,,,,,,,,,,,,,,,,キキンタロウ,",
        header="IR,1,13,1,1234567,,テスト病院,50311,00,0312345678",
    )
    file = parse_bytes(data, "x.UKE")
    assert file.header.billing_month == dt.date(2021, 11, 1)
    re = file.receipts[0].re
    assert (re.service_month, re.birth_date) == (dt.date(2021, 10, 1), dt.date(1980, 5, 5))


def test_split_keeps_going_past_stray_lines(sample_bytes: bytes) -> None:
    blocks = split_file(b"SY,2500013,20210801,1,,,01,\r\n" + sample_bytes)
    assert [b.first_line for b in blocks.stray] == [1]
    assert len(blocks.receipts) == 75
    assert blocks.receipts[0].body.first_line == 3


def test_a_receipt_without_header_is_an_error() -> None:
    block = ReceiptBlock(None, Block(1, [b"RE,1,1112,202110"]))
    with pytest.raises(ParseError) as info:
        parse_receipt(block, "x.UKE")
    assert info.value.location.line == 1
