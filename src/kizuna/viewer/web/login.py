"""Two-factor login pages: password, then the TOTP code, on the auth module's service."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from kizuna.api.context import Services, services
from kizuna.auth.dependencies import (
    SECURE_SESSION_COOKIE,
    SESSION_COOKIE,
    auth_service,
    request_info,
    session_token,
)
from kizuna.auth.service import LoginFailure
from kizuna.viewer.web.pages import home_of, render, signed_in

router = APIRouter(tags=["viewer"])
PENDING = "kizuna_viewer_pending"


def safe_next(value: str | None) -> str:
    """Only a local path may follow the login (no open redirect)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return ""


def _cookie(
    response: Response, request: Request, name: str, value: str, max_age: int, path: str = "/"
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=path,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def _failure_key(exc: LoginFailure, step: str) -> str:
    if exc.status == 429 or exc.retry_after:
        return "login.locked"
    return "login.failed" if step == "password" else "login.totp_failed"


@router.get("/login", include_in_schema=False)
def login_page(request: Request, next: str = "") -> Response:
    card = safe_next(next).startswith("/emergency/card/")
    return render(request, "login.html", next=safe_next(next), card=card)


@router.post("/login", include_in_schema=False)
async def login_submit(
    request: Request, username: str = Form(""), password: str = Form(""), next: str = Form("")
) -> Response:
    service = auth_service(request)
    try:
        pending = await run_in_threadpool(
            service.start_login, username, password, request_info(request)
        )
    except LoginFailure as exc:
        return render(
            request,
            "login.html",
            401,
            next=safe_next(next),
            error=_failure_key(exc, "password"),
            username=username,
        )
    response = RedirectResponse(f"/login/totp?next={quote(safe_next(next), safe='')}", 303)
    _cookie(response, request, PENDING, pending.token, pending.expires_in, "/login")
    return response


@router.get("/login/totp", include_in_schema=False)
def totp_page(request: Request, next: str = "") -> Response:
    if not request.cookies.get(PENDING):
        return RedirectResponse("/login", 303)
    return render(request, "totp.html", next=safe_next(next))


@router.post("/login/totp", include_in_schema=False)
async def totp_submit(request: Request, code: str = Form(""), next: str = Form("")) -> Response:
    pending = request.cookies.get(PENDING)
    if not pending:
        return render(request, "login.html", 401, next=safe_next(next), error="login.expired")
    service = auth_service(request)
    try:
        session, principal = await run_in_threadpool(
            service.finish_login, pending, code, request_info(request), "cookie"
        )
    except LoginFailure as exc:
        return render(
            request, "totp.html", 401, next=safe_next(next), error=_failure_key(exc, "totp")
        )
    response = RedirectResponse(safe_next(next) or home_of(principal), 303)
    response.delete_cookie(PENDING, path="/login")
    name = SECURE_SESSION_COOKIE if request.url.scheme == "https" else SESSION_COOKIE
    _cookie(response, request, name, session.token, session.expires_in)
    return response


@router.post("/logout", include_in_schema=False)
async def logout(request: Request, svc: Services = Depends(services)) -> Response:
    token = session_token(request)
    if token:
        await run_in_threadpool(
            auth_service(request).logout, token, "cookie", request_info(request)
        )
    response = RedirectResponse("/login", 303)
    for name in (SESSION_COOKIE, SECURE_SESSION_COOKIE):
        response.delete_cookie(
            name, path="/", secure=name.startswith("__Host-"), httponly=True, samesite="strict"
        )
    return response


@router.get("/", include_in_schema=False)
def root(request: Request, svc: Services = Depends(services)) -> Response:
    principal = signed_in(request, svc)
    return RedirectResponse(home_of(principal) if principal else "/login", 303)
