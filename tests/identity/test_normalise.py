"""Folding names, addresses and phone numbers so that spellings of the same value agree."""

from __future__ import annotations

import pytest
from tests.identity.support import features, name

from kizuna.identity.features import address_of, birth_date, phone_number, postal_code
from kizuna.identity.names import fold_kana, is_kana, name_parts, patient_names
from kizuna.identity.variants import GROUPS, equal_with_wildcards, fold_kanji


@pytest.mark.parametrize(
    "text",
    [
        "ヤマダ　タロウ",
        "やまだ たろう",
        "ﾔﾏﾀﾞ ﾀﾛｳ",
        "ヤマダタロウ",
        "ヤマダ\u3000 タロウ",
    ],
)
def test_kana_width_type_and_spaces_fold_to_one_reading(text: str) -> None:
    assert fold_kana(text) == "やまだたろう"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("キョウコ", "キヨウコ"),  # small kana written large
        ("ショウタ", "シヨウタ"),
        ("ヴァイオレット", "バイオレット"),  # ヴ-row
        ("ヴィ", "ビ"),
        ("スヅキ", "スズキ"),  # four-kana pairs
        ("チヂワ", "チジワ"),
        ("ﾃﾂﾔ", "テツヤ"),
    ],
)
def test_reading_variants_fold_together(a: str, b: str) -> None:
    assert fold_kana(a) == fold_kana(b)


def test_different_readings_stay_different() -> None:
    assert fold_kana("ヨウコ") != fold_kana("キョウコ")
    assert fold_kana("サトウ") != fold_kana("サイトウ")


@pytest.mark.parametrize(
    ("variant", "common"),
    [
        ("髙橋", "高橋"),
        ("山﨑", "山崎"),
        ("渡邊", "渡辺"),
        ("渡邉", "渡辺"),
        ("齋藤", "斎藤"),
        ("齊藤", "斎藤"),
        ("斉藤", "斎藤"),
        ("澤田", "沢田"),
        ("濱田", "浜田"),
        ("國分", "国分"),
        ("櫻井", "桜井"),
        ("廣瀬", "広瀬"),
        ("嶋田", "島田"),
        ("冨田", "富田"),
        ("\ufa10本", "塚本"),  # a compatibility ideograph: NFKC already folds it
        ("辻\ufe00", "辻"),  # a variation selector is dropped
        ("高橋　一郎", "高橋一郎"),
    ],
)
def test_variant_kanji_fold_to_the_common_form(variant: str, common: str) -> None:
    assert fold_kanji(variant) == fold_kanji(common)


def test_every_variant_group_folds_to_its_first_member() -> None:
    for group in GROUPS:
        assert {fold_kanji(c) for c in group} == {group[0]}, group


def test_unrelated_kanji_do_not_fold() -> None:
    assert fold_kanji("佐藤") != fold_kanji("加藤")
    assert fold_kanji("伊藤") != fold_kanji("伊東")


def test_a_stand_in_character_matches_one_character_only() -> None:
    assert equal_with_wildcards("■橋", "高橋")
    assert equal_with_wildcards("高■", "高橋")
    assert not equal_with_wildcards("■", "葵")  # a lone stand-in says nothing
    assert not equal_with_wildcards("■橋", "高木")
    assert not equal_with_wildcards("■橋", "高橋一")


def test_script_of_a_name_comes_from_its_representation_or_its_characters() -> None:
    assert name_parts(name("山田 太郎", "IDE")).script == "kanji"  # type: ignore[union-attr]
    assert name_parts(name("ヤマダ タロウ", "SYL")).script == "kana"  # type: ignore[union-attr]
    assert name_parts({"text": "やまだ　たろう"}).script == "kana"  # type: ignore[union-attr]
    assert (
        name_parts(
            {
                "text": "YAMADA TARO",
                "extension": [
                    {
                        "url": "http://hl7.org/fhir/StructureDefinition/iso21090-EN-representation",
                        "valueCode": "ABC",
                    }
                ],
            }
        )
        is None
    )
    assert is_kana("ﾔﾏﾀﾞ") and not is_kana("山田")


def test_family_and_given_come_from_the_parts_or_from_the_text() -> None:
    parts = patient_names(
        {"name": [{"family": "髙橋", "given": ["一郎"]}, {"text": "タカハシ　イチロウ"}]}
    )
    assert [(p.family, p.given) for p in parts] == [("高橋", "一郎"), ("たかはし", "いちろう")]


def test_unsplit_names_are_kept_whole() -> None:
    f = features(kanji="山田太郎", kana="ヤマダ タロウ")
    assert f.full_kanji == ("山田太郎",) and f.family_kanji == ()
    assert f.family_kana == ("やまだ",) and f.given_kana == ("たろう",)


def test_addresses_normalise_blocks_width_and_postal_code() -> None:
    a = address_of({"text": "〒100-0001 東京都千代田区千代田１丁目１番１号"})
    b = address_of({"text": "東京都千代田区千代田1-1-1", "postalCode": "1000001"})
    assert a == b
    assert a is not None and a.city == "東京都千代田区" and a.postal == "1000001"
    designated = address_of({"text": "神奈川県横浜市港北区日吉3-4-1"})
    assert designated is not None and designated.city == "神奈川県横浜市"
    county = address_of({"text": "北海道虻田郡倶知安町北1条東2丁目"})
    assert county is not None and county.city == "北海道虻田郡倶知安町"


def test_postal_codes_and_phone_numbers_keep_digits_only() -> None:
    assert postal_code("〒１２３－４５６７") == "1234567"
    assert postal_code("123-45") == ""
    assert phone_number("03-1234-5678") == phone_number("０３（１２３４）５６７８") == "0312345678"
    assert phone_number("+81 90 1234 5678") == "09012345678"
    assert phone_number("110") == ""


def test_only_full_birth_dates_are_compared() -> None:
    assert birth_date("1980-02-03") == "1980-02-03"
    assert birth_date("1980-02") == ""
    assert birth_date(None) == ""
