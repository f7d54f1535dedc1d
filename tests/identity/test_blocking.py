"""Block keys: the variants of one person share a key; keys hold no readable data."""

from __future__ import annotations

from tests.identity.support import features

from kizuna.identity.blocking import block_keys

BASE = {
    "kanji": "髙橋 一郎",
    "kana": "タカハシ イチロウ",
    "birth": "1961-05-20",
    "address": "島根県松江市殿町1",
    "postal": "690-8501",
    "phone": "0852-22-5111",
}


def shared(a: dict, b: dict) -> set[str]:
    return set(block_keys(features(**a))) & set(block_keys(features(**b)))


def test_each_kind_of_change_keeps_a_shared_key() -> None:
    married = {
        **BASE,
        "kanji": "佐藤 一郎",
        "kana": "サトウ イチロウ",
        "phone": None,
        "address": None,
        "postal": None,
    }
    birth_typo = {**BASE, "birth": "1961-05-21", "phone": None, "address": None, "postal": None}
    half_width = {**BASE, "kana": "ﾀｶﾊｼ ｲﾁﾛｳ", "kanji": "高橋 一郎"}
    moved_typo = {"kana": "タカハシ イチロー", "birth": "1961-05-20", "phone": "0852225111"}
    kanji_only = {"kanji": "高橋 一郎", "birth": "1961-02-05"}
    for other in (married, birth_typo, half_width, moved_typo, kanji_only):
        assert shared(BASE, other), other


def test_a_stranger_shares_no_key() -> None:
    stranger = {
        "kanji": "山田 花子",
        "kana": "ヤマダ ハナコ",
        "birth": "1990-01-01",
        "address": "東京都千代田区千代田1",
        "postal": "100-0001",
        "phone": "03-1111-2222",
    }
    assert not shared(BASE, stranger)


def test_keys_are_digests() -> None:
    keys = block_keys(features(**BASE))
    assert len(keys) == len(set(keys)) >= 6
    text = " ".join(keys)
    for secret in ("1961", "たかはし", "高橋", "0852", "690"):
        assert secret not in text
    assert {k.split(":")[0] for k in keys} == {"dg", "df", "nm", "nk", "ph", "zg"}
