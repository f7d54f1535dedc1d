"""The receipt-file writer: exact bytes, 和暦 dates, and values the format cannot carry."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from kizuna.ingest.uke import records as med
from kizuna.ingest.uke.parser import UkeFile, parse_bytes
from kizuna.ingest.uke.schema import DAY_COUNT
from kizuna.ingest.uke.writer import WriterError, record_columns, write_file, write_records


def test_sample_is_written_back_byte_for_byte(sample_bytes: bytes, sample_file: UkeFile) -> None:
    assert write_file(sample_file) == sample_bytes


def test_era_dates(sample_file: UkeFile) -> None:
    head = sample_file.receipts[0].re
    assert isinstance(head, med.MedicalRERecord)
    columns = record_columns(head, era_dates=True)
    # 診療年月 2021-10 is 令和3年10月; the birth date 1991-11-21 is 平成3年11月21日
    assert (columns[3], columns[6]) == ("50310", "4031121")
    reparsed = parse_bytes(write_file(sample_file, era_dates=True), "e.UKE")
    assert reparsed.receipts[0].re == head


def test_reiwa_first_year_and_heisei_last_day() -> None:
    sy = med.SYRecord(1, "0000999", dt.date(2019, 5, 1), "1", None, None, None, None)
    assert record_columns(sy, era_dates=True)[2] == "5010501"
    sy = dataclasses.replace(sy, start_date=dt.date(2019, 4, 30))
    assert record_columns(sy, era_dates=True)[2] == "4310430"


def test_eof_mark_and_line_ends(sample_file: UkeFile) -> None:
    data = write_file(sample_file, eof=True)
    assert data.endswith(b"\r\n\x1a")
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert parse_bytes(data, "x.UKE").receipts[-1].re == sample_file.receipts[-1].re


def test_a_comma_in_a_value_is_refused() -> None:
    co = med.CORecord(1, "21", "1", "810000001", "朝,夕")
    with pytest.raises(WriterError, match=r"CO\.text"):
        write_records([co])


def test_text_outside_cp932_is_refused() -> None:
    sj = med.SJRecord(1, "01", "\U0001f600")
    with pytest.raises(WriterError, match="CP932"):
        write_records([sj])


def test_day_columns_must_be_31() -> None:
    si = med.SIRecord(
        1,
        "12",
        "1",
        "112007410",
        None,
        73,
        1,
        None,
        None,
        None,
        None,
        None,
        None,
        (1,) * (DAY_COUNT - 1),
    )
    with pytest.raises(WriterError, match="31 day values"):
        write_records([si])
