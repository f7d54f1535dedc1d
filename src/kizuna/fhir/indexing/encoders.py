"""Pick the row encoder for a (search parameter type, FHIR value type) pair.

The choice is made once per compiled branch, when a resource type's plan is built, so
extraction calls the right encoder directly. Values whose type is only known at run time
(``Bundle.entry[0].resource``, resolved references) go through :func:`encode_dynamic`.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from kizuna.fhir import definitions
from kizuna.fhir.indexing import date, number, quantity, reference, string, token, uri
from kizuna.fhir.indexing.rows import Encoder, IndexRows

_BY_PARAM_TYPE: dict[str, tuple[dict[str, Encoder], Encoder | None]] = {
    "token": (token.ENCODERS, token.PRIMITIVE_ENCODER),
    "string": (string.ENCODERS, string.PRIMITIVE_ENCODER),
    "date": (date.ENCODERS, None),
    "reference": (reference.ENCODERS, reference.PRIMITIVE_ENCODER),
    "quantity": (quantity.ENCODERS, None),
    "number": (number.ENCODERS, number.PRIMITIVE_ENCODER),
    "uri": (uri.ENCODERS, uri.PRIMITIVE_ENCODER),
}


@cache
def encoder_for(param_type: str, value_type: str | None) -> Encoder | None:
    """The encoder for values of ``value_type`` under a ``param_type`` parameter.

    ``None`` value types get the run-time dispatcher; ``None`` is returned when the
    pair has no meaningful encoding (a token parameter on a Period, say).
    """
    if param_type not in _BY_PARAM_TYPE:
        return None
    if value_type is None:
        return _dynamic(param_type)
    by_type, primitive = _BY_PARAM_TYPE[param_type]
    current: str | None = value_type
    while current:
        if current in by_type:
            return by_type[current]
        if current in definitions.primitives():
            return primitive
        current = definitions.type_parents().get(current)
    return None


def _dynamic(param_type: str) -> Encoder:
    def encode(param: str, value: Any, rows: IndexRows) -> None:
        encode_dynamic(param_type, param, value, rows)

    return encode


def encode_dynamic(param_type: str, param: str, value: Any, rows: IndexRows) -> None:
    kind = guess_type(value)
    if kind == "Resource":
        if param_type == "reference":
            reference.encode_resource(param, value, rows)
        return
    encoder = encoder_for(param_type, kind) if kind else None
    if encoder is not None:
        encoder(param, value, rows)


def guess_type(value: Any) -> str | None:
    """A best guess at the FHIR type of a value reached without static type information."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "decimal"
    if isinstance(value, str):
        return "string"
    if type(value) is not dict:
        return None
    return _guess_complex(value)


def _guess_complex(value: dict[str, Any]) -> str | None:
    keys = value.keys()
    if "resourceType" in keys:
        return "Resource"
    for marker, kind in _MARKERS:
        if marker in keys:
            return kind
    if "system" in keys and "code" in keys:
        return "Coding"
    if "value" in keys:
        return "Quantity" if isinstance(value["value"], int | float) else "Identifier"
    return None


_MARKERS = (
    ("coding", "CodeableConcept"),
    ("reference", "Reference"),
    ("family", "HumanName"),
    ("given", "HumanName"),
    ("line", "Address"),
    ("city", "Address"),
    ("start", "Period"),
    ("end", "Period"),
    ("event", "Timing"),
    ("low", "Range"),
    ("high", "Range"),
    ("currency", "Money"),
)
