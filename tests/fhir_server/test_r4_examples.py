"""Must show 1: the official R4 examples load with under 2% rejected, as documented."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from bench.r4_examples import DOCS, load_all
from tests.conftest import IN_CI


@pytest.mark.slow
def test_official_r4_examples_load_with_the_documented_rejections(tmp_path: Path) -> None:
    if shutil.which("npm") is None and not IN_CI:
        pytest.skip("npm is needed to fetch hl7.fhir.r4.examples")
    total, rejected = load_all(f"sqlite:///{tmp_path / 'r4.sqlite3'}")
    assert total == 5306
    assert len(rejected) / total < 0.02
    documented = set(re.findall(r"^\| `([^`]+)` \|", DOCS.read_text(), re.MULTILINE))
    assert {name for name, _, _ in rejected} == documented
    assert all(status in (400, 422) and reason for _, status, reason in rejected)
