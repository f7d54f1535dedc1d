"""Fixtures for the receipt-file tests: the public 医科 sample, parsed and mapped once."""

from __future__ import annotations

from pathlib import Path

import pytest

from kizuna.codes.masters import Masters
from kizuna.ingest.base import Unit
from kizuna.ingest.uke.adapter import UkeAdapter
from kizuna.ingest.uke.parser import UkeFile, parse_bytes

SAMPLE_NAME = "RECEIPTC_GAIRAI_SAMPLE.UKE"


@pytest.fixture(scope="session")
def sample_path(samples: Path) -> Path:
    return samples / "uke" / SAMPLE_NAME


@pytest.fixture(scope="session")
def sample_bytes(sample_path: Path) -> bytes:
    return sample_path.read_bytes()


@pytest.fixture(scope="session")
def sample_lines(sample_bytes: bytes) -> list[str]:
    """The sample's lines as text (CP932 decoded), 0-based: line N of the file is [N - 1]."""
    return sample_bytes.decode("cp932").split("\r\n")


@pytest.fixture(scope="session")
def sample_file(sample_bytes: bytes) -> UkeFile:
    return parse_bytes(sample_bytes, SAMPLE_NAME)


@pytest.fixture(scope="session")
def shipped_masters() -> Masters:
    """The shipped curated set only (no installed official files)."""
    return Masters(None)


@pytest.fixture(scope="session")
def sample_units(sample_bytes: bytes, shipped_masters: Masters) -> list[Unit]:
    items = list(UkeAdapter(shipped_masters).read_bytes(sample_bytes, SAMPLE_NAME))
    assert all(isinstance(item, Unit) for item in items)
    return [item for item in items if isinstance(item, Unit)]
