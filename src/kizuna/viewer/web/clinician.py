"""Clinician pages: find a patient, consent status and capture, the first-visit summary."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from kizuna.access.emergency import active_disaster
from kizuna.api.context import Services, services
from kizuna.auth.principal import Principal
from kizuna.auth.roles import Permission
from kizuna.consent.categories import CATEGORIES
from kizuna.consent.service import ConsentNotAllowed, record
from kizuna.fhir.outcome import FhirError
from kizuna.fhir.search.query import parse
from kizuna.viewer.charts import trend_svg
from kizuna.viewer.compose.identity import names_of
from kizuna.viewer.compose.summary import compose_summary
from kizuna.viewer.loader import load_chart
from kizuna.viewer.records import audit_consent_change, consent_overview, person_of
from kizuna.viewer.web.forms import consent_request, member_query, valid_date
from kizuna.viewer.web.pages import (
    CLINICAL_ROLES,
    error_page,
    login_redirect,
    reader_for,
    render,
    signed_in,
    timed,
)

router = APIRouter(prefix="/viewer", tags=["viewer"])


def _clinician(request: Request, svc: Services) -> Principal | Response:
    principal = signed_in(request, svc)
    if principal is None:
        return login_redirect(request)
    if principal.role not in CLINICAL_ROLES:
        return error_page(request, "error.forbidden", 403)
    return principal


def _search(
    svc: Services, request: Request, principal: Principal, params: list[tuple[str, str]]
) -> list[dict[str, Any]]:
    import orjson

    page = reader_for(request, svc, principal).lookup_patients(parse("Patient", params))
    found = []
    for _, res_id, content in page.matches:
        patient = orjson.loads(content)
        name, kana = names_of([patient])
        found.append(
            {
                "id": res_id,
                "name": name,
                "kana": kana,
                "gender": patient.get("gender", "unknown"),
                "birth": patient.get("birthDate", ""),
            }
        )
    return found


@router.get("", include_in_schema=False)
async def search_page(request: Request, svc: Services = Depends(services)) -> Response:
    principal = _clinician(request, svc)
    if not isinstance(principal, Principal):
        return principal
    q = request.query_params
    params: list[tuple[str, str]] = []
    identifier = member_query(
        q.get("insurer", ""), q.get("symbol", ""), q.get("number", ""), q.get("branch", "")
    )
    birth = valid_date(q.get("birth", ""))
    if identifier:
        params.append(("identifier", identifier))
    elif q.get("kana", "").strip() and birth:
        params += [("name", q["kana"].strip()), ("birthdate", birth)]
    searched = any(q.get(k) for k in ("insurer", "number", "kana", "birth"))
    results = None
    if params:
        params.append(("_count", "20"))
        results = await svc.run(_search, svc, request, principal, params)
    return render(
        request, "search.html", results=results, form=dict(q), need=searched and not params
    )


def _summary(
    svc: Services, request: Request, principal: Principal, patient_id: str
) -> dict[str, Any]:
    reader = reader_for(request, svc, principal)
    decision, chart = load_chart(reader, patient_id)
    state, consents = consent_overview(svc.db, principal, patient_id)
    context: dict[str, Any] = {"patient_id": patient_id, "state": state, "consents": consents}
    if decision.allowed:
        excluded = tuple(sorted(decision.excluded_categories))
        summary = chart.memoised(
            ("summary", patient_id, excluded), lambda: compose_summary(chart, patient_id, excluded)
        )
        context["summary"] = summary
        context["charts"] = {s.key: trend_svg(s, s.name) for s in summary.labs if len(s.points) > 1}
    return context


@router.get("/patients/{patient_id}", include_in_schema=False)
async def summary_page(
    patient_id: str, request: Request, svc: Services = Depends(services)
) -> Response:
    started = time.perf_counter()
    principal = _clinician(request, svc)
    if not isinstance(principal, Principal):
        return principal
    context = await svc.run(_summary, svc, request, principal, patient_id)
    if "summary" not in context:
        disaster = await svc.run(_disaster, svc, principal)
        return render(request, "denied.html", 403, disaster=disaster, **context)
    return timed(render(request, "summary.html", mode="clinician", **context), started)


def _disaster(svc: Services, principal: Principal) -> str | None:
    with svc.db.read() as tx:
        return active_disaster(tx, principal.prefecture)


@router.get("/patients/{patient_id}/consent", include_in_schema=False)
async def consent_page(
    patient_id: str, request: Request, svc: Services = Depends(services)
) -> Response:
    principal = _clinician(request, svc)
    if not isinstance(principal, Principal):
        return principal
    state, consents = await svc.run(consent_overview, svc.db, principal, patient_id)
    return render(
        request,
        "consent.html",
        patient_id=patient_id,
        state=state,
        consents=consents,
        categories=CATEGORIES,
        mode="clinician",
        allowed=principal.permits(Permission.CAPTURE_CONSENT),
        done=request.query_params.get("done"),
    )


def _record_consent(
    svc: Services,
    principal: Principal,
    patient_id: str,
    form: dict[str, str],
    categories: list[str],
    address: str | None,
) -> None:
    patients = person_of(svc.db, patient_id)
    stored = record(svc.db, principal, patients, consent_request(form, categories))
    audit_consent_change(svc.db, principal, patients, [str(stored.get("id"))], address)


@router.post("/patients/{patient_id}/consent", include_in_schema=False)
async def consent_submit(
    patient_id: str, request: Request, svc: Services = Depends(services)
) -> Response:
    principal = _clinician(request, svc)
    if not isinstance(principal, Principal):
        return principal
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    categories = [v for v in form.getlist("excluded_categories") if isinstance(v, str)]
    address = request.client.host if request.client else None
    try:
        await svc.run(_record_consent, svc, principal, patient_id, fields, categories, address)
    except ConsentNotAllowed:
        return error_page(request, "consent.not_allowed", 403)
    except (ValueError, FhirError):
        state, consents = await svc.run(consent_overview, svc.db, principal, patient_id)
        return render(
            request,
            "consent.html",
            400,
            patient_id=patient_id,
            state=state,
            consents=consents,
            categories=CATEGORIES,
            mode="clinician",
            allowed=True,
            error="consent.error",
        )
    return RedirectResponse(f"/viewer/patients/{patient_id}?consent=recorded", 303)
