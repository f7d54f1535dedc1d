"""Must show 1: every role × endpoint × consent state × purpose gives the expected answer,
and a denial leaks nothing (status, body and counts equal those for a patient that does
not exist).

The expectation below is written from the policy (docs/security/roles.md, docs/access.md),
not from the implementation.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from tests.security.support import (
    PATIENT,
    PURPOSES,
    ROLES,
    STATES,
    User,
    grant_emergency,
    load_world,
    make_users,
    set_consent,
)

from kizuna.store.db import Database

CLINICAL_READERS = {"physician", "dentist", "pharmacist", "nurse"}
BREAK_GLASS = {"physician", "dentist", "emergency"}
#: which resource types each role's scopes reach at all (the role table's policy)
TYPES_REACHED = {
    "pharmacist": {"Patient", "Condition", "AllergyIntolerance"},
    "emergency": {"Patient", "Condition", "AllergyIntolerance"},
    "clerk": {"Patient"},
    "network_admin": set(),
    "auditor": set(),
}
ALL = {"Patient", "Condition", "AllergyIntolerance", "Bundle"}


def reaches(role: str, res_type: str) -> bool:
    return res_type in TYPES_REACHED.get(role, ALL)


def visible(role: str, state: str, purpose: str, item: str) -> bool:
    """Whether ``item`` (normal | sensitive | document) may be seen."""
    if purpose == "patient-request":
        return role in ("patient", "guardian")
    if role in ("patient", "guardian"):
        return False
    if purpose == "emergency":
        if role not in BREAK_GLASS or item == "document":
            return False
        return not (item == "sensitive" and state == "sensitive-excluded")
    if role not in CLINICAL_READERS or state not in ("active", "sensitive-excluded"):
        return False
    return not (item == "sensitive" and state == "sensitive-excluded")


ENDPOINTS: list[tuple[str, str, str]] = [  # (name, type, url template)
    ("read-normal", "Condition", "/fhir/Condition/{c_normal}"),
    ("read-sensitive", "Condition", "/fhir/Condition/{c_sensitive}"),
    ("read-document", "Bundle", "/fhir/Bundle/{doc}"),
    ("search", "Condition", "/fhir/Condition?patient={patient}"),
    ("everything", "Patient", "/fhir/Patient/{patient}/$everything"),
]
REAL = {"patient": PATIENT, "c_normal": "c-normal", "c_sensitive": "c-sensitive", "doc": "doc-1"}
GHOST = {
    "patient": "pt-ghost",
    "c_normal": "c-ghost1",
    "c_sensitive": "c-ghost2",
    "doc": "doc-ghost",
}


def _normal(text: str, ids: dict[str, str]) -> str:
    for value in ids.values():
        text = text.replace(value, "ID")
    return re.sub(r'"(timestamp|lastUpdated)":"[^"]*"', '"T":"T"', text)


def _expected(role: str, state: str, purpose: str, name: str, res_type: str) -> Any:
    if not reaches(role, res_type):
        return "forbidden"
    if name == "read-normal":
        return visible(role, state, purpose, "normal")
    if name == "read-sensitive":
        return visible(role, state, purpose, "sensitive")
    if name == "read-document":
        return visible(role, state, purpose, "document")
    return {
        i for i in ("c-normal", "c-sensitive") if visible(role, state, purpose, i.split("-")[1])
    }


def _observe(
    client: httpx.Client, user: User, purpose: str, url: str, name: str
) -> tuple[Any, httpx.Response]:
    response = client.get(url, headers={**user.headers, "X-Purpose-Of-Use": purpose})
    if response.status_code == 403:
        return "forbidden", response
    if name.startswith("read"):
        assert response.status_code in (200, 404), response.text[:300]
        return response.status_code == 200, response
    if response.status_code == 404:
        return set(), response
    assert response.status_code == 200, response.text[:300]
    entries = response.json().get("entry", [])
    return {
        e["resource"]["id"] for e in entries if e["resource"]["resourceType"] == "Condition"
    }, response


@pytest.fixture
def world(
    database_url: str, make_live_server: Any, tmp_path: Any
) -> tuple[Any, Database, dict[str, User]]:
    server = make_live_server(database_url)
    db = Database(database_url)
    load_world(db)
    users = make_users(db, tmp_path / "var", server.url)
    for role in BREAK_GLASS:
        grant_emergency(db, users[role])
    return server, db, users


def test_every_role_endpoint_consent_state_and_purpose(
    world: tuple[Any, Database, dict[str, User]],
) -> None:
    server, db, users = world
    checked = 0
    with httpx.Client(base_url=server.url, timeout=30) as client:
        for state in STATES:
            set_consent(db, state)
            for role in ROLES:
                for purpose in PURPOSES:
                    for name, res_type, template in ENDPOINTS:
                        expected = _expected(role, state, purpose, name, res_type)
                        got, response = _observe(
                            client, users[role], purpose, template.format(**REAL), name
                        )
                        assert got == expected, (state, role, purpose, name, got, expected)
                        if got in (False, set()):  # denied or nothing: identical to no such patient
                            ghost_got, ghost = _observe(
                                client, users[role], purpose, template.format(**GHOST), name
                            )
                            assert ghost_got == got and ghost.status_code == response.status_code
                            assert _normal(ghost.text, GHOST) == _normal(response.text, REAL), (
                                state,
                                role,
                                purpose,
                                name,
                            )
                        checked += 1
    assert checked == len(STATES) * len(ROLES) * len(PURPOSES) * len(ENDPOINTS)
    db.close()


def test_revocation_takes_effect_on_the_next_request(
    world: tuple[Any, Database, dict[str, User]],
) -> None:
    server, db, users = world
    doctor = users["physician"]
    with httpx.Client(base_url=server.url, timeout=30, headers=doctor.headers) as client:
        set_consent(db, "active")
        assert client.get("/fhir/Condition/c-normal").status_code == 200
        set_consent(db, "revoked")
        assert client.get("/fhir/Condition/c-normal").status_code == 404
        summary = client.get(
            "/fhir/Condition", params={"patient": PATIENT, "_total": "accurate"}
        ).json()
        assert (summary["total"] == 0 and "entry" not in summary) or summary["entry"] == []
    db.close()
