"""The source formats Kizuna reads, and format detection."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from kizuna.ingest.base import Adapter

HEAD_BYTES = 4096
SKIPPED_NAMES = frozenset({"README.md", "LICENSE", "LICENSE.txt", ".DS_Store"})


def adapters(facility_code: str | None = None) -> list[Adapter]:
    """Every format, most specific first."""
    from kizuna.ingest.checkup.adapter import CheckupAdapter
    from kizuna.ingest.fhirdoc.adapter import FhirDocumentAdapter
    from kizuna.ingest.jahis_rx.adapter import JahisRxAdapter
    from kizuna.ingest.jahis_tc.adapter import JahisTcAdapter
    from kizuna.ingest.ssmix2.adapter import Ssmix2Adapter
    from kizuna.ingest.uke.adapter import UkeAdapter

    return [
        Ssmix2Adapter(facility_code=facility_code),
        UkeAdapter(),
        JahisTcAdapter(),
        JahisRxAdapter(),
        CheckupAdapter(),
        FhirDocumentAdapter(),
    ]


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(HEAD_BYTES)
    except OSError:
        return b""


def detect(path: Path, candidates: list[Adapter]) -> Adapter | None:
    head = b"" if path.is_dir() else _head(path)
    return next((a for a in candidates if a.detect(path, head)), None)


def plan(paths: list[Path], candidates: list[Adapter]) -> Iterator[tuple[Adapter | None, Path]]:
    """(adapter, target) for every input: whole trees where a format claims a folder,
    otherwise each file; files no format claims come back with ``None``."""
    for path in paths:
        yield from _plan_one(path, candidates)


def _plan_one(path: Path, candidates: list[Adapter]) -> Iterator[tuple[Adapter | None, Path]]:
    if path.is_dir():
        claimed = detect(path, candidates)
        if claimed is not None:
            yield claimed, path
            return
        for child in sorted(path.iterdir()):
            if child.name not in SKIPPED_NAMES and not child.name.startswith("."):
                yield from _plan_one(child, candidates)
        return
    yield detect(path, candidates), path
