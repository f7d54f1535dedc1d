"""The Patient compartment: which patient a resource belongs to.

From the R4 Patient CompartmentDefinition. The store shards by :func:`patient_key`;
``Patient/$everything`` searches the parameters of :func:`patient_compartment_params`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from kizuna.fhir import definitions
from kizuna.fhir.fhirpath import split_reference
from kizuna.fhir.searchparams import params_for

Run = Callable[[dict[str, Any]], list[Any]]


def patient_compartment_params(resource_type: str) -> tuple[str, ...]:
    """Search parameter codes linking ``resource_type`` to a Patient (may be empty)."""
    return definitions.patient_compartment().get(resource_type, ())


def in_patient_compartment(resource_type: str) -> bool:
    return resource_type == "Patient" or bool(patient_compartment_params(resource_type))


def patient_key(resource: dict[str, Any]) -> str | None:
    """The id of the patient ``resource`` belongs to, or None.

    A Patient is its own key. Otherwise the first ``Patient/<id>`` referenced through the
    type's compartment parameters, in CompartmentDefinition order (``subject`` before
    ``performer`` for an Observation).
    """
    resource_type = resource.get("resourceType")
    if resource_type == "Patient":
        ident = resource.get("id")
        return ident if isinstance(ident, str) else None
    if not isinstance(resource_type, str):
        return None
    for run in _compartment_runs(resource_type):
        for value in run(resource):
            ident = _patient_id(value)
            if ident is not None:
                return ident
    return None


@cache
def _compartment_runs(resource_type: str) -> tuple[Run, ...]:
    params = params_for(resource_type)
    runs: list[Run] = []
    for code in patient_compartment_params(resource_type):
        param = params.get(code)
        if param is not None and param.extractor is not None:
            runs.extend(branch.run for branch in param.extractor.branches)
    return tuple(runs)


def _patient_id(value: Any) -> str | None:
    if type(value) is not dict:
        return None
    target = value.get("reference")
    if not isinstance(target, str) or not target or target[0] == "#":
        return None  # a contained patient has no id of its own on the server
    kind, ident, _ = split_reference(target)
    return ident if kind == "Patient" else None
