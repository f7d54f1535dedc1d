"""Fixtures shared by the whole suite: where the sample data lives."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"
SHARED_DATA = Path(os.environ.get("KIZUNA_SHARED_DATA", REPO.parent / "shared" / "data"))
IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="session")
def samples() -> Path:
    """The licence-compatible samples shipped in the repository."""
    return SAMPLES


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Public samples that may not be copied into the repository (read in place).

    Under CI=true a missing folder is a failure, not a skip.
    """
    if not SHARED_DATA.is_dir():
        if IN_CI:
            pytest.fail(f"shared sample data missing at {SHARED_DATA}")
        pytest.skip(f"shared sample data not present at {SHARED_DATA}")
    return SHARED_DATA
