"""Quantity search rows: ``(param, value, system, code, unit)``.

Quantity and its kinds (SimpleQuantity, Age, Duration, Count, Distance) give their own
fields; Money gives ``(value, ISO 4217 system, currency, None)``; a Range gives one row
for ``low`` and one for ``high``. Values without a number give no row.
"""

from __future__ import annotations

from typing import Any

from kizuna.fhir.indexing.rows import Encoder, IndexRows

CURRENCY_SYSTEM = "urn:iso:std:iso:4217"


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def encode_quantity(param: str, value: Any, rows: IndexRows) -> None:
    if type(value) is not dict:
        return
    number = _number(value.get("value"))
    if number is not None:
        rows.quantities.append(
            (
                param,
                number,
                _str(value.get("system")),
                _str(value.get("code")),
                _str(value.get("unit")),
            )
        )


def encode_money(param: str, value: Any, rows: IndexRows) -> None:
    if type(value) is not dict:
        return
    number = _number(value.get("value"))
    if number is not None:
        rows.quantities.append((param, number, CURRENCY_SYSTEM, _str(value.get("currency")), None))


def encode_range(param: str, value: Any, rows: IndexRows) -> None:
    if type(value) is dict:
        encode_quantity(param, value.get("low"), rows)
        encode_quantity(param, value.get("high"), rows)


ENCODERS: dict[str, Encoder] = {
    "Quantity": encode_quantity,
    "SimpleQuantity": encode_quantity,
    "Age": encode_quantity,
    "Duration": encode_quantity,
    "Count": encode_quantity,
    "Distance": encode_quantity,
    "MoneyQuantity": encode_quantity,
    "Money": encode_money,
    "Range": encode_range,
}
