"""Break-the-glass, disasters and the emergency review queue over HTTP (JSON).

``POST /access/emergency`` declares an emergency for one person (reason required); the
patient is notified and the declaration enters the auditors' review queue. A network
administrator declares a disaster for prefectures and a period with ``POST /access/disaster``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from kizuna.access import emergency
from kizuna.access.audit_sink import request_sink
from kizuna.access.break_glass import EmergencyNotAllowed, declare_emergency
from kizuna.api import responses
from kizuna.api.body import read_json
from kizuna.api.context import services
from kizuna.api.security import forbidden, principal_of, require
from kizuna.audit.reviews import ReviewError, close_review, open_reviews
from kizuna.auth.roles import Permission
from kizuna.fhir.indexing.date import range_or_none
from kizuna.fhir.instant import format_instant
from kizuna.fhir.outcome import bad_request, not_found
from kizuna.fhir.validate import valid_id

router = APIRouter(prefix="/access", tags=["access"])


def _text(body: dict[str, Any], name: str, minimum: int = 1) -> str:
    value = body.get(name)
    if not isinstance(value, str) or len(value.strip()) < minimum:
        raise bad_request(f"{name} is required", name)
    return value.strip()


@router.post("/emergency")
async def emergency_access(request: Request) -> Response:
    principal = principal_of(request)
    body = await read_json(request, 64 * 1024)
    if not isinstance(body, dict):
        raise bad_request("the body must be a JSON object")
    patient = _text(body, "patient").removeprefix("Patient/")
    if not valid_id(patient):
        raise bad_request("patient must be a Patient id", "patient")
    reason = _text(body, "reason", 2)
    svc = services(request)
    with svc.db.read() as tx:
        exists = tx.fetchone(
            "SELECT 1 FROM resources WHERE res_type = 'Patient' AND res_id = ? AND deleted = 0",
            (patient,),
        )
    if exists is None:
        raise not_found(f"Patient/{patient} is not known")
    try:
        grant = await svc.run(
            declare_emergency, svc.db, principal, patient, reason, request_sink(request)
        )
    except EmergencyNotAllowed as exc:
        raise forbidden(str(exc)) from None
    return responses.json(
        {"grant": grant.grant_id, "patient": patient, "expires": format_instant(grant.expires_ms)},
        201,
    )


def _instant(body: dict[str, Any], name: str, high: bool) -> int:
    found = range_or_none(_text(body, name))
    if found is None:
        raise bad_request(f"{name} must be a FHIR date or dateTime", name)
    return found[1] if high else found[0]


@router.post("/disaster")
async def declare_disaster(request: Request) -> Response:
    principal = principal_of(request)
    require(principal, Permission.DECLARE_DISASTER)
    body = await read_json(request, 64 * 1024)
    if not isinstance(body, dict) or not isinstance(body.get("prefectures"), list):
        raise bad_request("prefectures (a list) is required", "prefectures")
    svc = services(request)
    try:
        with svc.db.transaction() as tx:
            disaster_id = emergency.declare_disaster(
                tx,
                [str(p) for p in body["prefectures"]],
                _instant(body, "start", False),
                _instant(body, "end", True),
                _text(body, "reason", 2),
                principal.subject,
            )
    except ValueError as exc:
        raise bad_request(str(exc), "prefectures") from None
    request_sink(request)(
        {
            "action": "disaster-declared",
            "outcome": "allowed",
            "reason": body["reason"],
            "purpose": "operations",
            "principal": principal,
            "patient_ids": [],
            "data": {"type": "disaster", "id": disaster_id},
            "grant": None,
        }
    )
    return responses.json({"disaster": disaster_id}, 201)


@router.delete("/disaster/{disaster_id}")
def end_disaster(request: Request, disaster_id: str) -> Response:
    principal = principal_of(request)
    require(principal, Permission.DECLARE_DISASTER)
    with services(request).db.transaction() as tx:
        emergency.end_disaster(tx, disaster_id)
    return Response(status_code=204)


@router.get("/reviews")
def reviews(request: Request) -> Response:
    require(principal_of(request), Permission.REVIEW_AUDIT)
    return responses.json([_public(review) for review in open_reviews(services(request).db)])


def _public(review: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (v if isinstance(v, (str, int, float, type(None), list, dict)) else str(v))
        for k, v in review.items()
    }


@router.post("/reviews/{review_id}/close")
async def close(request: Request, review_id: int) -> Response:
    principal = principal_of(request)
    require(principal, Permission.REVIEW_AUDIT)
    body = await read_json(request, 64 * 1024)
    note = _text(body if isinstance(body, dict) else {}, "note", 4)
    try:
        closed = close_review(services(request).db, review_id, principal, note)
    except ReviewError as exc:
        raise bad_request(str(exc), "note") from None
    return responses.json(_public(closed))
