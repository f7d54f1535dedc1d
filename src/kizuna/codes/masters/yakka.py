"""The MHLW NHI price list (薬価基準収載品目リスト, 厚生労働省): CSV with a header row.

Only the columns needed here are read, found by their header names: the YJ code
(薬価基準収載医薬品コード), the ingredient (成分名), the strength (規格) and the product name
(品名). The official file is CP932; a UTF-8 copy is accepted as well.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from kizuna.codes.masters.model import ingredient_of_yj
from kizuna.codes.masters.ssk import MasterFormatError, decode_master

YJ_HEADER = "薬価基準収載医薬品コード"
INGREDIENT_HEADER = "成分名"
STRENGTH_HEADER = "規格"
PRODUCT_HEADER = "品名"


@dataclass(frozen=True, slots=True)
class PriceListEntry:
    yj_code: str
    ingredient: str
    strength: str | None
    product: str | None

    @property
    def ingredient_key(self) -> str | None:
        return ingredient_of_yj(self.yj_code)


def is_price_list(head: str) -> bool:
    first = head.splitlines()[0] if head else ""
    return YJ_HEADER in first and INGREDIENT_HEADER in first


def read_price_list(path: Path) -> dict[str, PriceListEntry]:
    """YJ code -> entry; every data row is checked for a 12-character YJ code."""
    text = decode_master(path.read_bytes(), path.name)
    rows = csv.reader(io.StringIO(text))
    header = next(rows, None)
    if header is None or YJ_HEADER not in header or INGREDIENT_HEADER not in header:
        raise MasterFormatError(f"{path.name}: not an NHI price list (header missing)")
    yj_at, ing_at = header.index(YJ_HEADER), header.index(INGREDIENT_HEADER)
    strength_at = header.index(STRENGTH_HEADER) if STRENGTH_HEADER in header else None
    product_at = header.index(PRODUCT_HEADER) if PRODUCT_HEADER in header else None
    entries: dict[str, PriceListEntry] = {}
    for number, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) <= max(yj_at, ing_at):
            raise MasterFormatError(f"{path.name}:{number}: too few columns")
        yj = row[yj_at].strip()
        if ingredient_of_yj(yj) is None:
            raise MasterFormatError(f"{path.name}:{number}: malformed YJ code")
        entries[yj] = PriceListEntry(
            yj_code=yj,
            ingredient=row[ing_at].strip(),
            strength=_cell(row, strength_at),
            product=_cell(row, product_at),
        )
    return entries


def _cell(row: list[str], index: int | None) -> str | None:
    if index is None or index >= len(row):
        return None
    return row[index].strip() or None
