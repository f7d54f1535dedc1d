"""Brute-force protection: account locks, source-address blocks, unlocking with time."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.auth.conftest import POLICY
from tests.auth.support import AuthServer, login

from kizuna.audit.records import search_records


def _password(server: AuthServer, username: str, password: str) -> int:
    client = server.client()
    return client.post("/auth/login", json={"username": username, "password": password}).status_code


def test_failed_passwords_lock_the_account_until_the_lock_time_passes(
    auth_server: AuthServer,
) -> None:
    creds = auth_server.add_user()
    for _ in range(POLICY.max_failures):
        assert _password(auth_server, "dr.sato", "wrong-password-123") == 401

    locked = auth_server.client().post(
        "/auth/login", json={"username": "dr.sato", "password": creds.password}
    )
    assert locked.status_code == 429  # even the right password is refused now
    assert locked.json()["error"] == "locked"
    assert 0 < int(locked.headers["retry-after"]) <= POLICY.lock_time

    auth_server.clock.advance(POLICY.lock_time - 5)
    assert _password(auth_server, "dr.sato", creds.password) == 429
    auth_server.clock.advance(10)
    assert login(auth_server.client(), creds, auth_server.code(creds)).status_code == 200


def test_failures_older_than_the_window_do_not_count(auth_server: AuthServer) -> None:
    creds = auth_server.add_user()
    for _ in range(POLICY.max_failures - 1):
        assert _password(auth_server, "dr.sato", "wrong-password-123") == 401
    auth_server.clock.advance(POLICY.failure_window + 1)
    for _ in range(POLICY.max_failures - 1):
        assert _password(auth_server, "dr.sato", "wrong-password-123") == 401
    assert login(auth_server.client(), creds, auth_server.code(creds)).status_code == 200


def test_wrong_totp_codes_count_towards_the_lock(auth_server: AuthServer) -> None:
    creds = auth_server.add_user()
    wrong = "000000" if auth_server.code(creds) != "000000" else "111111"
    for _ in range(POLICY.max_failures):
        answer = login(auth_server.client(), creds, wrong)
        assert answer.status_code == 401 and answer.json()["error"] == "invalid_code"
    assert _password(auth_server, "dr.sato", creds.password) == 429


def test_a_pending_login_allows_only_a_few_codes(auth_server: AuthServer) -> None:
    creds = auth_server.add_user()
    client = auth_server.client()
    pending = client.post(
        "/auth/login", json={"username": "dr.sato", "password": creds.password}
    ).json()["pending"]
    wrong = "000000" if auth_server.code(creds) != "000000" else "111111"
    for _ in range(auth_server.service.policy.pending_max_attempts):
        assert (
            client.post("/auth/totp", json={"pending": pending, "code": wrong}).status_code == 401
        )
    right = client.post("/auth/totp", json={"pending": pending, "code": auth_server.code(creds)})
    assert right.status_code == 401 and right.json()["error"] == "login_expired"


def test_unknown_usernames_lock_like_real_ones(auth_server: AuthServer) -> None:
    for _ in range(POLICY.max_failures):
        assert _password(auth_server, "no.such.user", "guess-guess-guess") == 401
    assert _password(auth_server, "no.such.user", "guess-guess-guess") == 429


def test_one_source_address_is_blocked_across_accounts(auth_server: AuthServer) -> None:
    creds = auth_server.add_user()
    for n in range(POLICY.ip_max_failures):
        assert _password(auth_server, f"spray{n}", "Winter2026!!!") == 401
    # the next attempt from this address is refused, whatever the account
    assert _password(auth_server, "dr.sato", creds.password) == 429
    auth_server.clock.advance(POLICY.ip_lock_time + 1)
    assert login(auth_server.client(), creds, auth_server.code(creds)).status_code == 200


def test_a_parallel_burst_cannot_exceed_the_limit(auth_server: AuthServer) -> None:
    auth_server.add_user()
    with ThreadPoolExecutor(max_workers=16) as pool:
        codes = list(
            pool.map(lambda _: _password(auth_server, "dr.sato", "wrong-password-123"), range(16))
        )
    assert codes.count(401) <= POLICY.max_failures
    assert codes.count(429) >= 16 - POLICY.max_failures
    checked = [
        r
        for r in search_records(auth_server.db, action="login-failed")
        if r.reason == "bad-password"
    ]
    assert len(checked) <= POLICY.max_failures


def test_successful_logins_do_not_use_up_the_address_allowance(auth_server: AuthServer) -> None:
    creds = auth_server.add_user()
    for _ in range(POLICY.ip_max_failures + 2):
        assert login(auth_server.client(), creds, auth_server.code(creds)).status_code == 200
        auth_server.clock.advance(30)
