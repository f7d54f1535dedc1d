"""Every error as an OperationOutcome: the one mapping the routes and the read path share."""

from __future__ import annotations

import logging

from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from kizuna.api import responses
from kizuna.fhir.outcome import FhirError, Problem

log = logging.getLogger("kizuna.api")


def path_shape(path: str) -> str:
    """``path`` with every segment that may name a record replaced by ``{id}``: the first
    two segments (``/fhir/Patient``) and operation or history names (``$everything``,
    ``_history``) are kept."""
    parts = path.split("/")
    return "/".join(
        p if n <= 2 or p.startswith(("$", "_")) else "{id}" for n, p in enumerate(parts)
    )


def error_response(request: Request, exc: Exception) -> Response:
    """The answer to ``exc`` raised while serving ``request``; never a traceback."""
    if isinstance(exc, FhirError):
        return responses.error(exc)
    if isinstance(exc, HTTPException):
        code = "not-found" if exc.status_code == 404 else "processing"
        return responses.outcome([Problem(code, str(exc.detail))], exc.status_code)
    if isinstance(exc, RequestValidationError):
        problems = [
            Problem(
                "invalid", str(e.get("msg", "invalid")), ".".join(str(p) for p in e.get("loc", ()))
            )
            for e in exc.errors()
        ]
        return responses.outcome(problems, 400)
    # The exception's type and the path's shape only: exception texts, ids in paths and
    # query strings may carry patient data.
    log.error(
        "unexpected %s on %s %s", type(exc).__name__, request.method, path_shape(request.url.path)
    )
    return responses.outcome(
        [Problem("exception", "internal error; the request was not applied")], 500
    )
