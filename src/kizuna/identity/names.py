"""Personal names as the matcher compares them: kanji (漢字) and kana (カナ) forms.

A kana reading is folded so that the spellings facilities use for the same sound compare
equal: width (ﾔﾏﾀﾞ), type (ヤマダ / やまだ), spaces, small kana (ょ / よ), ヴ-row kana
(ヴァ / バ), and the four-kana pairs ぢ/じ and づ/ず. A kanji name is folded through the
variant table (:mod:`kizuna.identity.variants`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from kizuna.identity.variants import fold_kanji
from kizuna.textnorm import normalize

REPRESENTATION = "http://hl7.org/fhir/StructureDefinition/iso21090-EN-representation"

_VU = {"ゔぁ": "ば", "ゔぃ": "び", "ゔぇ": "べ", "ゔぉ": "ぼ", "ゔ": "ぶ"}
_VU_RE = re.compile("|".join(sorted(_VU, key=len, reverse=True)))
_KANA_FOLD = str.maketrans(
    "ぁぃぅぇぉっゃゅょゎゕゖぢづゐゑを", "あいうえおつやゆよわかけじずいえお", "・゠=＝･"
)
_SPLIT = re.compile(r"[\s\u3000]+")
_KANA_ONLY = re.compile(r"[\u3041-\u309f\u30a0-\u30ff\uff66-\uff9f\s\u3000ー・]+")


@lru_cache(maxsize=65536)
def fold_kana(text: str) -> str:
    """The reading as the matcher compares it (hiragana, large kana, no spaces)."""
    hira = normalize(text)
    return _VU_RE.sub(lambda m: _VU[m.group(0)], hira).translate(_KANA_FOLD)


@lru_cache(maxsize=65536)
def without_voicing(reading: str) -> str:
    """A folded reading with dakuten and handakuten dropped (べ → へ, ぱ → は): a mark lost
    in entry (ﾍﾞ keyed as ﾍ) should cost little."""
    decomposed = unicodedata.normalize("NFD", reading)
    return unicodedata.normalize("NFC", decomposed.replace("\u3099", "").replace("\u309a", ""))


def is_kana(text: str) -> bool:
    return bool(_KANA_ONLY.fullmatch(text))


@dataclass(frozen=True, slots=True)
class NameParts:
    """One HumanName folded: script ("kanji" or "kana"), family and given (may be empty)."""

    script: str
    family: str
    given: str


def _representation(name: dict[str, Any]) -> str | None:
    for ext in name.get("extension") or []:
        if ext.get("url") == REPRESENTATION:
            code = ext.get("valueCode")
            return code if isinstance(code, str) else None
    return None


def _split(name: dict[str, Any]) -> tuple[str, str]:
    family = name.get("family") or ""
    given = " ".join(g for g in name.get("given") or [] if isinstance(g, str))
    if family or given:
        return family, given
    parts = _SPLIT.split((name.get("text") or "").strip(), maxsplit=1)
    return (parts[0], parts[1]) if len(parts) == 2 else (parts[0], "")


def name_parts(name: dict[str, Any]) -> NameParts | None:
    """Fold one FHIR HumanName; None for romanised (ABC) or empty names."""
    family, given = _split(name)
    if not (family or given):
        return None
    code = _representation(name)
    if code == "ABC":
        return None
    kana = code == "SYL" or (code is None and is_kana(family + given))
    if kana:
        return NameParts("kana", fold_kana(family), fold_kana(given))
    return NameParts("kanji", fold_kanji(family), fold_kanji(given))


def patient_names(patient: dict[str, Any]) -> list[NameParts]:
    names = (name_parts(n) for n in patient.get("name") or [] if isinstance(n, dict))
    return list(dict.fromkeys(n for n in names if n is not None))
