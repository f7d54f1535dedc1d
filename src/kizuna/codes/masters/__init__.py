"""Code masters shared by every source format and the viewer.

``get_masters().drug("610406079")`` and friends answer in O(1) from the shipped curated set
overlaid with the official files an operator installed (:func:`load_official_masters`).
"""

from kizuna.codes.masters.install import InstallReport, MasterInstallError, load_official_masters
from kizuna.codes.masters.model import (
    DiseaseInfo,
    DrugInfo,
    MaterialInfo,
    ModifierInfo,
    ProcedureCategory,
    ProcedureInfo,
    categorise,
    ingredient_of_yj,
)
from kizuna.codes.masters.ssk import MasterFormatError
from kizuna.codes.masters.store import Masters, get_masters, reset_masters

__all__ = [
    "DiseaseInfo",
    "DrugInfo",
    "InstallReport",
    "MasterFormatError",
    "MasterInstallError",
    "Masters",
    "MaterialInfo",
    "ModifierInfo",
    "ProcedureCategory",
    "ProcedureInfo",
    "categorise",
    "get_masters",
    "ingredient_of_yj",
    "load_official_masters",
    "reset_masters",
]
