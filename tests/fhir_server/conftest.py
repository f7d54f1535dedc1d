"""Fixtures for the FHIR server tests: an HTTP client on a live server, loaded samples."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest


@pytest.fixture
def fhir(live_server: Any) -> Iterator[httpx.Client]:
    """An HTTP client whose base URL is the server's FHIR root."""
    with httpx.Client(base_url=f"{live_server.url}/fhir", timeout=60) as client:
        yield client


@pytest.fixture
def live_server(database_url: str, make_live_server: Any) -> Any:
    """The FHIR conformance tests run in open mode: they test the FHIR server, not access
    control (tests/security covers that with authentication on)."""
    return make_live_server(database_url, auth="off")
