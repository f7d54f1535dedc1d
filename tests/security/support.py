"""A small world for access-control tests: one patient with ordinary and sensitive data
and a document, users of every role, and helpers to set the consent state."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pyotp

from kizuna.access import emergency
from kizuna.auth.keys import server_keys
from kizuna.auth.users import create_user
from kizuna.consent.model import build_consent
from kizuna.fhir import jpcore, writes
from kizuna.fhir.instant import now_ms
from kizuna.store.db import Database

FACILITY = "1319911234"  # the reader's facility (a valid check digit)
OTHER_FACILITY = "0110113719"
PATIENT = "pt-a"
ICD10 = jpcore.ICD10
ROLES = (
    "physician",
    "dentist",
    "pharmacist",
    "nurse",
    "clerk",
    "emergency",
    "patient",
    "guardian",
    "network_admin",
    "auditor",
)
STATES = ("none", "active", "revoked", "expired", "sensitive-excluded", "facility-excluded")
PURPOSES = ("treatment", "emergency", "patient-request")

RESOURCES: list[dict[str, Any]] = [
    {
        "resourceType": "Patient",
        "id": PATIENT,
        "name": [{"family": "山田", "given": ["花子"]}],
        "gender": "female",
        "birthDate": "1980-01-02",
    },
    {
        "resourceType": "Condition",
        "id": "c-normal",
        "subject": {"reference": f"Patient/{PATIENT}"},
        "code": {"coding": [{"system": ICD10, "code": "I10"}], "text": "本態性高血圧症"},
    },
    {
        "resourceType": "Condition",
        "id": "c-sensitive",
        "subject": {"reference": f"Patient/{PATIENT}"},
        "code": {"coding": [{"system": ICD10, "code": "F32.1"}], "text": "うつ病"},
    },
    {
        "resourceType": "AllergyIntolerance",
        "id": "a-1",
        "patient": {"reference": f"Patient/{PATIENT}"},
        "code": {"text": "ペニシリン"},
    },
]
DOCUMENT = {
    "resourceType": "Bundle",
    "id": "doc-1",
    "type": "document",
    "timestamp": "2026-01-05T10:00:00+09:00",
    "identifier": {"system": "urn:kizuna:test", "value": "doc-1"},
    "entry": [
        {
            "fullUrl": "urn:uuid:c0",
            "resource": {
                "resourceType": "Composition",
                "status": "final",
                "type": {"text": "診療情報提供書"},
                "date": "2026-01-05",
                "title": "紹介状",
                "author": [{"display": "医師"}],
            },
        }
    ],
}


def load_world(db: Database) -> None:
    with db.transaction() as tx:
        writes.apply(tx, [writes.Put(r) for r in RESOURCES])
        writes.apply(tx, [writes.Put(DOCUMENT, patient_key=PATIENT)])


def set_consent(db: Database, state: str) -> None:
    """Replace the patient's consents with ones giving ``state`` for FACILITY."""
    with db.transaction() as tx:
        rows = tx.fetchall(
            "SELECT res_id FROM resources WHERE res_type = 'Consent' AND deleted = 0"
        )
        writes.apply(tx, [writes.Delete("Consent", r[0]) for r in rows])
        if state == "none":
            return
        scope = "all" if state == "facility-excluded" else "facility"
        consent = build_consent(
            PATIENT,
            scope,
            facility_code=FACILITY,
            start="2020-01-01",
            end="2021-01-01" if state == "expired" else None,
            excluded_categories=("psychiatric",) if state == "sensitive-excluded" else (),
            excluded_facilities=(FACILITY,) if state == "facility-excluded" else (),
            now_ms=now_ms(),
        )
        consent["id"] = f"consent-{state}"
        if state == "revoked":
            consent["status"] = "inactive"
        writes.apply(tx, [writes.Put(consent)])


@dataclass
class User:
    role: str
    subject: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def _profile(role: str) -> dict[str, Any]:
    if role in ("patient", "guardian"):
        return {"patient_ids": (PATIENT,)}
    if role == "emergency":
        return {"prefecture": "13"}
    if role in ("network_admin", "auditor"):
        return {}
    return {"facility_code": FACILITY, "facility_name": "さくら内科"}


def make_users(db: Database, data_dir: Any, base_url: str) -> dict[str, User]:
    keys = server_keys(data_dir)
    users: dict[str, User] = {}
    with httpx.Client(base_url=base_url, timeout=30) as client:
        for role in ROLES:
            creds = create_user(
                db, keys, username=f"{role}-user", display_name=role, role=role, **_profile(role)
            )
            first = client.post(
                "/auth/login", json={"username": creds.user.username, "password": creds.password}
            )
            assert first.status_code == 200, first.text
            code = pyotp.TOTP(creds.totp_secret).now()
            second = client.post(
                "/auth/totp",
                json={"code": code, "issue": "bearer", "pending": first.json()["pending"]},
            )
            assert second.status_code == 200, second.text
            users[role] = User(role, creds.user.user_id, second.json()["access_token"])
    return users


def grant_emergency(db: Database, user: User) -> None:
    with db.transaction() as tx:
        emergency.declare(
            tx,
            user.subject,
            user.role,
            FACILITY,
            PATIENT,
            "unconscious on arrival, no consent possible",
        )
