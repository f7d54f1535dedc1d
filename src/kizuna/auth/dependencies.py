"""FastAPI dependencies: who is calling (``authenticate``), and must someone be
(``require_principal``).

A request authenticates with either an ``Authorization: Bearer`` token (a facility
system's access token or a user's API token) or the viewer's session cookie. The
resolved principal is cached on ``request.state`` for the rest of the request.
"""

from __future__ import annotations

import threading

from fastapi import Depends, FastAPI, HTTPException, Request

from kizuna.api.context import Services
from kizuna.api.context import services as get_services
from kizuna.auth.clock import Clock
from kizuna.auth.keys import ServerKeys
from kizuna.auth.policy import AuthPolicy
from kizuna.auth.principal import Principal
from kizuna.auth.service import AuthService, RequestInfo

SESSION_COOKIE = "kizuna_session"
SECURE_SESSION_COOKIE = "__Host-kizuna_session"  # the name used over https
PENDING_COOKIE = "kizuna_pending"

_create_lock = threading.Lock()


def configure(
    app: FastAPI,
    *,
    clock: Clock | None = None,
    policy: AuthPolicy | None = None,
    keys: ServerKeys | None = None,
) -> AuthService:
    """Create the app's AuthService explicitly (tests inject a clock and a policy here)."""
    svc: Services = app.state.services
    service = AuthService(svc.db, svc.settings.data_dir, policy=policy, clock=clock, keys=keys)
    app.state.kizuna_auth = service
    return service


def auth_service(request: Request) -> AuthService:
    """The app's AuthService, created on first use from its settings."""
    app = request.app
    service: AuthService | None = getattr(app.state, "kizuna_auth", None)
    if service is None:
        with _create_lock:
            service = getattr(app.state, "kizuna_auth", None) or configure(app)
    return service


def client_ip(request: Request) -> str | None:
    """The peer address (behind a proxy, run uvicorn with --forwarded-allow-ips)."""
    return request.client.host if request.client else None


def request_info(request: Request) -> RequestInfo:
    return RequestInfo(
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent"),
        request_id=request.headers.get("x-request-id"),
    )


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def session_token(request: Request) -> str | None:
    return request.cookies.get(SECURE_SESSION_COOKIE) or request.cookies.get(SESSION_COOKIE)


def authenticate(request: Request, services: Services = Depends(get_services)) -> Principal | None:
    """The caller, or None when the request carries no valid credentials."""
    if hasattr(request.state, "principal"):
        cached: Principal | None = request.state.principal
        return cached
    service = auth_service(request)
    token = bearer_token(request)
    if token is not None:
        principal = service.bearer_principal(token)
    else:
        cookie = session_token(request)
        principal = service.session_principal(cookie, "cookie") if cookie else None
    request.state.principal = principal
    return principal


def require_principal(principal: Principal | None = Depends(authenticate)) -> Principal:
    """Like ``authenticate`` but answers 401 when nobody is authenticated."""
    if principal is None:
        raise HTTPException(
            401, "authentication required", headers={"WWW-Authenticate": 'Bearer realm="kizuna"'}
        )
    return principal
