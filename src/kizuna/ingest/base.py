"""The contract every source format follows.

Data flows one way: source bytes -> parser (typed records) -> mapper (FHIR resources,
grouped into :class:`Unit`) -> identity (patient resolved) -> store.

A format subpackage (``ingest/<format>/``) provides:

* ``parser.py``: bytes -> typed records. Raises only :class:`ParseError`.
* ``mapper.py``: typed records -> :class:`Unit` objects (JP Core FHIR resources as dicts).
  Raises only :class:`MappingError`.
* ``adapter.py``: an :class:`Adapter` that finds the units in a file or tree and turns
  every parse or mapping failure into a :class:`Failure` (quarantined by the pipeline),
  so one bad item never stops the rest of its batch.

Resources inside a unit refer to the unit's patient with the placeholder reference
:data:`PATIENT_REF`; the pipeline replaces it with the resolved ``Patient/<id>``.
Resource ids are deterministic (:func:`stable_id`) so that ingesting the same input twice
changes nothing.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

Resource = dict[str, Any]

#: Placeholder reference to the unit's patient, replaced by the pipeline after identity
#: resolution. Use it as ``{"reference": PATIENT_REF}``.
PATIENT_REF = "urn:kizuna:patient"

_NAMESPACE = uuid.UUID("6b697a75-6e61-4b69-a7e1-000000000000")
_NAMESPACE_BYTES = _NAMESPACE.bytes


def stable_id(*parts: object) -> str:
    """A deterministic resource id (UUIDv5) from source keys, e.g. facility + PID + order.

    The value of ``uuid.uuid5(_NAMESPACE, "\\x1f".join(map(str, parts)))``, computed straight
    from SHA-1 without building ``uuid.UUID`` objects (mappers make one per resource)."""
    name = "\x1f".join(map(str, parts)).encode("utf-8")
    return uuid5_text(hashlib.sha1(_NAMESPACE_BYTES + name, usedforsecurity=False).digest())


def uuid5_text(digest: bytes) -> str:
    """The text of the UUIDv5 whose SHA-1 ``digest`` (of namespace and name) is given."""
    b = bytearray(digest[:16])
    b[6] = (b[6] & 0x0F) | 0x50  # version 5
    b[8] = (b[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = b.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


@dataclass(frozen=True, slots=True)
class Location:
    """Where in the source something is: as precise as the format allows."""

    file: str
    line: int | None = None
    segment: str | None = None  # HL7 segment ("OBX[3]") or record type ("SY", "201")
    field: str | None = None  # "OBX-5.1", "SY/2 (code)", an XPath
    record: str | None = None  # message control id, receipt number, dispensing number

    def __str__(self) -> str:
        parts = [self.file]
        if self.record:
            parts.append(f"record {self.record}")
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.segment:
            parts.append(f"segment {self.segment}")
        if self.field:
            parts.append(f"field {self.field}")
        return ", ".join(parts)


class IngestError(Exception):
    """Base of every error a parser or mapper may raise. Names the reason and the place."""

    def __init__(self, reason: str, location: Location) -> None:
        super().__init__(f"{location}: {reason}")
        self.reason = reason
        self.location = location


class ParseError(IngestError):
    """The source could not be read: bad encoding, truncated, wrong structure."""


class MappingError(IngestError):
    """The source was read but cannot become valid FHIR: a required value is missing."""


@dataclass(frozen=True, slots=True)
class IngestWarning:
    """Something suspicious that does not stop the unit, e.g. a bad check digit."""

    code: str  # short machine code: "check-digit", "unknown-code", "date"
    message: str
    location: Location


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where a unit came from, for Provenance and meta.source."""

    format: str  # "ssmix2", "uke", "jahis-tc", "jahis-rx", "fhir", "checkup"
    file: str
    record: str  # message control id / receipt number / record position
    facility_code: str | None = None  # 10-digit 医療機関コード (or pharmacy code)


@dataclass(slots=True)
class Unit:
    """One all-or-nothing unit of work: a message, a receipt, a dispensing, a document."""

    key: str  # stable idempotency key, independent of timestamps and flags
    source: SourceRef
    patient: Resource | None  # candidate Patient: identifiers plus demographics
    resources: list[Resource] = field(default_factory=list)
    deletes: list[tuple[str, str]] = field(default_factory=list)  # (type, id)
    warnings: list[IngestWarning] = field(default_factory=list)
    version: str = ""  # orders units with the same key (e.g. SS-MIX2 timestamp); newer wins
    delete_unit: bool = False  # the source says this unit was deleted (SS-MIX2 flag 0)
    document: Resource | None = None  # a FHIR document Bundle kept as a document


@dataclass(slots=True)
class Failure:
    """An item that could not be ingested; the pipeline quarantines it verbatim."""

    format: str
    reason: str
    location: Location
    raw: bytes


class Adapter(Protocol):
    """One source format."""

    name: str

    def detect(self, path: Path, head: bytes) -> bool:
        """Whether this file (first bytes given) or directory is in this format."""
        ...

    def read(self, path: Path) -> Iterator[Unit | Failure]:
        """Every unit in the file or tree; failures are yielded, never raised."""
        ...
