"""Small synthetic populations, generated once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from kizuna.synth.config import NoiseConfig, SynthConfig
from kizuna.synth.generate import Summary, generate

SEED = 11
NOISY = NoiseConfig(
    kana_variant=0.3,
    kanji_variant=0.6,
    typo=0.2,
    dob_swap=0.3,
    missing_insurance=0.25,
    missing_branch=0.3,
    stale_address=0.5,
    moves=0.3,
    marriage=0.5,
    twins=0.3,
)


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Summary]:
    """The demo profile, smaller: showcase patients plus generated households."""
    root = tmp_path_factory.mktemp("synth-demo")
    return root, generate(SynthConfig(120, SEED, root, workers=1))


@pytest.fixture(scope="session")
def noisy(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SynthConfig]:
    """A population with every noise rate raised, and no showcase patients."""
    root = tmp_path_factory.mktemp("synth-noisy")
    config = SynthConfig(300, 5, root, noise=NOISY, showcase=False, workers=2)
    generate(config)
    return root, config
