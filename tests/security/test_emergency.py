"""Must show 2: emergency access end to end — grant, expiry, notification, review queue,
the patient's log — and disaster mode bounded by region and period."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from tests.security.support import FACILITY, PATIENT, User, load_world, make_users, set_consent

from kizuna.access import emergency
from kizuna.access.notify import for_patients
from kizuna.audit.patient_log import patient_access_log
from kizuna.fhir.instant import now_ms
from kizuna.store.db import Database

HOUR = 3_600_000


class Hook:
    """A real HTTP endpoint standing in for the notification service."""

    def __init__(self) -> None:
        received: list[dict[str, Any]] = []
        done = threading.Event()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                received.append(json.loads(self.rfile.read(length)))
                self.send_response(204)
                self.end_headers()
                done.set()

            def log_message(self, *args: Any) -> None:
                return

        self.received = received
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/notify"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture
def hook(monkeypatch: pytest.MonkeyPatch) -> Iterator[Hook]:
    found = Hook()
    monkeypatch.setenv("KIZUNA_NOTIFY_WEBHOOK", found.url)
    yield found
    found.close()


@pytest.fixture
def world(
    database_url: str, make_live_server: Any, tmp_path: Any
) -> Iterator[tuple[Any, Database, dict[str, User]]]:
    server = make_live_server(database_url)
    db = Database(database_url)
    load_world(db)
    set_consent(db, "none")  # no consent at all: only an emergency opens the record
    yield server, db, make_users(db, tmp_path / "var", server.url)
    db.close()


def _get(client: httpx.Client, user: User, url: str, purpose: str = "emergency") -> httpx.Response:
    return client.get(url, headers={**user.headers, "X-Purpose-Of-Use": purpose})


def test_break_glass_end_to_end(world: tuple[Any, Database, dict[str, User]], hook: Hook) -> None:
    server, db, users = world
    doctor, auditor = users["physician"], users["auditor"]
    with httpx.Client(base_url=server.url, timeout=30) as client:
        assert _get(client, doctor, "/fhir/AllergyIntolerance/a-1").status_code == 404
        no_reason = client.post(
            "/access/emergency", json={"patient": PATIENT, "reason": ""}, headers=doctor.headers
        )
        assert no_reason.status_code == 400
        clerk = client.post(
            "/access/emergency",
            json={"patient": PATIENT, "reason": "倒れている"},
            headers=users["clerk"].headers,
        )
        assert clerk.status_code == 403
        declared = client.post(
            "/access/emergency",
            json={"patient": PATIENT, "reason": "意識障害で救急搬送、本人同意不能"},
            headers=doctor.headers,
        )
        assert declared.status_code == 201
        grant = declared.json()
        assert grant["expires"] > grant["expires"][:4]  # an instant
        allergy = _get(client, doctor, "/fhir/AllergyIntolerance/a-1")
        assert allergy.status_code == 200 and allergy.json()["code"]["text"] == "ペニシリン"
        assert (
            _get(client, doctor, "/fhir/Bundle/doc-1").status_code == 404
        )  # not in the emergency set
        assert (
            _get(client, doctor, "/fhir/AllergyIntolerance/a-1", "treatment").status_code == 404
        )  # purpose counts

        # notified: stored for the portal and delivered to the hook
        stored = for_patients(db, (PATIENT,))
        assert stored[0]["kind"] == "emergency-access" and stored[0]["delivered_ms"]
        assert hook.received[0]["patient"] == PATIENT and "意識障害" in hook.received[0]["reason"]

        # the patient's log, in plain words, with the emergency flagged
        log = patient_access_log(db, (PATIENT,), since=None, limit=50)
        emergencies = [entry for entry in log if entry.get("emergency")]
        assert emergencies and any("意識障害" in str(entry) for entry in emergencies)

        # the auditors' queue
        queue = client.get("/access/reviews", headers=auditor.headers)
        assert queue.status_code == 200
        review = next(r for r in queue.json() if PATIENT in r["patient_ids"])
        assert client.get("/access/reviews", headers=doctor.headers).status_code == 403
        closed = client.post(
            f"/access/reviews/{review['review_id']}/close",
            json={"note": "確認済み：救急搬送記録と一致"},
            headers=auditor.headers,
        )
        assert closed.status_code == 200 and closed.json()["status"] == "closed"
        assert all(
            r["review_id"] != review["review_id"]
            for r in client.get("/access/reviews", headers=auditor.headers).json()
        )


def test_a_grant_expires_on_time(world: tuple[Any, Database, dict[str, User]]) -> None:
    server, db, users = world
    doctor = users["physician"]
    with db.transaction() as tx:  # a grant declared 24 h and one minute ago has expired
        emergency.declare(
            tx,
            doctor.subject,
            "physician",
            FACILITY,
            PATIENT,
            "old emergency",
            hours=24,
            at_ms=now_ms() - 24 * HOUR - 60_000,
        )
    with httpx.Client(base_url=server.url, timeout=30) as client:
        assert _get(client, doctor, "/fhir/AllergyIntolerance/a-1").status_code == 404
        with db.transaction() as tx:  # declared 23 h 59 min ago: still valid
            emergency.declare(
                tx,
                doctor.subject,
                "physician",
                FACILITY,
                PATIENT,
                "recent emergency",
                hours=24,
                at_ms=now_ms() - 24 * HOUR + 60_000,
            )
        assert _get(client, doctor, "/fhir/AllergyIntolerance/a-1").status_code == 200


def test_disaster_mode_is_bounded_by_region_and_period(
    world: tuple[Any, Database, dict[str, User]],
) -> None:
    server, db, users = world
    responder, admin = (
        users["emergency"],
        users["network_admin"],
    )  # the responder is registered in 13
    with httpx.Client(base_url=server.url, timeout=30) as client:
        assert _get(client, responder, "/fhir/AllergyIntolerance/a-1").status_code == 404
        refused = client.post(
            "/access/disaster",
            headers=users["physician"].headers,
            json={
                "prefectures": ["13"],
                "start": "2026-01-01",
                "end": "2099-12-31",
                "reason": "地震",
            },
        )
        assert refused.status_code == 403
        elsewhere = client.post(
            "/access/disaster",
            headers=admin.headers,
            json={
                "prefectures": ["27"],
                "start": "2000-01-01",
                "end": "2099-12-31",
                "reason": "大阪 地震",
            },
        )
        assert elsewhere.status_code == 201
        assert (
            _get(client, responder, "/fhir/AllergyIntolerance/a-1").status_code == 404
        )  # not our region
        past = client.post(
            "/access/disaster",
            headers=admin.headers,
            json={
                "prefectures": ["13"],
                "start": "2011-03-11",
                "end": "2011-04-30",
                "reason": "震災",
            },
        )
        assert past.status_code == 201
        assert (
            _get(client, responder, "/fhir/AllergyIntolerance/a-1").status_code == 404
        )  # period over
        now = client.post(
            "/access/disaster",
            headers=admin.headers,
            json={
                "prefectures": [13, 14],
                "start": "2000-01-01",
                "end": "2099-12-31",
                "reason": "首都直下地震",
            },
        )
        assert now.status_code == 201
        seen = _get(client, responder, "/fhir/AllergyIntolerance/a-1")
        assert seen.status_code == 200
        assert (
            _get(client, responder, "/fhir/Bundle/doc-1").status_code == 403
        )  # still the emergency set only
        assert (
            client.delete(
                f"/access/disaster/{now.json()['disaster']}", headers=admin.headers
            ).status_code
            == 204
        )
        assert _get(client, responder, "/fhir/AllergyIntolerance/a-1").status_code == 404
    log = patient_access_log(db, (PATIENT,), since=None, limit=50)
    assert any(entry.get("emergency") for entry in log)
