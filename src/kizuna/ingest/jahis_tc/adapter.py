"""Adapter for JAHIS e-medication notebook files (電子版お薬手帳 CSV).

``read(path)`` takes a file or a directory tree. Split exports (record 911: part k of n
of one data id) are gathered across the files read, reassembled in part order once every
part is present, and then ingested like any export; a split whose parts are not all
present yields one Failure per part that names the data id and the missing parts.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from kizuna.ingest.base import (
    Failure,
    IngestError,
    IngestWarning,
    Location,
    MappingError,
    ParseError,
    Unit,
)
from kizuna.ingest.jahis_tc import csvtext as ct
from kizuna.ingest.jahis_tc.mapper import (
    FORMAT,
    map_dispensing,
    map_patient_info,
    patient_candidate,
    patient_key,
)
from kizuna.ingest.jahis_tc.parser import BadDocument, ParsedTc, read

_HEAD = re.compile(rb"^(\xef\xbb\xbf)?JAHISTC\d\d")
MAX_FILE_BYTES = 16 * 1024 * 1024


@dataclass(slots=True)
class _Part:
    file: str
    parsed: ParsedTc


class JahisTcAdapter:
    """The お薬手帳 CSV format."""

    name = FORMAT

    def detect(self, path: Path, head: bytes) -> bool:
        return path.is_file() and bool(_HEAD.match(head))

    def read(self, path: Path) -> Iterator[Unit | Failure]:
        pending: dict[str, list[_Part]] = {}
        for file in _files(path):
            yield from self._read_file(file, pending)
        for data_id, parts in pending.items():
            yield from _reassemble(data_id, parts)

    def _read_file(self, file: Path, pending: dict[str, list[_Part]]) -> Iterator[Unit | Failure]:
        name = str(file)
        try:
            data = file.read_bytes()
            if len(data) > MAX_FILE_BYTES:
                raise ParseError("file is larger than 16 MiB", Location(name))
            results = read(data, name)
        except OSError as exc:
            yield Failure(FORMAT, f"cannot read file ({type(exc).__name__})", Location(name), b"")
            return
        except ParseError as exc:
            yield Failure(FORMAT, exc.reason, exc.location, data)
            return
        for result in results:
            if isinstance(result, BadDocument):
                yield _failure(result.error, result.lines, result.encoding)
                continue
            split = result.document.split
            if split is not None and split.total > 1:
                pending.setdefault(split.data_id, []).append(_Part(name, result))
                continue
            yield from units_of(result, name)


def units_of(parsed: ParsedTc, file: str) -> Iterator[Unit | Failure]:
    """The units (and failures) of one export read by :func:`~.parser.read`."""
    doc = parsed.document
    for bad in parsed.bad_blocks:
        yield _failure(bad.error, bad.lines, parsed.encoding)
    patient = patient_candidate(doc.patient)
    person = patient_key(doc.patient)
    warnings = [
        IngestWarning("unknown-record", "record number not in the JAHIS TC layout", loc)
        for loc in parsed.unknown_records
    ]
    counter: Counter[str] = Counter()
    for disp, lines in zip(doc.dispensings, parsed.block_lines, strict=True):
        try:
            unit = map_dispensing(disp, file, patient, person, counter)
        except MappingError as exc:
            yield _failure(exc, lines, parsed.encoding)
            continue
        unit.warnings.extend(warnings)
        yield unit
    info = map_patient_info(doc, file, patient, person)
    if info is not None:
        info.warnings.extend(warnings)
        yield info


def _reassemble(data_id: str, parts: list[_Part]) -> Iterator[Unit | Failure]:
    parts.sort(key=lambda p: p.parsed.document.split.part if p.parsed.document.split else 0)
    splits = [p.parsed.document.split for p in parts if p.parsed.document.split]
    numbers = [s.part for s in splits]
    totals = {s.total for s in splits}
    total = max(totals)
    missing = sorted(set(range(1, total + 1)) - set(numbers))
    reason = ""
    if len(totals) > 1:
        reason = f"split data {data_id}: parts disagree on the number of parts {sorted(totals)}"
    elif missing:
        reason = f"incomplete split data {data_id}: part(s) {missing} of {total} missing"
    elif len(numbers) != len(set(numbers)):
        reason = f"split data {data_id} has a part more than once"
    if reason:
        for part in parts:
            split = part.parsed.document.split
            where = Location(
                part.file, segment="911", record=f"part {split.part if split else '?'}"
            )
            yield Failure(FORMAT, reason, where, _raw(part.parsed.lines, part.parsed.encoding))
        return
    lines = _joined_lines(parts)
    files = ", ".join(p.file for p in parts)
    encoding = parts[0].parsed.encoding
    data = ct.encode(lines, encoding)
    try:
        results = read(data, files)
    except ParseError as exc:
        yield Failure(FORMAT, exc.reason, exc.location, data)
        return
    for result in results:
        if isinstance(result, BadDocument):
            yield _failure(result.error, result.lines, encoding)
        else:
            yield from units_of(result, files)


def _joined_lines(parts: list[_Part]) -> list[str]:
    """Part 1 whole, then the records of later parts; 911 and repeated headers dropped."""
    first = parts[0].parsed.lines
    patient_line = next((t for t in first if t.startswith("1,")), None)
    out = [t for t in first if not t.startswith("911,")]
    for part in parts[1:]:
        for text in part.parsed.lines[1:]:
            if text.startswith("911,") or text == patient_line:
                continue
            out.append(text)
    return out


def _failure(error: IngestError, lines: list[str], encoding: str, data: bytes = b"") -> Failure:
    raw = data or _raw(lines, encoding)
    return Failure(FORMAT, error.reason, error.location, raw)


def _raw(lines: list[str], encoding: str) -> bytes:
    try:
        return ct.encode(lines, encoding)
    except UnicodeEncodeError:
        return ct.encode(lines, "utf-8")


def _files(path: Path) -> list[Path]:
    """The file itself, or every file under a directory whose head is a JAHISTC header."""
    if not path.is_dir():
        return [path]
    return sorted(p for p in path.rglob("*") if p.is_file() and _looks_like_tc(p))


def _looks_like_tc(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return bool(_HEAD.match(fh.read(16)))
    except OSError:
        return True  # let read() report it
