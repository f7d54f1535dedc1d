"""The web application: FHIR API, ingestion endpoints and the viewer, on one server."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.telemetry import TelemetryConfig
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp

from kizuna.api import access, audit, auth, fhir, identity, ingest, operations, responses
from kizuna.api.context import Services
from kizuna.api.errors import error_response
from kizuna.api.read_path import ReadPath
from kizuna.config import Settings, load
from kizuna.fhir.outcome import FhirError
from kizuna.fhir.repository import Repository
from kizuna.heap import settle_heap
from kizuna.store import statistics
from kizuna.store.db import Database
from kizuna.store.migrate import upgrade

log = logging.getLogger("kizuna.api")


def _install_error_handlers(app: FastAPI) -> None:
    async def answer(request: Request, exc: Exception) -> Response:
        return error_response(request, exc)

    for kind in (FhirError, HTTPException, RequestValidationError, Exception):
        app.add_exception_handler(kind, answer)


#: FastAPI's own OpenTelemetry is off: nothing here collects it (hospital networks are
#: closed), its spans and logs would carry request paths, which hold patient ids, and
#: checking whether it is wanted cost 3% of a server process's CPU on every request
NO_TELEMETRY: TelemetryConfig = {
    "tracing": False,
    "metrics": False,
    "logs": False,
    "operation_spans": False,
    "auto_configure": False,  # FASTAPI_OTEL_AUTO_CONFIGURE=true adds no exporter either
}


class KizunaApp(FastAPI):
    """FastAPI with the read path (``kizuna.api.read_path``) in front of its middleware
    stack: reads and searches skip the error, telemetry and body-limit layers, which
    they do not need (the read path answers their errors itself and reads no body)."""

    def build_middleware_stack(self) -> ASGIApp:
        return ReadPath(super().build_middleware_stack())


def create_app(settings: Settings | None = None, migrate: bool = True) -> FastAPI:
    settings = settings or load()
    if migrate:
        upgrade(settings.database_url)
    db = Database(settings.database_url, pool_size=settings.pool_size)
    app = KizunaApp(
        title="Kizuna",
        version="0.1.0",
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
        lifespan=_lifespan,
        telemetry=NO_TELEMETRY,
    )
    app.state.services = Services(settings, db, Repository(db))
    if settings.auth == "off":
        log.warning(
            "KIZUNA_AUTH=off: the FHIR API is served without authentication or access control"
        )
    _install_error_handlers(app)
    _routes(app)
    return app


def _routes(app: FastAPI) -> None:
    from kizuna.viewer.router import router as viewer

    # Routes are tried in order, so the FHIR interactions that serve most requests come
    # first. The generic ones never match an operation ($…) or a name that is not a type
    # (kizuna.api.paths); AuditEvent search is the one type with a route of its own.
    app.include_router(audit.router)
    app.include_router(fhir.router)
    app.include_router(identity.router)
    app.include_router(operations.router)
    app.include_router(auth.router)
    app.include_router(access.router)
    app.include_router(ingest.router)
    app.include_router(viewer)

    @app.get("/fhir/.well-known/smart-configuration", include_in_schema=False)
    def smart_configuration(request: Request) -> Response:
        return responses.json(auth.smart_configuration_document(auth.token_endpoint(request)))


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    db = app.state.services.db
    if db.dialect == "sqlite":
        statistics.refresh(db)  # SQLite gathers none by itself; searches plan from them
    settle_heap()
    yield
    if isinstance(app.middleware_stack, ReadPath):
        app.middleware_stack.workers.close()
    recorder = getattr(app.state, "kizuna_audit", None)
    if recorder is not None:
        recorder.close()  # write what is queued before the process ends
    app.state.services.db.close()
