"""Fixtures for the authentication tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.auth.support import AuthServer, FakeClock, build_app
from tests.conftest import LiveServer

from kizuna.auth.policy import AuthPolicy

#: small limits keep the brute-force tests short; lifetimes are the defaults
POLICY = AuthPolicy(
    max_failures=5,
    failure_window=900,
    lock_time=900,
    ip_max_failures=12,
    ip_failure_window=900,
    ip_lock_time=600,
)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def auth_server(database_url: str, tmp_path: Path, clock: FakeClock) -> Iterator[AuthServer]:
    app = build_app(database_url, tmp_path / "var", clock, POLICY)
    live = LiveServer(app)
    server = AuthServer(live.url, app, clock, live)
    yield server
    server.stop()
    server.db.close()
