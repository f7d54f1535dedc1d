"""Must show 3: every patient-data read, allowed or denied, leaves exactly one audit record,
and the chain still verifies; tampering with a row is then detected."""

from __future__ import annotations

from typing import Any

import httpx
from tests.security.support import PATIENT, load_world, make_users, set_consent

from kizuna.audit.verify import verify_chain
from kizuna.auth.keys import server_keys
from kizuna.store.db import Database


def _records(db: Database) -> list[tuple[Any, ...]]:
    with db.read() as tx:
        return tx.fetchall("SELECT seq, action, outcome FROM audit_log ORDER BY seq")


def test_reads_and_audit_records_match_one_to_one(
    database_url: str, make_live_server: Any, tmp_path: Any
) -> None:
    server = make_live_server(database_url)
    db = Database(database_url)
    load_world(db)
    users = make_users(db, tmp_path / "var", server.url)
    set_consent(db, "active")
    doctor, nurse, pharmacist, patient = (
        users[r] for r in ("physician", "nurse", "pharmacist", "patient")
    )
    reads = [
        (doctor, "/fhir/Condition/c-normal"),
        (doctor, f"/fhir/Condition?patient={PATIENT}"),
        (doctor, f"/fhir/Patient/{PATIENT}/$everything"),
        (nurse, "/fhir/AllergyIntolerance/a-1"),
        (pharmacist, f"/fhir/Condition?subject=Patient/{PATIENT}"),
        (patient, "/fhir/Condition/c-sensitive"),
        (doctor, "/fhir/Condition/c-missing"),  # a miss is a read attempt too
        (users["physician"], f"/fhir/Patient?identifier=urn:x|{PATIENT}"),  # patient lookup
    ]
    before = len(_records(db))
    with httpx.Client(base_url=server.url, timeout=30) as client:
        statuses = [client.get(url, headers=user.headers).status_code for user, url in reads]
        set_consent(db, "revoked")
        denied = client.get("/fhir/Condition/c-normal", headers=doctor.headers)
    assert statuses == [200, 200, 200, 200, 200, 200, 404, 200]
    assert denied.status_code == 404
    after = _records(db)
    new = after[before:]
    assert len(new) == len(reads) + 1, [r[1:] for r in new]
    assert [r[2] for r in new][-1] == "denied"
    keys = server_keys(tmp_path / "var")
    report = verify_chain(db, {keys.key_id: keys.public_key})
    assert report.ok, report.findings
    db.close()
