"""Fixtures for the SS-MIX2 tests: the sample tree, and its units read once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kizuna.codes.checkdigit import with_check_digit
from kizuna.ingest.base import Unit
from kizuna.ingest.ssmix2.adapter import Ssmix2Adapter
from kizuna.ingest.ssmix2.storage import parse_name

#: A valid 10-digit facility code (Shizuoka, medical): the sample has none of its own.
FACILITY = with_check_digit("221315001")


@pytest.fixture(scope="session")
def sample_root(samples: Path) -> Path:
    return samples / "ssmix2" / "sampleData"


@pytest.fixture(scope="session")
def sample_files(sample_root: Path) -> dict[str, Path]:
    """The sample message files by data type (each type occurs once)."""
    out: dict[str, Path] = {}
    for path in sorted(sample_root.rglob("*")):
        name = parse_name(path.name) if path.is_file() else None
        if name is not None:
            out[name.data_type] = path
    return out


@pytest.fixture(scope="session")
def sample_units(sample_root: Path) -> dict[str, Unit]:
    """The units of the whole sample tree, by data type."""
    out: dict[str, Unit] = {}
    for result in Ssmix2Adapter(FACILITY).read(sample_root):
        assert isinstance(result, Unit), f"sample file failed: {result}"
        name = parse_name(Path(result.source.file).name)
        assert name is not None
        out[name.data_type] = result
    return out


@pytest.fixture
def tree_copy(sample_root: Path, tmp_path: Path) -> Path:
    """A writable copy of the sample tree."""
    root = tmp_path / "storage"
    shutil.copytree(sample_root, root)
    return root


@pytest.fixture(scope="session")
def facility() -> str:
    return FACILITY
