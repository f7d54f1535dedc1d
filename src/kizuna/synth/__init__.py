"""Synthetic Japanese population written in the source formats (``kizuna synth``).

``generate(SynthConfig(patients, seed, out))`` writes SS-MIX2 storage trees, receipt files,
e-medication notebook exports, prescription QR texts, checkup XML and FHIR documents for a
population with coherent multi-year histories, plus the ground truth that links every
record to its person. See docs/synth.md.
"""

from kizuna.synth.config import NoiseConfig, SynthConfig
from kizuna.synth.generate import Summary, generate

__all__ = ["NoiseConfig", "Summary", "SynthConfig", "generate"]
