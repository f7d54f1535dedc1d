"""FHIR operations: ``Patient/$everything`` and Bulk Data ``$export``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import FileResponse, Response

from kizuna.api import responses
from kizuna.api.context import services
from kizuna.api.fhir import _int_param, _params, _since, base_url
from kizuna.api.security import reader_of, require, require_scope
from kizuna.auth.roles import Permission
from kizuna.fhir import render
from kizuna.fhir.operations.export import Exporter, parse_types
from kizuna.fhir.outcome import FhirError, Problem, bad_request
from kizuna.fhir.search.engine import Page
from kizuna.fhir.search.query import SearchQuery

router = APIRouter(prefix="/fhir", tags=["FHIR operations"])


@router.get("/Patient/{patient_id}/$everything")
def everything(request: Request, patient_id: str) -> Response:
    svc = services(request)
    params = _params(request)
    count = min(_int_param(params, "_count", 100), 1000)
    offset = _int_param(params, "_offset", 0)
    types = parse_types(next((v for k, v in params if k == "_type"), None)) or None
    reader = reader_of(request)
    require_scope(reader.principal, "Patient", "read")
    matches, cited, has_next = reader.everything(patient_id, _since(params), types, count, offset)
    page = Page(SearchQuery("Patient", count=count, offset=offset), matches, cited, None, has_next)
    base = base_url(request, svc)
    return responses.raw(render.searchset(base, f"Patient/{patient_id}/$everything", params, page))


def exporter(request: Request) -> Exporter:
    app = request.app
    if not hasattr(app.state, "exporter"):
        svc = services(request)
        app.state.exporter = Exporter(svc.db, svc.settings.export_dir)
    found: Exporter = app.state.exporter
    return found


def _kick_off(request: Request, kind: str, group_id: str | None = None) -> Response:
    reader = reader_of(request)
    require(reader.principal, Permission.BULK_EXPORT)
    reader.note_write("export", "Group" if group_id else "*", group_id or kind, None)
    if "respond-async" not in request.headers.get("prefer", ""):
        raise bad_request("$export needs the header Prefer: respond-async", "Prefer")
    params = _params(request)
    fmt = next((v for k, v in params if k == "_outputFormat"), "application/fhir+ndjson")
    if fmt not in ("application/fhir+ndjson", "application/ndjson", "ndjson"):
        raise bad_request(f"_outputFormat {fmt[:40]!r} is not supported", "_outputFormat")
    types = parse_types(next((v for k, v in params if k == "_type"), None))
    job_id = exporter(request).start(kind, str(request.url), types, _since(params), group_id)
    status_url = f"{base_url(request, services(request))}/$export-status/{job_id}"
    return Response(status_code=202, headers={"Content-Location": status_url})


@router.get("/$export")
def export_system(request: Request) -> Response:
    return _kick_off(request, "system")


@router.get("/Patient/$export")
def export_patients(request: Request) -> Response:
    return _kick_off(request, "patient")


@router.get("/Group/{group_id}/$export")
def export_group(request: Request, group_id: str) -> Response:
    return _kick_off(request, "group", group_id)


@router.get("/$export-status/{job_id}")
def export_status(request: Request, job_id: str) -> Response:
    require(reader_of(request).principal, Permission.BULK_EXPORT)
    jobs = exporter(request)
    job = jobs.job(job_id)
    if job.status in ("accepted", "running"):
        return Response(status_code=202, headers={"X-Progress": job.status, "Retry-After": "2"})
    if job.status == "failed":
        raise FhirError(500, [Problem("exception", f"export failed: {job.error}")])
    if job.status == "cancelled":
        raise FhirError(404, [Problem("not-found", "the export was cancelled")])
    return responses.json(jobs.manifest(job, base_url(request, services(request))))


@router.delete("/$export-status/{job_id}")
def export_cancel(request: Request, job_id: str) -> Response:
    require(reader_of(request).principal, Permission.BULK_EXPORT)
    exporter(request).cancel(job_id)
    return Response(status_code=202)


@router.get("/$export-file/{job_id}/{name}")
def export_file(request: Request, job_id: str, name: str) -> Response:
    require(reader_of(request).principal, Permission.BULK_EXPORT)
    path = exporter(request).file(job_id, name)
    return FileResponse(path, media_type="application/fhir+ndjson")
