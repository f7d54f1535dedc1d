"""Must show 1: the sample fixtures load and read back equal to their input."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.fhir_server.support import post_transaction, resolve_refs, synthea_bundles, without_meta

FHIR_JP = Path(__file__).resolve().parents[2] / "samples" / "fhir-jp"


def _read_all(client: httpx.Client, keys: list[str]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    by_type: dict[str, list[str]] = {}
    for key in keys:
        res_type, res_id = key.split("/")
        by_type.setdefault(res_type, []).append(res_id)
    for res_type, ids in by_type.items():
        for start in range(0, len(ids), 100):
            chunk = ids[start : start + 100]
            response = client.get(f"/{res_type}", params={"_id": ",".join(chunk), "_count": "100"})
            assert response.status_code == 200, response.text[:500]
            for entry in response.json().get("entry", []):
                resource = entry["resource"]
                found[f"{res_type}/{resource['id']}"] = resource
    return found


def test_every_synthea_bundle_loads_as_a_transaction_and_reads_back(fhir: httpx.Client) -> None:
    bundles = synthea_bundles()
    assert len(bundles) == 25
    for bundle in bundles:
        mapping = post_transaction(fhir, bundle)
        stored = _read_all(fhir, list(mapping.values()))
        assert len(stored) == len(bundle["entry"])
        for entry in bundle["entry"]:
            key = mapping[entry["fullUrl"]]
            expected = resolve_refs(entry["resource"], mapping)
            expected["id"] = key.split("/")[1]
            assert without_meta(stored[key]) == without_meta(expected), key


def _jp_examples() -> list[Path]:
    return sorted(p for p in FHIR_JP.rglob("*.json") if "ErrorExample" not in p.name)


def test_every_jp_example_loads_and_reads_back(fhir: httpx.Client) -> None:
    files = _jp_examples()
    assert len(files) > 70
    for path in files:
        resource = json.loads(path.read_text())
        url = f"/{resource['resourceType']}/{resource['id']}"
        response = fhir.put(url, json=resource)
        assert response.status_code == 201, (path.name, response.text[:1500])
        back = fhir.get(url)
        assert back.status_code == 200
        assert without_meta(back.json()) == without_meta(resource), path.name
        assert back.json()["meta"]["versionId"] == "1"
        # the example's own profile claims survive in meta
        for profile in (resource.get("meta") or {}).get("profile", []):
            assert profile in back.json()["meta"]["profile"]


EXPECTED_FAULTS = {
    "MedicationRequest-ErrorExample-JP-MedReq-ExtEye-Total1.json": "MedicationRequest.medication",
    "Observation-ErrorExample-ObsLabo-eGFR.json": "Observation.code",
    "MedicationRequest-ErrorExample-JP-MedReq-PO-SID-28days.json": "MedicationRequest.medicationCodeableConcept",
}


@pytest.fixture
def price_list(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """The MHLW drug price list installed as the server's drug master (it may not be
    shipped in the repository, so it is read from the shared sample data)."""
    from kizuna.codes.masters.install import load_official_masters
    from kizuna.codes.masters.store import reset_masters

    monkeypatch.setenv("KIZUNA_DATA_DIR", str(tmp_path / "masters-data"))
    load_official_masters(shared_data / "masters")
    reset_masters()
    yield
    reset_masters()


def test_error_examples_are_rejected_with_an_outcome_naming_the_fault(
    price_list: None, fhir: httpx.Client
) -> None:
    files = sorted(FHIR_JP.rglob("*ErrorExample*.json"))
    assert len(files) == 3
    for path in files:
        resource = json.loads(path.read_text())
        url = f"/{resource['resourceType']}/{resource['id']}"
        response = fhir.put(url, json=resource)
        assert response.status_code in (400, 422), path.name
        outcome = response.json()
        assert outcome["resourceType"] == "OperationOutcome"
        errors = [i for i in outcome["issue"] if i["severity"] == "error"]
        assert errors, path.name
        expected = EXPECTED_FAULTS.get(path.name)
        if expected:
            assert any(expected in e.get("expression", [""])[0] for e in errors), (
                path.name,
                errors,
            )
        assert fhir.get(url).status_code == 404, "a rejected resource must not be stored"
