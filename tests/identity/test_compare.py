"""Each comparator's levels, on values a source would send."""

from __future__ import annotations

import pytest
from tests.identity.support import features

from kizuna.identity.compare import (
    address_level,
    birth_level,
    compare,
    describe,
    name_level,
    phone_level,
    sex_level,
)
from kizuna.identity.similarity import jaro_winkler


def test_jaro_winkler_known_values() -> None:
    assert jaro_winkler("martha", "marhta") == pytest.approx(0.9611, abs=1e-4)
    assert jaro_winkler("dwayne", "duane") == pytest.approx(0.84, abs=1e-2)
    assert jaro_winkler("さとう", "さとう") == 1.0
    assert jaro_winkler("", "さとう") == 0.0
    assert jaro_winkler("あいう", "かきく") == 0.0


def level(a: dict, b: dict, feature: str) -> str | None:
    return describe(compare(features(**a), features(**b)))[feature]


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ({"kanji": "髙橋 一郎"}, {"kanji": "高橋 一郎"}, "exact"),  # variant kanji
        ({"kanji": "■橋 一郎"}, {"kanji": "高橋 一郎"}, "exact"),  # 外字 stand-in
        ({"kana": "ﾀｶﾊｼ ｲﾁﾛｳ"}, {"kanji": "高橋 一郎", "kana": "たかはし いちろう"}, "kana"),
        (
            {"kanji": "伊藤 一郎", "kana": "イトウ イチロウ"},
            {"kanji": "伊東 一郎", "kana": "イトウ イチロウ"},
            "reading",
        ),
        ({"kana": "ワタナベ ケン"}, {"kana": "ワタナヘ ケン"}, "close"),  # one kana off
        ({"kana": "サトウ ケン"}, {"kana": "サイトウ ケン"}, "close"),
        (
            {"kanji": "佐藤 健", "kana": "サトウ ケン"},
            {"kanji": "加藤 健", "kana": "カトウ ケン"},
            "differ",
        ),  # kanji and reading both differ
        ({"kanji": "佐藤 健"}, {"kanji": "加藤 健"}, "weak"),  # one kanji apart, no reading
        ({"kana": "ヤマダ ケン"}, {"kana": "モリ ケン"}, "differ"),
        ({"kanji": "山田 健"}, {"kana": "ヤマダ ケン"}, None),  # no script in common
    ],
)
def test_family_name_levels(a: dict, b: dict, expected: str | None) -> None:
    assert level(a, b, "family") == expected


def test_given_name_levels_and_twins_names() -> None:
    assert (
        level(
            {"kanji": "中村 陽子", "kana": "ナカムラ ヨウコ"},
            {"kanji": "中村 洋子", "kana": "ナカムラ ヨウコ"},
            "given",
        )
        == "reading"
    )
    # ようこ and きょうこ are close as readings, but both kanji are known and differ
    assert (
        level(
            {"kanji": "中村 陽子", "kana": "ナカムラ ヨウコ"},
            {"kanji": "中村 京子", "kana": "ナカムラ キョウコ"},
            "given",
        )
        == "differ"
    )
    assert level({"kana": "ナカムラ ヨウコ"}, {"kana": "ナカムラ キョウコ"}, "given") in (
        "close",
        "weak",
    )


def test_an_unsplit_name_is_split_by_the_other_side() -> None:
    a = {"kanji": "山田太郎"}
    b = {"kanji": "山田 太郎"}
    assert describe(compare(features(**a), features(**b)))["family"] == "exact"
    assert describe(compare(features(**a), features(**b)))["given"] == "exact"
    married = describe(compare(features(kanji="佐藤花子"), features(kanji="山田 花子")))
    assert married["given"] == "exact" and married["family"] != "exact"


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("1980-03-04", "1980-03-04", "exact"),
        ("1980-03-04", "1980-04-03", "swap"),
        ("1980-03-04", "1980-03-05", "typo"),
        ("1980-03-31", "1980-04-01", "typo"),  # a day apart across a month
        ("1980-03-04", "1989-03-04", "typo"),  # one digit
        ("1980-03-04", "1980-03-27", "one"),
        ("1980-03-04", "1975-03-04", "one"),
        ("1980-03-04", "1975-11-21", "differ"),
        ("1980-03-04", "", None),
    ],
)
def test_birth_levels(a: str, b: str, expected: str | None) -> None:
    found = birth_level(a, b)
    names = ("exact", "swap", "typo", "one", "differ")
    assert (None if found is None else names[found]) == expected


def test_sex_levels() -> None:
    assert sex_level("f", "f") == 0
    assert sex_level("f", "m") == 1
    assert sex_level("", "m") is None


def test_address_levels() -> None:
    home = features(address="東京都世田谷区桜町1丁目2番3号", postal="154-0001")
    same = features(address="東京都世田谷区桜町１－２－３")
    same_postal = features(address="東京都世田谷区桜町9-9-9", postal="1540001")
    same_city = features(address="東京都世田谷区北沢2-2-2", postal="155-0031")
    elsewhere = features(address="大阪府大阪市北区梅田1-1-1", postal="530-0001")
    assert address_level(home, same) == 0
    assert address_level(home, same_postal) == 1
    assert address_level(home, same_city) == 2
    assert address_level(home, elsewhere) == 3
    assert address_level(home, features()) is None


def test_phone_levels() -> None:
    a = features(phone="03-1234-5678")
    assert phone_level(a.phones, features(phone="0312345678").phones) == 0
    assert phone_level(a.phones, features(phone="090-0000-1111").phones) == 1
    assert phone_level(a.phones, ()) is None


def test_name_level_missing_on_either_side() -> None:
    assert name_level((), ("山田",), (), ()) is None
