"""Rendering pages: the Jinja2 environment, the language, and the signed-in principal."""

from __future__ import annotations

import time
from importlib import resources
from typing import Any
from urllib.parse import quote

from fastapi import Request
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import HTMLResponse, RedirectResponse, Response

from kizuna.access.audit_sink import request_sink
from kizuna.access.reader import Origin, Reader
from kizuna.api.context import Services
from kizuna.auth.dependencies import authenticate
from kizuna.auth.principal import Principal
from kizuna.viewer.i18n import LANG_COOKIE, pick_lang, translator

TEMPLATES = str(resources.files("kizuna.viewer").joinpath("templates"))
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
CLINICAL_ROLES = ("physician", "dentist", "pharmacist", "nurse", "clerk", "emergency")
PUBLIC_ROLES = ("patient", "guardian")

_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def lang_of(request: Request) -> str:
    return pick_lang(
        request.query_params.get("lang"),
        request.cookies.get(LANG_COOKIE),
        request.headers.get("accept-language"),
    )


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    lang = lang_of(request)
    principal: Principal | None = getattr(request.state, "principal", None)
    other = "en" if lang == "ja" else "ja"
    query = dict(request.query_params)
    query["lang"] = other
    switch = request.url.path + "?" + "&".join(f"{k}={quote(v)}" for k, v in query.items())
    html = _env.get_template(name).render(
        t=translator(lang),
        lang=lang,
        principal=principal,
        switch_url=switch,
        path=request.url.path,
        **context,
    )
    response = HTMLResponse(html, status, headers=NO_STORE)
    if request.query_params.get("lang") in ("ja", "en"):
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax", httponly=True)
    return response


def timed(response: Response, started: float) -> Response:
    """Add the server time of the page (``Server-Timing: app;dur=<ms>``)."""
    elapsed = (time.perf_counter() - started) * 1000
    response.headers["Server-Timing"] = f"app;dur={elapsed:.1f}"
    return response


def login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", 303)


def signed_in(request: Request, services: Services) -> Principal | None:
    return authenticate(request, services)


def reader_for(
    request: Request, services: Services, principal: Principal, purpose: str = ""
) -> Reader:
    address = request.client.host if request.client else None
    agent = request.headers.get("user-agent")
    return Reader(services.db, principal, request_sink(request), purpose, Origin(address, agent))


def error_page(request: Request, key: str, status: int) -> Response:
    return render(request, "error.html", status, message_key=key)


def home_of(principal: Principal) -> str:
    if principal.role in PUBLIC_ROLES:
        return "/portal"
    return "/viewer"
