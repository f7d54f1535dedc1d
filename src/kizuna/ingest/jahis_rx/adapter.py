"""Adapter for JAHIS prescription 2D symbol text files (one prescription per file).

``read(path)`` takes a file or a directory tree; every file whose first line is a
``JAHISnn`` version record or whose name ends in .txt, .csv or .qr (and every file given
directly) is read. A file that cannot
be parsed or mapped becomes a :class:`Failure` naming the line, record and field.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from kizuna.ingest.base import Failure, Location, MappingError, ParseError, Unit
from kizuna.ingest.jahis_rx.mapper import FORMAT, map_prescription
from kizuna.ingest.jahis_rx.parser import read

_HEAD = re.compile(rb"^(\xef\xbb\xbf)?JAHIS\d{1,2}\s*(\r\n|\r|\n|$)")
MAX_FILE_BYTES = 1024 * 1024  # a 2D symbol holds a few kilobytes
_EXTENSIONS = frozenset({".txt", ".csv", ".qr"})


class JahisRxAdapter:
    """The 院外処方箋 2D symbol format."""

    name = FORMAT

    def detect(self, path: Path, head: bytes) -> bool:
        return path.is_file() and bool(_HEAD.match(head))

    def read(self, path: Path) -> Iterator[Unit | Failure]:
        for file in _files(path):
            yield read_file(file)


def read_file(file: Path) -> Unit | Failure:
    name = str(file)
    try:
        data = file.read_bytes()
    except OSError as exc:
        return Failure(FORMAT, f"cannot read file ({type(exc).__name__})", Location(name), b"")
    if len(data) > MAX_FILE_BYTES:
        return Failure(FORMAT, "file is larger than 1 MiB", Location(name), data[:4096])
    try:
        parsed = read(data, name)
        return map_prescription(parsed.prescription, name, parsed.unknown_records)
    except (ParseError, MappingError) as exc:
        return Failure(FORMAT, exc.reason, exc.location, data)


def _files(path: Path) -> list[Path]:
    if not path.is_dir():
        return [path]
    return sorted(p for p in path.rglob("*") if p.is_file() and _looks_like_rx(p))


def _looks_like_rx(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
    except OSError:
        return True
    return bool(_HEAD.match(head)) or path.suffix.lower() in _EXTENSIONS
