"""Demo accounts: one per role, each able to log in with what was printed."""

from __future__ import annotations

from pathlib import Path

from tests.auth.support import FakeClock

from kizuna.auth import totp
from kizuna.auth.demo import create_demo_users
from kizuna.auth.keys import server_keys
from kizuna.auth.policy import AuthPolicy
from kizuna.auth.roles import USER_ROLES
from kizuna.auth.service import AuthService, RequestInfo
from kizuna.auth.users import list_users
from kizuna.store.db import Database


def test_one_demo_user_per_role_and_each_can_log_in(db: Database, tmp_path: Path) -> None:
    keys, clock = server_keys(tmp_path), FakeClock()
    created = create_demo_users(
        db, keys, patient_id="pat-1", child_ids=("child-1", "child-2"), clock=clock
    )
    assert sorted(u["role"] for u in created) == sorted(USER_ROLES)
    assert all(u["demo_only"] and "DEMO ONLY" in u["warning"] for u in created)
    by_role = {u["role"]: u for u in created}
    assert by_role["guardian"]["patient_ids"] == ["child-1", "child-2"]
    assert by_role["emergency"]["prefecture"] == "13"

    service = AuthService(db, tmp_path, AuthPolicy(), clock, keys)
    for user in created:
        pending = service.start_login(user["username"], user["password"], RequestInfo())
        code = totp.code_at(user["totp_secret"], clock.now())
        _, principal = service.finish_login(pending.token, code, RequestInfo())
        assert principal.role == user["role"]

    again = create_demo_users(db, keys, clock=clock)  # re-running replaces the accounts
    assert len(list_users(db)) == len(USER_ROLES)
    assert again[0]["password"] != created[0]["password"]
