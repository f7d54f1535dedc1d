"""The read path (kizuna.api.read_path) serves GET reads and searches before the router:
it must pick the handler the router would pick for every path, and answer exactly as the
router's route does, errors and access control included."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.routing import Match
from tests.conftest import LiveServer

from kizuna.api import fhir
from kizuna.api.app import create_app
from kizuna.api.read_path import ReadPath, route_for
from kizuna.config import Settings

SEGMENTS = [
    "Patient",
    "Observation",
    "AuditEvent",
    "metadata",
    "_history",
    "_search",
    "$everything",
    "$export",
    "$match",
    ".well-known",
    "smart-configuration",
    "NotAType",
    "p1",
    "a.b-c",
    "x y",
    "日本",
    "Patient1",
    "1abc",
    "",
]


def _flat(routes: list[Any]) -> Iterator[Any]:
    """The routes in the order the router tries them (included routers opened)."""
    for route in routes:
        if hasattr(route, "effective_candidates"):
            yield from _flat(route.effective_candidates())
        else:
            yield route


def _router_choice(app: Any, path: str) -> tuple[Any, tuple[str, ...]] | None:
    """The first route the app's router fully matches for GET ``path``."""
    scope = {"type": "http", "method": "GET", "path": path, "root_path": ""}
    for route in _flat(app.router.routes):
        match, child = route.matches(scope)
        if match == Match.FULL:
            return route.endpoint, tuple(child.get("path_params", {}).values())
    return None


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = tmp_path_factory.mktemp("read-path")
    url = f"sqlite:///{folder / 'routes.sqlite3'}"
    return create_app(Settings(database_url=url, data_dir=folder), migrate=False)  # type: ignore[call-arg]


@settings(max_examples=400)
@given(st.lists(st.sampled_from(SEGMENTS), min_size=1, max_size=4), st.booleans())
def test_the_read_path_chooses_what_the_router_chooses(
    app: Any, parts: list[str], trailing: bool
) -> None:
    path = "/fhir/" + "/".join(parts) + ("/" if trailing else "")
    ours = route_for(path)
    theirs = _router_choice(app, path)
    if ours is None:
        assert theirs is None or theirs[0] not in (fhir.search, fhir.read), path
    else:
        assert theirs is not None, path
        assert (ours[0], ours[1]) == theirs, path


def test_every_route_of_the_app_is_left_to_the_router_or_chosen_alike(app: Any) -> None:
    """Each GET route's own path, its parameters filled in: a route added later is tried
    here whatever its name."""
    fill = {"res_type": "Patient", "res_id": "p1"}
    tried = 0
    for route in _flat(app.router.routes):
        path = getattr(route, "path", "")
        if "GET" not in (getattr(route, "methods", None) or ()) or not path.startswith("/fhir"):
            continue
        concrete = re.sub(r"{(\w+)(:\w+)?}", lambda m: fill.get(m[1], "x1"), path)
        ours, theirs = route_for(concrete), _router_choice(app, concrete)
        if ours is None:
            assert theirs is None or theirs[0] not in (fhir.search, fhir.read), concrete
        else:
            assert ours == theirs, concrete
        tried += 1
    assert tried >= 10


def test_known_paths() -> None:
    assert route_for("/fhir/Observation") == (fhir.search, ("Observation",))
    assert route_for("/fhir/Patient/p-1.a") == (fhir.read, ("Patient", "p-1.a"))
    assert route_for("/fhir/NotAType") == (fhir.search, ("NotAType",))  # the handler's 404
    for other in (
        "/fhir/metadata",
        "/fhir/AuditEvent",
        "/fhir/Patient/_history",
        "/fhir/Patient/$everything",
        "/fhir/Patient/p1/_history",
        "/fhir/_history",
        "/fhir/Patient/",
        "/viewer/Patient",
    ):
        assert route_for(other) is None, other


def _servers(url: str, folder: Path, **overrides: Any) -> Iterator[tuple[LiveServer, LiveServer]]:
    settings_ = Settings(database_url=url, data_dir=folder, **overrides)  # type: ignore[arg-type]
    routed = create_app(settings_, migrate=False)
    routed.user_middleware = [m for m in routed.user_middleware if m.cls is not ReadPath]
    fast, slow = LiveServer(create_app(settings_, migrate=False)), LiveServer(routed)
    try:
        yield fast, slow
    finally:
        fast.stop()
        slow.stop()


@pytest.fixture
def open_servers(database_url: str, tmp_path: Path) -> Iterator[tuple[LiveServer, LiveServer]]:
    yield from _servers(database_url, tmp_path / "var", auth="off")


@pytest.fixture
def guarded_servers(database_url: str, tmp_path: Path) -> Iterator[tuple[LiveServer, LiveServer]]:
    yield from _servers(database_url, tmp_path / "var")


HEADERS = ("content-type", "etag", "last-modified")


def _normal(response: httpx.Response, server: LiveServer) -> Any:
    """The body with the server's own address and the bundle's creation time taken out."""
    text = response.text.replace(server.url, "http://server")
    if not text:
        return text
    body = json.loads(text)
    body.pop("timestamp", None)
    return body


def _same(fast: LiveServer, slow: LiveServer, path: str, **headers: str) -> httpx.Response:
    one = httpx.get(f"{fast.url}{path}", headers=headers, timeout=30)
    two = httpx.get(f"{slow.url}{path}", headers=headers, timeout=30)
    assert one.status_code == two.status_code, (path, one.text[:300], two.text[:300])
    assert _normal(one, fast) == _normal(two, slow), path
    for name in HEADERS:
        assert one.headers.get(name) == two.headers.get(name), (path, name)
    return one


def test_reads_and_searches_answer_as_the_routes_do(
    open_servers: tuple[LiveServer, LiveServer],
) -> None:
    fast, slow = open_servers
    patient = {"resourceType": "Patient", "name": [{"family": "山田", "given": ["花子"]}]}
    created = httpx.post(f"{fast.url}/fhir/Patient", json=patient, timeout=30)
    assert created.status_code == 201
    pid = created.json()["id"]
    observation = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "8302-2"}]},
        "subject": {"reference": f"Patient/{pid}"},
        "valueQuantity": {"value": 158.2, "unit": "cm"},
    }
    assert httpx.post(f"{fast.url}/fhir/Observation", json=observation).status_code == 201

    read = _same(fast, slow, f"/fhir/Patient/{pid}")
    assert read.status_code == 200 and read.json()["name"][0]["family"] == "山田"
    assert read.headers["etag"] == 'W/"1"'
    assert (
        _same(fast, slow, f"/fhir/Patient/{pid}", **{"If-None-Match": 'W/"1"'}).status_code == 304
    )
    subset = _same(fast, slow, f"/fhir/Patient/{pid}?_elements=name")
    assert subset.json()["name"][0]["given"] == ["花子"]

    found = _same(fast, slow, f"/fhir/Observation?subject=Patient/{pid}&code=8302-2")
    entries = found.json()["entry"]
    assert [e["resource"]["valueQuantity"]["value"] for e in entries] == [158.2]
    kana = _same(fast, slow, "/fhir/Patient?name=山田&_total=accurate")
    assert kana.json()["total"] == 1

    missing = _same(fast, slow, "/fhir/Patient/no-such-patient")
    assert missing.status_code == 404 and missing.json()["resourceType"] == "OperationOutcome"
    unknown = _same(fast, slow, "/fhir/NotAType")
    assert unknown.status_code == 404 and "NotAType" in unknown.text
    bad = _same(fast, slow, "/fhir/Observation?date=notadate")
    assert bad.status_code == 400 and bad.json()["issue"][0]["expression"] == ["date"]
    count = _same(fast, slow, "/fhir/Observation?_count=abc")
    assert count.status_code == 400 and "Traceback" not in count.text
    purpose = _same(fast, slow, "/fhir/Patient", **{"X-Purpose-Of-Use": "curiosity"})
    assert purpose.status_code == 400


def test_without_a_token_both_ways_refuse_alike(
    guarded_servers: tuple[LiveServer, LiveServer],
) -> None:
    fast, slow = guarded_servers
    for path in ("/fhir/Patient", "/fhir/Patient/p1", "/fhir/Observation?code=8302-2"):
        answer = _same(fast, slow, path)
        assert answer.status_code == 401, path
        assert answer.json()["resourceType"] == "OperationOutcome"
        bearer = _same(fast, slow, path, Authorization="Bearer not-a-token")
        assert bearer.status_code == 401, path


def test_an_unexpected_error_is_logged_without_the_ids_in_its_path(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from starlette.requests import Request

    from kizuna.api.errors import error_response, path_shape

    assert path_shape("/fhir/Patient/p-123/$everything") == "/fhir/Patient/{id}/$everything"
    assert path_shape("/fhir/Observation/o-9/_history/2") == "/fhir/Observation/{id}/_history/{id}"
    assert path_shape("/viewer/patient/p-123") == "/viewer/patient/{id}"
    scope = {"type": "http", "method": "GET", "path": "/fhir/Patient/p-123", "headers": []}
    with caplog.at_level("ERROR", logger="kizuna.api"):
        answer = error_response(Request(scope), KeyError("p-123 山田"))
    assert answer.status_code == 500
    assert b"p-123" not in answer.body and b"Traceback" not in answer.body
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "KeyError" in logged and "/fhir/Patient/{id}" in logged
    assert "p-123" not in logged and "山田" not in logged


def test_the_apps_shutdown_stops_its_read_path_threads(
    live_server: LiveServer, fhir: httpx.Client
) -> None:
    created = fhir.post("/Patient", json={"resourceType": "Patient", "gender": "female"})
    assert created.status_code == 201, created.text
    read = fhir.get(f"/Patient/{created.json()['id']}")
    assert read.status_code == 200 and read.json()["gender"] == "female"
    stack = live_server.server.config.app.middleware_stack
    assert isinstance(stack, ReadPath)
    threads = list(stack.workers._threads)
    assert threads and all(t.is_alive() for t in threads)
    live_server.stop()
    assert not any(t.is_alive() for t in threads)
    assert stack.workers._threads == []
