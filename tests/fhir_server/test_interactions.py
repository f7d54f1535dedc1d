"""The FHIR interactions over HTTP: status codes, headers, versions and conditional forms."""

from __future__ import annotations

import json

import httpx
import pytest

from kizuna.fhir import writes

PATIENT = {
    "resourceType": "Patient",
    "identifier": [{"system": "urn:oid:1.2.392.100495.20.3.51.11319911234", "value": "000123"}],
    "name": [{"family": "佐藤", "given": ["花子"]}],
    "gender": "female",
    "birthDate": "1980-04-01",
}
PATCH = {"Content-Type": "application/json-patch+json"}


def _create(fhir: httpx.Client) -> httpx.Response:
    response = fhir.post("/Patient", json=PATIENT)
    assert response.status_code == 201, response.text
    return response


def test_create_read_vread_update_delete(fhir: httpx.Client) -> None:
    created = _create(fhir)
    body = created.json()
    pid = body["id"]
    assert created.headers["location"].endswith(f"/fhir/Patient/{pid}/_history/1")
    assert created.headers["etag"] == 'W/"1"'
    assert body["meta"]["versionId"] == "1" and body["name"] == PATIENT["name"]

    read = fhir.get(f"/Patient/{pid}")
    assert read.status_code == 200 and read.json() == body
    assert read.headers["etag"] == 'W/"1"' and "last-modified" in read.headers
    assert fhir.get(f"/Patient/{pid}", headers={"If-None-Match": 'W/"1"'}).status_code == 304

    changed = {**body, "gender": "other"}
    updated = fhir.put(f"/Patient/{pid}", json=changed, headers={"If-Match": 'W/"1"'})
    assert updated.status_code == 200 and updated.headers["etag"] == 'W/"2"'
    assert updated.json()["gender"] == "other"
    stale = fhir.put(
        f"/Patient/{pid}", json=changed | {"gender": "male"}, headers={"If-Match": 'W/"1"'}
    )
    assert stale.status_code == 412 and stale.json()["resourceType"] == "OperationOutcome"
    assert fhir.get(f"/Patient/{pid}").json()["gender"] == "other"

    # an identical update makes no new version
    same = fhir.put(f"/Patient/{pid}", json=changed)
    assert same.status_code == 200 and same.headers["etag"] == 'W/"2"'

    assert fhir.get(f"/Patient/{pid}/_history/1").json()["gender"] == "female"
    assert fhir.get(f"/Patient/{pid}/_history/2").json()["gender"] == "other"
    assert fhir.get(f"/Patient/{pid}/_history/3").status_code == 404

    assert fhir.delete(f"/Patient/{pid}").status_code == 204
    gone = fhir.get(f"/Patient/{pid}")
    assert gone.status_code == 410 and gone.json()["issue"][0]["code"] == "deleted"
    assert fhir.get("/Patient", params={"_id": pid}).json().get("total") == 0
    history = fhir.get(f"/Patient/{pid}/_history").json()
    assert history["total"] == 3
    assert [e["request"]["method"] for e in history["entry"]] == ["DELETE", "PUT", "POST"]
    # update after delete recreates
    again = fhir.put(f"/Patient/{pid}", json=changed)
    assert again.status_code == 201 and again.json()["meta"]["versionId"] == "4"


def test_update_as_create_and_id_mismatch(fhir: httpx.Client) -> None:
    response = fhir.put("/Patient/jp-001", json={**PATIENT, "id": "jp-001"})
    assert response.status_code == 201 and response.headers["etag"] == 'W/"1"'
    mismatch = fhir.put("/Patient/jp-002", json={**PATIENT, "id": "jp-001"})
    assert mismatch.status_code == 400
    assert mismatch.json()["issue"][0]["expression"] == ["Patient.id"]
    assert fhir.get("/Patient/jp-002").status_code == 404
    wrong_type = fhir.put("/Observation/jp-001", json={**PATIENT, "id": "jp-001"})
    assert wrong_type.status_code == 400


def test_patch(fhir: httpx.Client) -> None:
    pid = _create(fhir).json()["id"]
    ops = [
        {"op": "replace", "path": "/gender", "value": "male"},
        {"op": "add", "path": "/active", "value": True},
    ]
    patched = fhir.patch(f"/Patient/{pid}", content=json.dumps(ops), headers=PATCH)
    assert patched.status_code == 200
    assert patched.json()["gender"] == "male" and patched.json()["active"] is True
    assert patched.headers["etag"] == 'W/"2"'
    failing = fhir.patch(
        f"/Patient/{pid}",
        content=json.dumps([{"op": "test", "path": "/gender", "value": "female"}]),
        headers=PATCH,
    )
    assert failing.status_code == 422
    invalid = fhir.patch(
        f"/Patient/{pid}",
        content=json.dumps([{"op": "add", "path": "/gender", "value": 7}]),
        headers=PATCH,
    )
    assert invalid.status_code == 400
    assert invalid.json()["issue"][0]["expression"] == ["Patient.gender"]
    assert fhir.get(f"/Patient/{pid}").json()["meta"]["versionId"] == "2"
    stale = fhir.patch(
        f"/Patient/{pid}", content=json.dumps(ops), headers={**PATCH, "If-Match": 'W/"1"'}
    )
    assert stale.status_code == 412


def test_conditional_create_and_update(fhir: httpx.Client) -> None:
    criteria = "identifier=urn:oid:1.2.392.100495.20.3.51.11319911234|000123"
    first = fhir.post("/Patient", json=PATIENT, headers={"If-None-Exist": criteria})
    assert first.status_code == 201
    second = fhir.post("/Patient", json=PATIENT, headers={"If-None-Exist": criteria})
    assert second.status_code == 200 and second.json()["id"] == first.json()["id"]
    assert fhir.get("/Patient", params={"_summary": "count"}).json()["total"] == 1

    updated = fhir.put(f"/Patient?{criteria}", json={**PATIENT, "gender": "unknown"})
    assert updated.status_code == 200 and updated.json()["id"] == first.json()["id"]
    assert updated.json()["gender"] == "unknown"
    created = fhir.put(
        "/Patient?identifier=urn:oid:1.2.392.100495.20.3.51.11319911234|999", json=PATIENT
    )
    assert created.status_code == 201
    fhir.post("/Patient", json=PATIENT)
    ambiguous = fhir.post("/Patient", json=PATIENT, headers={"If-None-Exist": criteria})
    assert ambiguous.status_code == 412
    assert fhir.delete(f"/Patient?{criteria}").status_code == 412


def _pin_write_clock(monkeypatch: pytest.MonkeyPatch, step_ms: int) -> None:
    """Every write after the first is ``step_ms`` later (0: all in one millisecond)."""
    start = 1_790_000_000_000
    if step_ms == 0:
        monkeypatch.setattr(writes, "now_ms", lambda: start)
        return
    stamps = iter(range(start, start + 1_000_000_000, step_ms))
    monkeypatch.setattr(writes, "now_ms", lambda: next(stamps))


def test_history_levels(fhir: httpx.Client, monkeypatch: pytest.MonkeyPatch) -> None:
    _pin_write_clock(monkeypatch, 1)  # each write one millisecond after the last, never equal
    pid = _create(fhir).json()["id"]
    fhir.put(f"/Patient/{pid}", json={**PATIENT, "id": pid, "active": True})
    oid = fhir.post(
        "/Observation",
        json={
            "resourceType": "Observation",
            "status": "final",
            "code": {"text": "体温"},
            "subject": {"reference": f"Patient/{pid}"},
        },
    ).json()["id"]
    type_history = fhir.get("/Patient/_history").json()
    assert type_history["total"] == 2
    system = fhir.get("/_history").json()
    assert system["total"] == 3
    assert {e["fullUrl"].rsplit("/", 2)[-2] for e in system["entry"]} == {"Patient", "Observation"}
    assert system["entry"][0]["resource"]["id"] == oid  # newest first
    paged = fhir.get("/_history", params={"_count": "1"}).json()
    assert len(paged["entry"]) == 1 and any(link["relation"] == "next" for link in paged["link"])


def test_history_pages_list_every_version_once_when_they_share_a_millisecond(
    fhir: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    _pin_write_clock(monkeypatch, 0)
    made = {_create(fhir).json()["id"] for _ in range(12)}
    listed: list[str] = []
    for offset in range(len(made)):
        page = fhir.get("/_history", params={"_count": "1", "_offset": str(offset)}).json()
        listed += [e["resource"]["id"] for e in page["entry"]]
    assert sorted(listed) == sorted(made)


def test_instance_history_keeps_version_order_when_the_clock_steps_back(
    fhir: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    stamps = iter(range(1_790_000_000_000, 0, -60_000))  # each write a minute earlier
    monkeypatch.setattr(writes, "now_ms", lambda: next(stamps))
    pid = _create(fhir).json()["id"]
    for active in (True, False):
        fhir.put(f"/Patient/{pid}", json={**PATIENT, "id": pid, "active": active})
    history = fhir.get(f"/Patient/{pid}/_history").json()
    assert [e["resource"]["meta"]["versionId"] for e in history["entry"]] == ["3", "2", "1"]
    paged = [
        e["resource"]["meta"]["versionId"]
        for offset in range(3)
        for e in fhir.get(
            f"/Patient/{pid}/_history", params={"_count": "1", "_offset": str(offset)}
        ).json()["entry"]
    ]
    assert paged == ["3", "2", "1"]


def test_transaction_is_all_or_nothing(fhir: httpx.Client) -> None:
    good = {
        "fullUrl": "urn:uuid:a1",
        "resource": PATIENT,
        "request": {"method": "POST", "url": "Patient"},
    }
    obs = {
        "fullUrl": "urn:uuid:o1",
        "resource": {
            "resourceType": "Observation",
            "status": "final",
            "code": {"text": "HbA1c"},
            "subject": {"reference": "urn:uuid:a1"},
        },
        "request": {"method": "POST", "url": "Observation"},
    }
    bad = {
        "resource": {
            "resourceType": "Observation",
            "status": "final",
            "code": {"text": "x"},
            "valueQuantity": {"value": "7"},
        },
        "request": {"method": "POST", "url": "Observation"},
    }
    failed = fhir.post(
        "", json={"resourceType": "Bundle", "type": "transaction", "entry": [good, obs, bad]}
    )
    assert failed.status_code == 400
    issue = failed.json()["issue"][0]
    assert issue["expression"][0].startswith("Bundle.entry[2].resource.valueQuantity.value")
    assert fhir.get("/Patient", params={"_summary": "count"}).json()["total"] == 0
    dangling = {
        "resource": {
            "resourceType": "Observation",
            "status": "final",
            "code": {"text": "x"},
            "subject": {"reference": "Patient/does-not-exist"},
        },
        "request": {"method": "POST", "url": "Observation"},
    }
    refused = fhir.post(
        "", json={"resourceType": "Bundle", "type": "transaction", "entry": [dangling]}
    )
    assert refused.status_code == 400 and refused.json()["issue"][0]["code"] == "not-found"
    ok = fhir.post("", json={"resourceType": "Bundle", "type": "transaction", "entry": [good, obs]})
    assert ok.status_code == 200
    locations = [e["response"]["location"] for e in ok.json()["entry"]]
    pid = locations[0].split("/")[1]
    stored_obs = fhir.get("/" + "/".join(locations[1].split("/")[:2])).json()
    assert stored_obs["subject"]["reference"] == f"Patient/{pid}"


def test_transaction_conditional_references_and_batch(fhir: httpx.Client) -> None:
    pid = _create(fhir).json()["id"]
    cond = {
        "resource": {
            "resourceType": "Observation",
            "status": "final",
            "code": {"text": "脈拍"},
            "subject": {
                "reference": "Patient?identifier=urn:oid:1.2.392.100495.20.3.51.11319911234|000123"
            },
        },
        "request": {"method": "POST", "url": "Observation"},
    }
    result = fhir.post("", json={"resourceType": "Bundle", "type": "transaction", "entry": [cond]})
    assert result.status_code == 200
    oid = result.json()["entry"][0]["response"]["location"].split("/")[1]
    assert fhir.get(f"/Observation/{oid}").json()["subject"]["reference"] == f"Patient/{pid}"
    batch = {
        "resourceType": "Bundle",
        "type": "batch",
        "entry": [
            {"resource": PATIENT, "request": {"method": "POST", "url": "Patient"}},
            {
                "resource": {"resourceType": "Patient", "gender": 5},
                "request": {"method": "POST", "url": "Patient"},
            },
            {"request": {"method": "GET", "url": f"Patient/{pid}"}},
        ],
    }
    answer = fhir.post("", json=batch).json()
    statuses = [e["response"]["status"] for e in answer["entry"]]
    assert statuses[0].startswith("201") and statuses[1] == "400" and statuses[2] == "200"
    assert answer["entry"][1]["response"]["outcome"]["resourceType"] == "OperationOutcome"
    assert answer["entry"][2]["response"]["resource"]["id"] == pid


def test_metadata_lists_what_is_supported(fhir: httpx.Client) -> None:
    statement = fhir.get("/metadata").json()
    assert (
        statement["resourceType"] == "CapabilityStatement" and statement["fhirVersion"] == "4.0.1"
    )
    patient = next(r for r in statement["rest"][0]["resource"] if r["type"] == "Patient")
    names = {p["name"] for p in patient["searchParam"]}
    assert {"name", "birthdate", "identifier", "_id", "_lastUpdated"} <= names
    assert "link" not in {p["name"] for p in patient["searchParam"] if p["type"] == "composite"}
    assert {op["name"] for op in patient["operation"]} == {"everything", "export"}
    # every advertised parameter is accepted in strict mode
    for param in patient["searchParam"]:
        value = {"date": "2020", "number": "1", "quantity": "1", "reference": "Patient/x"}.get(
            param["type"], "x"
        )
        response = fhir.get(
            "/Patient", params={param["name"]: value}, headers={"Prefer": "handling=strict"}
        )
        assert response.status_code == 200, (param, response.text[:300])
