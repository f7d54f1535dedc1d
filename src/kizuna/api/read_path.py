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
import contextlib
import functools
import queue
import re
import threading
from collections.abc import Callable
from typing import Any

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


class Workers:
    """Threads that answer requests for an event loop: a job goes in on a queue and its
    response comes back through ``loop.call_soon_threadsafe``, nothing else.

    ``loop.run_in_executor`` does the same through a ``ThreadPoolExecutor``: a
    ``concurrent.futures.Future`` and an asyncio future chained to it by callbacks in both
    directions. Under load that bookkeeping held the interpreter for about a tenth of a
    server process's time (``ThreadPoolExecutor.submit``, ``wrap_future``,
    ``_chain_future``; ``py-spy --gil``). Threads start as they are needed, up to
    ``limit``, and stay until :meth:`close` (the app's shutdown)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._jobs: queue.SimpleQueue[tuple[Any, ...]] = queue.SimpleQueue()
        self._idle = threading.Semaphore(0)
        self._lock = threading.Lock()
        self._started = 0
        self._threads: list[threading.Thread] = []
        self._closed = False

    def answer(
        self, endpoint: Endpoint, args: tuple[str, ...], request: Request
    ) -> asyncio.Future[Response]:
        """An awaitable of ``endpoint(request, *args)`` run in one of the threads."""
        if self._closed:
            raise RuntimeError("the read path's threads are stopped")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Response] = loop.create_future()
        self._jobs.put((loop, future, endpoint, args, request))
        if not self._idle.acquire(blocking=False):
            self._grow()
        return future

    def close(self, timeout: float = 10.0) -> None:
        """Stop the threads once the jobs queued before this call are answered."""
        with self._lock:
            self._closed = True
            threads, self._threads = self._threads, []
        for _ in threads:
            self._jobs.put(_STOP)
        for thread in threads:
            thread.join(timeout)

    def _grow(self) -> None:
        with self._lock:
            if self._closed or self._started >= self.limit:
                return
            self._started += 1
            thread = threading.Thread(
                target=self._run, name=f"read-path-{self._started}", daemon=True
            )
            self._threads.append(thread)
        thread.start()

    def _run(self) -> None:
        while (job := self._jobs.get()) is not _STOP:
            _serve(*job)
            del job  # an idle thread keeps nothing of the request it served
            self._idle.release()


#: the job that tells a thread to end (compared by identity: this very tuple)
_STOP: tuple[Any, ...] = ("stop",)


def _serve(
    loop: asyncio.AbstractEventLoop,
    future: asyncio.Future[Response],
    endpoint: Endpoint,
    args: tuple[str, ...],
    request: Request,
) -> None:
    """One job. Its request (and through it the app) is referenced only until this returns,
    so an idle thread keeps nothing of the last request it served alive."""
    try:
        settle = functools.partial(_settle, future, _answer(endpoint, args, request))
    except BaseException as exc:  # not an HTTP error: raised in the request's task
        settle = functools.partial(_fail, future, exc)
    with contextlib.suppress(RuntimeError):  # the loop closed while it ran
        loop.call_soon_threadsafe(settle)


def _settle(future: asyncio.Future[Response], response: Response) -> None:
    if not future.done():  # a client that went away cancels its request's future
        future.set_result(response)


def _fail(future: asyncio.Future[Response], exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)


class ReadPath:
    """ASGI middleware: GET reads and searches go straight to their handlers.

    The handlers block on the database, so they run in this middleware's own threads
    (:class:`Workers`, as many as Starlette's default thread pool)."""

    def __init__(self, app: ASGIApp, threads: int = 40) -> None:
        self.app = app
        self.workers = Workers(threads)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and not scope.get("root_path"):
            route = route_for(scope["path"])
            if route is not None:
                request = Request(scope, receive)
                response = await self.workers.answer(*route, request)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
