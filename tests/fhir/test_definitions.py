"""The derived definition files match the official R4 package they were built from."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kizuna.fhir import definitions
from kizuna.fhir.definitions import build
from kizuna.fhir.searchparams import params_for


def test_resource_types_and_element_tables() -> None:
    assert len(definitions.resource_types()) == 146
    observation = definitions.type_tables()["Observation"]
    assert observation.elements["status"].min == 1
    assert observation.elements["component"].type == "Observation.component"
    assert observation.elements["valueQuantity"].type == "Quantity"
    assert observation.elements["valueQuantity"].choice == "value"
    assert dict(observation.choices["value"][1])["valueQuantity"] == "Quantity"
    item = definitions.type_tables()["Questionnaire.item"]
    assert item.elements["item"].type == "Questionnaire.item"  # contentReference resolved
    assert definitions.type_tables()["Patient"].elements["id"].type == "id"
    assert definitions.is_subtype("Age", "Quantity")
    assert definitions.primitives()["positiveInt"].json == "integer"
    assert definitions.patient_compartment()["Observation"] == ("subject", "performer")


def test_search_parameters_match_the_source_bundle(shared_data: Path) -> None:
    bundle = json.loads((shared_data / "fhir-r4" / "Bundle-searchParams.json").read_text())
    source = {e["resource"]["url"]: e["resource"] for e in bundle["entry"]}
    derived = {p["url"]: p for p in definitions.search_parameter_definitions()}
    assert set(source) == set(derived)
    for url, raw in source.items():
        assert derived[url]["expression"] == raw.get("expression")
        assert derived[url]["type"] == raw["type"]
        assert derived[url]["base"] == raw["base"]


def test_element_tables_match_a_fresh_derivation(r4_package: Path) -> None:
    types, parents, primitives, resource_types = build._derive_types(
        build._load_structures(r4_package)
    )
    assert sorted(resource_types) == sorted(definitions.resource_types())
    assert parents == definitions.type_parents()
    for name, raw in types.items():
        table = definitions.type_tables()[name]
        assert {k: list(v) for k, v in table.elements.items()} == raw["elements"], name
    assert {k: v["regex"] for k, v in primitives.items()} == {
        k: v.regex for k, v in definitions.primitives().items()
    }


@pytest.mark.parametrize(
    ("resource_type", "code", "kind"),
    [
        ("Observation", "code", "token"),
        ("Observation", "value-quantity", "quantity"),
        ("Observation", "code-value-quantity", "composite"),
        ("Patient", "name", "string"),
        ("Patient", "birthdate", "date"),
        ("Patient", "_id", "token"),
        ("Patient", "_lastUpdated", "date"),
        ("Patient", "_text", "string"),
        ("MedicationRequest", "patient", "reference"),
        ("Bundle", "composition", "reference"),
    ],
)
def test_params_for(resource_type: str, code: str, kind: str) -> None:
    param = params_for(resource_type)[code]
    assert param.type == kind
    assert param.base == resource_type
    extracted = kind not in ("composite", "special") and param.expression is not None
    assert (param.extractor is not None) == extracted


def test_params_for_scopes() -> None:
    assert "_text" not in params_for("Bundle")  # Bundle is not a DomainResource
    assert params_for("NotAType") == {}
    assert "Patient" in params_for("Observation")["patient"].targets
    composite = params_for("Observation")["code-value-quantity"]
    assert [expression for _, expression in composite.components] == ["code", "value.as(Quantity)"]
