"""The patient index over FHIR: ``Patient/$match`` and the PIXm-style ``Patient/$ihe-pix``.

``POST /fhir/Patient/$match`` takes a Parameters with ``resource`` (the Patient to match),
``onlyCertainMatches`` and ``count``, and returns a searchset Bundle of stored Patients,
each with ``search.score`` and the ``match-grade`` extension (certain, probable, possible).

``GET /fhir/Patient/$ihe-pix?sourceIdentifier=system|value[&targetSystem=...]`` returns a
Parameters with every identifier (``targetIdentifier``) and every Patient (``targetId``)
of the person bearing the source identifier.

The routes must come before the generic ``/fhir/{type}/{id}`` read route: include
``router`` before ``kizuna.api.fhir.router``, or call :func:`install` on a built app.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Request
from starlette.responses import Response

from kizuna.access.reader import Reader
from kizuna.api import responses
from kizuna.api.body import read_json
from kizuna.api.context import services
from kizuna.api.fhir import base_url
from kizuna.api.security import forbidden, reader_of
from kizuna.fhir.outcome import bad_request, not_found
from kizuna.identity.lookup import Match, cross_reference, find_matches
from kizuna.store.db import Database

router = APIRouter(prefix="/fhir", tags=["Patient index"])

MATCH_GRADE = "http://hl7.org/fhir/StructureDefinition/match-grade"
MAX_COUNT = 100
DEFAULT_COUNT = 10


def install(app: FastAPI) -> None:
    """Put the patient-index routes ahead of the generic FHIR routes (idempotent)."""
    paths = {getattr(r, "path", None) for r in app.router.routes}
    if "/fhir/Patient/$match" in paths:
        return
    before = len(app.router.routes)
    app.include_router(router)
    added = app.router.routes[before:]
    del app.router.routes[before:]
    app.router.routes[0:0] = added


def _parameter(body: dict[str, Any], name: str) -> tuple[int, dict[str, Any]] | None:
    for i, p in enumerate(body.get("parameter") or []):
        if isinstance(p, dict) and p.get("name") == name:
            return i, p
    return None


def _match_input(body: Any) -> tuple[dict[str, Any], bool, int]:
    if not isinstance(body, dict) or body.get("resourceType") != "Parameters":
        raise bad_request("$match takes a Parameters resource", "Parameters")
    found = _parameter(body, "resource")
    if found is None or not isinstance(found[1].get("resource"), dict):
        raise bad_request(
            "the parameter 'resource' (a Patient) is required", "Parameters.parameter"
        )
    index, param = found
    patient = param["resource"]
    if patient.get("resourceType") != "Patient":
        raise bad_request("'resource' must be a Patient", f"Parameters.parameter[{index}].resource")
    only_certain = False
    if (flag := _parameter(body, "onlyCertainMatches")) is not None:
        value = flag[1].get("valueBoolean")
        if not isinstance(value, bool):
            raise bad_request(
                "onlyCertainMatches must be a valueBoolean",
                f"Parameters.parameter[{flag[0]}].valueBoolean",
            )
        only_certain = value
    count = DEFAULT_COUNT
    if (given := _parameter(body, "count")) is not None:
        value = given[1].get("valueInteger", given[1].get("valuePositiveInt"))
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise bad_request(
                "count must be a positive integer", f"Parameters.parameter[{given[0]}].valueInteger"
            )
        count = min(value, MAX_COUNT)
    return patient, only_certain, count


def _entry(base: str, match: Match) -> dict[str, Any]:
    return {
        "fullUrl": f"{base}/Patient/{match.patient_id}",
        "resource": match.resource,
        "search": {
            "extension": [{"url": MATCH_GRADE, "valueCode": match.grade}],
            "mode": "match",
            "score": match.score,
        },
    }


def _run_match(
    db: Database, patient: dict[str, Any], only_certain: bool, count: int
) -> list[Match]:
    with db.read() as tx:
        return find_matches(tx, patient, only_certain, count)


@router.post("/Patient/$match")
async def match(request: Request) -> Response:
    svc = services(request)
    reader = _looker(request)
    body = await read_json(request, svc.settings.max_body_bytes)
    patient, only_certain, count = _match_input(body)
    found = await svc.run(_run_match, svc.db, patient, only_certain, count)
    reader.note_lookup([m.patient_id for m in found])
    base = base_url(request, svc)
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(found),
        "entry": [_entry(base, m) for m in found],
    }
    return responses.json(bundle)


def _source(request: Request) -> tuple[str, str]:
    values = request.query_params.getlist("sourceIdentifier")
    if len(values) != 1:
        raise bad_request(
            "exactly one sourceIdentifier (system|value) is required", "sourceIdentifier"
        )
    system, sep, value = values[0].partition("|")
    if not sep or not system or not value:
        raise bad_request("sourceIdentifier must be system|value", "sourceIdentifier")
    return system, value


def _looker(request: Request) -> Reader:
    """Finding patients is a lookup: staff, emergency teams and facility systems, audited."""
    reader = reader_of(request)
    if not reader.may_look_up():
        raise forbidden("this role may not look patients up")
    return reader


def _pix_parameters(request: Request, system: str, value: str, targets: list[str]) -> Response:
    svc = services(request)
    reader = _looker(request)
    with svc.db.read() as tx:
        found = cross_reference(tx, system, value, targets or None)
    reader.note_lookup(list(found.patient_ids) if found else [])
    if found is None:
        raise not_found("no patient bears this sourceIdentifier")
    parameters: list[dict[str, Any]] = [
        {"name": "targetIdentifier", "valueIdentifier": ident} for ident in found.identifiers
    ]
    parameters += [
        {"name": "targetId", "valueReference": {"reference": f"Patient/{patient_id}"}}
        for patient_id in found.patient_ids
    ]
    return responses.json({"resourceType": "Parameters", "parameter": parameters})


@router.get("/Patient/$ihe-pix")
async def ihe_pix(request: Request) -> Response:
    system, value = _source(request)
    targets = [t for t in request.query_params.getlist("targetSystem") if t]
    return await services(request).run(_pix_parameters, request, system, value, targets)
