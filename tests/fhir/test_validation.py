"""Structural and JP validation on real samples and on targeted broken resources."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kizuna.fhir.validation import MAX_DEPTH, Issue, errors_only, validate
from kizuna.fhir.validation.drugs import IngredientIndex, NoDrugMaster, load_price_list
from kizuna.fhir.validation.jp import validate_jp
from kizuna.fhir.validation.repair import repair_shapes

ERROR_EXAMPLES = (
    "MedicationRequest-ErrorExample-JP-MedReq-ExtEye-Total1.json",
    "MedicationRequest-ErrorExample-JP-MedReq-PO-SID-28days.json",
    "Observation-ErrorExample-ObsLabo-eGFR.json",
)
PRICE_LIST = "masters/mhlw_yakka_20250716_first400.csv"


def _errors(resource: Any, **options: Any) -> list[Issue]:
    return errors_only(validate(resource, **options))


def _patient(**members: Any) -> dict[str, Any]:
    return {"resourceType": "Patient", "id": "p1", **members}


def test_synthea_resources_have_no_errors(synthea_bundles: list[dict[str, Any]]) -> None:
    for bundle in synthea_bundles:
        assert _errors(bundle) == []
        for entry in bundle["entry"]:
            assert _errors(entry["resource"]) == [], entry["resource"]["id"]


def test_jp_samples_have_no_errors_except_the_error_examples(
    jp_files: dict[str, dict[str, Any]], shared_data: Path
) -> None:
    drugs = load_price_list(shared_data / PRICE_LIST)
    for name, resource in jp_files.items():
        issues = errors_only(validate(resource) + validate_jp(resource, drugs))
        if name in ERROR_EXAMPLES:
            assert issues, name
        else:
            assert issues == [], name


def test_jp_shape_slips_are_warnings_unless_strict(jp_files: dict[str, dict[str, Any]]) -> None:
    note_as_object = jp_files["MedicationRequest-JP-MedReq-ePreData-Example-naihuku.json"]
    lenient = validate(note_as_object)
    assert [(i.severity, i.expression) for i in lenient] == [("warning", "MedicationRequest.note")]
    assert [i.severity for i in validate(note_as_object, strict=True)] == ["error"]


def test_error_example_without_standard_drug_code(jp_files: dict[str, dict[str, Any]]) -> None:
    resource = jp_files[ERROR_EXAMPLES[0]]
    issues = errors_only(validate_jp(resource))
    assert [i.expression for i in issues] == ["MedicationRequest.medicationCodeableConcept.coding"]
    assert "no standard drug code" in issues[0].diagnostics
    assert errors_only(validate_jp(resource, accept_hot=True)) == []


def test_a_drug_coding_whose_system_is_not_a_string_is_reported_not_raised(
    jp_files: dict[str, dict[str, Any]],
) -> None:
    resource = copy.deepcopy(jp_files[ERROR_EXAMPLES[0]])
    coding = resource["medicationCodeableConcept"]["coding"][0]
    coding["system"] = [coding["system"]]  # a list where a uri belongs (found by hypothesis)
    structural = [(i.severity, i.expression) for i in validate(resource)]
    assert ("warning", "MedicationRequest.medicationCodeableConcept.coding[0].system") in structural
    jp = errors_only(validate_jp(resource, accept_hot=True))
    assert [i.expression for i in jp] == ["MedicationRequest.medicationCodeableConcept.coding"]


def test_error_example_with_wrong_general_order_code(
    jp_files: dict[str, dict[str, Any]], shared_data: Path
) -> None:
    resource = jp_files[ERROR_EXAMPLES[1]]
    assert errors_only(validate_jp(resource)) == []  # no master: the check cannot judge
    drugs = load_price_list(shared_data / PRICE_LIST)
    issues = errors_only(validate_jp(resource, drugs))
    assert len(issues) == 1
    coding = resource["medicationCodeableConcept"]["coding"][0]
    assert coding["code"] in issues[0].diagnostics
    assert issues[0].expression.endswith("coding[0].code")
    fixed = copy.deepcopy(resource)
    fixed["medicationCodeableConcept"]["coding"][0]["code"] = "1124030F2ZZZ"
    assert errors_only(validate_jp(fixed, drugs)) == []


def test_error_example_without_local_lab_code(jp_files: dict[str, dict[str, Any]]) -> None:
    issues = errors_only(validate_jp(jp_files[ERROR_EXAMPLES[2]]))
    assert [(i.code, i.expression) for i in issues] == [("required", "Observation.code.coding")]
    assert "local lab code" in issues[0].diagnostics


def test_price_list_loader_reads_the_quazepam_rows(shared_data: Path) -> None:
    drugs = load_price_list(shared_data / PRICE_LIST)
    rows = (shared_data / PRICE_LIST).read_text(encoding="utf-8").splitlines()
    quazepam = [r.split(",")[1] for r in rows if ",クアゼパム," in r]
    assert quazepam
    assert drugs.ingredient_keys("【般】クアゼパム錠２０ｍｇ") == {code[:7] for code in quazepam}
    assert drugs.ingredient_keys("存在しない薬") == frozenset()
    assert NoDrugMaster().ingredient_keys("クアゼパム") is None


def test_longest_ingredient_name_wins() -> None:
    index = IngredientIndex({"1111111": "アミノ", "2222222": "アミノフィリン"})
    assert index.ingredient_keys("アミノフィリン注") == {"2222222"}


@pytest.mark.parametrize(
    ("value", "severity"),
    [
        ("01130012:記号:123:01", None),
        ("138057:ｱ:45:00", None),
        ("01130013:記号:123:01", "warning"),
        ("0113001:記号:123:01", "error"),
        ("01130012:記号:123:1", "error"),
        ("01130012:記号::01", "error"),
        ("01130012-記号-123-01", "error"),
    ],
)
def test_insurance_member_ids(value: str, severity: str | None) -> None:
    patient = _patient(
        identifier=[
            {"system": "http://jpfhir.jp/fhir/clins/Idsystem/JP_Insurance_memberID", "value": value}
        ]
    )
    assert [i.severity for i in validate_jp(patient)] == ([severity] if severity else [])


@pytest.mark.parametrize(
    ("code", "severity"),
    [
        ("0110113719", None),
        ("1318814790", "warning"),
        ("131881479", "error"),
        ("13188147９0", "error"),
    ],
)
def test_facility_codes(code: str, severity: str | None) -> None:
    organization = {
        "resourceType": "Organization",
        "identifier": [
            {
                "system": "http://jpfhir.jp/fhir/core/IdSystem/insurance-medical-institution-no",
                "value": code,
            }
        ],
    }
    assert [i.severity for i in validate_jp(organization)] == ([severity] if severity else [])
    patient = _patient(
        identifier=[{"system": "urn:oid:1.2.392.100495.20.3.51.1" + code, "value": "1"}]
    )
    assert [i.severity for i in validate_jp(patient)] == ([severity] if severity else [])


@pytest.mark.parametrize(
    ("number", "severity"), [("06132013", None), ("06132014", "warning"), ("6132013", "error")]
)
def test_insurer_numbers(number: str, severity: str | None) -> None:
    coverage = {
        "resourceType": "Coverage",
        "payor": [
            {
                "identifier": {
                    "system": "http://jpfhir.jp/fhir/core/mhlw/IdSystem/InsurerNumber",
                    "value": number,
                }
            }
        ],
    }
    assert [i.severity for i in validate_jp(coverage)] == ([severity] if severity else [])


BROKEN: list[tuple[dict[str, Any], str, str]] = [
    ({"resourceType": "Pateint"}, "structure", "Pateint"),
    (_patient(active="yes"), "structure", "Patient.active"),
    (_patient(gender=1), "structure", "Patient.gender"),
    (_patient(nmae=[{"family": "x"}]), "structure", "Patient.nmae"),
    (_patient(birthDate="2024-02-30"), "value", "Patient.birthDate"),
    (_patient(birthDate="24-01-01"), "value", "Patient.birthDate"),
    (_patient(deceasedDateTime="2024-01-01T10:00:00"), "value", "Patient.deceasedDateTime"),
    (
        _patient(deceasedBoolean=True, deceasedDateTime="2024"),
        "structure",
        "Patient.deceasedDateTime",
    ),
    (_patient(deceasedBolean=True), "structure", "Patient.deceasedBolean"),
    (_patient(name=[{"family": ""}]), "value", "Patient.name[0].family"),
    (_patient(name=[{"given": ["A", 3]}]), "structure", "Patient.name[0].given[1]"),
    (_patient(name=[{"given": ["A", None]}]), "structure", "Patient.name[0].given[1]"),
    (_patient(name=[]), "structure", "Patient.name"),
    (_patient(name=[{}]), "structure", "Patient.name[0]"),
    (_patient(gender=["male", "female"]), "structure", "Patient.gender"),
    (_patient(multipleBirthInteger=2**31), "value", "Patient.multipleBirthInteger"),
    (_patient(multipleBirthInteger=1.5), "structure", "Patient.multipleBirthInteger"),
    (_patient(link=[{"type": "seealso"}]), "required", "Patient.link[0].other"),
    (_patient(extension=[{"valueString": "x"}]), "required", "Patient.extension[0].url"),
    (
        _patient(
            extension=[
                {
                    "url": "http://e",
                    "valueString": "x",
                    "extension": [{"url": "u", "valueCode": "c"}],
                }
            ]
        ),
        "invariant",
        "Patient.extension[0]",
    ),
    (_patient(extension=[{"url": "http://e"}]), "invariant", "Patient.extension[0]"),
    (_patient(text={"status": "generated", "div": "<p>x</p>"}), "value", "Patient.text.div"),
    (
        _patient(
            contained=[{"resourceType": "Patient", "contained": [{"resourceType": "Patient"}]}]
        ),
        "invariant",
        "Patient.contained[0]",
    ),
    (_patient(contained=[{"resourceType": "Nope"}]), "structure", "Patient.contained[0]"),
    (_patient(id="bad id!"), "value", "Patient.id"),
    (_patient(_birthDate="x"), "structure", "Patient.birthDate"),
    (_patient(_birthDate={"foo": 1}), "structure", "Patient.birthDate.foo"),
    ({"resourceType": "Observation", "code": {"text": "x"}}, "required", "Observation.status"),
    (
        {
            "resourceType": "MedicationRequest",
            "status": "active",
            "intent": "order",
            "subject": {"reference": "Patient/1"},
        },
        "required",
        "MedicationRequest.medication[x]",
    ),
    (
        {
            "resourceType": "Observation",
            "status": "final",
            "code": {"text": "x"},
            "valueQuantiy": {"value": 1},
        },
        "structure",
        "Observation.valueQuantiy",
    ),
    (
        _patient(telecom=[{"system": "phone", "value": "1", "rank": 0}]),
        "value",
        "Patient.telecom[0].rank",
    ),
]


@pytest.mark.parametrize(("resource", "code", "expression"), BROKEN)
def test_broken_resources_are_reported(
    resource: dict[str, Any], code: str, expression: str
) -> None:
    found = [(i.code, i.expression) for i in _errors(resource)]
    assert (code, expression) in found


def test_a_string_that_passed_as_one_type_is_still_checked_as_another() -> None:
    assert validate(_patient(name=[{"text": "2024-02-30"}])) == []  # any text is a string
    patient = _patient(name=[{"text": "2024-02-30"}], birthDate="2024-02-30")
    assert [(i.code, i.expression) for i in _errors(patient)] == [("value", "Patient.birthDate")]
    assert [i.severity for i in validate(_patient(gender=["male"]))] == ["warning"]
    assert validate(_patient(gender="male")) == []


def test_locations_in_arrays_backbones_and_primitive_extensions() -> None:
    patient = _patient(
        name=[{"given": ["A", "B"]}, {"given": ["C"], "_given": [3]}],
        contact=[{"name": {"family": 1}}, {"telecom": [{"system": "phone", "rank": 0}]}],
    )
    assert [(i.code, i.expression) for i in _errors(patient)] == [
        ("structure", "Patient.name[1].given[0]"),
        ("structure", "Patient.contact[0].name.family"),
        ("value", "Patient.contact[1].telecom[0].rank"),
    ]


def test_primitive_extensions_are_accepted() -> None:
    patient = _patient(
        birthDate="1970-01-01",
        _birthDate={
            "extension": [{"url": "http://e", "valueDateTime": "1970-01-01T05:00:00+09:00"}]
        },
        name=[
            {
                "given": ["A", None],
                "_given": [None, {"extension": [{"url": "http://n", "valueCode": "IDE"}]}],
            }
        ],
    )
    assert validate(patient) == []
    only_extension = _patient(_gender={"extension": [{"url": "http://e", "valueString": "?"}]})
    assert validate(only_extension) == []


def test_bundle_entries_and_required_choice_satisfied_by_extension() -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"resource": _patient(gender="male")},
            {"resource": {"resourceType": "Patient", "gender": 5}},
        ],
    }
    assert [i.expression for i in _errors(bundle)] == ["Bundle.entry[1].resource.gender"]


def _nested(depth: int) -> dict[str, Any]:
    item: dict[str, Any] = {"linkId": "leaf", "type": "display"}
    for level in range(depth):
        item = {"linkId": str(level), "type": "group", "item": [item]}
    return {"resourceType": "Questionnaire", "status": "active", "item": [item]}


def test_deep_nesting_is_an_issue_not_a_crash() -> None:
    assert validate(_nested(10)) == []
    issues = validate(_nested(5000))
    assert [i.code for i in issues] == ["too-costly"]
    assert str(MAX_DEPTH) in issues[0].diagnostics


def test_non_objects_are_rejected() -> None:
    for value in (None, [], "Patient", 3):
        assert [i.code for i in validate(value)] == ["structure"]


def _mutations() -> st.SearchStrategy[Any]:
    scalars = st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=8)
    )
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)
        ),
        max_leaves=6,
    )


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found.extend(_paths(child, (*prefix, key)))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            found.extend(_paths(child, (*prefix, i)))
    return found


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_real_resources_never_raise(
    data: st.DataObject,
    synthea_resources: list[dict[str, Any]],
    jp_files: dict[str, dict[str, Any]],
) -> None:
    pool = synthea_resources[:200] + list(jp_files.values())
    resource = copy.deepcopy(data.draw(st.sampled_from(pool)))
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(_paths(resource)[1:] or [("id",)]))
        parent = resource
        for step in path[:-1]:
            parent = parent[step]
        action = data.draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "delete" and isinstance(parent, dict):
            parent.pop(path[-1], None)
        elif action == "add" and isinstance(parent, dict):
            parent[data.draw(st.text(max_size=8))] = data.draw(_mutations())
        else:
            parent[path[-1]] = data.draw(_mutations())
    issues = validate(resource) + validate_jp(resource)
    assert all(isinstance(i, Issue) for i in issues)
    json.dumps([i.to_fhir() for i in issues])


def test_jp_checks_survive_deeply_nested_bundles() -> None:
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "collection"}
    current = bundle
    for _ in range(3000):
        inner: dict[str, Any] = {"resourceType": "Bundle", "type": "collection"}
        current["entry"] = [{"resource": inner}]
        current = inner
    current["identifier"] = {
        "system": "http://jpfhir.jp/fhir/core/IdSystem/insurance-medical-institution-no",
        "value": "1",
    }
    assert validate_jp(bundle) == []  # too deep to scan; validate() reports the depth
    assert [i.code for i in validate(bundle)] == ["too-costly"]


def test_repaired_jp_examples_pass_strict_validation(jp_files: dict[str, dict[str, Any]]) -> None:
    slipped = [name for name, r in jp_files.items() if _errors(r, strict=True)]
    slipped = [name for name in slipped if name not in ERROR_EXAMPLES]
    assert len(slipped) == 7
    for name in slipped:
        original = copy.deepcopy(jp_files[name])
        repaired = repair_shapes(jp_files[name])
        assert jp_files[name] == original  # the input is not modified
        assert _errors(repaired, strict=True) == [], name
        assert repair_shapes(repaired) == repaired
    prescription = jp_files["MedicationRequest-JP-MedReq-ePreData-Example-naihuku.json"]
    assert repair_shapes(prescription)["note"] == [prescription["note"]]


def test_repair_leaves_valid_resources_alone(synthea_resources: list[dict[str, Any]]) -> None:
    for resource in synthea_resources[:500]:
        assert repair_shapes(resource) == resource
    two_genders = _patient(gender=["male", "female"])
    assert repair_shapes(two_genders) == two_genders  # not repairable: still an error
    assert _errors(repair_shapes(two_genders))
