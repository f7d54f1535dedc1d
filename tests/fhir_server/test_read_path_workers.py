"""The read path's threads (kizuna.api.read_path.Workers): every job is answered on its
event loop, threads start only as they are needed and never beyond the limit, and a
request whose client went away does not stop the thread that served it."""

from __future__ import annotations

import asyncio
import gc
import threading
import weakref

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from kizuna.api.read_path import Workers
from kizuna.fhir.outcome import not_found


def _request(path: str) -> Request:
    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [],
        "root_path": "",
        "scheme": "http",
        "server": ("127.0.0.1", 8080),
        "app": None,
    }
    return Request(scope)


def test_jobs_are_answered_by_at_most_limit_threads() -> None:
    release = threading.Event()
    changed = threading.Condition()
    running: set[str] = set()
    most = 0

    def endpoint(request: Request, name: str) -> Response:
        nonlocal most
        with changed:
            running.add(threading.current_thread().name)
            most = max(most, len(running))
            changed.notify_all()
        release.wait(10)
        with changed:
            running.discard(threading.current_thread().name)
        return PlainTextResponse(f"{name} {request.url.path}")

    def three_running() -> bool:
        with changed:
            return changed.wait_for(lambda: len(running) == 3, timeout=10)

    async def main() -> list[bytes]:
        workers = Workers(limit=3)
        futures = [workers.answer(endpoint, (f"job{n}",), _request(f"/p{n}")) for n in range(7)]
        assert await asyncio.get_running_loop().run_in_executor(None, three_running)
        release.set()
        responses = await asyncio.gather(*futures)
        assert workers._started == 3
        return [r.body for r in responses]

    bodies = asyncio.run(main())
    assert bodies == [f"job{n} /p{n}".encode() for n in range(7)]
    assert most == 3


def test_an_endpoint_error_is_answered_as_the_app_answers_it() -> None:
    def endpoint(request: Request, res_id: str) -> Response:
        raise not_found(f"Patient/{res_id} is not known")

    async def main() -> Response:
        return await Workers(limit=1).answer(endpoint, ("p404",), _request("/fhir/Patient/p404"))

    response = asyncio.run(main())
    assert response.status_code == 404
    assert b"Patient/p404 is not known" in response.body
    assert b'"resourceType":"OperationOutcome"' in response.body.replace(b" ", b"")


def test_a_request_given_up_leaves_its_thread_serving() -> None:
    started = threading.Event()
    release = threading.Event()

    def slow(request: Request) -> Response:
        started.set()
        release.wait(10)
        return PlainTextResponse("late")

    def quick(request: Request) -> Response:
        return PlainTextResponse(f"quick {threading.current_thread().name}")

    errors: list[object] = []

    async def main() -> tuple[bool, bytes]:
        asyncio.get_running_loop().set_exception_handler(
            lambda loop, context: errors.append(context)
        )
        workers = Workers(limit=1)
        abandoned = workers.answer(slow, (), _request("/slow"))
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, started.wait, 10)
        abandoned.cancel()  # the client went away
        follower = workers.answer(quick, (), _request("/quick"))
        release.set()
        response = await follower
        return abandoned.cancelled(), response.body

    cancelled, body = asyncio.run(main())
    assert cancelled
    assert body == b"quick read-path-1"
    assert errors == []  # the late answer to the abandoned request was dropped quietly


class _Stop(BaseException):
    """Not an Exception: what no error handler of the app answers."""


def test_a_job_that_raises_past_the_handlers_fails_its_request_not_its_thread() -> None:
    def stopping(request: Request) -> Response:
        raise _Stop("stopped")

    def quick(request: Request) -> Response:
        return PlainTextResponse(f"quick {threading.current_thread().name}")

    async def main() -> tuple[str, bytes]:
        workers = Workers(limit=1)
        try:  # bounded: a lost answer would otherwise leave the request waiting for ever
            await asyncio.wait_for(workers.answer(stopping, (), _request("/stop")), 10)
        except _Stop as exc:
            raised = str(exc)
        response = await asyncio.wait_for(workers.answer(quick, (), _request("/quick")), 10)
        return raised, response.body

    assert asyncio.run(main()) == ("stopped", b"quick read-path-1")


def test_an_idle_thread_keeps_nothing_of_the_request_it_served() -> None:
    """A thread waits for its next job holding no reference to its last request: the
    request reaches the app, and through it the app's database pool."""

    def endpoint(request: Request) -> Response:
        return PlainTextResponse("done")

    async def main() -> weakref.ref[Request]:
        workers = Workers(limit=1)
        request = _request("/served")
        served = weakref.ref(request)
        await asyncio.wait_for(workers.answer(endpoint, (), request), 10)
        del request
        # the thread releases its job before it waits for the next one
        await asyncio.get_running_loop().run_in_executor(None, workers._idle.acquire, True, 10)
        return served

    served = asyncio.run(main())
    gc.collect()
    assert served() is None


def test_close_answers_what_is_queued_then_stops_every_thread() -> None:
    release = threading.Event()

    def endpoint(request: Request, name: str) -> Response:
        release.wait(10)
        return PlainTextResponse(name)

    async def main() -> tuple[list[bytes], list[threading.Thread]]:
        workers = Workers(limit=2)
        futures = [workers.answer(endpoint, (f"job{n}",), _request(f"/p{n}")) for n in range(4)]
        threads = list(workers._threads)
        loop = asyncio.get_running_loop()
        release.set()
        await loop.run_in_executor(None, workers.close)
        responses = await asyncio.gather(*futures)
        try:
            workers.answer(endpoint, ("late",), _request("/late"))
        except RuntimeError as exc:
            assert "stopped" in str(exc)
        else:
            raise AssertionError("a closed read path took a job")
        return [r.body for r in responses], threads

    bodies, threads = asyncio.run(main())
    assert bodies == [b"job0", b"job1", b"job2", b"job3"]
    assert [t.name for t in threads] == ["read-path-1", "read-path-2"]
    assert not any(t.is_alive() for t in threads)
