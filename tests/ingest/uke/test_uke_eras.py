"""和暦 (GYYMM / GYYMMDD) conversion, including era boundaries and 元年."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kizuna.ingest.uke.eras import (
    EraDateError,
    date_to_era,
    era_to_date,
    era_to_month,
    month_to_era,
    parse_date,
    parse_month,
)


@pytest.mark.parametrize(
    ("era", "expected"),
    [
        ("4310430", dt.date(2019, 4, 30)),  # last day of 平成
        ("5010501", dt.date(2019, 5, 1)),  # 令和元年5月1日
        ("3640107", dt.date(1989, 1, 7)),  # last day of 昭和
        ("4010108", dt.date(1989, 1, 8)),  # 平成元年1月8日
        ("3011225", dt.date(1926, 12, 25)),  # 昭和元年
        ("2010730", dt.date(1912, 7, 30)),  # 大正元年
        ("1450729", dt.date(1912, 7, 29)),  # 明治45年
    ],
)
def test_era_dates_at_boundaries(era: str, expected: dt.date) -> None:
    assert era_to_date(era) == expected
    assert date_to_era(expected) == era


@pytest.mark.parametrize(
    "bad",
    [
        "4310501",  # 平成31年5月1日 is 令和元年
        "5010430",  # 令和元年4月30日 is 平成
        "3640108",  # 昭和64年1月8日 is 平成
        "3661121",  # 昭和66年 never existed
        "4000101",  # year 00
        "6010101",  # no era 6
        "4300230",  # 30 February
        "43a0101",
    ],
)
def test_dates_outside_their_era_are_rejected(bad: str) -> None:
    with pytest.raises(EraDateError):
        era_to_date(bad)


def test_months_shared_by_two_eras() -> None:
    assert era_to_month("43104") == dt.date(2019, 4, 1)
    assert era_to_month("50105") == dt.date(2019, 5, 1)
    assert era_to_month("36401") == dt.date(1989, 1, 1)  # 昭和64年1月 (1st-7th)
    assert era_to_month("40101") == dt.date(1989, 1, 1)  # 平成元年1月 (8th-31st)
    with pytest.raises(EraDateError):
        era_to_month("43105")
    with pytest.raises(EraDateError):
        era_to_month("50104")
    assert month_to_era(dt.date(2019, 5, 1)) == "50105"
    assert month_to_era(dt.date(1989, 1, 1)) == "40101"


def test_parse_accepts_western_and_era_forms() -> None:
    assert parse_date("19911121") == dt.date(1991, 11, 21)
    assert parse_date("4031121") == dt.date(1991, 11, 21)
    assert parse_month("202110") == dt.date(2021, 10, 1)
    assert parse_month("50310") == dt.date(2021, 10, 1)
    for bad in ("8021113", "202113", "20211131", "", "１９９１１１２１"):
        with pytest.raises(EraDateError):
            parse_date(bad)
    with pytest.raises(EraDateError):
        parse_month("202113")


@given(st.dates(min_value=dt.date(1868, 1, 1), max_value=dt.date(2117, 12, 31)))
def test_era_round_trip(day: dt.date) -> None:
    assert era_to_date(date_to_era(day)) == day
    first = day.replace(day=1)
    assert era_to_month(month_to_era(first)) == first
