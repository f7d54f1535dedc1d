"""What the JP checks need from a drug master: the ingredients named in a drug name.

:class:`DrugLookup` is deliberately one method, so any drug master (for instance the
``kizuna.codes.masters`` tables, through :class:`IngredientIndex`) can answer it. A YJ
code's first seven characters (薬効分類 + 成分) identify the ingredient; so do a general
order code's (一般名処方コード).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Protocol

from kizuna.textnorm import normalize

YJ_HEADER = "薬価基準収載医薬品コード"
INGREDIENT_HEADER = "成分名"
MIN_NAME_LENGTH = 2  # one-character names (鉄 ...) would match too much


class DrugLookup(Protocol):
    def ingredient_keys(self, drug_name: str) -> frozenset[str] | None:
        """Seven-character ingredient keys of the ingredients named in ``drug_name``.

        Empty when the master knows none of them; None when no master is loaded.
        """
        ...


class NoDrugMaster:
    """The lookup used when no master is loaded: every answer is "unknown"."""

    def ingredient_keys(self, drug_name: str) -> frozenset[str] | None:
        return None


class IngredientIndex:
    """Ingredient names (成分名) -> keys, matched inside drug names after normalisation.

    When several names match, only the longest are kept, so クアゼパム does not also
    count as a shorter name it happens to contain.
    """

    def __init__(self, names_by_key: Mapping[str, str] | Iterable[tuple[str, str]]) -> None:
        pairs = names_by_key.items() if isinstance(names_by_key, Mapping) else names_by_key
        keys_by_name: dict[str, set[str]] = {}
        for key, name in pairs:
            folded = normalize(name)
            if len(folded) >= MIN_NAME_LENGTH:
                keys_by_name.setdefault(folded, set()).add(key)
        self._keys = {name: frozenset(keys) for name, keys in keys_by_name.items()}
        self._names = sorted(self._keys, key=len, reverse=True)

    def __len__(self) -> int:
        return len(self._keys)

    def ingredient_keys(self, drug_name: str) -> frozenset[str] | None:
        text = normalize(drug_name)
        found: list[str] = []
        for name in self._names:
            if name in text and not any(name in longer for longer in found):
                found.append(name)
        return frozenset(key for name in found for key in self._keys[name])


def load_price_list(path: Path) -> IngredientIndex:
    """An index from the MHLW NHI price list CSV (薬価基準収載品目リスト, UTF-8 or CP932)."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp932")
    rows = csv.reader(io.StringIO(text))
    header = next(rows, [])
    if YJ_HEADER not in header or INGREDIENT_HEADER not in header:
        raise ValueError(f"{path.name}: not an NHI price list (header missing)")
    yj_at, name_at = header.index(YJ_HEADER), header.index(INGREDIENT_HEADER)
    pairs = []
    for row in rows:
        if len(row) > max(yj_at, name_at):
            yj, name = row[yj_at].strip(), row[name_at].strip()
            if len(yj) == 12 and yj[:4].isdigit() and name:
                pairs.append((yj[:7], name))
    return IngredientIndex(pairs)
