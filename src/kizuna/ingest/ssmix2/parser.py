"""SS-MIX2 message bytes to typed records.

One linear pass: decode (see :mod:`charset`), normalise line ends (CR, CRLF or LF),
split segments, split fields, and read the segments we type through their declarative
layouts (:mod:`segments`). Everything else is kept as a :class:`RawSegment`.

python-hl7 was measured at about 3 ms per typical SS-MIX2 message, ten times the
whole parse+map budget, so the structure is split here with ``str.split``.

Only :class:`ParseError` leaves this module; it names the file, the segment (``OBX[3]``)
and, where one field is at fault, the field (``MSH-9``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kizuna.ingest.base import Location, ParseError
from kizuna.ingest.ssmix2.charset import decode
from kizuna.ingest.ssmix2.escape import Delimiters
from kizuna.ingest.ssmix2.fields import Reader, SegPos
from kizuna.ingest.ssmix2.segments import MSH, TYPED, RawSegment, Segment

_SEGMENT_ID = re.compile(r"^[A-Z][A-Z0-9]{2}$")


@dataclass(slots=True)
class Message:
    """A parsed message: its header, its segments in order, and how it was read."""

    file: str
    delimiters: Delimiters
    charset: str
    declared_charset: str
    charset_agrees: bool
    msh: MSH
    segments: list[Segment] = field(default_factory=list)  # MSH first
    reader: Reader | None = None  # reads OBX-5 and other values kept escaped

    @property
    def message_type(self) -> str:
        """``ADT^A08`` style: code and trigger event."""
        t = self.msh.message_type
        return f"{t.code}^{t.trigger}"

    def value_reader(self) -> Reader:
        """The reader for values kept escaped (OBX-5), with this message's delimiters."""
        if self.reader is None:
            self.reader = Reader(self.delimiters, self.charset)
        return self.reader

    def all(self, cls: type) -> list:
        """Every segment of one typed class, in order."""
        return [s for s in self.segments if type(s) is cls]

    def first(self, cls: type) -> object | None:
        for s in self.segments:
            if type(s) is cls:
                return s
        return None

    def location(self, seg: SegPos | None = None, field_name: str | None = None) -> Location:
        """A :class:`Location` in this message for error and warning texts."""
        if seg is None:
            return Location(file=self.file, record=self.msh.control_id or None)
        return Location(
            file=self.file,
            line=seg.line,
            segment=seg.label,
            field=field_name,
            record=self.msh.control_id or None,
        )


def parse_message(raw: bytes, file: str) -> Message:
    """Parse one SS-MIX2 message file. Raises only :class:`ParseError`."""
    decoded = decode(raw, file)
    text = decoded.text
    if "\n" in text:
        text = text.replace("\r\n", "\r").replace("\n", "\r")
    lines = [ln for ln in text.split("\r") if ln.strip()]
    if not lines or not lines[0].startswith("MSH"):
        raise ParseError(
            "not an HL7 message: the first segment is not MSH",
            Location(file=file, line=1, segment="MSH[1]"),
        )
    delims = _delimiters(lines[0], file)
    reader = Reader(delims, decoded.charset)
    segments: list[Segment] = []
    counts: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        segments.append(_segment(line, number, counts, delims, reader, file))
    msh = segments[0]
    assert isinstance(msh, MSH)
    _check_header(msh, file)
    return Message(
        file=file,
        delimiters=delims,
        charset=decoded.charset,
        declared_charset=decoded.declared,
        charset_agrees=decoded.agrees,
        msh=msh,
        segments=segments,
        reader=reader,
    )


def _delimiters(line: str, file: str) -> Delimiters:
    where = Location(file=file, line=1, segment="MSH[1]", field="MSH-2")
    if len(line) < 8:
        raise ParseError("MSH is too short to hold its delimiters", where)
    fs = line[3]
    enc = line[4:].split(fs, 1)[0]
    chars = fs + enc
    if len(enc) != 4 or len(set(chars)) != 5 or any(c.isalnum() or c.isspace() for c in chars):
        raise ParseError("MSH-1/MSH-2 do not hold five distinct delimiter characters", where)
    return Delimiters(fs, enc[0], enc[1], enc[2], enc[3])


def _segment(
    line: str,
    number: int,
    counts: dict[str, int],
    delims: Delimiters,
    reader: Reader,
    file: str,
) -> Segment:
    name = line[:3]
    occurrence = counts.get(name, 0) + 1
    counts[name] = occurrence
    pos = SegPos(name, number, occurrence)
    if not _SEGMENT_ID.match(name) or (len(line) > 3 and line[3] != delims.field):
        raise ParseError(
            "segment does not start with a three-character segment id and a field separator",
            Location(file=file, line=number, segment=f"line {number}"),
        )
    fields = line.split(delims.field)
    if name == "MSH":
        if number != 1:
            raise ParseError(
                "a second MSH inside one message file",
                Location(file=file, line=number, segment=pos.label),
            )
        fields.insert(1, delims.field)  # MSH-1 is the separator itself
    cls = TYPED.get(name)
    if cls is None:
        return RawSegment(fields=tuple(fields), pos=pos)
    return reader.segment(cls, fields, pos)


def _check_header(msh: MSH, file: str) -> None:
    where = Location(file=file, line=1, segment="MSH[1]", field="MSH-9")
    if not msh.message_type.code or not msh.message_type.trigger:
        raise ParseError("MSH-9 message type is missing or incomplete: truncated header?", where)
