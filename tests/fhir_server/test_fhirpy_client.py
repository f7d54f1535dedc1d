"""Must show 3: a FHIR client we did not write (fhirpy, from PyPI) works against the server."""

from __future__ import annotations

from typing import Any

from fhirpy import SyncFHIRClient


def test_fhirpy_creates_searches_pages_and_runs_a_transaction(live_server: Any) -> None:
    client = SyncFHIRClient(f"{live_server.url}/fhir")

    patient = client.resource(
        "Patient",
        name=[{"family": "高橋", "given": ["健"]}, {"family": "タカハシ", "given": ["ケン"]}],
        gender="male",
        birthDate="1965-03-10",
    )
    patient.save()
    assert patient.id and patient["meta"]["versionId"] == "1"

    for day in range(1, 26):
        client.resource(
            "Observation",
            status="final",
            code={
                "coding": [
                    {
                        "system": "urn:oid:1.2.392.200119.4.504",
                        "code": "3D046000001906202",
                        "display": "HbA1c",
                    }
                ]
            },
            subject=patient.to_reference(),
            effectiveDateTime=f"2026-01-{day:02d}",
            valueQuantity={
                "value": 5.0 + day / 10,
                "unit": "%",
                "system": "http://unitsofmeasure.org",
                "code": "%",
            },
        ).save()

    found = client.resources("Patient").search(name="たかはし").fetch()
    assert [p.id for p in found] == [patient.id]

    query = (
        client.resources("Observation")
        .search(subject=patient.id, code="3D046000001906202")
        .sort("date")
        .limit(10)
    )
    assert query.count() == 25
    first_page = query.fetch()
    assert [o["effectiveDateTime"] for o in first_page] == [
        f"2026-01-{d:02d}" for d in range(1, 11)
    ]
    everything = query.fetch_all()  # follows the server's next links
    assert [o["effectiveDateTime"] for o in everything] == [
        f"2026-01-{d:02d}" for d in range(1, 26)
    ]
    high = client.resources("Observation").search(**{"value-quantity": "gt7"}).fetch_all()
    assert sorted(o["valueQuantity"]["value"] for o in high) == [
        5.0 + d / 10 for d in range(21, 26)
    ]

    patient["active"] = True
    patient.save()
    assert client.resources("Patient").search(_id=patient.id).get()["meta"]["versionId"] == "2"

    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": "urn:uuid:c1",
                "resource": {
                    "resourceType": "Condition",
                    "subject": {"reference": f"Patient/{patient.id}"},
                    "code": {"text": "2型糖尿病"},
                },
                "request": {"method": "POST", "url": "Condition"},
            },
            {
                "resource": {
                    "resourceType": "Observation",
                    "status": "final",
                    "code": {"text": "体重"},
                    "subject": {"reference": f"Patient/{patient.id}"},
                    "derivedFrom": [{"reference": "urn:uuid:c1"}],
                },
                "request": {"method": "POST", "url": "Observation"},
            },
        ],
    }
    response = client.execute("", method="post", data=bundle)
    assert response["type"] == "transaction-response"
    condition_id = response["entry"][0]["response"]["location"].split("/")[1]
    conditions = client.resources("Condition").search(subject=patient.id).fetch()
    assert [c.id for c in conditions] == [condition_id]
    derived = client.resources("Observation").search(**{"code:text": "体重"}).fetch()
    assert len(derived) == 1
    assert derived[0]["derivedFrom"][0]["reference"] == f"Condition/{condition_id}"
