"""Reference search rows: ``(param, target_type, target_id, url)``.

- relative ``Type/id`` (``/_history/n`` dropped) -> ``(Type, id, None)``
- absolute URLs and canonicals -> ``url``, plus type and id when they end in ``Type/id``
- ``urn:uuid:``/``urn:oid:`` -> ``url`` only (with ``Reference.type`` when given)
- contained ``#id`` -> no row
A Reference with an ``identifier`` also gives a token row ``<param>:identifier``.
"""

from __future__ import annotations

from typing import Any

from kizuna.fhir.fhirpath import split_reference
from kizuna.fhir.indexing.rows import Encoder, IndexRows
from kizuna.fhir.indexing.token import encode_reference_identifier


def encode_reference(param: str, value: Any, rows: IndexRows) -> None:
    if type(value) is not dict:
        return
    target = value.get("reference")
    if isinstance(target, str) and target and target[0] != "#":
        kind, ident, url = split_reference(target)
        if kind is None:
            declared = value.get("type")
            kind = declared if isinstance(declared, str) else None
        rows.references.append((param, kind, ident, url))
    if "identifier" in value:
        encode_reference_identifier(param, value, rows)


def encode_canonical(param: str, value: Any, rows: IndexRows) -> None:
    if isinstance(value, str) and value and value[0] != "#":
        kind, ident, url = split_reference(value)
        rows.references.append((param, kind, ident, url or value))


def encode_resource(param: str, value: Any, rows: IndexRows) -> None:
    """A resource reached directly (``Bundle.entry[0].resource``)."""
    if type(value) is dict and isinstance(value.get("resourceType"), str):
        ident = value.get("id")
        rows.references.append(
            (param, value["resourceType"], ident if isinstance(ident, str) else None, None)
        )


ENCODERS: dict[str, Encoder] = {"Reference": encode_reference}
PRIMITIVE_ENCODER: Encoder = encode_canonical
