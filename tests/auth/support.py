"""Helpers for the authentication tests: a controllable clock and a live server whose app
includes the auth router and a protected route."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from fastapi import APIRouter, Depends, FastAPI
from tests.conftest import LiveServer

from kizuna.api.app import create_app
from kizuna.api.auth import principal_summary
from kizuna.api.auth import router as auth_router
from kizuna.auth import totp
from kizuna.auth.dependencies import configure, require_principal
from kizuna.auth.policy import AuthPolicy
from kizuna.auth.principal import Principal
from kizuna.auth.service import AuthService
from kizuna.auth.users import NewCredentials, create_user
from kizuna.codes.checkdigit import with_check_digit
from kizuna.config import Settings
from kizuna.store.db import Database

START = 1_800_000_000.0  # 2027-01-15, a TOTP step boundary
HOSPITAL = with_check_digit("131098765")


class FakeClock:
    """Time that moves only when a test says so (shared with the server threads)."""

    def __init__(self, start: float = START) -> None:
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds


def protected_router() -> APIRouter:
    router = APIRouter()

    @router.get("/whoami")
    def whoami(principal: Principal = Depends(require_principal)) -> dict[str, Any]:
        return principal_summary(principal)

    return router


def build_app(
    database_url: str,
    data_dir: Path,
    clock: FakeClock,
    policy: AuthPolicy,
    base_url: str | None = None,
) -> FastAPI:
    settings = Settings(database_url=database_url, data_dir=data_dir, base_url=base_url)
    app = create_app(settings, migrate=False)
    app.include_router(auth_router)
    app.include_router(protected_router())
    configure(app, clock=clock, policy=policy)
    return app


@dataclass
class AuthServer:
    url: str
    app: FastAPI
    clock: FakeClock
    server: LiveServer
    clients: list[httpx.Client] = field(default_factory=list)

    @property
    def service(self) -> AuthService:
        service: AuthService = self.app.state.kizuna_auth
        return service

    @property
    def db(self) -> Database:
        return self.service.db

    def client(self) -> httpx.Client:
        client = httpx.Client(base_url=self.url, timeout=30)
        self.clients.append(client)
        return client

    def add_user(
        self, username: str = "dr.sato", role: str = "physician", **kw: Any
    ) -> NewCredentials:
        profile: dict[str, Any] = {"display_name": "佐藤 医師"}
        if role in ("physician", "dentist", "pharmacist", "nurse", "clerk"):
            profile.update(facility_code=HOSPITAL, facility_name="テスト総合病院")
        profile.update(kw)
        return create_user(
            self.db, self.service.keys, username=username, role=role, clock=self.clock, **profile
        )

    def code(self, credentials: NewCredentials, offset: float = 0) -> str:
        return totp.code_at(credentials.totp_secret, self.clock.now() + offset)

    def stop(self) -> None:
        for client in self.clients:
            client.close()
        self.server.stop()


def login(
    client: httpx.Client, credentials: NewCredentials, code: str, issue: str = "cookie"
) -> httpx.Response:
    first = client.post(
        "/auth/login",
        json={"username": credentials.user.username, "password": credentials.password},
    )
    assert first.status_code == 200, first.text
    return client.post(
        "/auth/totp", json={"code": code, "issue": issue, "pending": first.json()["pending"]}
    )
