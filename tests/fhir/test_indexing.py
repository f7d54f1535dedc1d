"""Index extraction: rows read back against the values in real sample resources."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kizuna.fhir import definitions
from kizuna.fhir.indexing import (
    extract,
    parse_date_range,
    patient_compartment_params,
    patient_key,
    plan_for,
    search_text,
)
from kizuna.fhir.indexing.date import LOCAL_OFFSET_MINUTES, OPEN_HIGH, OPEN_LOW
from kizuna.textnorm import normalize, search_form

JST = dt.timezone(dt.timedelta(minutes=LOCAL_OFFSET_MINUTES))


EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _ms(value: dt.datetime) -> int:
    return (value - EPOCH) // dt.timedelta(milliseconds=1)


def _first(resources: list[dict[str, Any]], kind: str, test: Any = None) -> dict[str, Any]:
    return next(r for r in resources if r["resourceType"] == kind and (test is None or test(r)))


def test_synthea_observation_rows(synthea_resources: list[dict[str, Any]]) -> None:
    obs = _first(synthea_resources, "Observation", lambda r: "valueQuantity" in r)
    rows = extract(obs)
    coding = obs["code"]["coding"][0]
    assert ("code", coding["system"], coding["code"], search_text(coding["display"])) in rows.tokens
    # the text repeats the coding's display: the coding's row already answers code:text
    assert obs["code"]["text"] == coding["display"]
    assert [r for r in rows.tokens if r[0] == "code" and r[2] is None] == []
    quantity = obs["valueQuantity"]
    assert (
        "value-quantity",
        float(quantity["value"]),
        quantity["system"],
        quantity["code"],
        quantity["unit"],
    ) in rows.quantities
    low, high = parse_date_range(obs["effectiveDateTime"])
    assert ("date", low, high) in rows.dates
    patient_type, patient_id = obs["subject"]["reference"].split("/")
    assert ("subject", patient_type, patient_id, None) in rows.references
    # ``patient`` is subject.where(resolve() is Patient): answered from the subject rows
    assert "patient" not in {row[0] for row in rows.references}
    assert ("_id", None, obs["id"], None) in rows.tokens
    assert patient_key(obs) == patient_id


def test_rows_are_unique_and_well_typed(synthea_resources: list[dict[str, Any]]) -> None:
    for resource in synthea_resources[:2000]:
        rows = extract(resource)
        for kind in ("tokens", "strings", "dates", "references", "quantities", "numbers", "uris"):
            values = getattr(rows, kind)
            assert len(values) == len(set(values)), (resource["id"], kind)
        assert all(low <= high for _, low, high in rows.dates)
        assert all(isinstance(value, float) for _, value, *_ in rows.quantities)


def test_synthea_patient_names_and_address(synthea_resources: list[dict[str, Any]]) -> None:
    patient = _first(synthea_resources, "Patient")
    rows = extract(patient)
    name = patient["name"][0]
    family, given = name["family"], name["given"]
    assert ("family", search_text(family), family) in rows.strings
    assert ("given", search_text(given[0]), given[0]) in rows.strings
    joined = " ".join([family, *given])
    assert ("name", search_text(joined), joined) in rows.strings
    address = patient["address"][0]
    assert ("address-city", search_text(address["city"]), address["city"]) in rows.strings
    assert ("address", search_text(address["line"][0]), address["line"][0]) in rows.strings
    assert ("birthdate", *parse_date_range(patient["birthDate"])) in rows.dates
    assert ("gender", None, patient["gender"], None) in rows.tokens
    assert patient_key(patient) == patient["id"]


def test_japanese_patient_names_match_in_every_script(jp_files: dict[str, dict[str, Any]]) -> None:
    patient = jp_files["Patient-Example-JP-Patient-eCS-MAKINO.json"]
    rows = extract(patient)
    values = {value for param, value, _ in rows.strings if param == "name"}
    kana_name = next(n for n in patient["name"] if n.get("extension"))
    family = kana_name["family"]
    joined = search_text(family + "".join(kana_name["given"]))
    assert search_text(family) in values
    assert joined in values
    for query in (family, joined):
        assert any(v.startswith(search_text(query)) for v in values)
    kanji = next(n for n in patient["name"] if n is not kana_name)
    assert search_text(kanji["family"] + kanji["given"][0]) in values


@pytest.mark.parametrize("spelling", ["ヤマダ", "やまだ", "ﾔﾏﾀﾞ", "ヤマダ　", "ｙａｍａｄａ"])
def test_kana_width_and_case_fold_together(spelling: str) -> None:
    patient = {
        "resourceType": "Patient",
        "name": [
            {"family": "ヤマダ", "given": ["タロウ"]},
            {"family": "Yamada"},
            {"family": "山田"},
        ],
    }
    values = {value for param, value, _ in extract(patient).strings if param == "family"}
    assert search_text(spelling) in values
    assert search_text("山田") in values
    assert search_text("ヤマダタロウ") in {v for p, v, _ in extract(patient).strings if p == "name"}


def test_accents_fold_but_kana_marks_stay() -> None:
    assert search_text("Émilie") == "emilie"
    assert search_text("ガ") == search_text("が") == "が"
    assert search_text("ﾊﾟ") == "ぱ"
    assert search_text("ガ") != search_text("カ")


@pytest.mark.parametrize(
    ("value", "low", "high"),
    [
        ("2024", dt.datetime(2024, 1, 1, tzinfo=JST), dt.datetime(2025, 1, 1, tzinfo=JST)),
        ("2024-02", dt.datetime(2024, 2, 1, tzinfo=JST), dt.datetime(2024, 3, 1, tzinfo=JST)),
        ("2023-12", dt.datetime(2023, 12, 1, tzinfo=JST), dt.datetime(2024, 1, 1, tzinfo=JST)),
        ("2024-02-29", dt.datetime(2024, 2, 29, tzinfo=JST), dt.datetime(2024, 3, 1, tzinfo=JST)),
        (
            "2024-05-01T10:00",
            dt.datetime(2024, 5, 1, 10, tzinfo=JST),
            dt.datetime(2024, 5, 1, 10, 1, tzinfo=JST),
        ),
        (
            "2024-05-01T10:00:00",
            dt.datetime(2024, 5, 1, 10, tzinfo=JST),
            dt.datetime(2024, 5, 1, 10, 0, 1, tzinfo=JST),
        ),
        (
            "2024-05-01T01:00:00Z",
            dt.datetime(2024, 5, 1, 1, tzinfo=dt.UTC),
            dt.datetime(2024, 5, 1, 1, 0, 1, tzinfo=dt.UTC),
        ),
        (
            "2024-05-01T10:00:00.25-05:00",
            dt.datetime(2024, 5, 1, 10, 0, 0, 250000, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
            dt.datetime(2024, 5, 1, 10, 0, 0, 260000, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
        ),
    ],
)
def test_date_precision_ranges(value: str, low: dt.datetime, high: dt.datetime) -> None:
    assert parse_date_range(value) == (_ms(low), _ms(high) - 1)


@pytest.mark.parametrize(
    "value", ["2024-13", "2023-02-29", "2024-05-01T25:00:00", "20240501", "", "x"]
)
def test_malformed_dates_raise(value: str) -> None:
    with pytest.raises(ValueError):
        parse_date_range(value)


@settings(max_examples=300, deadline=None)
@given(
    st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30)),
    st.integers(min_value=-12 * 60, max_value=14 * 60).map(lambda m: m - m % 15),
)
def test_datetime_ranges_agree_with_the_datetime_module(moment: dt.datetime, offset: int) -> None:
    zone = dt.timezone(dt.timedelta(minutes=offset))
    moment = moment.replace(microsecond=moment.microsecond - moment.microsecond % 1000, tzinfo=zone)
    text = moment.isoformat(timespec="milliseconds")
    low, high = parse_date_range(text)
    assert low == high == _ms(moment)
    day_low, day_high = parse_date_range(text[:10])
    day_start = dt.datetime.combine(moment.date(), dt.time(), JST)
    assert day_low == _ms(day_start)
    assert day_high == _ms(day_start + dt.timedelta(days=1)) - 1


def test_period_and_timing_rows() -> None:
    request = {
        "resourceType": "CarePlan",
        "period": {"start": "2024-04-01"},
        "activity": [
            {"detail": {"scheduledTiming": {"event": ["2024-04-02", "2024-04-05T09:00:00Z"]}}}
        ],
    }
    rows = extract(request)
    start = parse_date_range("2024-04-01")[0]
    assert ("date", start, OPEN_HIGH) in rows.dates
    first, last = parse_date_range("2024-04-02")[0], parse_date_range("2024-04-05T09:00:00Z")[1]
    assert ("activity-date", first, last) in rows.dates
    encounter = {"resourceType": "Encounter", "period": {"end": "2024-04-01"}}
    assert ("date", OPEN_LOW, parse_date_range("2024-04-01")[1]) in extract(encounter).dates


def test_reference_encodings() -> None:
    resource = {
        "resourceType": "Observation",
        "subject": {"reference": "Patient/p1/_history/3"},
        "performer": [
            {"reference": "https://example.org/fhir/Practitioner/d1"},
            {"reference": "urn:uuid:9d2f3a3e-0b9b-4f19-b1b4-8a3a1d1f9e10", "type": "Organization"},
            {"reference": "#contained"},
            {"identifier": {"system": "urn:oid:1.2.3", "value": "D42"}},
        ],
    }
    rows = extract(resource)
    assert ("subject", "Patient", "p1", None) in rows.references
    url = "https://example.org/fhir/Practitioner/d1"
    assert ("performer", "Practitioner", "d1", url) in rows.references
    uuid = "urn:uuid:9d2f3a3e-0b9b-4f19-b1b4-8a3a1d1f9e10"
    assert ("performer", "Organization", None, uuid) in rows.references
    assert not any(row[3] == "#contained" for row in rows.references)
    assert ("performer:identifier", "urn:oid:1.2.3", "D42", None) in rows.tokens
    assert patient_key(resource) == "p1"


def test_quantity_kinds_and_shared_rows() -> None:
    claim = {
        "resourceType": "Claim",
        "total": {"value": 1200, "currency": "JPY"},
        "item": [{"sequence": 1, "unitPrice": {"value": 10.5, "currency": "JPY"}}],
    }
    assert extract(claim).quantities == []  # Claim has no quantity parameter on Money
    condition = {
        "resourceType": "Condition",
        "onsetRange": {"low": {"value": 3}, "high": {"value": 5}},
    }
    rows = extract(condition)
    assert ("onset-age", 3.0, None, None, None) in rows.quantities
    assert ("onset-age", 5.0, None, None, None) in rows.quantities
    observation = {
        "resourceType": "Observation",
        "code": {"coding": [{"system": "http://loinc.org", "code": "1-1"}]},
    }
    params = {row[0] for row in extract(observation).tokens}
    assert "code" in params
    assert "combo-code" not in params  # code | component.code: those two answer it


def test_identifier_and_contact_tokens(jp_files: dict[str, dict[str, Any]]) -> None:
    patient = jp_files["Patient-Example-JP-Patient-standard.json"]
    rows = extract(patient)
    for identifier in patient["identifier"]:
        assert any(
            r[:3] == ("identifier", identifier["system"], identifier["value"]) for r in rows.tokens
        )
    for telecom in patient.get("telecom", []):
        assert ("telecom", telecom.get("system"), telecom["value"], None) in rows.tokens


def test_patient_compartment() -> None:
    assert patient_compartment_params("Observation") == ("subject", "performer")
    assert patient_compartment_params("Organization") == ()
    performer_only = {
        "resourceType": "Observation",
        "subject": {"reference": "Group/g1"},
        "performer": [{"reference": "Practitioner/d"}, {"reference": "Patient/p9"}],
    }
    assert patient_key(performer_only) == "p9"
    assert patient_key({"resourceType": "Organization", "id": "o"}) is None
    assert patient_key({"resourceType": "Observation", "subject": {"reference": "#p"}}) is None


def test_unencodable_branches_are_only_the_documented_ones() -> None:
    """docs/fhir/indexing.md lists these (parameter, value type) pairs as not indexed."""
    gaps = {(kind, *gap) for kind in definitions.resource_types() for gap in plan_for(kind).gaps}
    assert gaps == {
        ("Consent", "source-reference", "Attachment"),
        ("Observation", "component-value-quantity", "SampledData"),
        ("Observation", "value-quantity", "SampledData"),
        ("Procedure", "date", "Age"),
        ("Procedure", "date", "Range"),
        ("RiskAssessment", "probability", "Range"),
    }


def test_index_and_query_share_one_normal_form() -> None:
    assert search_text("ヤマダ　タロウ") == search_form("やまだたろう") == normalize("やまだたろう")


def test_a_codeable_concepts_text_gets_a_row_only_when_no_coding_carries_it() -> None:
    def code_rows(code: dict[str, Any]) -> list[tuple[Any, ...]]:
        condition = {"resourceType": "Condition", "code": code}
        return [r for r in extract(condition).tokens if r[0] == "code"]

    coding = {"system": "http://jpfhir.jp/fhir/core/mhlw/CodeSystem/MDCDX2", "code": "8846224"}
    # text with its own wording (and display spelt in half-width kana): both are kept
    differs = code_rows({"coding": [{**coding, "display": "ｺｳｹﾂｱﾂｼｮｳ"}], "text": "高血圧症"})
    assert differs == [
        ("code", coding["system"], "8846224", search_text("ｺｳｹﾂｱﾂｼｮｳ")),
        ("code", None, None, search_text("高血圧症")),
    ]
    # the same words in another width or kana: one row, the coding's
    same = code_rows({"coding": [{**coding, "display": "コウケツアツショウ"}], "text": "ｺｳｹﾂｱﾂｼｮｳ"})
    assert same == [("code", coding["system"], "8846224", search_text("コウケツアツショウ"))]
    # text alone, or beside a coding without display: the text row stays
    alone = code_rows({"text": "高血圧症"})
    assert alone == [("code", None, None, search_text("高血圧症"))]
    bare = code_rows({"coding": [coding], "text": "高血圧症"})
    assert bare == [
        ("code", coding["system"], "8846224", None),
        ("code", None, None, search_text("高血圧症")),
    ]
