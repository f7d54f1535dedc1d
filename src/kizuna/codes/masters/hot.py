"""HOT9 to YJ links: the shipped file or an installed MEDIS HOT master (医薬品HOTコードマスター).

The MEDIS file has a header row; the columns are found by name (a HOT13 or HOT9 column and
the 個別医薬品コード / YJ column), so small layout changes between releases do not matter.
HOT9 is the first nine digits of HOT13 (処方用番号 + 会社識別用番号).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from kizuna.codes.masters.model import ingredient_of_yj
from kizuna.codes.masters.ssk import MasterFormatError, decode_master

_HOT13_NAMES = ("基準番号", "HOT13", "ＨＯＴ１３")
_HOT9_NAMES = ("HOT9", "ＨＯＴ９")
_YJ_NAMES = ("個別医薬品コード", "YJ")


def _find(header: list[str], names: tuple[str, ...]) -> int | None:
    for index, title in enumerate(header):
        if any(name in title for name in names):
            return index
    return None


def is_hot_master(head: str) -> bool:
    first = head.splitlines()[0] if head else ""
    cells = next(csv.reader(io.StringIO(first)), [])
    has_hot = _find(cells, _HOT13_NAMES + _HOT9_NAMES) is not None
    return has_hot and _find(cells, _YJ_NAMES) is not None


def read_hot_master(path: Path) -> dict[str, str]:
    """HOT9 -> YJ code; rows without a YJ code (not on the price list) are skipped."""
    text = decode_master(path.read_bytes(), path.name)
    rows = csv.reader(io.StringIO(text))
    header = next(rows, None) or []
    hot9_at = _find(header, _HOT9_NAMES)
    hot13_at = _find(header, _HOT13_NAMES)
    yj_at = _find(header, _YJ_NAMES)
    if yj_at is None or (hot9_at is None and hot13_at is None):
        raise MasterFormatError(f"{path.name}: not a HOT master (header missing)")
    links: dict[str, str] = {}
    for number, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        hot_raw = row[hot9_at] if hot9_at is not None and hot9_at < len(row) else ""
        if not hot_raw and hot13_at is not None and hot13_at < len(row):
            hot_raw = row[hot13_at][:9]
        hot9 = hot_raw.strip()
        if len(hot9) != 9 or not hot9.isdigit():
            raise MasterFormatError(f"{path.name}:{number}: malformed HOT code")
        yj = row[yj_at].strip() if yj_at < len(row) else ""
        if ingredient_of_yj(yj) is not None:
            links[hot9] = yj
    return links
