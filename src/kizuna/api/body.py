"""Reading request bodies: size limits, content types, and JSON errors that name the place."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request

from kizuna.fhir.outcome import FhirError, Problem, bad_request

JSON_TYPES = (
    "application/fhir+json",
    "application/json",
    "application/json-patch+json",
    "text/json",
)


async def read_bytes(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise FhirError(413, [Problem("too-costly", f"the body is larger than {limit} bytes")])
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise FhirError(413, [Problem("too-costly", f"the body is larger than {limit} bytes")])
        chunks.append(chunk)
    return b"".join(chunks)


def parse_json(raw: bytes) -> Any:
    if not raw.strip():
        raise bad_request("the request has no body", code="structure")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise bad_request(f"the body is not valid JSON: {exc}", code="structure") from None


def check_content_type(request: Request) -> None:
    kind = (
        request.headers.get("content-type", "application/fhir+json").split(";")[0].strip().lower()
    )
    if "xml" in kind:
        raise FhirError(
            415, [Problem("not-supported", "XML is not supported; send application/fhir+json")]
        )
    if kind and kind not in JSON_TYPES:
        raise FhirError(415, [Problem("not-supported", f"unsupported Content-Type {kind[:60]!r}")])


async def read_json(request: Request, limit: int) -> Any:
    check_content_type(request)
    return parse_json(await read_bytes(request, limit))
