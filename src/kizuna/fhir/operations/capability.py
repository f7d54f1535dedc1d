"""``/metadata``: a CapabilityStatement listing exactly what this server supports."""

from __future__ import annotations

from functools import cache
from typing import Any

from kizuna.fhir.definitions import resource_types
from kizuna.fhir.search.query import MODIFIERS
from kizuna.fhir.searchparams import params_for

SEARCHABLE = frozenset(MODIFIERS)
INTERACTIONS = (
    "read",
    "vread",
    "update",
    "patch",
    "delete",
    "history-instance",
    "history-type",
    "create",
    "search-type",
)


def _search_params(res_type: str) -> list[dict[str, Any]]:
    params = [
        {"name": "_id", "type": "token"},
        {"name": "_lastUpdated", "type": "date"},
    ]
    for code, param in sorted(params_for(res_type).items()):
        if param.type in SEARCHABLE and code not in ("_id", "_lastUpdated"):
            params.append({"name": code, "type": param.type})
    return params


def _resource(res_type: str) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "type": res_type,
        "interaction": [{"code": code} for code in INTERACTIONS],
        "versioning": "versioned-update",
        "readHistory": True,
        "updateCreate": True,
        "conditionalCreate": True,
        "conditionalRead": "not-supported",
        "conditionalUpdate": True,
        "conditionalDelete": "single",
        "searchInclude": ["*"],
        "searchRevInclude": ["*"],
        "searchParam": _search_params(res_type),
    }
    if res_type == "Patient":
        entry["operation"] = [
            {
                "name": "everything",
                "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything",
            },
            {
                "name": "export",
                "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export",
            },
        ]
    if res_type == "Group":
        entry["operation"] = [
            {
                "name": "export",
                "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export",
            }
        ]
    return entry


@cache
def _resources() -> tuple[dict[str, Any], ...]:
    return tuple(_resource(t) for t in sorted(resource_types()))


def capability_statement(base: str) -> dict[str, Any]:
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-11-24",
        "kind": "instance",
        "software": {"name": "Kizuna", "version": "0.1.0"},
        "implementation": {"description": "Kizuna shared health record", "url": base},
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "json"],
        "patchFormat": ["application/json-patch+json"],
        "rest": [
            {
                "mode": "server",
                "resource": list(_resources()),
                "interaction": [
                    {"code": "transaction"},
                    {"code": "batch"},
                    {"code": "history-system"},
                ],
                "searchParam": [
                    {"name": "_count", "type": "number"},
                    {"name": "_offset", "type": "number"},
                    {"name": "_sort", "type": "string"},
                    {"name": "_total", "type": "token"},
                    {"name": "_summary", "type": "token"},
                    {"name": "_elements", "type": "string"},
                ],
                "operation": [
                    {
                        "name": "export",
                        "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export",
                    }
                ],
            }
        ],
    }
