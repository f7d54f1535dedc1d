"""Japanese text normalisation for search and matching.

Folds full-width/half-width forms (NFKC), katakana to hiragana, case, and removes every
kind of space, so that ヤマダ, やまだ, ﾔﾏﾀﾞ and "ヤマダ　タロウ" all compare equal where
a search or a matcher needs them to.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_SPACES = re.compile(r"[\s\u3000]+")
_KATA_START, _KATA_END = 0x30A1, 0x30F6  # ァ..ヶ
_KATA_TO_HIRA = {c: c - 0x60 for c in range(_KATA_START, _KATA_END + 1)}


@lru_cache(maxsize=65536)
def normalize(text: str) -> str:
    """The search form of a string: NFKC, hiragana, lower case, no spaces."""
    folded = unicodedata.normalize("NFKC", text).translate(_KATA_TO_HIRA)
    return _SPACES.sub("", folded).casefold()


def strip_accents(text: str) -> str:
    """Latin accents removed (FHIR string search ignores accents); kana marks kept."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFD", text)
    kept = "".join(c for c in decomposed if unicodedata.category(c) != "Mn" or ord(c) > 0x3000)
    return unicodedata.normalize("NFC", kept)


def search_form(text: str) -> str:
    """The form string search parameters are indexed and queried in."""
    return normalize(strip_accents(text))
