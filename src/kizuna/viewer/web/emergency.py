"""The emergency view: declared break-glass, disaster mode, or a scanned QR card."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from kizuna.access import decision as access
from kizuna.access import emergency
from kizuna.access.audit_sink import request_sink
from kizuna.access.break_glass import EmergencyNotAllowed, declare_emergency
from kizuna.api.context import Services, services
from kizuna.auth.dependencies import auth_service
from kizuna.auth.principal import Principal
from kizuna.auth.roles import Permission
from kizuna.fhir.instant import japan_time, now_ms
from kizuna.viewer import qrcard
from kizuna.viewer.compose.summary import compose_emergency
from kizuna.viewer.loader import load_chart
from kizuna.viewer.web.forms import clean
from kizuna.viewer.web.pages import (
    error_page,
    login_redirect,
    reader_for,
    render,
    signed_in,
    timed,
)

router = APIRouter(tags=["viewer"])


def _responder(request: Request, svc: Services) -> Principal | Response:
    principal = signed_in(request, svc)
    if principal is None:
        return login_redirect(request)
    if not principal.permits(Permission.EMERGENCY_ACCESS):
        return error_page(request, "em.not_allowed", 403)
    return principal


@router.get("/viewer/patients/{patient_id}/emergency", include_in_schema=False)
async def declare_page(
    patient_id: str, request: Request, svc: Services = Depends(services)
) -> Response:
    principal = _responder(request, svc)
    if not isinstance(principal, Principal):
        return principal
    return render(request, "declare.html", patient_id=patient_id)


def _declare(
    svc: Services, request: Request, principal: Principal, patient_id: str, reason: str
) -> None:
    declare_emergency(svc.db, principal, patient_id, reason, request_sink(request))


@router.post("/viewer/patients/{patient_id}/emergency", include_in_schema=False)
async def declare_submit(
    patient_id: str, request: Request, reason: str = Form(""), svc: Services = Depends(services)
) -> Response:
    principal = _responder(request, svc)
    if not isinstance(principal, Principal):
        return principal
    reason = clean(reason, 500)
    try:
        await svc.run(_declare, svc, request, principal, patient_id, reason)
    except EmergencyNotAllowed:
        return error_page(request, "em.not_allowed", 403)
    except ValueError:
        return render(
            request,
            "declare.html",
            400,
            patient_id=patient_id,
            error="em.reason_needed",
            reason=reason,
        )
    return RedirectResponse(f"/emergency/{patient_id}", 303)


def _grant_until(svc: Services, principal: Principal, patient_id: str) -> int | None:
    with svc.db.read() as tx:
        patients = access.person_patients(tx, patient_id)
        marks = ",".join("?" * len(patients))
        row = tx.fetchone(
            "SELECT MAX(expires_ms) FROM emergency_grants WHERE subject = ? "
            f"AND patient_id IN ({marks}) AND expires_ms > ? AND revoked_ms IS NULL",
            [principal.subject, *patients, now_ms()],
        )
    return int(row[0]) if row and row[0] else None


def _emergency(
    svc: Services, request: Request, principal: Principal, patient_id: str
) -> dict[str, Any] | None:
    reader = reader_for(request, svc, principal, "emergency")
    decision, chart = load_chart(reader, patient_id)
    if not decision.allowed:
        return None
    data = chart.memoised(("emergency", patient_id), lambda: compose_emergency(chart, patient_id))
    until = _grant_until(svc, principal, patient_id)
    return {"em": data, "reason": decision.reason, "until": _local(until) if until else None}


def _local(ms: int) -> str:
    return japan_time(ms).strftime("%Y-%m-%d %H:%M JST")


@router.get("/emergency/{patient_id}", include_in_schema=False)
async def emergency_page(
    patient_id: str, request: Request, svc: Services = Depends(services)
) -> Response:
    started = time.perf_counter()
    principal = _responder(request, svc)
    if not isinstance(principal, Principal):
        return principal
    context = await svc.run(_emergency, svc, request, principal, patient_id)
    if context is None:
        return RedirectResponse(f"/viewer/patients/{patient_id}/emergency", 303)
    return timed(render(request, "emergency.html", patient_id=patient_id, **context), started)


def _card_grant(svc: Services, request: Request, principal: Principal, card: qrcard.Card) -> None:
    with svc.db.read() as tx:
        live = emergency.active_grant(
            tx, principal.subject, access.person_patients(tx, card.patient_id)
        )
    if live is None:
        _declare(
            svc,
            request,
            principal,
            card.patient_id,
            f"救急QRカード読取 / emergency QR card scanned (card {card.card_id})",
        )


@router.get("/emergency/card/{token}", include_in_schema=False)
async def card_landing(token: str, request: Request, svc: Services = Depends(services)) -> Response:
    principal = _responder(request, svc)
    if not isinstance(principal, Principal):
        return principal
    card = qrcard.verify(auth_service(request).keys, token, now_ms())
    if card is None:
        return error_page(request, "card.invalid", 404)
    await svc.run(_card_grant, svc, request, principal, card)
    return RedirectResponse(f"/emergency/{card.patient_id}", 303)
