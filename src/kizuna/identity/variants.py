"""Variant kanji (異体字) that registries and facilities write for the same name.

Family registers keep old and variant forms (髙, 﨑, 邊, 齋, 澤...) while receipt computers
and EHRs often store the common form, or a stand-in (■ for a character outside the
character set, SS-MIX2's 外字 replacement). For matching, every form in a group folds to
one representative. The groups below are the variants most often seen in personal names;
compatibility ideographs with a canonical decomposition (e.g. 塚 U+FA10) are already
folded by NFKC.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

#: The representative first, then its variants.
GROUPS: tuple[str, ...] = (
    "高髙",
    "崎﨑嵜碕埼",
    "辺邊邉",
    "斎齋齊斉",
    "沢澤",
    "浜濱",
    "国國圀",
    "桜櫻",
    "広廣",
    "島嶋嶌",
    "富冨",
    "薮藪籔",
    "槙槇",
    "真眞",
    "恵惠",
    "栄榮",
    "徳德",
    "竜龍",
    "滝瀧",
    "万萬",
    "実實",
    "与與",
    "寿壽",
    "浅淺",
    "関關",
    "鉄鐵",
    "条條",
    "蔵藏",
    "豊豐",
    "黒黑",
    "来來",
    "将將",
    "吉𠮷",
    "桑桒",
    "館舘",
    "柳栁",
    "恒恆",
    "亀龜",
    "増增",
    "寛寬",
    "礼禮",
    "峰峯",
    "野埜",
    "荘莊",
    "曽曾",
    "清淸",
    "静靜",
    "青靑",
    "顕顯",
    "渕淵渊",
    "桧檜",
    "渓溪",
    "県縣",
    "総總",
    "学學",
    "芸藝",
    "杉椙",
    "秋龝",
    "巌巖",
    "鶴靏",
    "煕熙",
    "凛凜",
    "尭堯",
    "遥遙",
    "穂穗",
    "兎兔",
    "戸戶",
    "円圓",
    "双雙",
    "並竝",
)

#: Characters a source writes when it cannot represent the real one (外字).
WILDCARDS = frozenset("■〓□")

_FOLD: dict[int, str] = {
    ord(variant): group[0] for group in GROUPS for variant in group[1:] if len(variant) == 1
}
_SELECTORS = {c: None for c in range(0xFE00, 0xFE10)} | {c: None for c in range(0xE0100, 0xE01F0)}


@lru_cache(maxsize=65536)
def fold_kanji(text: str) -> str:
    """NFKC, variation selectors dropped, spaces dropped, variants to their representative."""
    folded = unicodedata.normalize("NFKC", text).translate(_SELECTORS)
    return "".join(folded.split()).translate(_FOLD)


def equal_with_wildcards(a: str, b: str) -> bool:
    """Equal where ■-style stand-ins match any one character (at least one real
    character must agree: a lone ■ says nothing)."""
    if len(a) != len(b) or not (WILDCARDS & set(a) or WILDCARDS & set(b)):
        return a == b
    pairs = list(zip(a, b, strict=True))
    known = [(x, y) for x, y in pairs if x not in WILDCARDS and y not in WILDCARDS]
    return bool(known) and all(x == y for x, y in known)
