"""Helpers shared by the FHIR server tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

SYNTHEA = Path(__file__).resolve().parents[2] / "samples" / "synthea-r4"


def synthea_bundles(limit: int | None = None) -> list[dict[str, Any]]:
    files = sorted(SYNTHEA.glob("*.json"))[:limit]
    return [json.loads(f.read_text()) for f in files]


def post_transaction(client: httpx.Client, bundle: dict[str, Any]) -> dict[str, str]:
    """POST a transaction; return fullUrl -> 'Type/id' from the response locations."""
    response = client.post("", json=bundle, headers={"Content-Type": "application/fhir+json"})
    assert response.status_code == 200, response.text[:2000]
    mapping: dict[str, str] = {}
    for entry, result in zip(bundle["entry"], response.json()["entry"], strict=True):
        location = result["response"]["location"]
        mapping[entry["fullUrl"]] = "/".join(location.split("/")[:2])
    return mapping


def resolve_refs(node: Any, mapping: dict[str, str]) -> Any:
    """The input as the server should store it: urn:uuid references replaced."""
    if isinstance(node, dict):
        return {
            k: (
                mapping.get(v, v)
                if k == "reference" and isinstance(v, str)
                else resolve_refs(v, mapping)
            )
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [resolve_refs(v, mapping) for v in node]
    return node


def without_meta(resource: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in resource.items() if k != "meta"}
