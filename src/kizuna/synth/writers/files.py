"""The output tree: writing files, counting what was written, and the ground truth."""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

TRUTH_COLUMNS = (
    "person_id",
    "format",
    "facility_code",
    "local_id",
    "insurance_key",
    "file",
    "record",
    "noise",
)


@dataclass(frozen=True, slots=True)
class TruthRow:
    """One source record key of a person: which file, which facility, which ids."""

    person_id: str
    format: str
    facility_code: str
    local_id: str
    insurance_key: str
    file: str  # relative to the output root
    record: str = ""  # receipt number, dispensing date...
    noise: str = ""  # the registration's noise tags, ";"-separated

    def values(self) -> tuple[str, ...]:
        return (
            self.person_id,
            self.format,
            self.facility_code,
            self.local_id,
            self.insurance_key,
            self.file,
            self.record,
            self.noise,
        )


class Output:
    """Writes files below ``root`` and keeps count; truth rows go to ``truth_part``."""

    def __init__(self, root: Path, truth_part: Path) -> None:
        self.root = root
        self.counts: Counter[str] = Counter()
        self._dirs: set[Path] = set()
        truth_part.parent.mkdir(parents=True, exist_ok=True)
        self._truth = truth_part.open("w", encoding="utf-8", newline="")
        self._truth_writer = csv.writer(self._truth, lineterminator="\n")

    def write(self, relative: Path, data: bytes, kind: str) -> str:
        """Write ``data`` to ``root/relative``; ``kind`` counts it (message, document...)."""
        path = self.root / relative
        parent = path.parent
        if parent not in self._dirs:
            parent.mkdir(parents=True, exist_ok=True)
            self._dirs.add(parent)
        path.write_bytes(data)
        self.counts["files"] += 1
        self.counts["bytes"] += len(data)
        self.counts[kind] += 1
        return relative.as_posix()

    def truth(self, row: TruthRow) -> None:
        self._truth_writer.writerow(row.values())

    def close(self) -> None:
        self._truth.close()


def truth_header() -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(TRUTH_COLUMNS)
    return buffer.getvalue()
