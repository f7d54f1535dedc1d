"""``/auth``: viewer and API login (password, then TOTP), logout, the SMART Backend
Services token endpoint, and the server's public key.

Login answers are JSON. The viewer flow keeps both the pending login and the session in
HttpOnly, SameSite=Strict cookies (Secure, with the ``__Host-`` prefix, over https);
scripts pass the pending token in the body and ask for ``"issue": "bearer"``.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import parse_qsl

import orjson
from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from kizuna.api.context import services
from kizuna.auth.assertion import OAuthError
from kizuna.auth.dependencies import (
    PENDING_COOKIE,
    SECURE_SESSION_COOKIE,
    SESSION_COOKIE,
    auth_service,
    authenticate,
    bearer_token,
    request_info,
    session_token,
)
from kizuna.auth.principal import Principal
from kizuna.auth.roles import role_spec
from kizuna.auth.scopes import parse_scopes
from kizuna.auth.service import LoginFailure

router = APIRouter(prefix="/auth", tags=["authentication"])

MAX_FORM_BYTES = 64 * 1024
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
AUDIENCE_ENV = "KIZUNA_TOKEN_URL"


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status, headers={**NO_STORE, **(headers or {})})


async def _body(request: Request) -> bytes | None:
    """The request body, or None when it is larger than MAX_FORM_BYTES."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_FORM_BYTES:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_FORM_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def _fields(request: Request) -> dict[str, str]:
    """The body as flat string fields, from JSON or a urlencoded form."""
    body = await _body(request)
    if not body:
        return {}
    content_type = request.headers.get("content-type", "")
    if "json" in content_type:
        try:
            parsed = orjson.loads(body)
        except orjson.JSONDecodeError:
            return {}
        if not isinstance(parsed, dict):
            return {}
        return {str(k): v for k, v in parsed.items() if isinstance(v, str)}
    if "application/x-www-form-urlencoded" in content_type:
        try:
            pairs = parse_qsl(body.decode("utf-8", "replace"), max_num_fields=32)
        except ValueError:  # too many fields
            return {}
        return dict(pairs)
    return {}


def _secure(request: Request) -> bool:
    """Served over https, directly or behind a TLS-terminating proxy (configured base URL)."""
    base = services(request).settings.base_url or ""
    return request.url.scheme == "https" or base.startswith("https://")


def _set_cookie(
    response: Response, request: Request, name: str, value: str, max_age: int, path: str = "/"
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=path,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )


def _failure(exc: LoginFailure) -> JSONResponse:
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
    return _json(exc.body(), exc.status, headers)


def principal_summary(principal: Principal) -> dict[str, Any]:
    spec = role_spec(principal.role)
    return {
        "kind": principal.kind,
        "subject": principal.subject,
        "name": principal.name,
        "role": principal.role,
        "role_label": spec.label,
        "role_label_ja": spec.label_ja,
        "facility_code": principal.facility_code,
        "facility_name": principal.facility_name,
        "prefecture": principal.prefecture,
        "patient_ids": list(principal.patient_ids),
        "scopes": list(principal.scopes),
        "permissions": sorted(spec.permissions),
    }


@router.post("/login")
async def login(request: Request) -> Response:
    """Step 1: username and password. Answers a pending-login token (also as a cookie)."""
    fields = await _fields(request)
    username, password = fields.get("username", ""), fields.get("password", "")
    if not username or not password:
        return _json({"error": "invalid_request", "message": "username and password needed"}, 400)
    service = auth_service(request)
    try:
        pending = await run_in_threadpool(
            service.start_login, username, password, request_info(request)
        )
    except LoginFailure as exc:
        return _failure(exc)
    response = _json(
        {"pending": pending.token, "expires_in": pending.expires_in, "next": "/auth/totp"}
    )
    _set_cookie(response, request, PENDING_COOKIE, pending.token, pending.expires_in, "/auth")
    return response


@router.post("/totp")
async def totp_step(request: Request) -> Response:
    """Step 2: the TOTP code. Answers a session cookie, or a bearer token on request."""
    fields = await _fields(request)
    pending = fields.get("pending") or request.cookies.get(PENDING_COOKIE)
    code, issue = fields.get("code", ""), fields.get("issue", "cookie")
    if not pending or not code or issue not in ("cookie", "bearer"):
        return _json(
            {
                "error": "invalid_request",
                "message": "code and a pending login needed; issue is cookie or bearer",
            },
            400,
        )
    service = auth_service(request)
    try:
        session, principal = await run_in_threadpool(
            service.finish_login, pending, code, request_info(request), issue
        )
    except LoginFailure as exc:
        return _failure(exc)
    body: dict[str, Any] = {"user": principal_summary(principal), "expires_in": session.expires_in}
    if issue == "bearer":
        body.update({"access_token": session.token, "token_type": "bearer"})
    response = _json(body)
    response.delete_cookie(PENDING_COOKIE, path="/auth")
    if issue == "cookie":
        name = SECURE_SESSION_COOKIE if _secure(request) else SESSION_COOKIE
        _set_cookie(response, request, name, session.token, session.expires_in)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    """End the caller's session (cookie) or user bearer token."""
    service = auth_service(request)
    token = bearer_token(request)
    kind = "bearer" if token else "cookie"
    token = token or session_token(request)
    ended = False
    if token:
        ended = await run_in_threadpool(service.logout, token, kind, request_info(request))
    response = _json({"logged_out": ended})
    for name in (SESSION_COOKIE, SECURE_SESSION_COOKIE):
        response.delete_cookie(
            name, path="/", secure=name.startswith("__Host-"), httponly=True, samesite="strict"
        )
    return response


@router.get("/me")
def me(principal: Principal | None = Depends(authenticate)) -> Response:
    if principal is None:
        return _json({"error": "unauthenticated"}, 401, {"WWW-Authenticate": "Bearer"})
    return _json(principal_summary(principal))


def _configured_token_url(request: Request) -> str | None:
    configured = os.environ.get(AUDIENCE_ENV)
    if configured:
        return configured.rstrip("/")
    base = services(request).settings.base_url
    if base:
        return base.rstrip("/").removesuffix("/fhir") + "/auth/token"
    return None


def token_urls(request: Request) -> tuple[str, ...]:
    """The audience a client assertion must name: KIZUNA_TOKEN_URL, else the configured
    base URL's /auth/token, else (local use only) this request's URL."""
    configured = _configured_token_url(request)
    return (configured or str(request.url.replace(query="")).rstrip("/"),)


def token_endpoint(request: Request) -> str:
    """Where clients ask for tokens, as the SMART discovery documents announce it."""
    return _configured_token_url(request) or str(request.base_url).rstrip("/") + "/auth/token"


@router.post("/token")
async def token(request: Request) -> Response:
    """SMART Backend Services: client_credentials with a private_key_jwt assertion."""
    if "application/x-www-form-urlencoded" not in request.headers.get("content-type", ""):
        return _json(
            {
                "error": "invalid_request",
                "error_description": "use application/x-www-form-urlencoded",
            },
            400,
        )
    fields = await _fields(request)
    service = auth_service(request)
    try:
        issued = await run_in_threadpool(
            service.client_token, fields, token_urls(request), request_info(request)
        )
    except OAuthError as exc:
        return _json(exc.body(), exc.status)
    return _json(issued.response())


@router.get("/jwks")
def jwks(request: Request) -> Response:
    """The server's public key (verifies signed audit checkpoints)."""
    return _json(auth_service(request).keys.jwks())


@router.get("/smart-configuration")
def smart_configuration(request: Request) -> Response:
    """SMART discovery content; serve it at ``<fhir base>/.well-known/smart-configuration``."""
    return _json(smart_configuration_document(token_endpoint(request)))


def smart_configuration_document(token_url: str) -> dict[str, Any]:
    scopes = sorted({s.text() for s in parse_scopes(["system/*.rs", "system/*.cruds"])})
    return {
        "token_endpoint": token_url,
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["ES384", "RS384"],
        "grant_types_supported": ["client_credentials"],
        "scopes_supported": ["system/*.read", "system/*.write", *scopes],
        "capabilities": ["client-confidential-asymmetric", "permission-v1", "permission-v2"],
    }
