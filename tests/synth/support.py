"""Helpers for the synthetic population tests: generating once, reading the truth files,
running every format's adapter over the output."""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kizuna.ingest.base import Failure, Unit
from kizuna.ingest.checkup.adapter import CheckupAdapter
from kizuna.ingest.jahis_rx.adapter import JahisRxAdapter
from kizuna.ingest.jahis_tc.adapter import JahisTcAdapter
from kizuna.ingest.ssmix2.adapter import Ssmix2Adapter
from kizuna.ingest.uke.adapter import UkeAdapter


def digests(root: Path) -> dict[str, str]:
    """SHA-256 of every file below ``root``, by relative path."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def truth_rows(root: Path) -> list[dict[str, str]]:
    with (root / "truth" / "persons.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def people_rows(root: Path) -> dict[str, dict[str, str]]:
    with (root / "truth" / "people.csv").open(encoding="utf-8", newline="") as handle:
        return {row["person_id"]: row for row in csv.DictReader(handle)}


def read_units(root: Path, fmt: str, relative: str | None = None) -> Iterator[Unit | Failure]:
    """Every unit (or failure) of a format, or of one file/folder of it."""
    if fmt == "ssmix2":  # a facility's tree, or one file of it
        paths = [root / relative] if relative else sorted((root / "ssmix2").iterdir())
        for path in paths:
            facility = path.relative_to(root).parts[1]
            yield from Ssmix2Adapter(facility).read(path)
    elif fmt in ("uke", "uke-pharmacy"):
        files = [root / relative] if relative else sorted((root / "uke").rglob("*.UKE"))
        adapter = UkeAdapter()
        for file in files:
            yield from adapter.read(file)
    elif fmt == "jahis-tc":
        yield from JahisTcAdapter().read(root / (relative or "jahis-tc"))
    elif fmt == "jahis-rx":
        yield from JahisRxAdapter().read(root / (relative or "jahis-rx"))
    elif fmt == "checkup":
        yield from CheckupAdapter().read(root / (relative or "checkup"))
    else:
        raise ValueError(fmt)


def documents(root: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
    for path in sorted((root / "fhir").rglob("*.json")):
        yield path, json.loads(path.read_text("utf-8"))


def resources(units: list[Unit], kind: str) -> list[dict[str, Any]]:
    return [r for u in units for r in u.resources if r["resourceType"] == kind]


def name_texts(patient: dict[str, Any]) -> set[str]:
    return {n.get("text", "") for n in patient.get("name", [])}
