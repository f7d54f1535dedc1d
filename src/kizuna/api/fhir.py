"""The FHIR REST interface: interactions, search, history, bundles and operations."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from starlette.responses import Response

from kizuna.access.reader import Reader
from kizuna.api import responses
from kizuna.api.body import read_bytes, read_json
from kizuna.api.context import Services, services
from kizuna.api.paths import ID, TYPE
from kizuna.api.security import reader_of, require, require_scope
from kizuna.auth.roles import Permission
from kizuna.fhir import bundles, render
from kizuna.fhir.indexing.date import range_or_none as date_range
from kizuna.fhir.outcome import FhirError, Problem, bad_request, not_found
from kizuna.fhir.search.query import parse
from kizuna.fhir.types import is_resource_type

router = APIRouter(prefix="/fhir", tags=["FHIR R4"])


def base_url(request: Request, svc: Services) -> str:
    if svc.settings.base_url:
        return svc.settings.base_url.rstrip("/")
    return str(request.base_url).rstrip("/") + "/fhir"


def _type(res_type: str) -> str:
    if not is_resource_type(res_type):
        raise not_found(f"{res_type[:60]!r} is not a FHIR R4 resource type")
    return res_type


def _params(request: Request) -> list[tuple[str, str]]:
    return list(request.query_params.multi_items())


def _if_match(request: Request) -> int | None:
    value = request.headers.get("if-match")
    if value is None:
        return None
    text = value.removeprefix("W/").strip().strip('"')
    if not text.isdigit():
        raise bad_request(f"If-Match {value[:30]!r} is not a version ETag", "If-Match")
    return int(text)


def _strict(request: Request) -> bool:
    return "handling=strict" in request.headers.get("prefer", "").replace(" ", "")


def _since(params: list[tuple[str, str]]) -> int | None:
    for name, value in params:
        if name == "_since":
            parsed = date_range(value)
            if parsed is None:
                raise bad_request(f"_since {value[:40]!r} is not an instant", "_since")
            return parsed[0]
    return None


def _int_param(params: list[tuple[str, str]], name: str, default: int) -> int:
    for key, value in params:
        if key == name:
            if not value.isdigit():
                raise bad_request(f"{name} must be a non-negative integer", name)
            return int(value)
    return default


def _written(request: Request, svc: Services, written: Any, created_status: int = 201) -> Response:
    outcome = written.outcome
    headers = responses.version_headers(outcome.version, outcome.last_updated)
    res_type, res_id = outcome.key
    status = outcome.status if outcome.changed else 200
    if status == 201:
        headers["Location"] = (
            f"{base_url(request, svc)}/{res_type}/{res_id}/_history/{outcome.version}"
        )
    prefer = request.headers.get("prefer", "")
    if "return=minimal" in prefer:
        return Response(status_code=status, headers=headers)
    if "return=OperationOutcome" in prefer:
        return responses.outcome(written.warnings, status)
    return responses.raw(outcome.content or "{}", status, headers)


# -- whole system ------------------------------------------------------------------------


@router.get("/metadata")
def metadata(request: Request) -> Response:
    from kizuna.fhir.operations.capability import capability_statement

    return responses.json(capability_statement(base_url(request, services(request))))


@router.post("")
@router.post("/")
async def system_bundle(request: Request) -> Response:
    svc = services(request)
    reader = reader_of(request)
    require(reader.principal, Permission.SUBMIT_DATA)
    body = await read_json(request, svc.settings.max_body_bytes)
    base = base_url(request, svc)

    def on_get(url: str) -> tuple[int, dict[str, Any]]:
        return _bundle_get(reader, base, url)

    result = await svc.run(bundles.process, svc.repo, body, on_get)
    reader.note_write(
        "transaction" if body.get("type") == "transaction" else "batch", "Bundle", "-", None
    )
    return responses.json(result)


def _bundle_get(reader: Reader, base: str, url: str) -> tuple[int, dict[str, Any]]:
    """A GET entry, answered through the access decision like any other read."""
    import orjson

    path, _, query = url.partition("?")
    parts = [p for p in path.split("/") if p]
    try:
        if len(parts) == 2 and is_resource_type(parts[0]):
            found = reader.read(parts[0], parts[1])
            return 200, orjson.loads(found.content or "{}")
        if len(parts) == 1 and is_resource_type(parts[0]):
            params = parse_qsl(query, keep_blank_values=True)
            page = reader.search(parse(parts[0], params))
            return 200, orjson.loads(render.searchset(base, parts[0], params, page))
        raise bad_request(f"unsupported GET {url[:80]!r} in a bundle")
    except FhirError as exc:
        return exc.status, exc.outcome()


@router.get("/_history")
def system_history(request: Request) -> Response:
    return _history(request, None, None)


def _history(request: Request, res_type: str | None, res_id: str | None) -> Response:
    svc = services(request)
    reader = reader_of(request)
    if res_id is None:  # type and system history span every patient: bulk access only
        require(reader.principal, Permission.BULK_EXPORT)
    else:
        reader.visible(res_type or "", res_id)  # the access decision; 404 when not visible
    params = _params(request)
    count = _int_param(params, "_count", 50)
    offset = _int_param(params, "_offset", 0)
    versions, total = svc.repo.history(res_type, res_id, _since(params), count, offset)
    path = "/".join(p for p in (res_type, res_id, "_history") if p)
    body = render.history_bundle(base_url(request, svc), path, versions, total, count, offset)
    return responses.raw(body)


# -- type level ----------------------------------------------------------------------------


@router.get(f"/{TYPE}")
def search(request: Request, res_type: str) -> Response:
    return _search(request, _type(res_type), _params(request))


@router.post(f"/{TYPE}/_search")
async def search_post(request: Request, res_type: str) -> Response:
    svc = services(request)
    raw = await read_bytes(request, 1024 * 1024)
    params = _params(request) + parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)
    return await svc.run(_search, request, _type(res_type), params)


def _search(request: Request, res_type: str, params: list[tuple[str, str]]) -> Response:
    svc = services(request)
    reader = reader_of(request)
    require_scope(reader.principal, res_type, "search")
    query = parse(res_type, params, strict=_strict(request))
    page = reader.search(query)
    warnings = [
        Problem(
            "not-supported",
            f"search parameter {name!r} is not supported and was ignored",
            name,
            "warning",
        )
        for name in query.ignored
    ]
    return responses.raw(render.searchset(base_url(request, svc), res_type, params, page, warnings))


def _writer(request: Request, res_type: str, interaction: str) -> Reader:
    """Writes come from facility systems (and open mode); users write through the viewer."""
    reader = reader_of(request)
    require(reader.principal, Permission.SUBMIT_DATA)
    require_scope(reader.principal, res_type, interaction)
    return reader


def _note(reader: Reader, written: Any, action: str) -> None:
    outcome = written.outcome
    resource = outcome.resource or {}
    key = resource.get("subject", resource.get("patient", {})) if isinstance(resource, dict) else {}
    reference = str(key.get("reference", "")) if isinstance(key, dict) else ""
    patient = (
        outcome.key[1]
        if outcome.key[0] == "Patient"
        else reference.removeprefix("Patient/") or None
    )
    reader.note_write(action, outcome.key[0], outcome.key[1], patient)


@router.post(f"/{TYPE}")
async def create(request: Request, res_type: str) -> Response:
    svc = services(request)
    res_type = _type(res_type)
    reader = _writer(request, res_type, "create")
    resource = await read_json(request, svc.settings.max_body_bytes)
    if isinstance(resource, dict) and resource.get("resourceType") != res_type:
        raise bad_request(f"the body is not a {res_type}", f"{res_type}.resourceType")
    condition = request.headers.get("if-none-exist")
    criteria = parse_qsl(condition.lstrip("?"), keep_blank_values=True) if condition else None
    written = await svc.run(svc.repo.create, resource, criteria)
    _note(reader, written, "create")
    return _written(request, svc, written)


@router.put(f"/{TYPE}")
async def conditional_update(request: Request, res_type: str) -> Response:
    svc = services(request)
    reader = _writer(request, _type(res_type), "update")
    resource = await read_json(request, svc.settings.max_body_bytes)
    written = await svc.run(svc.repo.conditional_update, res_type, _params(request), resource)
    _note(reader, written, "update")
    return _written(request, svc, written)


@router.delete(f"/{TYPE}")
def conditional_delete(request: Request, res_type: str) -> Response:
    reader = _writer(request, _type(res_type), "delete")
    for outcome in services(request).repo.conditional_delete(res_type, _params(request)):
        reader.note_write("delete", outcome.key[0], outcome.key[1], None)
    return Response(status_code=204)


@router.get(f"/{TYPE}/_history")
def type_history(request: Request, res_type: str) -> Response:
    return _history(request, _type(res_type), None)


# -- instance level ---------------------------------------------------------------------------


@router.get(f"/{TYPE}/{ID}")
def read(request: Request, res_type: str, res_id: str) -> Response:
    reader = reader_of(request)
    require_scope(reader.principal, _type(res_type), "read")
    found = reader.read(res_type, res_id)
    headers = responses.version_headers(found.version, found.last_updated)
    if request.headers.get("if-none-match", "").strip() == headers["ETag"]:
        return Response(status_code=304, headers=headers)
    params = _params(request)
    elements = next((v.split(",") for k, v in params if k == "_elements"), None)
    summary = next((v for k, v in params if k == "_summary"), None)
    return responses.raw(render.subset(found.content or "{}", elements, summary), 200, headers)


@router.put(f"/{TYPE}/{ID}")
async def update(request: Request, res_type: str, res_id: str) -> Response:
    svc = services(request)
    reader = _writer(request, _type(res_type), "update")
    resource = await read_json(request, svc.settings.max_body_bytes)
    written = await svc.run(svc.repo.update, res_type, res_id, resource, _if_match(request))
    _note(reader, written, "update")
    return _written(request, svc, written)


@router.patch(f"/{TYPE}/{ID}")
async def patch(request: Request, res_type: str, res_id: str) -> Response:
    svc = services(request)
    reader = _writer(request, _type(res_type), "update")
    kind = request.headers.get("content-type", "").split(";")[0].strip()
    if kind != "application/json-patch+json":
        raise FhirError(
            415, [Problem("not-supported", "PATCH needs Content-Type application/json-patch+json")]
        )
    operations = await read_json(request, svc.settings.max_body_bytes)
    written = await svc.run(svc.repo.patch, res_type, res_id, operations, _if_match(request))
    _note(reader, written, "update")
    return _written(request, svc, written)


@router.delete(f"/{TYPE}/{ID}")
def delete(request: Request, res_type: str, res_id: str) -> Response:
    reader = _writer(request, _type(res_type), "delete")
    outcome = services(request).repo.delete(res_type, res_id)
    reader.note_write("delete", res_type, res_id, None)
    headers = {"ETag": f'W/"{outcome.version}"'} if outcome.changed else {}
    return Response(status_code=204, headers=headers)


@router.get(f"/{TYPE}/{ID}/_history")
def instance_history(request: Request, res_type: str, res_id: str) -> Response:
    return _history(request, _type(res_type), res_id)


@router.get(f"/{TYPE}/{ID}/_history/{{vid}}")
def vread(request: Request, res_type: str, res_id: str, vid: str) -> Response:
    reader = reader_of(request)
    require_scope(reader.principal, _type(res_type), "read")
    reader.read(res_type, res_id)  # the access decision on the current version
    found = services(request).repo.vread(res_type, res_id, vid)
    return responses.raw(
        found.content or "{}", 200, responses.version_headers(found.version, found.last_updated)
    )
