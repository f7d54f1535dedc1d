"""What the code masters say about one code: drugs, diseases, modifiers, acts, materials."""

from __future__ import annotations

import enum
from dataclasses import dataclass


def ingredient_of_yj(yj_code: str | None) -> str | None:
    """The first 7 characters of a YJ code (薬効分類 + 成分), or None for a malformed code.

    Two products with the same key contain the same ingredient (combination products have
    their own key); the key is how medications are merged and duplicates spotted.
    """
    if not yj_code or len(yj_code) != 12 or not yj_code.isascii():
        return None
    key = yj_code[:7]
    return key if key[:4].isdigit() and key.isalnum() else None


@dataclass(frozen=True, slots=True)
class DrugInfo:
    """医薬品マスター (支払基金 ``y_``): keyed by the 9-digit レセ電 drug code."""

    code: str
    name: str
    kana: str | None = None
    unit: str | None = None
    yj_code: str | None = None  # 薬価基準収載医薬品コード (12 characters)
    generic_code: str | None = None  # 一般名コード (一般名処方マスタ)

    @property
    def ingredient_key(self) -> str | None:
        return ingredient_of_yj(self.yj_code)


@dataclass(frozen=True, slots=True)
class DiseaseInfo:
    """傷病名マスター (支払基金 ``b_``): keyed by the 7-digit 傷病名コード."""

    code: str
    name: str
    short_name: str | None = None
    kana: str | None = None
    icd10: str | None = None  # ICD-10 (2013), e.g. "I675"
    medis_management: str | None = None  # MEDIS 病名管理番号
    medis_exchange: str | None = None  # MEDIS 病名交換用コード


@dataclass(frozen=True, slots=True)
class ModifierInfo:
    """修飾語マスター (支払基金 ``z_``): keyed by the 4-digit 修飾語コード."""

    code: str
    name: str
    kana: str | None = None
    medis_management: str | None = None
    medis_exchange: str | None = None

    @property
    def is_suffix(self) -> bool:
        """8000-series modifiers follow the disease name (接尾語); the others precede it."""
        return self.code.startswith("8")


class ProcedureCategory(enum.Enum):
    """What an act is, for the emergency view's surgery / anaesthesia / transfusion history."""

    SURGERY = "surgery"
    ANAESTHESIA = "anaesthesia"
    TRANSFUSION = "transfusion"
    OTHER = "other"


#: 区分番号 of the 点数表 that are transfusion (K920 輸血 and K920-2 輸血管理料).
TRANSFUSION_KUBUN = frozenset({"920"})


@dataclass(frozen=True, slots=True)
class ProcedureInfo:
    """医科診療行為マスター (支払基金 ``s_``): keyed by the 9-digit 診療行為コード."""

    code: str
    name: str
    kana: str | None = None
    unit: str | None = None
    letter: str | None = None  # コード表用番号 アルファベット部 (章: A..N)
    kubun: str | None = None  # 区分番号, e.g. "920"
    branch: str | None = None  # 枝番

    @property
    def category(self) -> ProcedureCategory:
        return categorise(self.letter, self.kubun)

    @property
    def table_number(self) -> str | None:
        """The 点数表 number as printed, e.g. ``K920`` or ``B001-2``."""
        if not self.letter or not self.kubun:
            return None
        branch = self.branch.lstrip("0") if self.branch else ""
        return f"{self.letter}{self.kubun}" + (f"-{branch}" if branch else "")


def categorise(letter: str | None, kubun: str | None) -> ProcedureCategory:
    """Surgery (章 K), anaesthesia (章 L), transfusion (K920) or other."""
    if letter == "L":
        return ProcedureCategory.ANAESTHESIA
    if letter == "K":
        if kubun in TRANSFUSION_KUBUN:
            return ProcedureCategory.TRANSFUSION
        return ProcedureCategory.SURGERY
    return ProcedureCategory.OTHER


@dataclass(frozen=True, slots=True)
class MaterialInfo:
    """特定器材マスター (支払基金 ``t_``): keyed by the 9-digit 特定器材コード."""

    code: str
    name: str
    kana: str | None = None
    unit: str | None = None
