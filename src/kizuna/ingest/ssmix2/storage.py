"""The SS-MIX2 standardized storage tree (標準化ストレージ).

Layout: ``root/PID[0:3]/PID[3:6]/PID/<care date or "-">/<data type>/<file>``.
File name: ``PID_date_type_orderNo_timestamp_dept_flag`` where the timestamp is
``yyyyMMddHHmmssfff`` and the flag is ``1`` (valid), ``2`` (superseded: renamed when a
newer version arrived) or ``0`` (deleted).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

VALID, SUPERSEDED, DELETED = "1", "2", "0"
NO_DATE = "-"
NO_DEPARTMENT = "-"
NO_ORDER = "9" * 15  # SS-MIX2's order number for messages that have none

_NAME = re.compile(
    r"^(?P<pid>[^_/\\]+)_(?P<date>\d{8}|-)_(?P<type>[A-Z]{3}(?:-\d{2})?)_(?P<order>[^_]+)_"
    r"(?P<ts>\d{17})_(?P<dept>[^_]+)_(?P<flag>[012])$"
)


@dataclass(frozen=True, slots=True)
class StorageName:
    """The parts of a storage file name."""

    patient_id: str
    care_date: str  # yyyyMMdd or "-"
    data_type: str  # "ADT-00", "OMD"...
    order_number: str
    timestamp: str  # yyyyMMddHHmmssfff
    department: str  # "01" or "-"
    flag: str  # "1" valid, "2" superseded, "0" deleted

    @property
    def filename(self) -> str:
        return "_".join(
            (
                self.patient_id,
                self.care_date,
                self.data_type,
                self.order_number,
                self.timestamp,
                self.department,
                self.flag,
            )
        )

    @property
    def item_key(self) -> str:
        """What identifies the item across its versions (no timestamp, flag or dept)."""
        return f"{self.patient_id}|{self.care_date}|{self.data_type}|{self.order_number}"


def parse_name(name: str) -> StorageName | None:
    """The parts of a storage file name, or ``None`` when it does not follow the rule."""
    m = _NAME.match(name)
    if not m:
        return None
    return StorageName(m["pid"], m["date"], m["type"], m["order"], m["ts"], m["dept"], m["flag"])


def relative_path(name: StorageName) -> Path:
    """Where a file lives below the storage root."""
    pid = name.patient_id
    return Path(pid[0:3], pid[3:6], pid, name.care_date, name.data_type, name.filename)


def patient_directories(root: Path) -> Iterator[Path]:
    """Every ``PID`` directory below ``root``: ``PID[0:3]/PID[3:6]/PID``, in sorted order.

    Only directories whose names follow that layout count, so a folder holding several
    hospitals' trees (one per facility code) is not mistaken for one tree.
    """
    for first in _sorted_dirs(root):
        for second in _sorted_dirs(first):
            prefix = first.name + second.name
            for third in _sorted_dirs(second):
                if third.name.startswith(prefix):
                    yield third


def patient_files(patient_dir: Path) -> list[Path]:
    """The message files of one patient: ``<date>/<type>/<file>``, sorted. The folders in
    between stay strings: a tree holds about 1.4 of them per file."""
    files: list[Path] = []
    for date_dir in _sorted_dir_names(str(patient_dir)):
        for type_dir in _sorted_dir_names(date_dir):
            files.extend(
                Path(e.path)
                for e in sorted(os.scandir(type_dir), key=_name)
                if e.is_file() and not e.name.startswith(".")
            )
    return files


def patient_dir_of(file: Path) -> Path | None:
    """The patient directory of a file that sits in a storage tree, else ``None``."""
    name = parse_name(file.name)
    if name is None or len(file.parents) < 3:
        return None
    patient_dir = file.parents[2]
    if patient_dir.name != name.patient_id or file.parent.name != name.data_type:
        return None
    return patient_dir


def _sorted_dirs(path: Path) -> list[Path]:
    return [Path(p) for p in _sorted_dir_names(str(path))]


def _sorted_dir_names(path: str) -> list[str]:
    try:
        entries = sorted(os.scandir(path), key=_name)
    except OSError:
        return []
    return [e.path for e in entries if e.is_dir() and not e.name.startswith(".")]


def _name(entry: os.DirEntry[str]) -> str:
    return entry.name
