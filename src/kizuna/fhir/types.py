"""Which names are FHIR R4 resource types."""

from __future__ import annotations

from kizuna.fhir.definitions import resource_types


def is_resource_type(name: str) -> bool:
    return name in resource_types()
