"""Adapter for specific health checkup CDA XML files (one document per file).

``read(path)`` takes a file or a directory tree (every ``*.xml`` under it). An optional
XSD (the MHLW hc08 schema) validates each document before it is mapped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from kizuna.ingest.base import Failure, Location, MappingError, ParseError, Unit
from kizuna.ingest.checkup.mapper import FORMAT, map_document
from kizuna.ingest.checkup.parser import MAX_BYTES, parse

_HEAD = re.compile(
    rb"^(\xef\xbb\xbf)?\s*(<\?xml[^>]*\?>\s*)?(<!--.*?-->\s*)*<ClinicalDocument\b", re.S
)


class CheckupAdapter:
    """The 特定健診 CDA R2 XML format."""

    name = FORMAT

    def __init__(self, xsd_path: Path | None = None) -> None:
        self.xsd_path = xsd_path

    def detect(self, path: Path, head: bytes) -> bool:
        return path.is_file() and bool(_HEAD.match(head))

    def read(self, path: Path) -> Iterator[Unit | Failure]:
        files = sorted(path.rglob("*.xml")) if path.is_dir() else [path]
        for file in files:
            yield self.read_file(file)

    def read_file(self, file: Path) -> Unit | Failure:
        name = str(file)
        try:
            data = file.read_bytes()
        except OSError as exc:
            return Failure(FORMAT, f"cannot read file ({type(exc).__name__})", Location(name), b"")
        if len(data) > MAX_BYTES:
            return Failure(FORMAT, "document is larger than 8 MiB", Location(name), data[:4096])
        try:
            return map_document(parse(data, name, self.xsd_path), name)
        except (ParseError, MappingError) as exc:
            return Failure(FORMAT, exc.reason, exc.location, data)
