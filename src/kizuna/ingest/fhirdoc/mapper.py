"""FHIR documents and bundles → a Unit.

A ``document`` Bundle (JP-CLINS referral letter, discharge summary, patient summary,
e-prescription) is kept whole as a document and its entries also become searchable
resources; a ``collection`` (the JP-CLINS 6-item submission) contributes its entries only.
Entry ids are derived from the bundle's identifier and the entry's fullUrl, so a re-sent
document updates the same resources; ``urn:uuid:`` references between entries are
rewritten to ``Type/id``, and references to the bundle's Patient to the unit's patient.
Organizations carrying a facility code get the same id every format gives them.
"""

from __future__ import annotations

from typing import Any

from kizuna.fhir import jpcore
from kizuna.ingest.base import PATIENT_REF, Location, MappingError, SourceRef, Unit, stable_id

FORMAT = "fhir"


def _bundle_key(bundle: dict[str, Any], file: str) -> str:
    identifier = bundle.get("identifier") or {}
    if identifier.get("value"):
        return f"{identifier.get('system', '')}|{identifier['value']}"
    if bundle.get("id"):
        return f"id|{bundle['id']}"
    raise MappingError(
        "the bundle has neither an identifier nor an id", Location(file, field="Bundle.identifier")
    )


def _flatten(
    bundle: dict[str, Any], file: str, prefix: str = "Bundle"
) -> list[tuple[str, dict[str, Any], str]]:
    """(fullUrl, resource, location) of every entry, nested bundles included."""
    out: list[tuple[str, dict[str, Any], str]] = []
    for i, entry in enumerate(bundle.get("entry") or []):
        where = f"{prefix}.entry[{i}]"
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
            raise MappingError("entry without a resource", Location(file, field=where))
        full_url = entry.get("fullUrl") or f"{resource['resourceType']}/{resource.get('id', i)}"
        if resource["resourceType"] == "Bundle":
            out += _flatten(resource, file, f"{where}.resource")
        else:
            out.append((full_url, resource, where))
    return out


def _facility_code(resource: dict[str, Any]) -> str | None:
    for identifier in resource.get("identifier") or []:
        if identifier.get("system") in (
            jpcore.FACILITY_CODE,
            "http://jpfhir.jp/fhir/Common/IdSystem/insurance-medical-institution-no",
        ):
            return str(identifier.get("value") or "") or None
    return None


def _new_id(key: str, full_url: str, resource: dict[str, Any]) -> str:
    if resource["resourceType"] == "Organization":
        code = _facility_code(resource)
        if code:
            return stable_id("Organization", code)
    return stable_id(FORMAT, key, full_url)


def _rewrite(node: Any, mapping: dict[str, str]) -> Any:
    if isinstance(node, dict):
        return {
            k: (
                mapping.get(v, v)
                if k == "reference" and isinstance(v, str)
                else _rewrite(v, mapping)
            )
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_rewrite(v, mapping) for v in node]
    return node


def _aliases(full_url: str, resource: dict[str, Any], target: str) -> dict[str, str]:
    aliases = {full_url: target}
    if resource.get("id"):
        aliases[f"{resource['resourceType']}/{resource['id']}"] = target
    return aliases


def map_resource(resource: dict[str, Any], file: str) -> Unit:
    """A single resource, stored as sent (its id kept): the REST-style path for files."""
    res_type = resource["resourceType"]
    if not resource.get("id"):
        raise MappingError(
            "a single resource needs an id to be ingested", Location(file, field=f"{res_type}.id")
        )
    key = f"{res_type}/{resource['id']}"
    return Unit(
        key=f"{FORMAT}|{key}",
        source=SourceRef(FORMAT, file, key, None),
        patient=None,
        resources=[resource],
        version=str((resource.get("meta") or {}).get("lastUpdated") or ""),
    )


def _identity(patient: dict[str, Any]) -> Any:
    return sorted((i.get("system", ""), i.get("value", "")) for i in patient.get("identifier", []))


def map_bundle(bundle: dict[str, Any], file: str) -> Unit:
    if bundle["resourceType"] != "Bundle":
        return map_resource(bundle, file)
    key = _bundle_key(bundle, file)
    entries = _flatten(bundle, file)
    patients = [(u, r) for u, r, _ in entries if r["resourceType"] == "Patient"]
    if len({repr(_identity(r)) for _, r in patients}) > 1:
        raise MappingError(
            "the bundle names more than one patient", Location(file, field="Bundle.entry")
        )
    mapping: dict[str, str] = {}
    for full_url, resource, _ in entries:
        if resource["resourceType"] == "Patient":
            mapping.update(_aliases(full_url, resource, PATIENT_REF))
        else:
            target = f"{resource['resourceType']}/{_new_id(key, full_url, resource)}"
            mapping.update(_aliases(full_url, resource, target))
    resources = []
    for full_url, resource, _ in entries:
        if resource["resourceType"] == "Patient":
            continue
        body = _rewrite(resource, mapping)
        body["id"] = mapping[full_url].split("/")[1]
        body.pop("meta", None) if not (body.get("meta") or {}).get("profile") else None
        resources.append(body)
    patient = None
    if patients:
        patient = {
            k: v for k, v in patients[0][1].items() if k not in ("id", "meta", "text", "contained")
        }
    organization = next((r for _, r, _ in entries if r["resourceType"] == "Organization"), None)
    facility = _facility_code(organization) if organization else None
    document = None
    if bundle.get("type") == "document":
        document = {**bundle, "id": stable_id(FORMAT, key, "document")}
    return Unit(
        key=f"{FORMAT}|{key}",
        source=SourceRef(FORMAT, file, key, facility),
        patient=patient,
        resources=resources,
        version=str(bundle.get("timestamp") or (bundle.get("meta") or {}).get("lastUpdated") or ""),
        document=document,
    )
