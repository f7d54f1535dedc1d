"""The audit views: FHIR AuditEvent (IHE BALP), the patient's access log, the review
queue, and query redaction."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from kizuna.audit.event import AuditEvent
from kizuna.audit.fhir import to_fhir_audit_event, to_fhir_audit_events
from kizuna.audit.patient_log import patient_access_log
from kizuna.audit.records import get_record, search_records
from kizuna.audit.redact import redact_query
from kizuna.audit.reviews import ReviewError, close_review, note_digest, open_reviews
from kizuna.audit.store import record
from kizuna.audit.verify import verify_chain
from kizuna.auth.keys import server_keys
from kizuna.auth.principal import Principal
from kizuna.store.db import Database

AT = 1_800_000_000_000  # 2027-01-15T08:00:00Z, 17:00 in Japan
HOSPITAL = "1310123458"

DOCTOR = Principal(
    kind="user",
    subject="u-doc",
    name="佐藤 花子",
    role="physician",
    facility_code=HOSPITAL,
    facility_name="かもめ中央病院",
    session_id="s-1",
)
MEDIC = Principal(
    kind="user",
    subject="u-medic",
    name="救急 太郎",
    role="emergency",
    prefecture="13",
    session_id="s-2",
)
AUDITOR = Principal(
    kind="user", subject="u-aud", name="監査 一郎", role="auditor", session_id="s-3"
)
PATIENT = Principal(
    kind="user",
    subject="u-pat",
    name="山田 次郎",
    role="patient",
    patient_ids=("pat-1",),
    session_id="s-4",
)
SYSTEM = Principal(
    kind="client",
    subject="c-ehr",
    name="Vendor EHR",
    role="system",
    facility_code=HOSPITAL,
    facility_name="かもめ中央病院",
    token_id="t-1",
)


def _codes(element: dict) -> set[tuple[str, str]]:
    codings = element.get("coding", [element]) if isinstance(element, dict) else element
    return {(c["system"], c["code"]) for c in codings}


def test_a_read_becomes_a_balp_patient_read(db: Database) -> None:
    seq = record(
        db,
        AuditEvent.by(
            DOCTOR,
            "read",
            patient_ids=("pat-1",),
            data=("MedicationRequest/mr-9",),
            purpose="treatment",
            client_ip="192.0.2.10",
            user_agent="Mozilla/5.0",
            request_id="req-42",
            at_ms=AT,
        ),
    )
    record_ = get_record(db, seq)
    assert record_ is not None
    event = to_fhir_audit_event(record_, "https://kizuna.example/fhir")

    assert event["resourceType"] == "AuditEvent" and event["id"] == str(seq)
    assert event["meta"]["profile"] == [
        "https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.PatientRead"
    ]
    assert _codes(event["type"]) == {
        ("http://terminology.hl7.org/CodeSystem/audit-event-type", "rest")
    }
    assert _codes(event["subtype"][0]) == {("http://hl7.org/fhir/restful-interaction", "read")}
    assert event["action"] == "R" and event["outcome"] == "0"
    assert event["recorded"] == "2027-01-15T08:00:00.000Z"
    assert _codes(event["purposeOfEvent"][0]) == {
        ("http://terminology.hl7.org/CodeSystem/v3-ActReason", "TREAT")
    }

    user, facility, client, server = event["agent"]
    assert _codes(user["type"]) == {
        ("http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "IRCP")
    }
    assert user["requestor"] is True and user["who"]["identifier"]["value"] == "u-doc"
    assert user["name"] == "佐藤 花子" and user["role"][0]["coding"][0]["code"] == "physician"
    assert user["altId"] == "s-1"
    assert facility["who"]["identifier"]["value"] == HOSPITAL
    assert facility["who"]["display"] == "かもめ中央病院"
    assert _codes(client["type"]) == {("http://dicom.nema.org/resources/ontology/DCM", "110152")}
    assert client["network"] == {"address": "192.0.2.10", "type": "2"}
    assert _codes(server["type"]) == {("http://dicom.nema.org/resources/ontology/DCM", "110153")}
    assert server["network"]["address"] == "https://kizuna.example/fhir"
    assert event["source"]["type"][0]["code"] == "4"

    patient, data, transaction = event["entity"]
    assert patient["what"] == {"reference": "Patient/pat-1"}
    assert (patient["type"]["code"], patient["role"]["code"]) == ("1", "1")
    assert data["what"] == {"reference": "MedicationRequest/mr-9"}
    assert (data["type"]["code"], data["role"]["code"]) == ("2", "4")
    assert transaction["what"]["identifier"]["value"] == "req-42"


def test_a_search_over_several_patients_gives_one_audit_event_per_patient(db: Database) -> None:
    query = "code=http%3A%2F%2Floinc.org%7C4548-4&_count=50"
    seq = record(
        db,
        AuditEvent.by(
            SYSTEM,
            "search",
            patient_ids=("pat-1", "pat-2"),
            data=("Observation",),
            query=query,
            purpose="treatment",
            client_ip="198.51.100.7",
        ),
    )
    record_ = get_record(db, seq)
    assert record_ is not None
    events = to_fhir_audit_events(record_)
    assert [e["id"] for e in events] == [f"{seq}-1", f"{seq}-2"]
    first = events[0]
    assert first["action"] == "E" and first["meta"]["profile"][0].endswith("PatientQuery")
    assert _codes(first["subtype"][0]) == {
        ("http://hl7.org/fhir/restful-interaction", "search-type")
    }
    patients = [e for e in first["entity"] if e["role"]["code"] == "1"]
    assert [p["what"]["reference"] for p in patients] == ["Patient/pat-1"]
    query_entity = next(e for e in first["entity"] if e["role"]["code"] == "24")
    assert base64.b64decode(query_entity["query"]).decode() == query
    client = next(a for a in first["agent"] if a["type"]["coding"][0]["code"] == "110153")
    assert client["requestor"] is True and client["who"]["identifier"]["value"] == "c-ehr"
    assert not any(a["type"]["coding"][0]["code"] == "IRCP" for a in first["agent"])


def test_emergency_and_denied_events(db: Database) -> None:
    emergency = record(
        db,
        AuditEvent.by(
            MEDIC,
            "emergency-access",
            patient_ids=("pat-1",),
            data=("AllergyIntolerance/a1",),
            purpose="emergency",
            emergency_reason="意識障害・本人確認不能",
        ),
    )
    denied = record(
        db,
        AuditEvent.by(
            DOCTOR,
            "read",
            outcome="denied",
            reason="no-consent",
            patient_ids=("pat-1",),
            data=("Condition/c1",),
        ),
    )
    e = to_fhir_audit_event(get_record(db, emergency))  # type: ignore[arg-type]
    reasons = {c["code"] for p in e["purposeOfEvent"] for c in p["coding"]}
    assert reasons == {"ETREAT", "BTG"}
    assert e["purposeOfEvent"][1]["text"] == "意識障害・本人確認不能"
    assert e["entity"][0]["detail"][0]["valueString"] == "意識障害・本人確認不能"
    d = to_fhir_audit_event(get_record(db, denied))  # type: ignore[arg-type]
    assert d["outcome"] == "4" and d["outcomeDesc"] == "no-consent" and "meta" not in d


def test_a_login_uses_the_dicom_user_authentication_event(db: Database) -> None:
    seq = record(db, AuditEvent.by(DOCTOR, "login", client_ip="192.0.2.10"))
    event = to_fhir_audit_event(get_record(db, seq))  # type: ignore[arg-type]
    assert event["type"]["code"] == "110114" and event["subtype"][0]["code"] == "110122"
    assert event["entity"] == []


def test_the_patient_log_is_in_plain_words_and_flags_emergencies(db: Database) -> None:
    record(
        db,
        AuditEvent.by(
            DOCTOR,
            "read",
            patient_ids=("pat-1",),
            data=("MedicationRequest/m1", "Observation/o1"),
            purpose="treatment",
            at_ms=AT,
        ),
    )
    record(
        db,
        AuditEvent.by(
            MEDIC,
            "emergency-access",
            patient_ids=("pat-1",),
            data=("AllergyIntolerance/a1",),
            purpose="emergency",
            emergency_reason="交通事故で意識なし",
            at_ms=AT + 60_000,
        ),
    )
    record(
        db,
        AuditEvent.by(
            PATIENT, "read", patient_ids=("pat-1",), data=("Observation/o1",), at_ms=AT + 120_000
        ),
    )
    record(
        db,
        AuditEvent.by(
            DOCTOR,
            "read",
            patient_ids=("pat-2",),
            data=("Condition/c2",),
            purpose="treatment",
            at_ms=AT + 180_000,
        ),
    )
    record(
        db,
        AuditEvent.by(
            DOCTOR,
            "read",
            outcome="denied",
            reason="no-consent",
            patient_ids=("pat-1",),
            data=("Condition/c1",),
            at_ms=AT + 200_000,
        ),
    )

    log = patient_access_log(db, ["pat-1"])
    assert len(log) == 2  # not the patient's own view, not another patient, not the denial
    emergency, care = log
    assert emergency["emergency"] is True
    assert emergency["who"] == "an emergency medical team" and emergency["who_ja"] == "救急隊"
    assert emergency["emergency_reason"] == "交通事故で意識なし"
    assert emergency["what"] == ["allergies"]
    assert care["emergency"] is False and care["emergency_reason"] is None
    assert care["who"] == "a physician at かもめ中央病院"
    assert care["who_ja"] == "かもめ中央病院の医師"
    assert care["what"] == ["medications", "test results and measurements"]
    assert care["summary"] == (
        "A physician at かもめ中央病院 viewed your medications, test results and "
        "measurements for your care."
    )
    assert care["at"] == "2027-01-15T17:00:00+09:00"
    assert "u-doc" not in str(log) and "佐藤" not in str(log)  # roles, not staff identities

    assert len(patient_access_log(db, ["pat-1"], include_self=True)) == 3
    assert len(patient_access_log(db, ["pat-1"], since=AT + 30_000)) == 1
    assert patient_access_log(db, []) == []


def test_a_guardian_sees_each_child(db: Database) -> None:
    record(
        db,
        AuditEvent.by(
            SYSTEM,
            "search",
            patient_ids=("child-1", "child-2", "other"),
            data=("Immunization/i1", "Immunization/i2"),
            purpose="treatment",
        ),
    )
    log = patient_access_log(db, ["child-1", "child-2"])
    assert len(log) == 1 and log[0]["patient_id"] == "child-1"
    assert log[0]["who"] == "the system of かもめ中央病院" and log[0]["what"] == ["vaccinations"]


def test_emergency_access_waits_for_an_auditors_note(db: Database) -> None:
    first = record(
        db,
        AuditEvent.by(
            MEDIC,
            "emergency-access",
            patient_ids=("pat-1",),
            emergency_reason="心肺停止",
            purpose="emergency",
        ),
    )
    record(db, AuditEvent.by(DOCTOR, "read", patient_ids=("pat-1",)))
    second = record(
        db,
        AuditEvent.by(
            DOCTOR,
            "emergency-access",
            outcome="denied",
            reason="not-permitted",
            patient_ids=("pat-2",),
            emergency_reason="試行",
        ),
    )
    queue = open_reviews(db)
    assert [r["review_id"] for r in queue] == [first, second]
    assert queue[0]["emergency_reason"] == "心肺停止" and queue[0]["actor_role"] == "emergency"

    with pytest.raises(PermissionError):
        close_review(db, first, DOCTOR, "fine by me")
    with pytest.raises(ReviewError, match="note"):
        close_review(db, first, AUDITOR, "  ")
    closed = close_review(db, first, AUDITOR, "救急搬送記録と一致。正当。", at_ms=AT)
    assert closed["status"] == "closed" and closed["auditor"] == "u-aud"
    assert closed["note"] == "救急搬送記録と一致。正当。"
    with pytest.raises(ReviewError, match="already closed"):
        close_review(db, first, AUDITOR, "again and again")
    with pytest.raises(ReviewError, match="no review"):
        close_review(db, 999, AUDITOR, "missing one")

    assert [r["review_id"] for r in open_reviews(db)] == [second]
    closing = search_records(db, action="review-close")[0]
    assert closing.actor_subject == "u-aud"
    assert closing.data == (f"AuditEvent/{first}", note_digest("救急搬送記録と一致。正当。"))
    assert closing.patient_ids == ("pat-1",)
    assert verify_chain(db).ok


def test_query_redaction_hashes_identifying_values(tmp_path: Path) -> None:
    keys = server_keys(tmp_path)
    redacted = redact_query(
        "family=山田&birthdate=1980-04-01&identifier=06132013:1:2:01&code=4548-4"
        "&patient=Patient/pat-1&_count=10&name:contains=やま&status:not=cancelled",
        keys.keyed_hash,
    )
    for secret in ("山田", "%E5%B1%B1", "1980-04-01", "06132013", "やま"):
        assert secret not in redacted
    assert "code=4548-4" in redacted and "patient=Patient/pat-1" in redacted
    assert "_count=10" in redacted and "status:not=cancelled" in redacted
    assert f"birthdate=h:{keys.keyed_hash('1980-04-01')}" in redacted
    other = server_keys(tmp_path / "other")
    assert other.keyed_hash("1980-04-01") != keys.keyed_hash("1980-04-01")
    assert redact_query([("given", "花子")], keys.keyed_hash).startswith("given=h:")
