"""The same seed and options give byte-identical output; the number of workers does not
matter; another seed gives another population."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.synth.support import digests

from kizuna.synth.config import SynthConfig
from kizuna.synth.generate import generate

pytestmark = pytest.mark.slow  # each test generates a population
SIZE = 60


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    generate(SynthConfig(SIZE, 3, first, workers=1))
    generate(SynthConfig(SIZE, 3, second, workers=1))
    a, b = digests(first), digests(second)
    assert len(a) > 300
    assert a == b


def test_workers_do_not_change_the_output(tmp_path: Path) -> None:
    generate(SynthConfig(SIZE, 3, tmp_path / "one", workers=1))
    generate(SynthConfig(SIZE, 3, tmp_path / "two", workers=2))
    assert digests(tmp_path / "one") == digests(tmp_path / "two")


def test_regenerating_into_the_same_folder_replaces_it(tmp_path: Path) -> None:
    generate(SynthConfig(SIZE, 3, tmp_path, workers=1))
    before = digests(tmp_path)
    generate(SynthConfig(SIZE, 3, tmp_path, workers=1))
    assert digests(tmp_path) == before


def test_another_seed_another_population(tmp_path: Path) -> None:
    generate(SynthConfig(SIZE, 3, tmp_path / "a", workers=1, showcase=False))
    generate(SynthConfig(SIZE, 4, tmp_path / "b", workers=1, showcase=False))
    people_a = (tmp_path / "a" / "truth" / "people.csv").read_text("utf-8")
    people_b = (tmp_path / "b" / "truth" / "people.csv").read_text("utf-8")
    assert people_a != people_b
