"""FHIR responses: JSON bodies with ETag, Last-Modified and Location headers."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response

from kizuna.fhir.instant import http_date
from kizuna.fhir.outcome import FhirError, Problem, operation_outcome

FHIR_JSON = "application/fhir+json; charset=utf-8"


def raw(body: bytes | str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    data = body.encode() if isinstance(body, str) else body
    return Response(data, status_code=status, headers=headers, media_type=FHIR_JSON)


def json(value: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return raw(orjson.dumps(value), status, headers)


def version_headers(version: int, last_updated: int) -> dict[str, str]:
    return {"ETag": f'W/"{version}"', "Last-Modified": http_date(last_updated)}


def outcome(problems: list[Problem], status: int) -> Response:
    return json(operation_outcome(problems), status)


def error(exc: FhirError) -> Response:
    return json(exc.outcome(), exc.status, exc.headers or None)
