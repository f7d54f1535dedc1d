"""String search rows: ``(param, value_norm, value_exact)``.

``value_norm`` is :func:`search_text`, i.e. :func:`kizuna.textnorm.search_form`: accents
removed (kana voicing marks kept), NFKC width folding, katakana -> hiragana, case folding
and no spaces, so ヤマダ, やまだ and ﾔﾏﾀﾞ index alike. Search matches ``value_norm`` by
prefix (default), substring (``:contains``) or ``value_exact`` exactly (``:exact``).

A HumanName gives each part (family, given, prefix, suffix, text) plus family+given
joined, so ``name=ヤマダタロウ`` and ``name=ヤマダ`` both match 山田/ヤマダ 太郎/タロウ.
An Address gives each part plus the whole joined in Japanese order (state, city,
district, lines), so ``address=東京都文京区`` matches.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from kizuna.fhir.indexing.rows import Encoder, IndexRows
from kizuna.textnorm import search_form


@lru_cache(maxsize=65536)
def search_text(text: str) -> str:
    """The normalised form used for string search, on both values and queries.

    :func:`kizuna.textnorm.search_form`, cached: the search layer normalises query
    values with the same function, so indexed and queried forms always agree.
    """
    return search_form(text)


def _add(param: str, text: Any, rows: IndexRows) -> None:
    if isinstance(text, str) and text:
        norm = search_text(text)
        if norm:
            rows.strings.append((param, norm, text))


def encode_string(param: str, value: Any, rows: IndexRows) -> None:
    _add(param, value, rows)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if type(value) is list:
        return [v for v in value if isinstance(v, str)]
    return []


def encode_human_name(param: str, value: Any, rows: IndexRows) -> None:
    if type(value) is not dict:
        return
    family = _strings(value.get("family"))
    given = _strings(value.get("given"))
    for part in (*family, *given, *_strings(value.get("prefix")), *_strings(value.get("suffix"))):
        _add(param, part, rows)
    _add(param, value.get("text"), rows)
    if family and given:
        _add(param, " ".join(family + given), rows)


def encode_address(param: str, value: Any, rows: IndexRows) -> None:
    if type(value) is not dict:
        return
    lines = _strings(value.get("line"))
    for part in lines:
        _add(param, part, rows)
    for key in ("city", "district", "state", "postalCode", "country"):
        _add(param, value.get(key), rows)
    _add(param, value.get("text"), rows)
    ordered = [*_strings(value.get("state")), *_strings(value.get("city"))]
    ordered += [*_strings(value.get("district")), *lines]
    if len(ordered) > 1:
        _add(param, " ".join(ordered), rows)


def encode_codeable_concept(param: str, value: Any, rows: IndexRows) -> None:
    if type(value) is not dict:
        return
    _add(param, value.get("text"), rows)
    for coding in value.get("coding") or ():
        if type(coding) is dict:
            _add(param, coding.get("display"), rows)


def encode_coding(param: str, value: Any, rows: IndexRows) -> None:
    if type(value) is dict:
        _add(param, value.get("display"), rows)


ENCODERS: dict[str, Encoder] = {
    "HumanName": encode_human_name,
    "Address": encode_address,
    "CodeableConcept": encode_codeable_concept,
    "Coding": encode_coding,
}
PRIMITIVE_ENCODER: Encoder = encode_string
