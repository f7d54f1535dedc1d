"""The compiled search expressions agree with fhirpathpy, used as an oracle.

For every search parameter and every resource of its base type, Kizuna's result equals
fhirpathpy's as a collection (order ignored; decimals compared as numbers). Documented
differences, applied to the oracle's side only:

- fhirpathpy does not implement ``resolve()``; the oracle gets an independent version
  with Kizuna's semantics (type from the reference text or ``Reference.type``; ``#id``
  resolves to the contained resource).
- fhirpathpy finds nothing for the abstract roots ``Resource.``/``DomainResource.``; the
  oracle is given the concrete type instead.
- fhirpathpy raises on ``x as T`` when ``x`` has several items; Kizuna filters (as
  ``ofType``), so the oracle then evaluates the ``ofType`` form.
- fhirpathpy drops from its output any object whose only member is ``extension`` (its
  internal form of primitive extensions), even a real CodeableConcept carrying only a
  nullFlavor extension; such values are left out of both sides.
"""

from __future__ import annotations

import copy
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fhirpathpy import apply_parsed_path
from fhirpathpy.engine.nodes import ResourceNode
from fhirpathpy.models import models
from fhirpathpy.parser import parse

from kizuna.fhir import definitions
from kizuna.fhir.searchparams import params_for

MODEL = models["r4"]
REFERENCE = re.compile(r"(?:^|/)([A-Z][A-Za-z]+)/([^/|]+)(?:/_history/[^/]+)?(?:\|.*)?$")


def _oracle_resolve(root: dict[str, Any]) -> Any:
    contained = {c.get("id"): c for c in root.get("contained", []) if isinstance(c, dict)}

    def resolve(inputs: list[Any]) -> list[Any]:
        out = []
        for ref in inputs:
            if not isinstance(ref, dict):
                continue
            text = ref.get("reference")
            kind = None
            if isinstance(text, str) and text.startswith("#"):
                if text[1:] in contained:
                    out.append(ResourceNode.create_node(contained[text[1:]]))
                continue
            if isinstance(text, str) and not text.startswith("urn:"):
                match = REFERENCE.search(text)
                if match and match.group(1) in definitions.resource_types():
                    kind = match.group(1)
            kind = kind or ref.get("type")
            if kind:
                out.append(ResourceNode.create_node({"resourceType": kind}))
        return out

    return resolve


def _canonical(values: list[Any]) -> list[str]:
    def default(value: Any) -> Any:
        return float(value) if isinstance(value, Decimal) else str(value)

    kept = [v for v in values if not (isinstance(v, dict) and list(v) == ["extension"])]
    return sorted({json.dumps(v, sort_keys=True, default=default) for v in kept})


_PARSED: dict[str, Any] = {}


def _run_oracle(expression: str, resource: dict[str, Any], options: dict[str, Any]) -> list[Any]:
    node = _PARSED.get(expression)
    if node is None:
        node = _PARSED[expression] = parse(expression)
    return list(apply_parsed_path(resource, node, {}, MODEL, options))


def _oracle(expression: str, resource_type: str, resource: dict[str, Any]) -> list[Any]:
    expression = re.sub(r"\b(Resource|DomainResource)\.", resource_type + ".", expression)
    options = {
        "userInvocationTable": {"resolve": {"fn": _oracle_resolve(resource), "arity": {0: []}}}
    }
    try:
        return _run_oracle(expression, resource, options)
    except ValueError as problem:
        if "singleton" not in str(problem):
            raise
    filtered = re.sub(r"\(([A-Za-z.]+) as ([A-Za-z]+)\)", r"\1.ofType(\2)", expression)
    return _run_oracle(filtered.replace(".as(", ".ofType("), resource, options)


def mismatches(resources: list[dict[str, Any]]) -> tuple[int, list[tuple[str, str, str]]]:
    """(comparisons made, [(resource id, parameter, expression)] that differ)."""
    compared, differ = 0, []
    for resource in resources:
        resource_type = resource["resourceType"]
        pristine = copy.deepcopy(resource)
        for param in params_for(resource_type).values():
            if param.extractor is None:
                continue
            mine = param.extractor(resource)
            theirs = _oracle(param.expression or "", resource_type, pristine)
            compared += 1
            if _canonical(mine) != _canonical(theirs):
                differ.append((str(resource.get("id")), param.code, param.expression or ""))
    return compared, differ


def test_oracle_agrees_on_the_shipped_samples(
    synthea_bundles: list[dict[str, Any]], jp_files: dict[str, dict[str, Any]]
) -> None:
    resources = [entry["resource"] for bundle in synthea_bundles[:3] for entry in bundle["entry"]]
    for document in jp_files.values():
        resources.append(document)
        resources.extend(e["resource"] for e in document.get("entry", []) if "resource" in e)
    compared, differ = mismatches(resources)
    assert compared > 10_000
    assert differ == []


@pytest.mark.slow
def test_oracle_agrees_on_every_official_r4_example(r4_package: Path) -> None:
    resources = []
    for path in sorted(r4_package.glob("*.json")):
        resource = json.loads(path.read_text())
        if resource.get("resourceType") in definitions.resource_types():
            resources.append(resource)
    compared, differ = mismatches(resources)
    assert compared > 100_000
    assert differ == []
