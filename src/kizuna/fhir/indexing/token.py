"""Token search rows: ``(param, system, code, text_norm)``.

- Coding: ``(system, code, display)``; CodeableConcept: one row per coding, plus
  ``(None, None, text)`` for its ``text`` so ``:text`` can match it, unless a coding's
  row already carries that text as its display (``:text`` reads only ``text_norm``, so
  the row would match nothing more; most sources repeat a display as the text, and the
  row was a fifth of all token rows).
- Identifier: ``(system, value, type.text)``; ContactPoint: ``(system, value, None)``.
- code, string, id, uri and other primitives: ``(None, value, None)``; booleans as
  ``"true"``/``"false"``.

``text_norm`` is :func:`kizuna.fhir.indexing.string.search_text` of the display text.
"""

from __future__ import annotations

from typing import Any

from kizuna.fhir.indexing.rows import Encoder, IndexRows, TokenRow
from kizuna.fhir.indexing.string import search_text


def _text(value: Any) -> str | None:
    return search_text(value) if isinstance(value, str) and value else None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _coding_row(param: str, coding: Any, tokens: list[TokenRow]) -> None:
    if type(coding) is not dict:
        return
    system, code = _str(coding.get("system")), _str(coding.get("code"))
    display = _text(coding.get("display"))
    if system or code or display:
        tokens.append((param, system, code, display))


def encode_coding(param: str, value: Any, rows: IndexRows) -> None:
    _coding_row(param, value, rows.tokens)


def encode_codeable_concept(param: str, value: Any, rows: IndexRows) -> None:
    if type(value) is not dict:
        return
    tokens = rows.tokens
    start = len(tokens)
    for coding in value.get("coding") or ():
        _coding_row(param, coding, tokens)
    text = _text(value.get("text"))
    if text and not any(row[3] == text for row in tokens[start:]):
        tokens.append((param, None, None, text))


def encode_identifier(param: str, value: Any, rows: IndexRows) -> None:
    if type(value) is not dict:
        return
    system, ident = _str(value.get("system")), _str(value.get("value"))
    kind = value.get("type")
    label = _text(kind.get("text")) if type(kind) is dict else None
    if system or ident:
        rows.tokens.append((param, system, ident, label))


def encode_contact_point(param: str, value: Any, rows: IndexRows) -> None:
    if type(value) is not dict:
        return
    system, ident = _str(value.get("system")), _str(value.get("value"))
    if ident:
        rows.tokens.append((param, system, ident, None))


def encode_primitive(param: str, value: Any, rows: IndexRows) -> None:
    if value is True or value is False:
        rows.tokens.append((param, None, "true" if value else "false", None))
    elif isinstance(value, str):
        if value:
            rows.tokens.append((param, None, value, None))
    elif isinstance(value, int | float):
        rows.tokens.append((param, None, str(value), None))


def encode_reference_identifier(param: str, value: Any, rows: IndexRows) -> None:
    """A Reference's ``identifier`` under ``<param>:identifier``."""
    if type(value) is dict:
        ident = value.get("identifier")
        if type(ident) is dict:
            encode_identifier(param + ":identifier", ident, rows)


ENCODERS: dict[str, Encoder] = {
    "Coding": encode_coding,
    "CodeableConcept": encode_codeable_concept,
    "Identifier": encode_identifier,
    "ContactPoint": encode_contact_point,
    "Reference": encode_reference_identifier,
}
PRIMITIVE_ENCODER: Encoder = encode_primitive
