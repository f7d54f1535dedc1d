"""The SS-MIX2 adapter: a storage tree (or one message file) to Units and Failures.

A tree is read one patient directory at a time. The patient's encounter messages
(ADT-12..52) are read first to put admissions on a timeline (see :mod:`map_encounter`);
then every file becomes one Unit, or one Failure naming the file, segment and field.
Nothing raised while reading one file stops the others.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from kizuna.ingest.base import Failure, IngestError, Location, Unit
from kizuna.ingest.ssmix2 import map_encounter
from kizuna.ingest.ssmix2.map_encounter import ENCOUNTER_TYPES, Episode
from kizuna.ingest.ssmix2.mapper import MapOptions, adt_event, map_message
from kizuna.ingest.ssmix2.parser import Message, parse_message
from kizuna.ingest.ssmix2.storage import (
    SUPERSEDED,
    StorageName,
    parse_name,
    patient_dir_of,
    patient_directories,
    patient_files,
)

FORMAT = "ssmix2"
MAX_FILE_BYTES = 16 * 1024 * 1024


class Ssmix2Adapter:
    """Reads SS-MIX2 standardized storage. ``facility_code`` is used when MSH-4 does
    not hold a 10-digit facility code (the CLI's ``--facility``)."""

    name = FORMAT

    def __init__(self, facility_code: str | None = None) -> None:
        self.facility_code = facility_code

    def detect(self, path: Path, head: bytes) -> bool:
        """A message file (starts with MSH and declares SS-MIX2 or ISO IR87), or a
        directory holding a storage tree."""
        if path.is_dir():
            return any(True for _ in _first(patient_directories(path)))
        body = head.lstrip(b"\x0b")
        return body.startswith(b"MSH") and (
            b"SS-MIX2" in head or b"ISO IR87" in head or parse_name(path.name) is not None
        )

    def read(self, path: Path) -> Iterator[Unit | Failure]:
        """Every unit of a tree or a file; failures are yielded, never raised."""
        try:
            if path.is_dir():
                for patient_dir in patient_directories(path):
                    yield from self._read_patient(patient_files(patient_dir))
                return
            in_tree = patient_dir_of(path)
            context = patient_files(in_tree) if in_tree else []
            if path not in context:
                context = [path]  # spelt differently from the tree listing: read it alone
            yield from self._read_patient(context, only=path)
        except OSError as err:
            yield Failure(
                FORMAT, f"cannot read: {err.strerror or 'I/O error'}", Location(file=str(path)), b""
            )

    def read_patient(self, patient_dir: Path) -> Iterator[Unit | Failure]:
        """The units of one patient directory of a storage tree (for parallel ingestion)."""
        try:
            yield from self._read_patient(patient_files(patient_dir))
        except OSError as err:
            yield Failure(
                FORMAT,
                f"cannot read: {err.strerror or 'I/O error'}",
                Location(file=str(patient_dir)),
                b"",
            )

    def _read_patient(self, files: list[Path], only: Path | None = None) -> Iterator:
        parsed: dict[Path, Message | Failure] = {}
        episodes = self._episodes(files, parsed)
        for file in files:
            if only is not None and file != only:
                continue
            yield self._unit(file, parsed, episodes)

    def _episodes(self, files: list[Path], parsed: dict) -> dict[str, Episode]:
        """Encounter episodes of one patient, keyed by message file."""
        events = []
        for file in files:
            name = parse_name(file.name)
            if name is None or name.data_type not in ENCOUNTER_TYPES:
                continue
            if name.flag == SUPERSEDED:
                continue  # an older version: its newer file says where the episode stands
            message = self._parse(file, parsed)
            if isinstance(message, Message):
                event = adt_event(message, name)
                if event is not None:
                    events.append(event)
        return map_encounter.group_episodes(events)

    def _parse(self, file: Path, parsed: dict) -> Message | Failure:
        if file in parsed:
            return parsed[file]
        raw = b""
        try:
            raw = _read_bytes(file)
            result: Message | Failure = parse_message(raw, str(file))
        except IngestError as err:
            result = Failure(FORMAT, err.reason, err.location, raw)
        except OSError as err:
            result = Failure(
                FORMAT, f"cannot read: {err.strerror or 'I/O error'}", Location(file=str(file)), raw
            )
        except Exception as err:
            result = _unexpected(err, file, raw)
        parsed[file] = result
        return result

    def _unit(self, file: Path, parsed: dict, episodes: dict[str, Episode]) -> Unit | Failure:
        message = self._parse(file, parsed)
        parsed.pop(file, None)  # keep memory flat on large patient folders
        if isinstance(message, Failure):
            return message
        name = parse_name(file.name)
        options = MapOptions(
            facility_code=self.facility_code,
            storage=name,
            episode=episodes.get(str(file)),
        )
        try:
            return map_message(message, options)
        except IngestError as err:
            return Failure(FORMAT, err.reason, err.location, _read_quietly(file))
        except Exception as err:
            return _unexpected(err, file, _read_quietly(file))


def read_file(path: Path, facility_code: str | None = None) -> Unit | Failure:
    """One message file (in a tree or not) to its Unit or Failure."""
    results = list(Ssmix2Adapter(facility_code).read(path))
    if not results:
        return Failure(FORMAT, "not a message file", Location(file=str(path)), b"")
    return results[0]


def _read_bytes(file: Path) -> bytes:
    """The file's bytes, refused above ``MAX_FILE_BYTES``. One message per file makes this
    the tree's commonest call: open, ``fstat`` and one read of the size it gave, four
    system calls, where ``stat`` then ``Path.read_bytes`` made ten."""
    fd = os.open(file, os.O_RDONLY | os.O_CLOEXEC)
    try:
        want = _checked_size(os.fstat(fd).st_size, file) + 1  # one more byte shows growth
        data = b""
        while True:
            part = os.read(fd, want)
            data += part
            _checked_size(len(data), file)
            if len(part) < want:
                return data  # the end of the file
            want = 65_536  # it grew since fstat: read on to its end
    finally:
        os.close(fd)


def _checked_size(size: int, file: Path) -> int:
    if size > MAX_FILE_BYTES:
        raise IngestError(
            f"file is {size} bytes, larger than any SS-MIX2 message ({MAX_FILE_BYTES})",
            Location(file=str(file)),
        )
    return size


def _read_quietly(file: Path) -> bytes:
    try:
        return _read_bytes(file)
    except (OSError, IngestError):
        return b""


def _unexpected(err: Exception, file: Path, raw: bytes) -> Failure:
    """An error we did not foresee: quarantined with its type only (no values)."""
    return Failure(
        FORMAT,
        f"internal error while reading ({type(err).__name__})",
        Location(file=str(file)),
        raw,
    )


def _first(items: Iterator) -> Iterator:
    for item in items:
        yield item
        return


__all__ = ["Ssmix2Adapter", "StorageName", "read_file"]
