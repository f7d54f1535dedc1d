"""Patient/$match and Patient/$ihe-pix over real HTTP, on both backends."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from tests.identity.support import FACILITY_A, FACILITY_B, ingest, patient

from kizuna.fhir import jpcore
from kizuna.store.db import Database

MATCH_GRADE = "http://hl7.org/fhir/StructureDefinition/match-grade"
HOME = {"address": "島根県松江市殿町1", "postal": "690-8501", "phone": "0852-22-5111"}


@pytest.fixture
def server(database_url: str, make_live_server: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    import kizuna.api.app as app_module
    from kizuna.api import identity

    original = app_module.create_app

    def with_identity(*args: Any, **kwargs: Any) -> Any:
        app = original(*args, **kwargs)
        identity.install(app)
        return app

    monkeypatch.setattr(app_module, "create_app", with_identity)
    return make_live_server(database_url, auth="off")


@pytest.fixture
def people(db: Database) -> dict[str, str]:
    """Two records of 高橋一郎 at two hospitals (one person) and his twin brother."""
    ichiro_a = patient(
        kanji="髙橋 一郎",
        kana="タカハシ イチロウ",
        birth="1961-05-20",
        sex="male",
        local=(FACILITY_A, "11"),
        member="06132013:12:34:01",
        **HOME,
    )
    ichiro_b = patient(
        kanji="高橋 一郎",
        kana="ﾀｶﾊｼ ｲﾁﾛｳ",
        birth="1961-05-20",
        sex="male",
        local=(FACILITY_B, "77"),
        **HOME,
    )
    jiro = patient(
        kanji="高橋 次郎",
        kana="タカハシ ジロウ",
        birth="1961-05-20",
        sex="male",
        local=(FACILITY_A, "12"),
        member="06132013:12:34:02",
        **HOME,
    )
    return {
        "a": ingest(db, ichiro_a, "r1", "ssmix2"),
        "b": ingest(db, ichiro_b, "r2", "ssmix2", facility=FACILITY_B),
        "twin": ingest(db, jiro, "r3", "ssmix2"),
    }


def _match(server: Any, resource: dict[str, Any], **params: Any) -> httpx.Response:
    body: dict[str, Any] = {
        "resourceType": "Parameters",
        "parameter": [{"name": "resource", "resource": resource}],
    }
    for name, value in params.items():
        key = "valueBoolean" if isinstance(value, bool) else "valueInteger"
        body["parameter"].append({"name": name, key: value})
    return httpx.post(
        f"{server.url}/fhir/Patient/$match",
        json=body,
        timeout=30,
        headers={"Content-Type": "application/fhir+json"},
    )


def test_match_returns_graded_scored_patients(server: Any, people: dict[str, str]) -> None:
    query = patient(
        kanji="高橋 一郎",
        kana="タカハシ イチロウ",
        birth="1961-05-20",
        sex="male",
        phone="0852225111",
    )
    response = _match(server, query)
    assert response.status_code == 200
    bundle = response.json()
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "searchset"
    found = {e["resource"]["id"]: e["search"] for e in bundle["entry"]}
    assert set(found) == {people["a"], people["b"]}  # the twin is certainly not him
    for search in found.values():
        assert search["mode"] == "match" and 0.95 <= search["score"] <= 1.0
        assert search["extension"] == [{"url": MATCH_GRADE, "valueCode": "certain"}]
    assert bundle["entry"][0]["fullUrl"].endswith(
        f"/Patient/{bundle['entry'][0]['resource']['id']}"
    )


def test_match_by_identifier_is_certain_and_count_limits(
    server: Any, people: dict[str, str]
) -> None:
    query = patient(kanji="高橋 一郎", member="０６１３２０１３:１２:３４:０１")
    bundle = _match(server, query, onlyCertainMatches=True, count=1).json()
    assert bundle["total"] == 1
    entry = bundle["entry"][0]
    assert entry["resource"]["id"] == people["a"] and entry["search"]["score"] == 1.0


def test_a_weak_match_is_possible_or_probable(server: Any, people: dict[str, str]) -> None:
    married = patient(kanji="佐藤 一郎", kana="サトウ イチロウ", birth="1961-05-20", sex="male")
    bundle = _match(server, married).json()
    grades = {e["search"]["extension"][0]["valueCode"] for e in bundle["entry"]}
    assert grades and grades <= {"probable", "possible"}
    assert _match(server, married, onlyCertainMatches=True).json()["total"] == 0


@pytest.mark.parametrize(
    ("body", "expression"),
    [
        ({"resourceType": "Patient"}, "Parameters"),
        ({"resourceType": "Parameters", "parameter": []}, "Parameters.parameter"),
        (
            {
                "resourceType": "Parameters",
                "parameter": [{"name": "resource", "resource": {"resourceType": "Observation"}}],
            },
            "Parameters.parameter[0].resource",
        ),
        (
            {
                "resourceType": "Parameters",
                "parameter": [
                    {"name": "resource", "resource": {"resourceType": "Patient"}},
                    {"name": "count", "valueInteger": 0},
                ],
            },
            "Parameters.parameter[1].valueInteger",
        ),
        (
            {
                "resourceType": "Parameters",
                "parameter": [
                    {"name": "resource", "resource": {"resourceType": "Patient"}},
                    {"name": "onlyCertainMatches", "valueString": "yes"},
                ],
            },
            "Parameters.parameter[1].valueBoolean",
        ),
    ],
)
def test_match_errors_are_operation_outcomes(server: Any, body: dict, expression: str) -> None:
    response = httpx.post(f"{server.url}/fhir/Patient/$match", json=body, timeout=30)
    assert response.status_code == 400
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["expression"] == [expression]


def _pix(server: Any, **params: Any) -> httpx.Response:
    return httpx.get(f"{server.url}/fhir/Patient/$ihe-pix", params=params, timeout=30)


def test_pix_cross_references_every_identifier_of_the_person(
    server: Any, people: dict[str, str]
) -> None:
    source = f"{jpcore.local_patient_system(FACILITY_B)}|77"
    response = _pix(server, sourceIdentifier=source)
    assert response.status_code == 200
    parameters = response.json()["parameter"]
    identifiers = {
        (p["valueIdentifier"]["system"], p["valueIdentifier"]["value"])
        for p in parameters
        if p["name"] == "targetIdentifier"
    }
    assert identifiers == {
        (jpcore.local_patient_system(FACILITY_A), "11"),
        (jpcore.local_patient_system(FACILITY_B), "77"),
        (jpcore.INSURANCE_MEMBER_ID, "06132013:12:34:01"),
    }
    targets = {p["valueReference"]["reference"] for p in parameters if p["name"] == "targetId"}
    assert targets == {f"Patient/{people['a']}", f"Patient/{people['b']}"}


def test_pix_filters_by_target_system_and_finds_full_width_ids(
    server: Any, people: dict[str, str]
) -> None:
    source = f"{jpcore.INSURANCE_MEMBER_ID}|０６１３２０１３:１２:３４:０１"
    response = _pix(
        server, sourceIdentifier=source, targetSystem=jpcore.local_patient_system(FACILITY_B)
    )
    assert response.status_code == 200
    identifiers = [
        p["valueIdentifier"]
        for p in response.json()["parameter"]
        if p["name"] == "targetIdentifier"
    ]
    assert identifiers == [{"system": jpcore.local_patient_system(FACILITY_B), "value": "77"}]


def test_pix_errors(server: Any, people: dict[str, str]) -> None:
    missing = _pix(server)
    assert missing.status_code == 400
    assert missing.json()["issue"][0]["expression"] == ["sourceIdentifier"]
    malformed = _pix(server, sourceIdentifier="no-bar")
    assert malformed.status_code == 400
    unknown = _pix(server, sourceIdentifier=f"{jpcore.local_patient_system(FACILITY_A)}|nobody")
    assert unknown.status_code == 404
    assert unknown.json()["issue"][0]["code"] == "not-found"
