"""One place to look codes up: drugs, diseases, modifiers, acts, materials and ingredients.

The package ships a small curated set (``data/``, facts with their sources in
docs/masters.md). Official master files installed by :func:`~kizuna.codes.masters.install.
load_official_masters` into ``$KIZUNA_DATA_DIR/masters`` take precedence code by code. Each
kind is read once, on first use, into a dict, so every lookup is O(1).
"""

from __future__ import annotations

import csv
import json
import os
import threading
from collections.abc import Callable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from kizuna.codes.masters.hot import read_hot_master
from kizuna.codes.masters.model import (
    DiseaseInfo,
    DrugInfo,
    MaterialInfo,
    ModifierInfo,
    ProcedureInfo,
    ingredient_of_yj,
)
from kizuna.codes.masters.ssk import read_ssk
from kizuna.codes.masters.yakka import PriceListEntry, read_price_list
from kizuna.fhir import jpcore

MANIFEST = "manifest.json"
#: manifest kind -> the 支払基金 master letter it holds
SSK_KINDS = {"drugs": "Y", "procedures": "S", "diseases": "B", "modifiers": "Z", "materials": "T"}
_YJ_SYSTEMS = frozenset({jpcore.YJ_CODE, jpcore.YJ_CODE_URI, "yj"})
_HOT9_SYSTEMS = frozenset({jpcore.HOT9, jpcore.HOT9_URI, "hot9"})
_HOT13_SYSTEMS = frozenset({jpcore.HOT13, "hot13"})
_RECEIPT_SYSTEMS = frozenset({jpcore.RECEIPT_DRUG_CODE, "receipt"})
_GENERAL_SYSTEMS = frozenset({jpcore.GENERAL_ORDER_CODE, "general"})


def _none(value: str) -> str | None:
    return value or None


def _shipped_rows(name: str) -> list[dict[str, str]]:
    text = resources.files("kizuna.codes.masters").joinpath("data", name).read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


def _shipped(kind: str) -> dict[str, Any]:
    readers: dict[str, Callable[[dict[str, str]], Any]] = {
        "drugs": lambda r: DrugInfo(
            r["code"],
            r["name"],
            _none(r["kana"]),
            _none(r["unit"]),
            _none(r["yj_code"]),
            _none(r["generic_code"]),
        ),
        "diseases": lambda r: DiseaseInfo(
            r["code"],
            r["name"],
            _none(r["short_name"]),
            _none(r["kana"]),
            _none(r["icd10"]),
            _none(r["medis_management"]),
            _none(r["medis_exchange"]),
        ),
        "modifiers": lambda r: ModifierInfo(
            r["code"],
            r["name"],
            _none(r["kana"]),
            _none(r["medis_management"]),
            _none(r["medis_exchange"]),
        ),
        "procedures": lambda r: ProcedureInfo(
            r["code"],
            r["name"],
            _none(r["kana"]),
            _none(r["unit"]),
            _none(r["letter"]),
            _none(r["kubun"]),
            _none(r["branch"]),
        ),
        "materials": lambda r: MaterialInfo(
            r["code"], r["name"], _none(r["kana"]), _none(r["unit"])
        ),
    }
    reader = readers[kind]
    return {row["code"]: reader(row) for row in _shipped_rows(f"{kind}.csv")}


class Masters:
    """Code lookups over the shipped set overlaid with the installed official files."""

    def __init__(self, official_dir: Path | None = None) -> None:
        self._official_dir = official_dir
        self._tables: dict[str, dict[str, Any]] = {}
        self._lock = threading.RLock()  # loading one kind may load another

    # -- lookups ---------------------------------------------------------------------------
    def drug(self, code: str) -> DrugInfo | None:
        found: DrugInfo | None = self._table("drugs").get(code)
        return found

    def disease(self, code: str) -> DiseaseInfo | None:
        found: DiseaseInfo | None = self._table("diseases").get(code)
        return found

    def modifier(self, code: str) -> ModifierInfo | None:
        found: ModifierInfo | None = self._table("modifiers").get(code)
        return found

    def procedure(self, code: str) -> ProcedureInfo | None:
        found: ProcedureInfo | None = self._table("procedures").get(code)
        return found

    def material(self, code: str) -> MaterialInfo | None:
        found: MaterialInfo | None = self._table("materials").get(code)
        return found

    def price_list(self, yj_code: str) -> PriceListEntry | None:
        found: PriceListEntry | None = self._table("price_list").get(yj_code)
        return found

    def yj_of_hot9(self, hot9: str) -> str | None:
        found: str | None = self._table("hot9").get(hot9)
        return found

    def ingredient_key(self, system: str, code: str) -> str | None:
        """The YJ-prefix ingredient (7 characters) of a drug code in any system, or None.

        ``system`` is a code system URI (jpcore YJ, HOT9, HOT13, レセ電, 一般名) or one of the
        short names ``yj``, ``hot9``, ``hot13``, ``receipt``, ``general``.
        """
        if system in _YJ_SYSTEMS or system in _GENERAL_SYSTEMS:
            return ingredient_of_yj(code)
        if system in _RECEIPT_SYSTEMS:
            info = self.drug(code)
            return info.ingredient_key if info else None
        if system in _HOT13_SYSTEMS:
            system, code = "hot9", code[:9]
        if system in _HOT9_SYSTEMS:
            return ingredient_of_yj(self.yj_of_hot9(code))
        return None

    def ingredient_names(self) -> dict[str, str]:
        """Every 7-character ingredient key with its 成分名 (from an installed price list)."""
        names: dict[str, str] = self._table("ingredients")
        return names

    def ingredient_name(self, key: str) -> str | None:
        """The ingredient (成分名) of a 7-character key, from the installed price list."""
        names: dict[str, str] = self._table("ingredients")
        return names.get(key)

    def disease_text(
        self, code: str | None, modifier_codes: list[str], given_name: str | None
    ) -> str | None:
        """The full diagnosis as written: prefixes + disease name + suffixes (8000番台).

        ``given_name`` (the receipt's own text) is used for the uncoded disease 0000999 or
        an unknown code; unknown modifiers are left out of the text.
        """
        info = self.disease(code) if code and code != "0000999" else None
        base = info.name if info else given_name
        if base is None:
            return None
        prefixes: list[str] = []
        suffixes: list[str] = []
        for modifier_code in modifier_codes:
            modifier = self.modifier(modifier_code)
            if modifier is not None:
                (suffixes if modifier.is_suffix else prefixes).append(modifier.name)
        return "".join(prefixes) + base + "".join(suffixes)

    # -- loading ---------------------------------------------------------------------------
    def _table(self, kind: str) -> dict[str, Any]:
        table = self._tables.get(kind)
        if table is None:
            with self._lock:
                table = self._tables.get(kind)
                if table is None:
                    table = self._load(kind)
                    self._tables[kind] = table
        return table

    def _load(self, kind: str) -> dict[str, Any]:
        if kind == "ingredients":
            return {
                entry.ingredient_key: entry.ingredient
                for entry in self._table("price_list").values()
                if entry.ingredient_key
            }
        table: dict[str, Any] = {}
        if kind in SSK_KINDS:
            table.update(_shipped(kind))
        elif kind == "hot9":
            table.update({r["hot9"]: r["yj_code"] for r in _shipped_rows("hot9.csv")})
        for path in self._official_files(kind):
            table.update(_read_official(kind, path))
        return table

    def _official_files(self, kind: str) -> list[Path]:
        if self._official_dir is None:
            return []
        manifest = self._official_dir / MANIFEST
        if not manifest.is_file():
            return []
        files = json.loads(manifest.read_text("utf-8")).get("files", [])
        return [self._official_dir / f["name"] for f in files if f.get("kind") == kind]


def _read_official(kind: str, path: Path) -> dict[str, Any]:
    if kind in SSK_KINDS:
        return read_ssk(path)[1]
    if kind == "price_list":
        return read_price_list(path)
    if kind == "hot9":
        return read_hot_master(path)
    return {}


def data_dir() -> Path:
    """``$KIZUNA_DATA_DIR`` (default ``./var``)."""
    return Path(os.environ.get("KIZUNA_DATA_DIR", "var"))


def official_dir(base: Path | None = None) -> Path:
    return (base or data_dir()) / "masters"


@cache
def get_masters() -> Masters:
    """The process-wide masters (shipped set + files installed under ``$KIZUNA_DATA_DIR``)."""
    return Masters(official_dir())


def reset_masters() -> None:
    """Forget the loaded masters (after installing new files, or between tests)."""
    get_masters.cache_clear()
