"""Must show 2: search, on both backends, checked against answers computed from the input.

Five Synthea bundles and a small Japanese data set are loaded over HTTP. Each query's
expected result is computed here, in Python, from the very resources that were sent, and
compared with what the server returns (following every ``next`` link).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
import pytest
from tests.fhir_server.support import post_transaction, resolve_refs, synthea_bundles

from kizuna.fhir.indexing.derived import derived_params
from kizuna.fhir.searchparams import params_for

Resource = dict[str, Any]


@pytest.fixture
def loaded(fhir: httpx.Client) -> dict[str, list[Resource]]:
    """Resources as stored (ids resolved), by type."""
    by_type: dict[str, list[Resource]] = {}
    for bundle in [*synthea_bundles(5), _japanese_bundle()]:
        mapping = post_transaction(fhir, bundle)
        for entry in bundle["entry"]:
            key = mapping[entry["fullUrl"]]
            resource = resolve_refs(entry["resource"], mapping)
            resource["id"] = key.split("/")[1]
            by_type.setdefault(resource["resourceType"], []).append(resource)
    return by_type


def _japanese_bundle() -> dict[str, Any]:
    names = [
        ("p1", "ヤマダ", "タロウ", "山田", "太郎", "1970-05-01", "male"),
        ("p2", "やまだ", "はなこ", "山田", "花子", "1972-11-30", "female"),
        ("p3", "ﾔﾏﾀﾞ", "ｼﾞﾛｳ", "山田", "次郎", "2001-02-03", "male"),
        ("p4", "スズキ", "イチロウ", "鈴木", "一郎", "1985-08-15", "male"),
    ]
    entries: list[dict[str, Any]] = []
    for key, kana_f, kana_g, kanji_f, kanji_g, birth, sex in names:
        patient = {
            "resourceType": "Patient",
            "identifier": [
                {"system": "urn:oid:1.2.392.100495.20.3.51.11319911234", "value": f"JP-{key}"}
            ],
            "name": [
                {"use": "official", "family": kanji_f, "given": [kanji_g]},
                {"use": "usual", "family": kana_f, "given": [kana_g]},
            ],
            "gender": sex,
            "birthDate": birth,
            "address": [{"state": "東京都", "city": "千代田区", "postalCode": "100-0001"}],
        }
        entries.append(
            {
                "fullUrl": f"urn:uuid:jp-{key}",
                "resource": patient,
                "request": {"method": "POST", "url": "Patient"},
            }
        )
        for n, probability in enumerate((0.12, 0.5)):
            entries.append(
                {
                    "fullUrl": f"urn:uuid:jp-{key}-risk{n}",
                    "resource": {
                        "resourceType": "RiskAssessment",
                        "status": "final",
                        "subject": {"reference": f"urn:uuid:jp-{key}"},
                        "prediction": [{"probabilityDecimal": probability + len(key) / 100}],
                    },
                    "request": {"method": "POST", "url": "RiskAssessment"},
                }
            )
    entries.append(
        {
            "fullUrl": "urn:uuid:jp-vs",
            "resource": {
                "resourceType": "ValueSet",
                "status": "active",
                "url": "http://jpfhir.jp/fhir/core/ValueSet/JP_Gender_VS",
            },
            "request": {"method": "POST", "url": "ValueSet"},
        }
    )
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


def _all_ids(client: httpx.Client, path: str, params: dict[str, str]) -> list[str]:
    """Every match's id, following next links."""
    ids: list[str] = []
    url: str | None = path
    query: dict[str, str] | None = {**params, "_count": params.get("_count", "50")}
    pages = 0
    while url:
        response = client.get(url, params=query)
        assert response.status_code == 200, response.text[:800]
        bundle = response.json()
        ids += [
            e["resource"]["id"] for e in bundle.get("entry", []) if e["search"]["mode"] == "match"
        ]
        url = next((link["url"] for link in bundle["link"] if link["relation"] == "next"), None)
        query = None
        pages += 1
        assert pages < 200
    return ids


def _expect(
    client: httpx.Client,
    loaded: dict[str, list[Resource]],
    res_type: str,
    params: dict[str, str],
    predicate: Callable[[Resource], bool],
) -> set[str]:
    expected = {r["id"] for r in loaded[res_type] if predicate(r)}
    found = _all_ids(client, f"/{res_type}", params)
    assert len(found) == len(set(found)), "paging must not repeat a match"
    assert set(found) == expected, (params, len(found), len(expected))
    return expected


def _codings(concept: Any) -> list[dict[str, Any]]:
    return (concept or {}).get("coding", [])


def _has_code(r: Resource, system: str | None, code: str) -> bool:
    return any(
        c.get("code") == code and (system is None or c.get("system") == system)
        for c in _codings(r.get("code"))
    )


def test_token_search(fhir: httpx.Client, loaded: dict[str, list[Resource]]) -> None:
    observation = next(o for o in loaded["Observation"] if o.get("valueQuantity"))
    coding = observation["code"]["coding"][0]
    system, code = coding["system"], coding["code"]
    assert _expect(
        fhir,
        loaded,
        "Observation",
        {"code": f"{system}|{code}"},
        lambda r: _has_code(r, system, code),
    )
    _expect(fhir, loaded, "Observation", {"code": code}, lambda r: _has_code(r, None, code))
    _expect(
        fhir,
        loaded,
        "Observation",
        {"code": f"{system}|"},
        lambda r: any(c.get("system") == system for c in _codings(r.get("code"))),
    )
    _expect(
        fhir,
        loaded,
        "Observation",
        {"code:not": f"{system}|{code}"},
        lambda r: not _has_code(r, system, code),
    )
    word = coding["display"].split()[0]
    _expect(
        fhir,
        loaded,
        "Observation",
        {"code:text": word.lower()},
        lambda r: (
            any(word.lower() in (c.get("display") or "").lower() for c in _codings(r.get("code")))
            or word.lower() in (r.get("code", {}).get("text") or "").lower()
        ),
    )
    _expect(fhir, loaded, "Patient", {"gender": "female"}, lambda r: r.get("gender") == "female")
    _expect(
        fhir,
        loaded,
        "Patient",
        {"identifier": "urn:oid:1.2.392.100495.20.3.51.11319911234|JP-p2"},
        lambda r: any(i.get("value") == "JP-p2" for i in r.get("identifier", [])),
    )
    # OR within a parameter, AND across repeats
    _expect(
        fhir,
        loaded,
        "Patient",
        {"gender": "female,male"},
        lambda r: r.get("gender") in ("female", "male"),
    )


def _name_parts(r: Resource) -> list[str]:
    parts: list[str] = []
    for name in r.get("name", []):
        parts += [name.get("family", ""), *name.get("given", [])]
    return parts


def test_japanese_name_search_is_normalised(
    fhir: httpx.Client, loaded: dict[str, list[Resource]]
) -> None:
    yamada = {
        r["id"]
        for r in loaded["Patient"]
        if any(p in ("ヤマダ", "やまだ", "ﾔﾏﾀﾞ") for p in _name_parts(r))
    }
    assert len(yamada) == 3
    for query in ("ヤマダ", "やまだ", "ﾔﾏﾀﾞ", "ヤマ"):
        assert set(_all_ids(fhir, "/Patient", {"name": query})) == yamada, query
    kanji = {r["id"] for r in loaded["Patient"] if "山田" in _name_parts(r)}
    assert set(_all_ids(fhir, "/Patient", {"name": "山田"})) == kanji
    taro = {r["id"] for r in loaded["Patient"] if "タロウ" in _name_parts(r)}
    assert set(_all_ids(fhir, "/Patient", {"name": "ヤマダ　タロウ"})) == taro
    assert set(_all_ids(fhir, "/Patient", {"family:exact": "やまだ"})) == {
        r["id"]
        for r in loaded["Patient"]
        if any(n.get("family") == "やまだ" for n in r.get("name", []))
    }
    assert set(_all_ids(fhir, "/Patient", {"given:contains": "ロウ"})) == {
        r["id"]
        for r in loaded["Patient"]
        if any("ロウ" in g or "ﾛｳ" in g for n in r.get("name", []) for g in n.get("given", []))
    }
    assert set(_all_ids(fhir, "/Patient", {"address-city": "千代田"})) == {
        r["id"]
        for r in loaded["Patient"]
        if any("千代田" in a.get("city", "") for a in r.get("address", []))
    }


def test_string_search_on_latin_names(
    fhir: httpx.Client, loaded: dict[str, list[Resource]]
) -> None:
    patient = next(r for r in loaded["Patient"] if r["name"][0].get("family", "").isascii())
    family = patient["name"][0]["family"]
    prefix = family[:3]
    _expect(
        fhir,
        loaded,
        "Patient",
        {"family": prefix.lower()},
        lambda r: any(
            n.get("family", "").lower().startswith(prefix.lower()) for n in r.get("name", [])
        ),
    )
    _expect(
        fhir,
        loaded,
        "Patient",
        {"family:exact": family},
        lambda r: any(n.get("family") == family for n in r.get("name", [])),
    )
    _expect(
        fhir,
        loaded,
        "Patient",
        {"family:exact": family.lower()},
        lambda r: any(n.get("family") == family.lower() for n in r.get("name", [])),
    )


def _effective(r: Resource) -> str:
    return r.get("effectiveDateTime") or r.get("effectivePeriod", {}).get("start", "")


def test_date_search_with_prefixes_and_precision(
    fhir: httpx.Client, loaded: dict[str, list[Resource]]
) -> None:
    stamps = sorted(_effective(o) for o in loaded["Observation"] if o.get("effectiveDateTime"))
    middle = stamps[len(stamps) // 2]
    day, month, year = middle[:10], middle[:7], middle[:4]
    only_dt = [o for o in loaded["Observation"] if "effectivePeriod" not in o]
    assert len(only_dt) == len(loaded["Observation"])
    _expect(fhir, loaded, "Observation", {"date": year}, lambda r: _effective(r)[:4] == year)
    _expect(fhir, loaded, "Observation", {"date": month}, lambda r: _effective(r)[:7] == month)
    _expect(fhir, loaded, "Observation", {"date": f"ge{day}"}, lambda r: _effective(r)[:10] >= day)
    _expect(fhir, loaded, "Observation", {"date": f"lt{day}"}, lambda r: _effective(r)[:10] < day)
    _expect(
        fhir,
        loaded,
        "Patient",
        {"birthdate": "le1972-11-30", "name": "山田"},
        lambda r: r["birthDate"] <= "1972-11-30" and "山田" in _name_parts(r),
    )
    _expect(
        fhir,
        loaded,
        "Patient",
        {"birthdate": "gt1972-11-30", "name": "山田"},
        lambda r: r["birthDate"] > "1972-11-30" and "山田" in _name_parts(r),
    )
    _expect(
        fhir,
        loaded,
        "Patient",
        {"birthdate": "ne1970-05-01", "name": "山田"},
        lambda r: r["birthDate"] != "1970-05-01" and "山田" in _name_parts(r),
    )
    # ranges: sa / eb on the year after the median
    following = str(int(year) + 1)
    _expect(
        fhir,
        loaded,
        "Observation",
        {"date": f"sa{following}"},
        lambda r: _effective(r)[:4] > following,
    )
    _expect(fhir, loaded, "Observation", {"date": f"eb{year}"}, lambda r: _effective(r)[:4] < year)


def test_reference_search(fhir: httpx.Client, loaded: dict[str, list[Resource]]) -> None:
    patient = loaded["Patient"][0]["id"]
    subject = lambda r: r.get("subject", {}).get("reference") == f"Patient/{patient}"  # noqa: E731
    _expect(fhir, loaded, "Observation", {"subject": f"Patient/{patient}"}, subject)
    _expect(fhir, loaded, "Observation", {"subject": patient}, subject)
    _expect(fhir, loaded, "Observation", {"subject:Patient": patient}, subject)
    _expect(fhir, loaded, "Observation", {"patient": f"Patient/{patient}"}, subject)
    _expect(
        fhir,
        loaded,
        "Encounter",
        {"service-provider:missing": "true"},
        lambda r: "serviceProvider" not in r,
    )
    _expect(
        fhir,
        loaded,
        "Encounter",
        {"service-provider:missing": "false"},
        lambda r: "serviceProvider" in r,
    )


def test_clauses_combine_as_and_whichever_drives_the_query(
    fhir: httpx.Client, loaded: dict[str, list[Resource]]
) -> None:
    """On SQLite one clause is an ``IN`` and the rest per-row ``EXISTS`` probes; on
    PostgreSQL a clause naming the patient drives, with the other positive clauses probed
    on its index rows. Every mix of positive, negated, missing and range clauses must still
    be their plain conjunction."""
    observation = next(o for o in loaded["Observation"] if o.get("valueQuantity"))
    coding = observation["code"]["coding"][0]
    system, code = coding["system"], coding["code"]
    patient = observation["subject"]["reference"]
    year = _effective(observation)[:4]
    subject = lambda r: r.get("subject", {}).get("reference") == patient  # noqa: E731
    found = _expect(
        fhir,
        loaded,
        "Observation",
        {"subject": patient, "code": f"{system}|{code}", "date": f"ge{year}"},
        lambda r: subject(r) and _has_code(r, system, code) and _effective(r)[:4] >= year,
    )
    assert observation["id"] in found
    _expect(
        fhir,
        loaded,
        "Observation",
        {"date": f"lt{year}", "code:not": f"{system}|{code}", "subject": patient},
        lambda r: subject(r) and not _has_code(r, system, code) and _effective(r)[:4] < year,
    )
    _expect(
        fhir,
        loaded,
        "Observation",
        {
            "status": "final,amended",
            "value-quantity:missing": "false",
            "patient": patient.split("/")[1],
            "code": f"{system}|{code}",
        },
        lambda r: (
            subject(r)
            and r["status"] in ("final", "amended")
            and "valueQuantity" in r
            and _has_code(r, system, code)
        ),
    )
    _expect(
        fhir,
        loaded,
        "Encounter",
        {"service-provider:missing": "true", "subject": patient},
        lambda r: "serviceProvider" not in r and r["subject"]["reference"] == patient,
    )
    _expect(
        fhir,
        loaded,
        "Observation",
        {"code:not": f"{system}|{code}", "_id": f"{observation['id']},{found.pop()}"},
        lambda r: False,  # both ids carry the code
    )


def test_quantity_and_number_search(fhir: httpx.Client, loaded: dict[str, list[Resource]]) -> None:
    with_value = [o for o in loaded["Observation"] if o.get("valueQuantity")]
    sample = with_value[len(with_value) // 2]["valueQuantity"]
    value, unit, system, code = (
        sample["value"],
        sample.get("unit"),
        sample.get("system"),
        sample.get("code"),
    )
    _expect(
        fhir,
        loaded,
        "Observation",
        {"value-quantity": f"gt{value}|{system}|{code}"},
        lambda r: (
            r.get("valueQuantity", {}).get("code") == code
            and r["valueQuantity"]["system"] == system
            and r["valueQuantity"]["value"] > value
        ),
    )
    _expect(
        fhir,
        loaded,
        "Observation",
        {"value-quantity": f"le{value}||{unit}"},
        lambda r: (
            unit in (r.get("valueQuantity", {}).get("code"), r.get("valueQuantity", {}).get("unit"))
            and r["valueQuantity"]["value"] <= value
        ),
    )
    probabilities = lambda r: [p["probabilityDecimal"] for p in r.get("prediction", [])]  # noqa: E731
    _expect(
        fhir,
        loaded,
        "RiskAssessment",
        {"probability": "gt0.5"},
        lambda r: any(p > 0.5 for p in probabilities(r)),
    )
    _expect(
        fhir,
        loaded,
        "RiskAssessment",
        {"probability": "0.14"},
        lambda r: any(0.135 <= p < 0.145 for p in probabilities(r)),
    )


def test_uri_and_resource_level_search(
    fhir: httpx.Client, loaded: dict[str, list[Resource]]
) -> None:
    url = "http://jpfhir.jp/fhir/core/ValueSet/JP_Gender_VS"
    _expect(fhir, loaded, "ValueSet", {"url": url}, lambda r: r.get("url") == url)
    _expect(
        fhir,
        loaded,
        "ValueSet",
        {"url:below": "http://jpfhir.jp/fhir/core/"},
        lambda r: r["url"].startswith("http://jpfhir.jp/fhir/core/"),
    )
    _expect(fhir, loaded, "ValueSet", {"url": "http://jpfhir.jp/fhir/core"}, lambda r: False)
    some = [p["id"] for p in loaded["Patient"][:3]]
    _expect(fhir, loaded, "Patient", {"_id": ",".join(some)}, lambda r: r["id"] in some)
    _expect(fhir, loaded, "Patient", {"_lastUpdated": "ge2000-01-01"}, lambda r: True)
    _expect(fhir, loaded, "Patient", {"_lastUpdated": "lt2000-01-01"}, lambda r: False)


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_paging_sorting_and_totals(fhir: httpx.Client, loaded: dict[str, list[Resource]]) -> None:
    by_id = {r["id"]: r for r in loaded["Observation"]}
    expected = sorted(loaded["Observation"], key=lambda r: (_instant(_effective(r)), r["id"]))
    found = _all_ids(fhir, "/Observation", {"_sort": "date,_id", "_count": "37"})
    assert found == [r["id"] for r in expected]
    newest = _all_ids(fhir, "/Observation", {"_sort": "-date", "_count": "500"})
    stamps = [_instant(_effective(by_id[i])) for i in newest]
    assert stamps == sorted(stamps, reverse=True)
    # two keys: gender ascending, then birth date descending
    patients = {p["id"]: p for p in loaded["Patient"]}
    order = _all_ids(fhir, "/Patient", {"_sort": "gender,-birthdate"})
    expected_order = sorted(patients.values(), key=lambda p: p["birthDate"], reverse=True)
    expected_order = sorted(expected_order, key=lambda p: p["gender"])
    keys = [(patients[i]["gender"], patients[i]["birthDate"]) for i in order]
    assert keys == [(p["gender"], p["birthDate"]) for p in expected_order]
    count = fhir.get("/Observation", params={"_summary": "count"}).json()
    assert (count["total"] == len(loaded["Observation"]) and "entry" not in count) or count.get(
        "entry"
    ) == []
    page = fhir.get("/Observation", params={"_count": "10", "_total": "accurate"}).json()
    assert page["total"] == len(loaded["Observation"]) and len(page["entry"]) == 10
    assert {link["relation"] for link in page["link"]} >= {"self", "next"}
    elements = fhir.get("/Patient", params={"_elements": "gender", "_count": "3"}).json()
    for entry in elements["entry"]:
        assert set(entry["resource"]) <= {"resourceType", "id", "meta", "gender"}
        assert any(t["code"] == "SUBSETTED" for t in entry["resource"]["meta"]["tag"])


def test_includes_iterate_chain_and_has(
    fhir: httpx.Client, loaded: dict[str, list[Resource]]
) -> None:
    patient = loaded["Patient"][0]
    encounters = [
        e for e in loaded["Encounter"] if e["subject"]["reference"] == f"Patient/{patient['id']}"
    ]
    bundle = fhir.get(
        "/Encounter",
        params={"subject": patient["id"], "_include": "Encounter:subject", "_count": "500"},
    ).json()
    included = {
        (e["resource"]["resourceType"], e["resource"]["id"])
        for e in bundle["entry"]
        if e["search"]["mode"] == "include"
    }
    assert included == {("Patient", patient["id"])}
    assert len([e for e in bundle["entry"] if e["search"]["mode"] == "match"]) == len(encounters)
    rev = fhir.get(
        "/Patient", params={"_id": patient["id"], "_revinclude": "Encounter:subject"}
    ).json()
    rev_ids = {e["resource"]["id"] for e in rev["entry"] if e["search"]["mode"] == "include"}
    assert rev_ids == {e["id"] for e in encounters}
    # :iterate — observations, their encounters, then the encounters' service providers
    obs = [
        o for o in loaded["Observation"] if o["subject"]["reference"] == f"Patient/{patient['id']}"
    ][:5]
    it = fhir.get(
        "/Observation",
        params={
            "_id": ",".join(o["id"] for o in obs),
            "_include": "Observation:encounter",
            "_include:iterate": "Encounter:service-provider",
        },
    ).json()
    types = {e["resource"]["resourceType"] for e in it["entry"] if e["search"]["mode"] == "include"}
    assert types == {"Encounter", "Organization"}
    # one level of chaining
    family = next(n["family"] for n in patient["name"] if "family" in n)
    owners = {
        p["id"]
        for p in loaded["Patient"]
        if any(n.get("family", "").lower().startswith(family.lower()) for n in p["name"])
    }
    _expect(
        fhir,
        loaded,
        "Observation",
        {"subject.family": family},
        lambda r: r["subject"]["reference"].split("/")[1] in owners,
    )
    # _has: patients with at least one observation of a code
    code = obs[0]["code"]["coding"][0]["code"]
    holders = {
        o["subject"]["reference"].split("/")[1]
        for o in loaded["Observation"]
        if _has_code(o, None, code)
    }
    _expect(
        fhir,
        loaded,
        "Patient",
        {"_has:Observation:patient:code": code},
        lambda r: r["id"] in holders,
    )


def _token_values(values: list[Any]) -> set[str]:
    found: set[str] = set()
    for value in values:
        for coding in _codings(value) if "coding" in value else [value]:
            if coding.get("code"):
                found.add(f"{coding.get('system', '')}|{coding['code']}")
    return found


def _defined(res_type: str, code: str, resource: Resource) -> set[str]:
    """What the R4 definition's own expression gives for ``resource``: system|code tokens
    or Type/id references (the oracle for parameters whose rows are not stored)."""
    param = params_for(res_type)[code]
    assert param.extractor is not None
    values = param.extractor(resource)
    if param.type == "reference":
        return {v["reference"] for v in values if "reference" in v}
    return _token_values(values)


@pytest.mark.parametrize(
    ("res_type", "code"),
    [
        ("Observation", "combo-code"),
        ("Observation", "combo-value-concept"),
        ("Observation", "patient"),
        ("Encounter", "patient"),
        ("Encounter", "practitioner"),
        ("Procedure", "patient"),
    ],
)
def test_parameters_answered_from_other_rows_match_their_definition(
    fhir: httpx.Client, loaded: dict[str, list[Resource]], res_type: str, code: str
) -> None:
    assert code in derived_params(res_type)  # no rows of its own: the stored ones answer
    defined = {r["id"]: _defined(res_type, code, r) for r in loaded[res_type]}
    values = sorted({v for found in defined.values() for v in found})
    assert values, "the fixtures must exercise the parameter"
    for value in values[:: max(1, len(values) // 4)][:4]:
        _expect(fhir, loaded, res_type, {code: value}, lambda r, v=value: v in defined[r["id"]])
    for flag in ("true", "false"):
        _expect(
            fhir,
            loaded,
            res_type,
            {f"{code}:missing": flag},
            lambda r, f=flag: (not defined[r["id"]]) == (f == "true"),
        )
    if derived_params(res_type)[code].target_type is None:
        return
    # the references it follows, both ways
    sample = [r for r in loaded[res_type] if defined[r["id"]]][:3]
    included = fhir.get(
        f"/{res_type}",
        params={"_id": ",".join(r["id"] for r in sample), "_include": f"{res_type}:{code}"},
    ).json()
    assert {
        f"{e['resource']['resourceType']}/{e['resource']['id']}"
        for e in included["entry"]
        if e["search"]["mode"] == "include"
    } == {v for r in sample for v in defined[r["id"]]}
    target = next(iter(defined[sample[0]["id"]]))
    kind, ident = target.split("/")
    reverse = fhir.get(
        f"/{kind}", params={"_id": ident, "_revinclude": f"{res_type}:{code}", "_count": "1000"}
    ).json()
    assert {e["resource"]["id"] for e in reverse["entry"] if e["search"]["mode"] == "include"} == {
        rid for rid, found in defined.items() if target in found
    }


def test_a_patients_pages_hold_every_live_match_once_in_id_order(
    fhir: httpx.Client, loaded: dict[str, list[Resource]]
) -> None:
    """A search naming a patient, unsorted, is cut into pages before resources are read
    (PostgreSQL): deleted and updated resources, negated clauses and ``_id`` must still
    give exactly the live matches, in id order, each once."""
    by_patient: dict[str, list[Resource]] = {}
    for o in loaded["Observation"]:
        by_patient.setdefault(o["subject"]["reference"], []).append(o)
    patient, observations = max(by_patient.items(), key=lambda item: len(item[1]))
    gone = {o["id"] for o in observations[:3]}
    for res_id in gone:
        assert fhir.delete(f"/Observation/{res_id}").status_code in (200, 204)
    changed = {**observations[3], "status": "amended"}
    assert fhir.put(f"/Observation/{changed['id']}", json=changed).status_code == 200
    live = sorted(o["id"] for o in observations if o["id"] not in gone)
    assert len(live) > 14
    paged = _all_ids(fhir, "/Observation", {"subject": patient, "_count": "7"})
    assert paged == live
    code = observations[5]["code"]["coding"][0]
    without = _all_ids(
        fhir,
        "/Observation",
        {"patient": patient.split("/")[1], "code:not": f"{code['system']}|{code['code']}"},
    )
    assert without == sorted(
        o["id"]
        for o in observations
        if o["id"] not in gone and not _has_code(o, code["system"], code["code"])
    )
    picked = [live[0], live[-1], next(iter(gone))]
    assert _all_ids(fhir, "/Observation", {"subject": patient, "_id": ",".join(picked)}) == [
        live[0],
        live[-1],
    ]
    amended = _all_ids(fhir, "/Observation", {"subject": patient, "status": "amended"})
    assert amended == [changed["id"]]


def test_code_text_finds_a_concepts_text_and_its_codings_displays(fhir: httpx.Client) -> None:
    system = "http://jpfhir.jp/fhir/core/mhlw/CodeSystem/MDCDX2"
    concepts = {
        "own-text": {
            "coding": [{"system": system, "code": "8846224", "display": "本態性高血圧症"}],
            "text": "高血圧（内服治療中）",
        },
        "same-text": {
            "coding": [{"system": system, "code": "8833421", "display": "２型糖尿病"}],
            "text": "2型糖尿病",
        },
        "text-only": {"text": "ﾍﾟﾆｼﾘﾝ系薬剤アレルギー疑い"},
    }
    patient = fhir.post("/Patient", json={"resourceType": "Patient", "gender": "male"})
    subject = {"reference": f"Patient/{patient.json()['id']}"}
    ids = {}
    for name, code in concepts.items():
        condition = {"resourceType": "Condition", "code": code, "subject": subject}
        created = fhir.post("/Condition", json=condition)
        assert created.status_code == 201, created.text
        ids[name] = created.json()["id"]

    def found(word: str) -> set[str]:
        bundle = fhir.get("/Condition", params={"code:text": word, "_count": "50"}).json()
        return {e["resource"]["id"] for e in bundle.get("entry", [])}

    assert found("内服治療") == {ids["own-text"]}  # the text only
    assert found("本態性") == {ids["own-text"]}  # the display only
    assert found("２型糖尿") == found("2型糖尿") == {ids["same-text"]}
    assert found("ペニシリン") == {ids["text-only"]}
    assert found("高血圧") == {ids["own-text"]}


def test_source_search_reads_where_each_resource_came_from(fhir: httpx.Client) -> None:
    """``_source`` (``meta.source``, kept in a column of ``resources``): exact, ``:below``,
    ``:above``, ``:missing``, ``:not`` refused, sorting, and an update that changes it."""
    base = "urn:kizuna:source:uke:1310100019:202310.UKE"
    sources = {"a1": f"{base}#1", "a2": f"{base}#2", "b1": "urn:kizuna:source:uke:13101:x#1"}
    ids: dict[str, str] = {}
    for name in [*sources, "none"]:
        body: Resource = {
            "resourceType": "Procedure",
            "status": "completed",
            "subject": {"reference": "Patient/source-test"},
        }
        if name in sources:
            body["meta"] = {"source": sources[name]}
        response = fhir.post("/Procedure", json=body)
        assert response.status_code == 201, response.text[:400]
        ids[name] = response.json()["id"]

    def found(params: dict[str, str]) -> set[str]:
        return {k for k, v in ids.items() if v in _all_ids(fhir, "/Procedure", params)}

    assert found({"_source": f"{base}#1"}) == {"a1"}
    assert found({"_source": f"{base}#2,{base}#1"}) == {"a1", "a2"}
    assert found({"_source:below": base}) == {"a1", "a2"}
    assert found({"_source:above": f"{base}#2/more"}) == {"a2"}
    assert found({"_source:missing": "true"}) == {"none"}
    assert found({"_source:missing": "false"}) == {"a1", "a2", "b1"}
    assert found({"_source": base}) == set()
    assert found({"_source": f"{base}#1", "status": "completed"}) == {"a1"}
    assert found({"_source": f"{base}#1", "status": "in-progress"}) == set()
    refused = fhir.get("/Procedure", params={"_source:not": base})
    assert refused.status_code == 400
    assert refused.json()["issue"][0]["expression"] == ["_source:not"]
    listed = _all_ids(fhir, "/Procedure", {"_source:below": "urn:kizuna:", "_sort": "-_source"})
    assert listed == [ids["b1"], ids["a2"], ids["a1"]]

    moved = {
        "resourceType": "Procedure",
        "id": ids["a1"],
        "meta": {"source": "urn:kizuna:source:uke:13101:x#9"},
        "status": "completed",
        "subject": {"reference": "Patient/source-test"},
    }
    assert fhir.put(f"/Procedure/{ids['a1']}", json=moved).status_code == 200
    assert found({"_source": f"{base}#1"}) == set()
    assert found({"_source:below": "urn:kizuna:source:uke:13101:x"}) == {"a1", "b1"}
    assert fhir.delete(f"/Procedure/{ids['b1']}").status_code in (200, 204)
    assert found({"_source:below": "urn:kizuna:source:uke:13101:x"}) == {"a1"}
