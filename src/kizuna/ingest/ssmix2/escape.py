"""HL7 v2 delimiters and escape sequences (\\F\\ \\S\\ \\T\\ \\R\\ \\E\\ \\Xhh..\\).

A message declares its delimiters in MSH-1 and MSH-2. Values are split on the raw
delimiters first and unescaped afterwards, so an escaped ``^`` never splits a component.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Delimiters:
    """The five HL7 delimiters of one message."""

    field: str = "|"
    component: str = "^"
    repetition: str = "~"
    escape: str = "\\"
    subcomponent: str = "&"

    @property
    def encoding_characters(self) -> str:
        """MSH-2 as written: component, repetition, escape, subcomponent."""
        return self.component + self.repetition + self.escape + self.subcomponent


STANDARD = Delimiters()

_HEX = re.compile(r"^(?:[0-9A-Fa-f]{2})+$")


def unescape(value: str, delims: Delimiters = STANDARD, charset: str = "latin-1") -> str:
    """``value`` with every HL7 escape sequence resolved.

    Unknown or unterminated sequences are kept literally, never raised: a stray
    backslash in a free-text comment is common in real messages. ``charset`` decodes the
    bytes of a ``\\Xhh\\`` sequence (the message's own character set).
    """
    esc = delims.escape
    if esc not in value:
        return value
    out: list[str] = []
    i = 0
    n = len(value)
    while i < n:
        ch = value[i]
        if ch != esc:
            out.append(ch)
            i += 1
            continue
        end = value.find(esc, i + 1)
        if end < 0:
            out.append(value[i:])
            break
        out.append(_resolve(value[i + 1 : end], delims, charset, value[i : end + 1]))
        i = end + 1
    return "".join(out)


def _resolve(seq: str, delims: Delimiters, charset: str, literal: str) -> str:
    simple = {
        "F": delims.field,
        "S": delims.component,
        "T": delims.subcomponent,
        "R": delims.repetition,
        "E": delims.escape,
        ".br": "\n",
    }
    if seq in simple:
        return simple[seq]
    if seq in ("H", "N") or (seq[:1] in ("C", "M") and _HEX.match(seq[1:] or "x")):
        return ""  # highlighting and character-set switches carry no text
    if seq[:1] == "X" and _HEX.match(seq[1:] or "x"):
        return _hex_text(bytes.fromhex(seq[1:]), charset)
    return literal


def _hex_text(raw: bytes, charset: str) -> str:
    try:
        return raw.decode(charset)
    except (UnicodeDecodeError, LookupError):
        return raw.decode("latin-1")


def escape(value: str, delims: Delimiters = STANDARD) -> str:
    """``value`` made safe to place inside a field: delimiters and line ends escaped."""
    esc = delims.escape
    specials = {
        esc: f"{esc}E{esc}",
        delims.field: f"{esc}F{esc}",
        delims.component: f"{esc}S{esc}",
        delims.subcomponent: f"{esc}T{esc}",
        delims.repetition: f"{esc}R{esc}",
        "\r": f"{esc}X0D{esc}",
        "\n": f"{esc}X0A{esc}",
    }
    if not any(c in value for c in specials):
        return value
    return "".join(specials.get(c, c) for c in value)
