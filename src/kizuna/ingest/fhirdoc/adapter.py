"""FHIR documents and bundles from files or pushed bodies."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from kizuna.ingest.base import Failure, IngestError, Location, Unit
from kizuna.ingest.fhirdoc.mapper import FORMAT, map_bundle
from kizuna.ingest.fhirdoc.parser import parse


class FhirDocumentAdapter:
    name = FORMAT

    def detect(self, path: Path, head: bytes) -> bool:
        if path.is_dir() or path.suffix.lower() != ".json":
            return False
        return head.lstrip().startswith(b"{") and b'"resourceType"' in head

    def read(self, path: Path) -> Iterator[Unit | Failure]:
        try:
            data = path.read_bytes()
        except OSError as exc:
            yield Failure(FORMAT, f"cannot read the file: {exc.strerror}", Location(str(path)), b"")
            return
        yield from self.read_bytes(data, str(path))

    def read_bytes(self, data: bytes, file: str) -> Iterator[Unit | Failure]:
        try:
            yield map_bundle(parse(data, file), file)
        except IngestError as exc:
            yield Failure(FORMAT, exc.reason, exc.location, data)
