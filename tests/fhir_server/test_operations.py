"""``Patient/$everything`` (with _since and paging) and Bulk Data ``$export``."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from tests.fhir_server.support import post_transaction, resolve_refs, synthea_bundles

from kizuna.fhir import writes
from kizuna.identity import persons
from kizuna.store.db import Database


def _pages(fhir: httpx.Client, url: str, params: dict[str, str]) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    next_url: str | None = url
    query: dict[str, str] | None = params
    while next_url:
        bundle = fhir.get(next_url, params=query).json()
        entries += bundle.get("entry", [])
        next_url = next(
            (link["url"] for link in bundle["link"] if link["relation"] == "next"), None
        )
        query = None
    return entries


#: a write clock whose first write ends in .999: the millisecond after it is the next second
CLOCK_START = 1_790_000_000_999


def test_everything_returns_the_compartment_and_cited_resources(
    fhir: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server's write clock is pinned, one second a write: ``_since`` is then
    asked of an instant that is certainly between the load and the change."""
    clock = iter(range(CLOCK_START, CLOCK_START + 1_000_000, 1_000))
    monkeypatch.setattr(writes, "now_ms", lambda: next(clock))
    bundles = synthea_bundles(2)
    mappings = [post_transaction(fhir, b) for b in bundles]
    bundle, mapping = bundles[0], mappings[0]
    patient_key = mapping[bundle["entry"][0]["fullUrl"]]
    pid = patient_key.split("/")[1]
    owned = {
        mapping[e["fullUrl"]]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] not in ("Organization", "Practitioner")
    }
    entries = _pages(fhir, f"/Patient/{pid}/$everything", {"_count": "40"})
    matches = {
        f"{e['resource']['resourceType']}/{e['resource']['id']}"
        for e in entries
        if e["search"]["mode"] == "match"
    }
    assert matches == owned
    assert entries[0]["resource"]["id"] == pid  # the patient comes first
    cited = {
        f"{e['resource']['resourceType']}/{e['resource']['id']}"
        for e in entries
        if e["search"]["mode"] == "include"
    }
    expected_cited = {
        mapping[e["fullUrl"]]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] in ("Organization", "Practitioner")
    }
    assert cited <= expected_cited and cited
    other = mappings[1][bundles[1]["entry"][0]["fullUrl"]]
    assert other not in matches | cited

    # _since: only what changed after the mark
    first_obs = next(e for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation")
    key = mapping[first_obs["fullUrl"]]
    stored = fhir.get(f"/{key}").json()
    mark = stored["meta"]["lastUpdated"]
    changed = resolve_refs(first_obs["resource"], mapping) | {
        "id": key.split("/")[1],
        "status": "amended",
    }
    assert fhir.put(f"/{key}", json=changed).status_code == 200
    recent = _pages(fhir, f"/Patient/{pid}/$everything", {"_since": _after(mark)})
    assert [
        f"{e['resource']['resourceType']}/{e['resource']['id']}"
        for e in recent
        if e["search"]["mode"] == "match"
    ] == [key]
    assert fhir.get("/Patient/unknown-patient/$everything").status_code == 404


def _linked_person(fhir: httpx.Client, db: Database, records: int, each: int) -> list[str]:
    """``records`` Patients of one person, each with ``each`` Observations; their keys."""
    keys: list[str] = []
    for n in range(records):
        made = fhir.post("/Patient", json={"resourceType": "Patient", "gender": "female"}).json()
        patient = f"Patient/{made['id']}"
        keys.append(patient)
        for m in range(each):
            observation = {
                "resourceType": "Observation",
                "status": "final",
                "code": {"text": f"record {n} value {m}"},
                "subject": {"reference": patient},
            }
            keys.append(f"Observation/{fhir.post('/Observation', json=observation).json()['id']}")
    patients = [k.split("/")[1] for k in keys if k.startswith("Patient/")]
    with db.transaction() as tx:
        for pid in patients:
            persons.ensure_person(tx, pid)
        for pid in patients[1:]:
            persons.link(tx, patients[0], pid, "operator-1", "same person")
    return keys


def test_everything_pages_the_linked_records_as_one_list(fhir: httpx.Client, db: Database) -> None:
    """Paging runs over the person's records together: every resource of every linked
    record comes exactly once, whatever the page size."""
    keys = _linked_person(fhir, db, records=3, each=4)
    asked = keys[0].split("/")[1]
    for count in ("1", "4", "7"):
        entries = _pages(fhir, f"/Patient/{asked}/$everything", {"_count": count})
        listed = [
            f"{e['resource']['resourceType']}/{e['resource']['id']}"
            for e in entries
            if e["search"]["mode"] == "match"
        ]
        assert sorted(listed) == sorted(keys), count
        assert listed[0] == keys[0]  # the Patient asked for comes first


def _after(instant: str) -> str:
    """An instant one millisecond after ``instant`` (…sss Z form)."""
    later = datetime.fromisoformat(instant).astimezone(UTC) + timedelta(milliseconds=1)
    return later.strftime("%Y-%m-%dT%H:%M:%S.") + f"{later.microsecond // 1000:03d}Z"


def test_one_millisecond_after_carries_into_the_next_second() -> None:
    assert _after("2026-09-21T23:59:59.999Z") == "2026-09-22T00:00:00.000Z"
    assert _after("2026-09-21T10:00:00.041Z") == "2026-09-21T10:00:00.042Z"


def _export(fhir: httpx.Client, path: str, params: dict[str, str] | None = None) -> dict[str, Any]:
    kick = fhir.get(
        path, params=params, headers={"Prefer": "respond-async", "Accept": "application/fhir+json"}
    )
    assert kick.status_code == 202, kick.text
    status_url = kick.headers["content-location"]
    app = fhir.get(status_url)
    while app.status_code == 202:  # the job runs in the server's worker; poll its status
        app = fhir.get(status_url)
    assert app.status_code == 200, app.text
    return app.json()


def _lines(fhir: httpx.Client, url: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in fhir.get(url).text.splitlines() if line]


def test_bulk_export_system_patient_and_group(fhir: httpx.Client) -> None:
    bundles = synthea_bundles(2)
    mappings = [post_transaction(fhir, b) for b in bundles]
    sent = {mappings[i][e["fullUrl"]] for i, b in enumerate(bundles) for e in b["entry"]}

    manifest = _export(fhir, "/$export")
    exported = {
        f"{r['resourceType']}/{r['id']}" for o in manifest["output"] for r in _lines(fhir, o["url"])
    }
    assert exported == sent
    for output in manifest["output"]:
        assert output["count"] == len(_lines(fhir, output["url"]))

    only = _export(fhir, "/$export", {"_type": "Patient,Condition"})
    assert {o["type"] for o in only["output"]} == {"Patient", "Condition"}

    first = mappings[0][bundles[0]["entry"][0]["fullUrl"]]
    group = {
        "resourceType": "Group",
        "type": "person",
        "actual": True,
        "member": [{"entity": {"reference": first}}],
    }
    gid = fhir.post("/Group", json=group).json()["id"]
    grouped = _export(fhir, f"/Group/{gid}/$export")
    members = {
        f"{r['resourceType']}/{r['id']}" for o in grouped["output"] for r in _lines(fhir, o["url"])
    }
    own = {
        mappings[0][e["fullUrl"]]
        for e in bundles[0]["entry"]
        if e["resource"]["resourceType"] not in ("Organization", "Practitioner")
    }
    assert members == own | {f"Group/{gid}"}  # Group.member puts the Group in the compartment

    patients = _export(fhir, "/Patient/$export", {"_type": "Patient"})
    assert sum(o["count"] for o in patients["output"]) == 2
    assert fhir.get("/$export").status_code == 400  # Prefer: respond-async is required
