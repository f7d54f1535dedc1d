"""The FHIRPath compiler on hand-written resources: each construct the R4 search
parameters use, with expected values read from the resources themselves."""

from __future__ import annotations

import pytest

from kizuna.fhir import definitions
from kizuna.fhir.fhirpath import FhirPathError, compile, model, split_reference
from kizuna.fhir.searchparams import unsupported_expressions

OBS = {
    "resourceType": "Observation",
    "id": "o1",
    "status": "final",
    "code": {"coding": [{"system": "http://loinc.org", "code": "8302-2"}], "text": "Height"},
    "subject": {"reference": "Patient/p1"},
    "performer": [{"reference": "Practitioner/d1"}, {"reference": "#pat"}],
    "effectiveDateTime": "2024-05-01T10:00:00+09:00",
    "valueQuantity": {"value": 170.5, "unit": "cm"},
    "component": [
        {"code": {"text": "a"}, "valueQuantity": {"value": 1}},
        {"code": {"text": "b"}, "valueString": "x"},
        {"code": {"text": "c"}, "valueQuantity": {"value": 3}},
    ],
    "contained": [{"resourceType": "Patient", "id": "pat"}],
    "extension": [
        {"url": "http://example.org/a", "valueString": "first"},
        {"url": "http://example.org/b", "valueCode": "second"},
    ],
}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("Observation.status", ["final"]),
        ("Observation.code.coding.code", ["8302-2"]),
        ("Observation.value as Quantity", [OBS["valueQuantity"]]),
        ("Observation.value.as(Quantity)", [OBS["valueQuantity"]]),
        ("(Observation.value as string)", []),
        ("Observation.effective", ["2024-05-01T10:00:00+09:00"]),
        ("(Observation.component.value as Quantity).value", [1, 3]),
        ("Observation.component.value.ofType(string)", ["x"]),
        ("Observation.component[1].code.text", ["b"]),
        ("Observation.subject.where(resolve() is Patient)", [OBS["subject"]]),
        ("Observation.performer.where(resolve() is Practitioner)", [OBS["performer"][0]]),
        ("Observation.performer.where(resolve() is Patient)", [OBS["performer"][1]]),
        ("Observation.status | Observation.status", ["final"]),
        ("Observation.extension('http://example.org/b').value", ["second"]),
        ("Observation.extension.where(url = 'http://example.org/a').value", ["first"]),
        ("Observation.component.code.text.first()", ["a"]),
        ("Observation.value.exists() and Observation.value != false", [True]),
        ("Observation.issued.empty()", [True]),
        ("Observation.issued.exists().not()", [True]),
        ("%resource.id", ["o1"]),
        ("Resource.id", ["o1"]),
        ("Patient.name", []),
        ("Observation.value is Quantity", [True]),
        ("Observation.status = 'final' or Observation.status = 'amended'", [True]),
        ("Observation.component.where(code.text = 'c').value", [{"value": 3}]),
    ],
)
def test_expression_values(expression: str, expected: list[object]) -> None:
    assert compile(expression)(OBS) == expected
    assert compile(expression, "Observation")(OBS) == expected


def test_root_type_prunes_other_resource_types() -> None:
    expression = "AllergyIntolerance.patient | Observation.subject.where(resolve() is Patient)"
    compiled = compile(expression, "Observation")
    assert [b.root_key for b in compiled.branches] == ["subject"]
    assert compiled(OBS) == [OBS["subject"]]


def test_choice_branches_are_typed() -> None:
    branches = compile("Observation.effective", "Observation").branches
    assert {b.type for b in branches} == {"dateTime", "Period", "Timing", "instant"}
    assert {b.root_key for b in branches} == {
        "effectiveDateTime",
        "effectivePeriod",
        "effectiveTiming",
        "effectiveInstant",
    }


def test_deceased_token_expression_on_patients() -> None:
    expression = "Patient.deceased.exists() and Patient.deceased != false"
    compiled = compile(expression, "Patient")
    assert compiled({"resourceType": "Patient", "deceasedBoolean": True}) == [True]
    assert compiled({"resourceType": "Patient", "deceasedBoolean": False}) == [False]
    assert compiled({"resourceType": "Patient", "deceasedDateTime": "2020"}) == [True]
    assert compiled({"resourceType": "Patient"}) == [False]


@pytest.mark.parametrize(
    "expression",
    [
        "Observation.value + 1",
        "Observation.code.memberOf('x')",
        "Observation.value[%x]",
        "(",
        "a b",
    ],
)
def test_unsupported_or_malformed_expressions_fail_at_compile_time(expression: str) -> None:
    with pytest.raises(FhirPathError):
        compile(expression)


def test_every_r4_search_parameter_expression_compiles() -> None:
    assert unsupported_expressions() == []


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("Patient/123", ("Patient", "123", None)),
        ("Patient/123/_history/4", ("Patient", "123", None)),
        (
            "http://example.org/fhir/Observation/o1",
            ("Observation", "o1", "http://example.org/fhir/Observation/o1"),
        ),
        (
            "urn:uuid:0b5b1d6a-1f0b-4c55-9c0e-2c8f0d0c9a11",
            (None, None, "urn:uuid:0b5b1d6a-1f0b-4c55-9c0e-2c8f0d0c9a11"),
        ),
        ("#p1", (None, None, None)),
        (
            "http://hl7.org/fhir/ValueSet/example|4.0.1",
            ("ValueSet", "example", "http://hl7.org/fhir/ValueSet/example|4.0.1"),
        ),
        ("Unknown/1", (None, None, "Unknown/1")),
    ],
)
def test_split_reference(reference: str, expected: tuple[str | None, ...]) -> None:
    assert split_reference(reference) == expected


def test_union_removes_repeats_across_and_within_sides() -> None:
    codes = [f"C{i % 3000}" for i in range(6000)]
    value_set = {
        "resourceType": "ValueSet",
        "status": "active",
        "expansion": {"timestamp": "2024", "contains": [{"code": c} for c in codes]},
        "compose": {"include": [{"concept": [{"code": c} for c in codes[:10]]}]},
    }
    expression = "ValueSet.expansion.contains.code | ValueSet.compose.include.concept.code"
    assert sorted(compile(expression, "ValueSet")(value_set)) == sorted(set(codes))
    assert compile("ValueSet.expansion.contains.code", "ValueSet")(value_set) == codes


@pytest.mark.parametrize(
    "wanted",
    [("Patient",), ("Group", "Patient"), ("Resource",), ("Quantity",), ("string",), ("Element",)],
)
def test_type_tests_agree_with_the_type_hierarchy(wanted: tuple[str, ...]) -> None:
    test = model.type_test(wanted)
    names = [*definitions.resource_types(), *definitions.type_tables(), *definitions.primitives()]
    for name in [*names, "DomainResource", "Unknown", "Unknown.part", ""]:
        assert test(name) == model.type_matches(name, wanted), name
