"""Must show 5: bad input always gets a 4xx OperationOutcome, never a 500, and writes nothing."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

PATIENT = {"resourceType": "Patient", "name": [{"family": "田中"}], "gender": "male"}


def _outcome(response: httpx.Response) -> dict[str, Any]:
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:400])
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"] and all(i["diagnostics"] for i in body["issue"])
    assert "Traceback" not in response.text
    return body


def _count(fhir: httpx.Client, res_type: str = "Patient") -> int:
    return int(fhir.get(f"/{res_type}", params={"_summary": "count"}).json()["total"])


MALFORMED = [
    b"",
    b"{",
    b'{"resourceType": "Patient",}',
    b"\xff\xfe\x00garbage",
    b"[1, 2, 3]",
    b'"just a string"',
    b'{"resourceType": "Patient", "name": [{"family": "\xe7\x94\xb0' + b"\x80" + b'"}]}',
]


@pytest.mark.parametrize("body", MALFORMED)
def test_malformed_json(fhir: httpx.Client, body: bytes) -> None:
    _outcome(fhir.post("/Patient", content=body, headers={"Content-Type": "application/fhir+json"}))
    assert _count(fhir) == 0


WRONG = [
    ({**PATIENT, "gender": 1}, "Patient.gender"),
    ({**PATIENT, "birthDate": "1980-13-45"}, "Patient.birthDate"),
    ({**PATIENT, "name": "田中"}, "Patient.name"),
    ({**PATIENT, "name": [{"family": "田中"}, "鈴木"]}, "Patient.name[1]"),
    ({**PATIENT, "nickname": "タナ"}, "Patient.nickname"),
    ({**PATIENT, "deceasedBoolean": True, "deceasedDateTime": "2020-01-01"}, "Patient.deceased"),
    ({**PATIENT, "name": [{"family": ""}]}, "Patient.name[0].family"),
    ({"resourceType": "Observation", "code": {"text": "x"}}, "Observation.status"),
    ({"resourceType": "NotAType"}, None),
]


@pytest.mark.parametrize(("resource", "where"), WRONG)
def test_wrong_types_and_structure(
    fhir: httpx.Client, resource: dict[str, Any], where: str | None
) -> None:
    body = _outcome(
        fhir.post(
            f"/{resource['resourceType'] if resource['resourceType'] != 'NotAType' else 'Patient'}",
            json=resource,
        )
    )
    if where:
        expressions = [e for i in body["issue"] for e in i.get("expression", [])]
        assert any(e.startswith(where) for e in expressions), expressions
    assert _count(fhir) == 0


def test_huge_payload_and_deep_nesting(fhir: httpx.Client) -> None:
    huge = (
        b'{"resourceType":"Patient","text":{"status":"generated","div":"<div>'
        + b"x" * (70 * 1024 * 1024)
        + b'</div>"}}'
    )
    response = fhir.post(
        "/Patient", content=huge, headers={"Content-Type": "application/fhir+json"}
    )
    assert response.status_code == 413
    deep: Any = {"url": "http://example.org/x", "valueString": "v"}
    for _ in range(300):
        deep = {"url": "http://example.org/x", "extension": [deep]}
    _outcome(fhir.post("/Patient", json={**PATIENT, "extension": [deep]}))
    nested = "[" * 5000 + "]" * 5000
    _outcome(
        fhir.post(
            "/Patient", content=nested.encode(), headers={"Content-Type": "application/fhir+json"}
        )
    )
    assert _count(fhir) == 0


def _noise(size: int, seed: int) -> str:
    """Text that does not compress, so a database cannot fit it in an index entry."""
    import random
    import string

    rng = random.Random(seed)
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(size))


OVERSIZE = [
    (
        {**PATIENT, "identifier": [{"system": "urn:x", "value": _noise(20_000, 1)}]},
        "Patient.identifier",
        "'identifier'",
    ),
    (
        {**PATIENT, "meta": {"source": "urn:x:" + _noise(5_000, 2)}},
        "Patient.meta.source",
        "'_source'",
    ),
    (
        {
            "resourceType": "Procedure",
            "status": "completed",
            "subject": {"reference": "Patient/p1"},
            "code": {"coding": [{"system": "urn:x", "code": _noise(3_000, 3)}]},
        },
        "Procedure.code",
        "'code'",
    ),
]


@pytest.mark.parametrize(("resource", "where", "param"), OVERSIZE)
def test_a_value_too_long_to_index_is_a_422_naming_it(
    fhir: httpx.Client, database_url: str, resource: dict[str, Any], where: str, param: str
) -> None:
    """PostgreSQL's indexes cannot hold an incompressible value of a few kilobytes: the
    write is refused with the parameter and element named, and nothing is stored. SQLite
    has no such limit and stores it."""
    res_type = resource["resourceType"]
    patients = 0
    if "subject" in resource:  # a real patient, so a batch's reference check passes
        made = fhir.post("/Patient", json=PATIENT).json()["id"]
        resource = {**resource, "subject": {"reference": f"Patient/{made}"}}
        patients = 1
    response = fhir.post(f"/{res_type}", json=resource)
    if database_url.startswith("sqlite"):
        assert response.status_code == 201, response.text[:400]
        assert _count(fhir, res_type) == 1
        return
    issue = _outcome(response)["issue"][0]
    assert response.status_code == 422
    assert issue["code"] == "too-long" and issue["expression"] == [where]
    assert param in issue["diagnostics"] and "bytes long" in issue["diagnostics"]
    assert _count(fhir, res_type) == 0
    bundle = {
        "resourceType": "Bundle",
        "type": "batch",
        "entry": [
            {"resource": PATIENT, "request": {"method": "POST", "url": "Patient"}},
            {"resource": resource, "request": {"method": "POST", "url": res_type}},
        ],
    }
    answered = fhir.post("", json=bundle)
    assert answered.status_code == 200, answered.text[:400]
    statuses = [e["response"]["status"] for e in answered.json()["entry"]]
    assert statuses[0].startswith("201") and statuses[1].startswith("422")
    assert _count(fhir) == patients + 1  # the good entry of the batch went in
    assert _count(fhir, res_type) == (1 if res_type == "Patient" else 0)


INJECTIONS = [
    {"name": "' OR '1'='1"},
    {"name": "x'); DROP TABLE resources; --"},
    {"_id": "1 OR 1=1"},
    {"birthdate": "2020' OR 1=1 --"},
    {"_sort": "name; DROP TABLE resources"},
    {"_count": "-1"},
    {"_count": "99999999"},
    {"identifier": "a|b|c"},
    {"_include": "Patient:organization; DELETE FROM resources"},
    {
        "_has:Observation:patient:code": "x",
        "_has:Observation:subject:_has:Observation:patient:code": "y",
    },
    {"general-practitioner.name.family": "x"},
    {"name": ",".join(["x"] * 500)},
    {"birthdate": "gt" + "9" * 400},
    {"value-quantity": "abc|def"},
    {"_lastUpdated": "not-a-date"},
    {"_total": "all"},
]


@pytest.mark.parametrize("params", INJECTIONS)
def test_hostile_search_parameters(fhir: httpx.Client, params: dict[str, str]) -> None:
    fhir.post("/Patient", json=PATIENT)
    res_type = "Observation" if "value-quantity" in params else "Patient"
    response = fhir.get(f"/{res_type}", params=params)
    if response.status_code == 200:
        # accepted as plain (harmless) data: it must match nothing
        assert response.json().get("total", 0) == 0 or params.get("name") is None
        assert response.json()["resourceType"] == "Bundle"
    else:
        _outcome(response)
    assert _count(fhir) == 1, "the database survived"


def test_unknown_type_id_and_version(fhir: httpx.Client) -> None:
    _outcome(fhir.get("/NotAType/1"))
    _outcome(fhir.get("/Patient/" + "a" * 80))
    _outcome(fhir.get("/Patient/bad$id"))
    _outcome(fhir.get("/Patient/x/_history/abc"))
    _outcome(
        fhir.post(
            "/Patient", content=b"<Patient/>", headers={"Content-Type": "application/fhir+xml"}
        )
    )
    _outcome(fhir.post("", json={"resourceType": "Bundle", "type": "searchset"}))
    _outcome(
        fhir.post(
            "",
            json={
                "resourceType": "Bundle",
                "type": "transaction",
                "entry": [{"request": {"method": "POST", "url": "Nope"}}],
            },
        )
    )


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False)
        | st.text(max_size=20),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(
                st.sampled_from(
                    [
                        "name",
                        "gender",
                        "birthDate",
                        "identifier",
                        "family",
                        "given",
                        "value",
                        "system",
                        "extension",
                        "url",
                        "x",
                    ]
                ),
                children,
                max_size=4,
            )
        ),
        max_leaves=20,
    )
)
def test_random_bodies_never_cause_a_server_error(fhir: httpx.Client, junk: Any) -> None:
    resource = {"resourceType": "Patient", **junk} if isinstance(junk, dict) else junk
    response = fhir.post(
        "/Patient",
        content=json.dumps(resource).encode(),
        headers={"Content-Type": "application/fhir+json"},
    )
    assert response.status_code < 500, response.text[:300]
    if response.status_code >= 400:
        _outcome(response)
