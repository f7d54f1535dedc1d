"""How the same name gets written differently: kana forms, variant kanji and typos.

Each function takes a text and a random stream and returns the altered text, or the text
unchanged when the alteration does not apply to it (the caller records what changed).
"""

from __future__ import annotations

import random

import jaconv

_SMALL_TO_LARGE = str.maketrans("ァィゥェォャュョッヮ", "アイウエオヤユヨツワ")
_VU = (("ヴァ", "バ"), ("ヴィ", "ビ"), ("ヴェ", "ベ"), ("ヴォ", "ボ"), ("ヴ", "ブ"))
_LONG_VOWEL = (("ウ", "オウ"), ("ウ", "ユウ"), ("ウ", "ョウ"), ("ウ", "ュウ"), ("ウ", "ウウ"))

#: Official variant kanji (異体字): each group is interchangeable in a name.
VARIANT_GROUPS: tuple[str, ...] = (
    "高髙",
    "崎﨑",
    "辺邊邉",
    "斎齋斉齊",
    "沢澤",
    "島嶋",
    "国國",
    "浜濱",
    "桜櫻",
    "広廣",
    "実實",
    "恵惠",
)
_VARIANTS = {c: g.replace(c, "") for g in VARIANT_GROUPS for c in g}

#: Kanji that registration clerks confuse (same reading, similar shape).
_KANJI_TYPOS: dict[str, str] = {
    "裕": "祐",
    "祐": "裕",
    "浩": "宏",
    "宏": "浩",
    "弘": "宏",
    "智": "知",
    "陽": "洋",
    "洋": "陽",
    "純": "順",
    "順": "純",
    "淳": "純",
    "彩": "綾",
    "綾": "彩",
    "隆": "孝",
    "幸": "孝",
    "正": "政",
    "博": "宏",
    "健": "賢",
    "和": "一",
    "美": "実",
    "明": "昭",
    "昭": "明",
    "子": "了",
    "太": "大",
    "大": "太",
    "郎": "朗",
    "一": "市",
    "雄": "夫",
    "夫": "雄",
    "恵": "慧",
    "真": "眞",
    "里": "理",
    "理": "里",
    "香": "佳",
    "佳": "香",
    "木": "本",
    "本": "木",
    "田": "由",
    "川": "河",
    "野": "埜",
    "沢": "択",
    "井": "丼",
}
#: Kana that look alike or sound alike.
_KANA_TYPOS: dict[str, str] = {
    "シ": "ツ",
    "ツ": "シ",
    "ソ": "ン",
    "ン": "ソ",
    "ク": "ケ",
    "ケ": "ク",
    "ワ": "ウ",
    "ハ": "バ",
    "バ": "ハ",
    "タ": "ダ",
    "ダ": "タ",
    "カ": "ガ",
    "ガ": "カ",
    "サ": "ザ",
    "ザ": "サ",
    "コ": "ゴ",
    "ト": "ド",
    "ド": "ト",
    "ヒ": "ビ",
    "キ": "ギ",
    "ジ": "ヂ",
    "ズ": "ヅ",
    "オ": "ヲ",
    "メ": "ノ",
    "ノ": "メ",
    "リ": "ソ",
    "ユ": "コ",
    "ル": "レ",
    "レ": "ル",
    "ミ": "ニ",
    "ニ": "ミ",
    "エ": "ユ",
    "ウ": "ワ",
    "イ": "ィ",
}


def halfwidth(text: str) -> str:
    """ｶﾀｶﾅ: half-width katakana (and spaces), as old receipt computers and QR codes write
    it."""
    return jaconv.z2h(text, kana=True, ascii=False, digit=False).replace("\u3000", " ")


def hiragana(text: str) -> str:
    """ひらがな; ヴ becomes ぶ, as ゔ is missing from Shift_JIS (CP932)."""
    return jaconv.kata2hira(text).replace("ゔ", "ぶ")


def large_kana(text: str) -> str:
    """Small kana written large (ショウタ -> シヨウタ), as systems without small kana do."""
    return text.translate(_SMALL_TO_LARGE)


def vu_to_bu(text: str) -> str:
    for source, target in _VU:
        text = text.replace(source, target)
    return text


def long_vowel_bar(text: str) -> str:
    """The long vowel written with a bar (サトウ -> サトー, ユウコ -> ユーコ)."""
    for i in range(1, len(text)):
        if (
            text[i] == "ウ"
            and text[i - 1] in "オコソトノホモヨロゴゾドボポョュユクスツヌフムルグズブプ"
        ):
            return text[:i] + "ー" + text[i + 1 :]
    return text


KANA_FORMS = ("halfwidth", "hiragana", "large", "vu", "bar")
_KANA_FORM_FUNCS = {
    "halfwidth": halfwidth,
    "hiragana": hiragana,
    "large": large_kana,
    "vu": vu_to_bu,
    "bar": long_vowel_bar,
}


def kana_variant(text: str, rng: random.Random) -> tuple[str, str]:
    """One applicable kana variant: (new text, form name); ("", "") when none applies.

    Forms that change the letters (ヴ/ブ, small/large, long-vowel bar) are preferred when
    the name has them, as they are the ones a matcher has to know about.
    """
    letter_forms = [f for f in ("vu", "large", "bar") if _KANA_FORM_FUNCS[f](text) != text]
    forms = letter_forms if letter_forms and rng.random() < 0.6 else ["halfwidth", "hiragana"]
    form = rng.choice(forms)
    return _KANA_FORM_FUNCS[form](text), form


def has_variant_kanji(text: str) -> bool:
    return any(c in _VARIANTS for c in text)


def kanji_variant(text: str, rng: random.Random) -> str:
    """The text with one variant-kanji position swapped for another form of the group."""
    positions = [i for i, c in enumerate(text) if c in _VARIANTS]
    if not positions:
        return text
    i = rng.choice(positions)
    return text[:i] + rng.choice(_VARIANTS[text[i]]) + text[i + 1 :]


def kanji_typo(text: str, rng: random.Random) -> str:
    positions = [i for i, c in enumerate(text) if c in _KANJI_TYPOS]
    if not positions:
        return text
    i = rng.choice(positions)
    return text[:i] + _KANJI_TYPOS[text[i]] + text[i + 1 :]


def kana_typo(text: str, rng: random.Random) -> str:
    positions = [i for i, c in enumerate(text) if c in _KANA_TYPOS]
    if not positions:
        return text
    i = rng.choice(positions)
    return text[:i] + _KANA_TYPOS[text[i]] + text[i + 1 :]
