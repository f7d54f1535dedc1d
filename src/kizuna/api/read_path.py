"""The read path: FHIR reads and searches served before the router.

Most requests are ``GET /fhir/{type}`` (search) and ``GET /fhir/{type}/{id}`` (read).
FastAPI's router, dependency resolution and exception middleware cost a server process
about as much CPU per request as the access decision, the search and the audit record
together, so this layer, in front of FastAPI's middleware stack (``KizunaApp`` in
``kizuna.api.app``), hands those two paths straight to the same handlers
(``kizuna.api.fhir.search`` and ``read``) in a worker thread and maps their errors with
``kizuna.api.errors``. Every other request, and any path the router would give to another
route, goes on to the router. ``tests/fhir_server/test_read_path.py`` checks that both
ways choose the same handler for any path and give the same answers.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from kizuna.api import fhir
from kizuna.api.errors import error_response
from kizuna.api.paths import IdSegment, TypeSegment

_PATH = re.compile(rf"/fhir/({TypeSegment.regex})(?:/({IdSegment.regex}))?")

#: /fhir/{name} paths that earlier routes serve (the generic search never sees them)
_OWN_TYPE_ROUTES = frozenset({"metadata", "AuditEvent"})
#: /fhir/{type}/{segment} paths that earlier routes serve
_OWN_INSTANCE_ROUTES = frozenset({"_history"})

Endpoint = Callable[..., Response]


def route_for(path: str) -> tuple[Endpoint, tuple[str, ...]] | None:
    """The handler and path arguments the router would choose for ``GET path``, if it is
    a read or a search; else None."""
    found = _PATH.fullmatch(path)
    if found is None:
        return None
    res_type, res_id = found[1], found[2]
    if res_id is None:
        return None if res_type in _OWN_TYPE_ROUTES else (fhir.search, (res_type,))
    return None if res_id in _OWN_INSTANCE_ROUTES else (fhir.read, (res_type, res_id))


def _answer(endpoint: Endpoint, args: tuple[str, ...], request: Request) -> Response:
    try:
        return endpoint(request, *args)
    except Exception as exc:  # answered as the app's exception handlers answer
        return error_response(request, exc)


class ReadPath:
    """ASGI middleware: GET reads and searches go straight to their handlers.

    The handlers block on the database, so they run in this middleware's own thread pool
    (as many threads as Starlette's default pool). Handing work to it through the event
    loop's executor costs about a third of the CPU of anyio's worker threads (22 against
    59 µs per request in a loop of 16 concurrent callers)."""

    def __init__(self, app: ASGIApp, threads: int = 40) -> None:
        self.app = app
        self.pool = ThreadPoolExecutor(threads, thread_name_prefix="read-path")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and not scope.get("root_path"):
            route = route_for(scope["path"])
            if route is not None:
                request = Request(scope, receive)
                loop = asyncio.get_running_loop()
                response = await loop.run_in_executor(self.pool, _answer, *route, request)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
