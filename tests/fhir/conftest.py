"""Fixtures for the FHIR engine tests: sample resources as a store would hold them."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

R4_PACKAGE = Path(os.environ.get("KIZUNA_FHIR_R4_PACKAGE", "/tmp/fhirpkg/package"))


def resolve_bundle_urls(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    """The entry resources with ``urn:uuid:`` references rewritten to ``Type/id``,
    as transaction processing does before the resources are indexed."""
    targets = {
        entry["fullUrl"]: f"{entry['resource']['resourceType']}/{entry['resource']['id']}"
        for entry in bundle["entry"]
        if "fullUrl" in entry and "id" in entry["resource"]
    }
    text = json.dumps([entry["resource"] for entry in bundle["entry"]])
    for url, target in targets.items():
        text = text.replace(f'"{url}"', f'"{target}"')
    resources: list[dict[str, Any]] = json.loads(text)
    return resources


@pytest.fixture(scope="session")
def synthea_bundles(samples: Path) -> list[dict[str, Any]]:
    paths = sorted((samples / "synthea-r4").glob("*.json"))
    return [json.loads(p.read_text()) for p in paths]


@pytest.fixture(scope="session")
def synthea_resources(synthea_bundles: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for bundle in synthea_bundles:
        out.extend(resolve_bundle_urls(bundle))
    return out


@pytest.fixture(scope="session")
def jp_files(samples: Path) -> dict[str, dict[str, Any]]:
    """Every JSON file under samples/fhir-jp, by file name."""
    paths = sorted((samples / "fhir-jp").rglob("*.json"))
    return {p.name: json.loads(p.read_text()) for p in paths}


@pytest.fixture(scope="session")
def r4_package() -> Path:
    """The official R4 examples package: ``$KIZUNA_FHIR_R4_PACKAGE`` when set, else fetched
    once with ``npm pack`` into ~/.cache/kizuna (skipped only outside CI without npm)."""
    if (R4_PACKAGE / "package.json").is_file():
        return R4_PACKAGE
    import shutil

    from bench.r4_examples import package_dir
    from tests.conftest import IN_CI

    if shutil.which("npm") is None and not IN_CI:
        pytest.skip("npm is needed to fetch hl7.fhir.r4.examples")
    return package_dir()
