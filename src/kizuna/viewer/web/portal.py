"""The patient and guardian portal: own summary, access log, consent, care information, QR card."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from kizuna.access.notify import for_patients
from kizuna.api.context import Services, services
from kizuna.audit.patient_log import patient_access_log
from kizuna.auth.dependencies import auth_service
from kizuna.auth.principal import Principal
from kizuna.consent.categories import CATEGORIES
from kizuna.consent.service import ConsentNotAllowed, record, revoke
from kizuna.fhir.instant import format_instant, now_ms
from kizuna.fhir.outcome import FhirError
from kizuna.viewer import qrcard
from kizuna.viewer.charts import trend_svg
from kizuna.viewer.compose.careinfo import compose_care_info
from kizuna.viewer.compose.summary import compose_summary
from kizuna.viewer.loader import load_chart
from kizuna.viewer.records import (
    CareInfoNotAllowed,
    audit_consent_change,
    consent_overview,
    person_of,
    save_care_info,
)
from kizuna.viewer.web.forms import MAX_ROWS, care_form, consent_request
from kizuna.viewer.web.pages import (
    PUBLIC_ROLES,
    error_page,
    login_redirect,
    reader_for,
    render,
    signed_in,
)

router = APIRouter(prefix="/portal", tags=["portal"])


def _member(request: Request, svc: Services) -> tuple[Principal, str] | Response:
    """The signed-in patient or guardian and the person chosen among their own (``?p=``)."""
    principal = signed_in(request, svc)
    if principal is None:
        return login_redirect(request)
    if principal.role not in PUBLIC_ROLES or not principal.patient_ids:
        return error_page(request, "error.forbidden", 403)
    chosen = request.query_params.get("p") or principal.patient_ids[0]
    if chosen not in principal.patient_ids:
        return error_page(request, "error.not_found", 404)
    return principal, chosen


def _page(
    request: Request,
    name: str,
    principal: Principal,
    patient_id: str,
    status: int = 200,
    **context: Any,
) -> Response:
    return render(
        request,
        name,
        status,
        patient_id=patient_id,
        mode="portal",
        people=principal.patient_ids,
        **context,
    )


def _own_summary(svc: Services, request: Request, principal: Principal, pid: str) -> dict[str, Any]:
    decision, chart = load_chart(reader_for(request, svc, principal), pid)
    if not decision.allowed:
        return {}
    summary = chart.memoised(("summary", pid, ()), lambda: compose_summary(chart, pid))
    return {
        "summary": summary,
        "charts": {s.key: trend_svg(s, s.name) for s in summary.labs if len(s.points) > 1},
    }


@router.get("", include_in_schema=False)
async def home(request: Request, svc: Services = Depends(services)) -> Response:
    member = _member(request, svc)
    if not isinstance(member, tuple):
        return member
    principal, pid = member
    context = await svc.run(_own_summary, svc, request, principal, pid)
    if not context:
        return error_page(request, "error.not_found", 404)
    return _page(request, "summary.html", principal, pid, **context)


def _log(svc: Services, pid: str) -> dict[str, Any]:
    patients = person_of(svc.db, pid)
    return {
        "entries": patient_access_log(svc.db, patients, limit=200),
        "notices": for_patients(svc.db, patients),
    }


@router.get("/log", include_in_schema=False)
async def access_log(request: Request, svc: Services = Depends(services)) -> Response:
    member = _member(request, svc)
    if not isinstance(member, tuple):
        return member
    principal, pid = member
    context = await svc.run(_log, svc, pid)
    return _page(request, "portal_log.html", principal, pid, **context)


@router.get("/consent", include_in_schema=False)
async def consent_page(request: Request, svc: Services = Depends(services)) -> Response:
    member = _member(request, svc)
    if not isinstance(member, tuple):
        return member
    principal, pid = member
    state, consents = await svc.run(consent_overview, svc.db, principal, pid)
    return _page(
        request,
        "consent.html",
        principal,
        pid,
        state=state,
        consents=consents,
        categories=CATEGORIES,
        allowed=True,
        done=request.query_params.get("done"),
    )


def _change_consent(
    svc: Services,
    principal: Principal,
    pid: str,
    fields: dict[str, str],
    categories: list[str],
    address: str | None,
) -> None:
    patients = person_of(svc.db, pid)
    if fields.get("action") == "revoke":
        target = fields.get("consent_id") or None
        with svc.db.read() as tx:
            from kizuna.consent.service import list_consents

            ids = [
                str(c.get("id"))
                for c in list_consents(tx, patients)
                if c.get("status") == "active" and (target is None or c.get("id") == target)
            ]
        revoke(svc.db, principal, patients, target)
    else:
        ids = [
            str(record(svc.db, principal, patients, consent_request(fields, categories)).get("id"))
        ]
    audit_consent_change(svc.db, principal, patients, ids, address)


@router.post("/consent", include_in_schema=False)
async def consent_submit(request: Request, svc: Services = Depends(services)) -> Response:
    member = _member(request, svc)
    if not isinstance(member, tuple):
        return member
    principal, pid = member
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    categories = [v for v in form.getlist("excluded_categories") if isinstance(v, str)]
    address = request.client.host if request.client else None
    try:
        await svc.run(_change_consent, svc, principal, pid, fields, categories, address)
    except ConsentNotAllowed:
        return error_page(request, "error.forbidden", 403)
    except (ValueError, FhirError):
        state, consents = await svc.run(consent_overview, svc.db, principal, pid)
        return _page(
            request,
            "consent.html",
            principal,
            pid,
            400,
            state=state,
            consents=consents,
            categories=CATEGORIES,
            allowed=True,
            error="consent.error",
        )
    done = "revoked" if fields.get("action") == "revoke" else "recorded"
    return RedirectResponse(f"/portal/consent?p={pid}&done={done}", 303)


def _care(svc: Services, request: Request, principal: Principal, pid: str) -> Any:
    decision, chart = load_chart(reader_for(request, svc, principal), pid, types=["CarePlan"])
    return compose_care_info(chart) if decision.allowed else None


@router.get("/care", include_in_schema=False)
async def care_page(request: Request, svc: Services = Depends(services)) -> Response:
    member = _member(request, svc)
    if not isinstance(member, tuple):
        return member
    principal, pid = member
    if principal.role != "guardian":
        return error_page(request, "care.not_allowed", 403)
    care = await svc.run(_care, svc, request, principal, pid)
    return _page(
        request,
        "care.html",
        principal,
        pid,
        care=care,
        rows=range(MAX_ROWS),
        saved=request.query_params.get("saved"),
    )


@router.post("/care", include_in_schema=False)
async def care_submit(request: Request, svc: Services = Depends(services)) -> Response:
    member = _member(request, svc)
    if not isinstance(member, tuple):
        return member
    principal, pid = member
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    address = request.client.host if request.client else None
    try:
        await svc.run(save_care_info, svc.db, principal, pid, care_form(fields), address)
    except CareInfoNotAllowed:
        return error_page(request, "care.not_allowed", 403)
    return RedirectResponse(f"/portal/care?p={pid}&saved=1", 303)


@router.get("/card", include_in_schema=False)
async def card_page(request: Request, svc: Services = Depends(services)) -> Response:
    member = _member(request, svc)
    if not isinstance(member, tuple):
        return member
    principal, pid = member
    token, card = qrcard.issue(auth_service(request).keys, pid, now_ms())
    base = (svc.settings.base_url or str(request.base_url)).rstrip("/").removesuffix("/fhir")
    url = f"{base}/emergency/card/{token}"
    svg = qrcard.qr_svg(url, "救急QRカード / emergency QR card")
    return _page(
        request,
        "card.html",
        principal,
        pid,
        svg=svg,
        url=url,
        until=format_instant(card.expires_ms)[:16].replace("T", " ") + " UTC",
    )
