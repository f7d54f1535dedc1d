"""Password + TOTP login over real HTTP: cookies, bearer tokens, replay, timeouts, logout."""

from __future__ import annotations

from pathlib import Path

from tests.auth.conftest import POLICY
from tests.auth.support import AuthServer, FakeClock, build_app, login
from tests.conftest import LiveServer

from kizuna.audit.records import search_records
from kizuna.audit.verify import verify_chain
from kizuna.auth.users import set_disabled


def _set_cookie_headers(response: object) -> list[str]:
    return response.headers.get_list("set-cookie")  # type: ignore[attr-defined]


def test_password_then_totp_gives_an_httponly_strict_session_cookie(
    auth_server: AuthServer,
) -> None:
    creds = auth_server.add_user()
    client = auth_server.client()
    first = client.post("/auth/login", data={"username": "Dr.Sato ", "password": creds.password})
    assert first.status_code == 200
    assert first.json()["next"] == "/auth/totp"
    pending_cookie = " ".join(_set_cookie_headers(first)).lower()
    assert "kizuna_pending=" in pending_cookie and "httponly" in pending_cookie
    assert client.get("/whoami").status_code == 401  # not logged in yet

    second = client.post("/auth/totp", data={"code": auth_server.code(creds)})
    assert second.status_code == 200, second.text
    cookie = next(c for c in _set_cookie_headers(second) if c.startswith("kizuna_session="))
    attributes = cookie.lower()
    assert "httponly" in attributes and "samesite=strict" in attributes and "path=/" in attributes
    assert "secure" not in attributes  # plain http here; https adds Secure and __Host-
    assert second.json()["user"]["role"] == "physician"

    me = client.get("/whoami")
    assert me.status_code == 200
    body = me.json()
    assert body["kind"] == "user" and body["subject"] == creds.user.user_id
    assert body["facility_code"] == creds.user.facility_code and body["prefecture"] == "13"
    assert "user/*.rs" in body["scopes"] and "emergency-access" in body["permissions"]


def test_api_login_returns_a_bearer_token_that_logout_revokes(auth_server: AuthServer) -> None:
    creds = auth_server.add_user()
    client = auth_server.client()
    answer = login(client, creds, auth_server.code(creds), issue="bearer")
    assert answer.status_code == 200
    token = answer.json()["access_token"]
    assert token.startswith("kzu_") and answer.json()["token_type"] == "bearer"
    assert "kizuna_session" not in client.cookies

    api = auth_server.client()
    headers = {"Authorization": f"Bearer {token}"}
    assert api.get("/whoami", headers=headers).json()["subject"] == creds.user.user_id
    assert api.post("/auth/logout", headers=headers).json() == {"logged_out": True}
    assert api.get("/whoami", headers=headers).status_code == 401


def test_a_cookie_token_is_not_accepted_as_a_bearer_token(auth_server: AuthServer) -> None:
    creds = auth_server.add_user()
    client = auth_server.client()
    login(client, creds, auth_server.code(creds))
    cookie = client.cookies["kizuna_session"]
    other = auth_server.client()
    assert other.get("/whoami", headers={"Authorization": f"Bearer {cookie}"}).status_code == 401


def test_wrong_password_and_unknown_user_look_the_same(auth_server: AuthServer) -> None:
    auth_server.add_user()
    client = auth_server.client()
    wrong = client.post("/auth/login", json={"username": "dr.sato", "password": "x" * 20})
    unknown = client.post("/auth/login", json={"username": "nobody", "password": "x" * 20})
    assert wrong.status_code == unknown.status_code == 401
    assert (
        wrong.json()
        == unknown.json()
        == {
            "error": "invalid_credentials",
            "message": "the username or password is not right",
        }
    )


def test_a_totp_code_cannot_be_used_twice(auth_server: AuthServer) -> None:
    creds = auth_server.add_user()
    code = auth_server.code(creds)
    assert login(auth_server.client(), creds, code).status_code == 200

    replay = login(auth_server.client(), creds, code)
    assert replay.status_code == 401 and replay.json()["error"] == "invalid_code"

    # the previous step's code is inside the ±1 window but older than the accepted one
    older = login(auth_server.client(), creds, auth_server.code(creds, offset=-30))
    assert older.status_code == 401

    auth_server.clock.advance(30)
    assert login(auth_server.client(), creds, auth_server.code(creds)).status_code == 200
    reasons = [r.reason for r in search_records(auth_server.db, action="login-failed")]
    assert reasons.count("totp-replay") == 2


def test_codes_one_step_either_side_are_accepted_two_are_not(auth_server: AuthServer) -> None:
    creds = auth_server.add_user()
    assert login(auth_server.client(), creds, auth_server.code(creds, -60)).status_code == 401
    assert login(auth_server.client(), creds, auth_server.code(creds, +60)).status_code == 401
    assert login(auth_server.client(), creds, auth_server.code(creds, -30)).status_code == 200
    assert login(auth_server.client(), creds, auth_server.code(creds, +30)).status_code == 200


def test_a_disabled_users_session_dies_on_the_next_request(auth_server: AuthServer) -> None:
    creds = auth_server.add_user()
    browser = auth_server.client()
    login(browser, creds, auth_server.code(creds))
    auth_server.clock.advance(30)
    api_token = login(auth_server.client(), creds, auth_server.code(creds), "bearer").json()[
        "access_token"
    ]
    assert browser.get("/whoami").status_code == 200

    set_disabled(auth_server.db, creds.user.username, True)

    assert browser.get("/whoami").status_code == 401
    api = auth_server.client()
    assert api.get("/whoami", headers={"Authorization": f"Bearer {api_token}"}).status_code == 401
    again = auth_server.client().post(
        "/auth/login", json={"username": creds.user.username, "password": creds.password}
    )
    assert again.status_code == 401


def test_sessions_end_after_idle_time_and_after_the_absolute_limit(
    auth_server: AuthServer,
) -> None:
    policy, clock = auth_server.service.policy, auth_server.clock
    creds = auth_server.add_user()
    idle = auth_server.client()
    login(idle, creds, auth_server.code(creds))
    clock.advance(30)
    busy = auth_server.client()
    login(busy, creds, auth_server.code(creds))
    logged_in = clock.now()

    clock.advance(policy.session_idle_timeout - 120)
    assert busy.get("/whoami").status_code == 200  # activity moves the idle deadline
    clock.advance(150)
    assert idle.get("/whoami").status_code == 401
    assert busy.get("/whoami").status_code == 200

    step = policy.session_idle_timeout - 60
    while clock.now() + step < logged_in + policy.session_absolute_timeout:
        clock.advance(step)
        assert busy.get("/whoami").status_code == 200
    clock.advance(logged_in + policy.session_absolute_timeout - clock.now())
    assert busy.get("/whoami").status_code == 401


def test_logout_ends_the_cookie_session_at_the_server(auth_server: AuthServer) -> None:
    creds = auth_server.add_user()
    client = auth_server.client()
    login(client, creds, auth_server.code(creds))
    stolen = client.cookies["kizuna_session"]
    assert client.post("/auth/logout").json() == {"logged_out": True}
    assert client.get("/whoami").status_code == 401
    replayer = auth_server.client()
    replayer.cookies.set("kizuna_session", stolen)
    assert replayer.get("/whoami").status_code == 401


def test_a_pending_login_expires(auth_server: AuthServer) -> None:
    creds = auth_server.add_user()
    client = auth_server.client()
    pending = client.post(
        "/auth/login", json={"username": creds.user.username, "password": creds.password}
    ).json()["pending"]
    auth_server.clock.advance(auth_server.service.policy.pending_lifetime + 1)
    late = client.post("/auth/totp", json={"pending": pending, "code": auth_server.code(creds)})
    assert late.status_code == 401 and late.json()["error"] == "login_expired"


def test_logins_and_failures_are_on_the_audit_chain(auth_server: AuthServer) -> None:
    creds = auth_server.add_user()
    client = auth_server.client()
    client.post("/auth/login", json={"username": "dr.sato", "password": "not-the-password"})
    login(client, creds, auth_server.code(creds))
    client.post("/auth/logout")

    records = list(reversed(search_records(auth_server.db)))
    assert [(r.action, r.outcome, r.reason) for r in records] == [
        ("login-failed", "denied", "bad-password"),
        ("login", "allowed", None),
        ("logout", "allowed", None),
    ]
    assert {r.actor_subject for r in records} == {creds.user.user_id}
    assert records[1].session_id == records[2].session_id is not None
    assert all(r.client_ip == "127.0.0.1" for r in records)
    assert verify_chain(auth_server.db).ok


def test_behind_https_the_session_cookie_is_secure_and_host_prefixed(
    database_url: str, tmp_path: Path, clock: FakeClock
) -> None:
    app = build_app(
        database_url, tmp_path / "var", clock, POLICY, base_url="https://kizuna.example/fhir"
    )
    live = LiveServer(app)
    server = AuthServer(live.url, app, clock, live)
    try:
        creds = server.add_user()
        answer = login(server.client(), creds, server.code(creds))
        cookie = next(c for c in _set_cookie_headers(answer) if "kizuna_session=" in c)
        assert cookie.startswith("__Host-kizuna_session=")
        attributes = cookie.lower()
        assert "; secure" in attributes and "httponly" in attributes
        assert "samesite=strict" in attributes and "domain" not in attributes
    finally:
        server.stop()
        server.db.close()


def test_oversized_and_odd_bodies_are_refused_cleanly(auth_server: AuthServer) -> None:
    client = auth_server.client()
    huge = client.post(
        "/auth/login", content=b"x" * 100_000, headers={"content-type": "application/json"}
    )
    assert huge.status_code == 400
    many = "&".join(f"f{n}=v" for n in range(100))
    fields = client.post(
        "/auth/login", content=many, headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert fields.status_code == 400
    text = client.post("/auth/login", content=b"username=a", headers={"content-type": "text/plain"})
    assert text.status_code == 400
