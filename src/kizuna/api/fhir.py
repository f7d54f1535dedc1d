"""The FHIR REST interface: interactions, search, history, bundles and operations."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from starlette.responses import Response

from kizuna.api import responses
from kizuna.api.body import read_bytes, read_json
from kizuna.api.context import Services, services
from kizuna.fhir import bundles, render
from kizuna.fhir.indexing.date import range_or_none as date_range
from kizuna.fhir.outcome import FhirError, Problem, bad_request, not_found
from kizuna.fhir.search.query import parse
from kizuna.fhir.types import is_resource_type
from kizuna.store.db import Tx

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
    body = await read_json(request, svc.settings.max_body_bytes)
    base = base_url(request, svc)

    def on_get(url: str, tx: Tx) -> tuple[int, dict[str, Any]]:
        return _bundle_get(svc, base, url, tx)

    result = await svc.run(bundles.process, svc.repo, body, on_get)
    return responses.json(result)


def _bundle_get(svc: Services, base: str, url: str, tx: Tx) -> tuple[int, dict[str, Any]]:
    import orjson

    from kizuna.fhir.search import engine

    path, _, query = url.partition("?")
    parts = [p for p in path.split("/") if p]
    try:
        if len(parts) == 2 and is_resource_type(parts[0]):
            found = svc.repo.read(parts[0], parts[1], tx)
            return 200, orjson.loads(found.content or "{}")
        if len(parts) == 1 and is_resource_type(parts[0]):
            params = parse_qsl(query, keep_blank_values=True)
            page = engine.search(tx, parse(parts[0], params))
            return 200, orjson.loads(render.searchset(base, parts[0], params, page))
        raise bad_request(f"unsupported GET {url[:80]!r} in a bundle")
    except FhirError as exc:
        return exc.status, exc.outcome()


@router.get("/_history")
def system_history(request: Request) -> Response:
    return _history(request, None, None)


def _history(request: Request, res_type: str | None, res_id: str | None) -> Response:
    svc = services(request)
    params = _params(request)
    count = _int_param(params, "_count", 50)
    offset = _int_param(params, "_offset", 0)
    versions, total = svc.repo.history(res_type, res_id, _since(params), count, offset)
    path = "/".join(p for p in (res_type, res_id, "_history") if p)
    body = render.history_bundle(base_url(request, svc), path, versions, total, count, offset)
    return responses.raw(body)


# -- type level ----------------------------------------------------------------------------


@router.get("/{res_type}")
def search(request: Request, res_type: str) -> Response:
    return _search(request, _type(res_type), _params(request))


@router.post("/{res_type}/_search")
async def search_post(request: Request, res_type: str) -> Response:
    svc = services(request)
    raw = await read_bytes(request, 1024 * 1024)
    params = _params(request) + parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)
    return await svc.run(_search, request, _type(res_type), params)


def _search(request: Request, res_type: str, params: list[tuple[str, str]]) -> Response:
    svc = services(request)
    query = parse(res_type, params, strict=_strict(request))
    page = svc.repo.search(query)
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


@router.post("/{res_type}")
async def create(request: Request, res_type: str) -> Response:
    svc = services(request)
    resource = await read_json(request, svc.settings.max_body_bytes)
    res_type = _type(res_type)
    if isinstance(resource, dict) and resource.get("resourceType") != res_type:
        raise bad_request(f"the body is not a {res_type}", f"{res_type}.resourceType")
    condition = request.headers.get("if-none-exist")
    criteria = parse_qsl(condition.lstrip("?"), keep_blank_values=True) if condition else None
    written = await svc.run(svc.repo.create, resource, criteria)
    return _written(request, svc, written)


@router.put("/{res_type}")
async def conditional_update(request: Request, res_type: str) -> Response:
    svc = services(request)
    resource = await read_json(request, svc.settings.max_body_bytes)
    written = await svc.run(
        svc.repo.conditional_update, _type(res_type), _params(request), resource
    )
    return _written(request, svc, written)


@router.delete("/{res_type}")
def conditional_delete(request: Request, res_type: str) -> Response:
    services(request).repo.conditional_delete(_type(res_type), _params(request))
    return Response(status_code=204)


@router.get("/{res_type}/_history")
def type_history(request: Request, res_type: str) -> Response:
    return _history(request, _type(res_type), None)


# -- instance level ---------------------------------------------------------------------------


@router.get("/{res_type}/{res_id}")
def read(request: Request, res_type: str, res_id: str) -> Response:
    svc = services(request)
    found = svc.repo.read(_type(res_type), res_id)
    headers = responses.version_headers(found.version, found.last_updated)
    if request.headers.get("if-none-match", "").strip() == headers["ETag"]:
        return Response(status_code=304, headers=headers)
    params = _params(request)
    elements = next((v.split(",") for k, v in params if k == "_elements"), None)
    summary = next((v for k, v in params if k == "_summary"), None)
    return responses.raw(render.subset(found.content or "{}", elements, summary), 200, headers)


@router.put("/{res_type}/{res_id}")
async def update(request: Request, res_type: str, res_id: str) -> Response:
    svc = services(request)
    resource = await read_json(request, svc.settings.max_body_bytes)
    written = await svc.run(svc.repo.update, _type(res_type), res_id, resource, _if_match(request))
    return _written(request, svc, written)


@router.patch("/{res_type}/{res_id}")
async def patch(request: Request, res_type: str, res_id: str) -> Response:
    svc = services(request)
    kind = request.headers.get("content-type", "").split(";")[0].strip()
    if kind != "application/json-patch+json":
        raise FhirError(
            415, [Problem("not-supported", "PATCH needs Content-Type application/json-patch+json")]
        )
    operations = await read_json(request, svc.settings.max_body_bytes)
    written = await svc.run(svc.repo.patch, _type(res_type), res_id, operations, _if_match(request))
    return _written(request, svc, written)


@router.delete("/{res_type}/{res_id}")
def delete(request: Request, res_type: str, res_id: str) -> Response:
    outcome = services(request).repo.delete(_type(res_type), res_id)
    headers = {"ETag": f'W/"{outcome.version}"'} if outcome.changed else {}
    return Response(status_code=204, headers=headers)


@router.get("/{res_type}/{res_id}/_history")
def instance_history(request: Request, res_type: str, res_id: str) -> Response:
    return _history(request, _type(res_type), res_id)


@router.get("/{res_type}/{res_id}/_history/{vid}")
def vread(request: Request, res_type: str, res_id: str, vid: str) -> Response:
    found = services(request).repo.vread(_type(res_type), res_id, vid)
    return responses.raw(
        found.content or "{}", 200, responses.version_headers(found.version, found.last_updated)
    )
