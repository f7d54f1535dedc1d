"""URI search rows: ``(param, value)`` for uri, url, canonical, oid and uuid values."""

from __future__ import annotations

from typing import Any

from kizuna.fhir.indexing.rows import Encoder, IndexRows


def encode_uri(param: str, value: Any, rows: IndexRows) -> None:
    if isinstance(value, str) and value:
        rows.uris.append((param, value))


def encode_reference_url(param: str, value: Any, rows: IndexRows) -> None:
    """A uri parameter on a Reference indexes its reference text."""
    if type(value) is dict:
        encode_uri(param, value.get("reference"), rows)


ENCODERS: dict[str, Encoder] = {"Reference": encode_reference_url}
PRIMITIVE_ENCODER: Encoder = encode_uri
