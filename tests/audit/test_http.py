"""The audit path a request handler takes: principal -> event -> recorder, over HTTP."""

from __future__ import annotations

from pathlib import Path

import httpx
from fastapi import APIRouter, Depends, Request
from tests.auth.conftest import POLICY
from tests.auth.support import HOSPITAL, FakeClock, build_app
from tests.conftest import LiveServer

from kizuna.audit.http import audit_recorder, event_for_request
from kizuna.audit.patient_log import patient_access_log
from kizuna.audit.records import search_records
from kizuna.audit.verify import verify_chain
from kizuna.auth.clients import register_client
from kizuna.auth.dependencies import authenticate
from kizuna.auth.principal import Principal
from kizuna.store.db import Database


def _routes() -> APIRouter:
    router = APIRouter()

    @router.get("/demo/Patient/{pid}/allergies")
    def allergies(
        pid: str, request: Request, principal: Principal | None = Depends(authenticate)
    ) -> dict[str, object]:
        outcome = "allowed" if principal is not None else "denied"
        event = event_for_request(
            request,
            principal,
            "read",
            outcome=outcome,
            reason=None if principal else "unauthenticated",
            patient_ids=(pid,),
            data=(f"AllergyIntolerance/{pid}-a1",),
            purpose="treatment",
        )
        seq = audit_recorder(request).record(event)
        return {"seq": seq, "outcome": outcome}

    return router


def test_a_handler_records_allowed_and_denied_reads(database_url: str, tmp_path: Path) -> None:
    import jwt

    from kizuna.auth.assertion import ASSERTION_TYPE

    clock = FakeClock()
    app = build_app(database_url, tmp_path / "var", clock, POLICY)
    app.include_router(_routes())
    live = LiveServer(app)
    db = Database(database_url)
    try:
        reg = register_client(
            db,
            name="EHR",
            scopes="system/*.rs",
            facility_code=HOSPITAL,
            facility_name="テスト総合病院",
            clock=clock,
        )
        now = int(clock.now())
        assertion = jwt.encode(
            {
                "iss": reg.client.client_id,
                "sub": reg.client.client_id,
                "aud": f"{live.url}/auth/token",
                "exp": now + 60,
                "jti": "j1",
            },
            reg.private_key_pem,
            algorithm="ES384",
        )
        with httpx.Client(base_url=live.url) as client:
            token = client.post(
                "/auth/token",
                data={
                    "grant_type": "client_credentials",
                    "client_assertion_type": ASSERTION_TYPE,
                    "client_assertion": assertion,
                    "scope": "system/*.rs",
                },
            ).json()["access_token"]
            allowed = client.get(
                "/demo/Patient/pat-1/allergies",
                headers={"Authorization": f"Bearer {token}", "X-Request-Id": "req-1"},
            )
            denied = client.get("/demo/Patient/pat-1/allergies")
        assert allowed.json()["outcome"] == "allowed" and denied.json()["outcome"] == "denied"

        reads = {r.outcome: r for r in search_records(db, action="read")}
        assert reads["allowed"].client_id == reg.client.client_id
        assert reads["allowed"].request_id == "req-1"
        assert reads["denied"].actor_kind == "anonymous"
        assert reads["denied"].reason == "unauthenticated"
        log = patient_access_log(db, ["pat-1"])
        assert [e["who"] for e in log] == ["the system of テスト総合病院"]
        assert verify_chain(db).ok
    finally:
        app.state.kizuna_audit.close()
        live.stop()
        db.close()
