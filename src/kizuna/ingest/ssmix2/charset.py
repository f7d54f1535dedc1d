"""Bytes of an SS-MIX2 message file to text.

SS-MIX2 stores messages in ISO-2022-JP (MSH-18 ``~ISO IR87``). Files from other
gateways arrive in UTF-8 (``UNICODE UTF-8``) or Shift_JIS/CP932. The character set is
taken from MSH-18 when the bytes agree with it, otherwise from the bytes themselves; the
result says which was used so the mapper can warn about a mismatch.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from kizuna.ingest.base import Location, ParseError

ISO_2022_JP = "iso2022_jp"
_ISO_FALLBACKS = ("iso2022_jp", "iso2022_jp_ext", "iso2022_jp_2004")
_TWO_BYTE_DESIGNATIONS = (b"\x1b$B", b"\x1b$@", b"\x1b$(D", b"\x1b$(Q", b"\x1b$(O", b"\x1b$(P")
_MLLP_START = b"\x0b"
_MLLP_END = b"\x1c"
#: What CP932 makes of bytes no Japanese text contains (0x80, 0xA0, 0xFD-0xFF): C1
#: controls and the private-use points U+F8F0-U+F8F3. Seeing them means wrong bytes.
_CP932_STRAY = re.compile("[\x80-\x9f\uf8f0-\uf8f3]")


class Decoded(NamedTuple):
    """The text of a message and how it was decoded."""

    text: str
    charset: str  # Python codec name actually used
    declared: str  # MSH-18 as written ("" when absent)
    agrees: bool  # whether the declaration (if any) matched the bytes


def strip_framing(raw: bytes) -> bytes:
    """The message without MLLP framing bytes (VT before, FS after) and trailing line ends."""
    body = raw
    if body.startswith(_MLLP_START):
        body = body[1:]
    end = body.rfind(_MLLP_END)
    if end >= 0 and not body[end + 1 :].strip():
        body = body[:end]
    return body.rstrip(b"\r\n\x00")


def declared_charset(body: bytes) -> str:
    """MSH-18 read from the raw first segment (its values are ASCII by definition)."""
    end = body.find(b"\r", 0, 1024)
    first = body[: end if end >= 0 else 1024]
    lf = first.find(b"\n")
    if lf >= 0:
        first = first[:lf]
    if not first.startswith(b"MSH") or len(first) < 4:
        return ""
    fields = first[3:].split(first[3:4])
    # fields[0] is empty (the separator itself), so MSH-n is fields[n - 1]
    if len(fields) < 18:
        return ""
    return fields[17].decode("ascii", "replace").strip()


@lru_cache(maxsize=256)
def _family(label: str) -> str:
    """The character-set family named by an MSH-18 value or a codec name."""
    label = label.upper().replace("_", " ").replace("-", " ")
    if "UTF" in label:
        return "utf"
    if any(k in label for k in ("SHIFT", "SJIS", "CP932", "MS932")):
        return "sjis"
    if "IR87" in label.replace(" ", "") or "2022" in label:
        return "iso"
    return ""


def _candidates(body: bytes, declared: str) -> tuple[str, ...]:
    """Codecs to try, in order: the declared one first when the bytes allow it."""
    family = _family(declared)
    seven_bit = body.isascii()
    if family == "utf":
        return ("utf-8", "cp932")
    if family == "sjis":
        return ("cp932", "utf-8")
    if seven_bit and (family == "iso" or b"\x1b" in body):
        return _ISO_FALLBACKS
    if seven_bit:
        return ("ascii",)
    return ("utf-8", "cp932")


def decode(raw: bytes, file: str) -> Decoded:
    """Decode a whole message file. Raises :class:`ParseError` naming the bad place."""
    body = strip_framing(raw)
    if not body:
        raise ParseError("empty message file", Location(file=file, line=1, segment="MSH[1]"))
    declared = declared_charset(body)
    codecs = _candidates(body, declared)
    first_error: UnicodeDecodeError | None = None
    for codec in codecs:
        try:
            text = body.decode(codec)
        except UnicodeDecodeError as err:
            first_error = first_error or err
            continue
        if codec.startswith("iso2022"):
            _check_returns_to_ascii(body, file)
        stray = _CP932_STRAY.search(text) if codec == "cp932" else None
        if stray:
            line = text.count("\r", 0, stray.start()) + 1
            raise ParseError(
                "bytes cannot be decoded as Japanese text "
                f"(declared MSH-18 {declared or 'absent'})",
                Location(file=file, line=line, segment=f"line {line}"),
            )
        family = _family(declared)
        agrees = not family or codec == "ascii" or _family(codec) == family
        return Decoded(text=text, charset=codec, declared=declared, agrees=agrees)
    assert first_error is not None
    line = body.count(b"\r", 0, first_error.start) + 1
    raise ParseError(
        f"bytes {first_error.start}-{first_error.end} cannot be decoded as any of "
        f"{', '.join(codecs)} (declared MSH-18 {declared or 'absent'})",
        Location(file=file, line=line, segment=f"line {line}"),
    )


def _check_returns_to_ascii(body: bytes, file: str) -> None:
    """An ISO-2022-JP message must end in ASCII mode; otherwise it was cut short."""
    last = body.rfind(b"\x1b")
    if last < 0:
        return
    if any(body.startswith(d, last) for d in _TWO_BYTE_DESIGNATIONS):
        line = body.count(b"\r", 0, last) + 1
        raise ParseError(
            "file ends inside a two-byte (kanji) run: truncated",
            Location(file=file, line=line, segment=f"line {line}"),
        )
