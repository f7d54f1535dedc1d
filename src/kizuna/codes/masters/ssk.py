"""The 社会保険診療報酬支払基金 basic master files (基本マスター): CP932, quoted CSV, no header.

Column 2 of every row names the master (Y 医薬品, S 医科診療行為, B 傷病名, Z 修飾語,
T 特定器材); column 3 is the code. Column positions are those of the 令和 layouts and were
checked against the subsets in ``samples/uke/master/``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from kizuna.codes.masters.model import (
    DiseaseInfo,
    DrugInfo,
    MaterialInfo,
    ModifierInfo,
    ProcedureInfo,
)


class MasterFormatError(ValueError):
    """A master file that cannot be read; the message names the file, line and problem."""


def _opt(row: list[str], index: int) -> str | None:
    if index < len(row):
        value = row[index].strip()
        return value or None
    return None


def _digits(code: str, size: int) -> bool:
    return len(code) == size and code.isascii() and code.isdigit()


def drug_from_row(row: list[str]) -> DrugInfo:
    return DrugInfo(
        code=row[2],
        name=row[4],
        kana=_opt(row, 6),
        unit=_opt(row, 9),
        yj_code=_opt(row, 31),
        generic_code=_opt(row, 36),
    )


def procedure_from_row(row: list[str]) -> ProcedureInfo:
    return ProcedureInfo(
        code=row[2],
        name=_opt(row, 112) or row[4],
        kana=_opt(row, 6),
        unit=_opt(row, 9),
        letter=_opt(row, 84),
        kubun=_opt(row, 91),
        branch=_opt(row, 92),
    )


def disease_from_row(row: list[str]) -> DiseaseInfo:
    return DiseaseInfo(
        code=row[2],
        name=row[5],
        short_name=_opt(row, 7),
        kana=_opt(row, 9),
        icd10=_opt(row, 15),
        medis_management=_opt(row, 10),
        medis_exchange=_opt(row, 12),
    )


def modifier_from_row(row: list[str]) -> ModifierInfo:
    return ModifierInfo(
        code=row[2],
        name=row[6],
        kana=_opt(row, 9),
        medis_management=_opt(row, 16),
        medis_exchange=_opt(row, 17),
    )


def material_from_row(row: list[str]) -> MaterialInfo:
    return MaterialInfo(
        code=row[2], name=_opt(row, 36) or row[4], kana=_opt(row, 6), unit=_opt(row, 9)
    )


#: master letter -> (minimum columns, code check, row reader)
KINDS: dict[str, tuple[int, Callable[[str], bool], Callable[[list[str]], Any]]] = {
    "Y": (35, lambda c: _digits(c, 9), drug_from_row),
    "S": (113, lambda c: _digits(c, 9), procedure_from_row),
    "B": (24, lambda c: _digits(c, 7), disease_from_row),
    "Z": (19, lambda c: len(c) == 4 and c.isascii() and c.isalnum(), modifier_from_row),
    "T": (37, lambda c: _digits(c, 9), material_from_row),
}


def decode_master(data: bytes, name: str) -> str:
    """Master files are CP932; a UTF-8 copy (BOM or not) is accepted too."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("cp932")
    except UnicodeDecodeError:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MasterFormatError(f"{name}: neither CP932 nor UTF-8 text") from exc


def iter_rows(text: str) -> Iterator[tuple[int, list[str]]]:
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if row and any(cell.strip() for cell in row):
            yield number, row


def read_ssk(path: Path) -> tuple[str, dict[str, Any]]:
    """(master letter, code -> info) of one 支払基金 master file, every row checked."""
    text = decode_master(path.read_bytes(), path.name)
    kind: str | None = None
    entries: dict[str, Any] = {}
    for number, row in iter_rows(text):
        letter = row[1].strip() if len(row) > 1 else ""
        if letter not in KINDS:
            raise MasterFormatError(f"{path.name}:{number}: unknown master type {letter!r}")
        if kind is None:
            kind = letter
        elif letter != kind:
            raise MasterFormatError(f"{path.name}:{number}: master type {letter} in a {kind} file")
        minimum, code_ok, reader = KINDS[letter]
        if len(row) < minimum:
            raise MasterFormatError(
                f"{path.name}:{number}: {len(row)} columns, expected at least {minimum}"
            )
        if not code_ok(row[2]):
            raise MasterFormatError(f"{path.name}:{number}: malformed code in column 3")
        info = reader(row)
        if not info.name:
            raise MasterFormatError(f"{path.name}:{number}: empty name")
        entries[info.code] = info
    if kind is None:
        raise MasterFormatError(f"{path.name}: no rows")
    return kind, entries
