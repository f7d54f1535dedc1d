"""Fixtures for the checkup tests."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

_SPEC = importlib.util.spec_from_file_location(
    "kizuna_tests_r4shape", Path(__file__).parent.parent / "jahis_tc" / "r4shape.py"
)
assert _SPEC and _SPEC.loader
r4shape = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(r4shape)


@pytest.fixture(scope="session")
def assert_r4() -> Callable[[dict[str, Any]], None]:
    """Fails the test when a resource is not structurally valid FHIR R4."""

    def check(resource: dict[str, Any]) -> None:
        found = r4shape.problems(resource)
        assert not found, found

    return check
