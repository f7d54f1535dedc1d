"""Number search rows: ``(param, value)`` for decimals and integers (and a Quantity's
value when a number parameter points at one)."""

from __future__ import annotations

from typing import Any

from kizuna.fhir.indexing.rows import Encoder, IndexRows


def encode_number(param: str, value: Any, rows: IndexRows) -> None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        rows.numbers.append((param, float(value)))


def encode_quantity_value(param: str, value: Any, rows: IndexRows) -> None:
    if type(value) is dict:
        encode_number(param, value.get("value"), rows)


ENCODERS: dict[str, Encoder] = {
    "Quantity": encode_quantity_value,
    "Duration": encode_quantity_value,
}
PRIMITIVE_ENCODER: Encoder = encode_number
