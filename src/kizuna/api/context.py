"""The services a request handler needs, created once per application."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from kizuna.config import Settings
from kizuna.fhir.repository import Repository
from kizuna.store.db import Database

T = TypeVar("T")


@dataclass
class Services:
    settings: Settings
    db: Database
    repo: Repository

    async def run(self, func: Callable[..., T], *args: Any) -> T:
        """Run blocking database work off the event loop."""
        return await run_in_threadpool(func, *args)


def services(request: Request) -> Services:
    svc: Services = request.app.state.services
    return svc
