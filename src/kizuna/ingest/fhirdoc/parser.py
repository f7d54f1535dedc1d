"""Reading FHIR JSON documents, bundles and single resources: bytes → a dict."""

from __future__ import annotations

from typing import Any

import orjson

from kizuna.ingest.base import Location, ParseError

KINDS = frozenset({"document", "collection", "message"})


def parse(data: bytes, file: str) -> dict[str, Any]:
    """The JSON object in ``data``; errors name the file, line and column."""
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        line = data[: exc.pos].count(b"\n") + 1 if isinstance(exc.pos, int) else None
        raise ParseError(f"not valid JSON: {exc.msg}", Location(file, line=line)) from None
    if not isinstance(value, dict) or not isinstance(value.get("resourceType"), str):
        raise ParseError(
            "not a FHIR resource (no resourceType)", Location(file, field="resourceType")
        )
    if value["resourceType"] == "Bundle" and value.get("type") not in KINDS:
        raise ParseError(
            f"Bundle.type {str(value.get('type'))[:20]!r} is not a document, collection or message",
            Location(file, field="Bundle.type"),
        )
    return value
