"""Who is calling, and the audited reader they read through, for every API request.

With authentication on (the default) a request without a valid session or token gets a 401
OperationOutcome. With ``KIZUNA_AUTH=off`` (conformance testing only) every request acts as
the open-mode principal, whose reads are still audited but not limited.
"""

from __future__ import annotations

from fastapi import Request

from kizuna.access.audit_sink import request_sink
from kizuna.access.decision import OPEN_ROLE, PURPOSES
from kizuna.access.reader import Origin, Reader
from kizuna.api.context import services
from kizuna.auth.dependencies import authenticate
from kizuna.auth.principal import Principal
from kizuna.auth.roles import Permission
from kizuna.fhir.outcome import FhirError, Problem

OPEN_PRINCIPAL = Principal(
    kind="client", subject="open-mode", name="open mode", role=OPEN_ROLE, scopes=("system/*.cruds",)
)
PURPOSE_HEADER = "x-purpose-of-use"


def principal_of(request: Request) -> Principal:
    cached: Principal | None = getattr(request.state, "kizuna_principal", None)
    if cached is not None:
        return cached
    svc = services(request)
    found = OPEN_PRINCIPAL if svc.settings.auth == "off" else authenticate(request, svc)
    if found is None:
        raise FhirError(
            401,
            [Problem("login", "authentication required: a bearer token or a session")],
            headers={"WWW-Authenticate": 'Bearer realm="kizuna"'},
        )
    request.state.kizuna_principal = found
    return found


def forbidden(message: str) -> FhirError:
    return FhirError(403, [Problem("forbidden", message)])


def require(principal: Principal, permission: Permission) -> None:
    if principal.role != OPEN_ROLE and not principal.permits(permission):
        raise forbidden(f"the {principal.role} role may not do this ({permission.value})")


def require_scope(principal: Principal, res_type: str, interaction: str) -> None:
    if not principal.allows(res_type, interaction):
        raise forbidden(f"the access token's scopes do not allow {interaction} on {res_type}")


def reader_of(request: Request) -> Reader:
    principal = principal_of(request)
    purpose = request.headers.get(PURPOSE_HEADER, "").strip().lower()
    if purpose and purpose not in PURPOSES:
        raise FhirError(
            400,
            [Problem("invalid", f"unknown purpose of use {purpose[:30]!r}", "X-Purpose-Of-Use")],
        )
    svc = services(request)
    origin = Origin(
        request.client.host if request.client else None, request.headers.get("user-agent")
    )
    return Reader(svc.db, principal, request_sink(request), purpose, origin)
