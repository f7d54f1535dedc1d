"""Known interactions between ingredients: a curated table, each pair with its public source.

The table (``viewer/data/interactions.csv``) holds only pairs stated as 併用禁忌 in the
package inserts it cites (see docs/viewer.md); it is deliberately small and never inferred.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class Interaction:
    key_a: str
    name_a: str
    key_b: str
    name_b: str
    level: str
    source: str


@cache
def interaction_table() -> dict[frozenset[str], Interaction]:
    text = resources.files("kizuna.viewer").joinpath("data", "interactions.csv").read_text("utf-8")
    table = {}
    for row in csv.DictReader(text.splitlines()):
        item = Interaction(
            row["key_a"], row["name_a"], row["key_b"], row["name_b"], row["level"], row["source"]
        )
        table[frozenset((item.key_a, item.key_b))] = item
    return table


def find_interactions(keys: set[str]) -> list[Interaction]:
    """Every tabled pair among ``keys`` (7-character ingredient keys)."""
    table = interaction_table()
    found = []
    ordered = sorted(keys)
    for i, a in enumerate(ordered):
        for b in ordered[i + 1 :]:
            hit = table.get(frozenset((a, b)))
            if hit:
                found.append(hit)
    return found


def ingredient_label(key: str) -> str | None:
    """The ingredient name the table gives for ``key``, if any pair names it."""
    for item in interaction_table().values():
        if item.key_a == key:
            return item.name_a
        if item.key_b == key:
            return item.name_b
    return None
