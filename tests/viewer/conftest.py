"""Fixtures of the viewer tests: the showcase person, users with two factors, a live server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import LiveServer

from kizuna.store.db import Database


@dataclass
class Account:
    username: str
    password: str
    totp_secret: str
    role: str


@dataclass
class Site:
    server: LiveServer
    db: Database
    show: Any
    accounts: dict[str, Account]
    data_dir: Path

    @property
    def url(self) -> str:
        return self.server.url


def make_accounts(
    db: Database, data_dir: Path, patient_id: str, child_id: str | None = None
) -> dict[str, Account]:
    from tests.viewer.showcase import CLINIC, HOSPITAL, NAMES

    from kizuna.auth.keys import server_keys
    from kizuna.auth.users import create_user

    keys = server_keys(data_dir)
    specs: list[dict[str, Any]] = [
        {
            "username": "dr-sato",
            "display_name": "佐藤 医師",
            "role": "physician",
            "facility_code": CLINIC,
            "facility_name": NAMES[CLINIC],
        },
        {
            "username": "ns-kato",
            "display_name": "加藤 看護師",
            "role": "nurse",
            "facility_code": HOSPITAL,
            "facility_name": NAMES[HOSPITAL],
        },
        {
            "username": "ems-ito",
            "display_name": "伊藤 救急隊",
            "role": "emergency",
            "prefecture": "13",
        },
        {
            "username": "pt-yamada",
            "display_name": "山田 太郎",
            "role": "patient",
            "patient_ids": [patient_id],
        },
    ]
    if child_id:
        specs.append(
            {
                "username": "gd-suzuki",
                "display_name": "鈴木 保護者",
                "role": "guardian",
                "patient_ids": [child_id],
            }
        )
    accounts = {}
    for spec in specs:
        made = create_user(db, keys, **spec)
        accounts[spec["role"]] = Account(
            spec["username"], made.password, made.totp_secret, spec["role"]
        )
    return accounts


def viewer_app(database_url: str, data_dir: Path) -> Any:
    from kizuna.api.app import create_app
    from kizuna.config import Settings
    from kizuna.viewer.router import router

    app = create_app(Settings(database_url=database_url, data_dir=data_dir), migrate=False)
    app.include_router(router)
    return app


@pytest.fixture
def site(database_url: str, tmp_path: Path) -> Iterator[Site]:
    from tests.viewer.child import build_child
    from tests.viewer.showcase import build

    db = Database(database_url)
    data_dir = tmp_path / "var"
    show = build(db, tmp_path / "sources")
    child_id = build_child(db)
    accounts = make_accounts(db, data_dir, show.patient_id, child_id)
    server = LiveServer(viewer_app(database_url, data_dir))
    try:
        yield Site(server, db, show, accounts, data_dir)
    finally:
        server.stop()
        db.close()


_step_lock = threading.Lock()
_last_step: dict[str, int] = {}


def totp_now(secret: str) -> str:
    """A valid code whose time step was not used yet by this account (the server refuses
    a replayed step; the next step is within its ±1 window), so no test waits."""
    import time

    from kizuna.auth import totp

    with _step_lock:
        step = max(totp.step_at(time.time()), _last_step.get(secret, -1) + 1)
        _last_step[secret] = step
        return totp.code_at(secret, step * totp.STEP_SECONDS)
