"""Tokens of the FHIRPath subset Kizuna compiles."""

from __future__ import annotations

from typing import NamedTuple


class FhirPathError(ValueError):
    """An expression outside the supported subset, or malformed."""


class Token(NamedTuple):
    kind: str  # "name" | "qname" (backtick-quoted) | "string" | "number" | "var" | "op" | "end"
    text: str
    pos: int


OPERATORS: tuple[str, ...] = (
    *("!=", "!~", "<=", ">=", ".", "(", ")", "[", "]", ",", "|", "=", "~", "<", ">"),
    *("+", "-", "*", "/", "&", "{", "}"),
)
ESCAPES = {"'": "'", '"': '"', "`": "`", "\\": "\\", "/": "/", "f": "\f", "n": "\n", "r": "\r"}
ESCAPES["t"] = "\t"


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch == "/" and text.startswith("//", i):
            i = _skip_line_comment(text, i)
        elif ch == "'":
            value, i = _quoted(text, i, "'")
            tokens.append(Token("string", value, i))
        elif ch == "`":
            value, i = _quoted(text, i, "`")
            tokens.append(Token("qname", value, i))
        elif ch.isdigit():
            start = i
            i = _number_end(text, i)
            tokens.append(Token("number", text[start:i], start))
        elif ch.isalpha() or ch == "_":
            start = i
            i = _name_end(text, i)
            tokens.append(Token("name", text[start:i], start))
        elif ch in "%$":
            start = i
            i = _name_end(text, i + 1)
            tokens.append(Token("var", text[start:i], start))
        else:
            op = next((o for o in OPERATORS if text.startswith(o, i)), None)
            if op is None:
                raise FhirPathError(f"unexpected character {ch!r} at {i}")
            tokens.append(Token("op", op, i))
            i += len(op)
    tokens.append(Token("end", "", len(text)))
    return tokens


def _skip_line_comment(text: str, i: int) -> int:
    end = text.find("\n", i)
    return len(text) if end < 0 else end


def _quoted(text: str, i: int, quote: str) -> tuple[str, int]:
    out: list[str] = []
    i += 1
    while i < len(text):
        ch = text[i]
        if ch == quote:
            return "".join(out), i + 1
        if ch == "\\" and i + 1 < len(text):
            out.append(ESCAPES.get(text[i + 1], text[i + 1]))
            i += 2
            continue
        out.append(ch)
        i += 1
    raise FhirPathError(f"unterminated {quote} literal")


def _number_end(text: str, i: int) -> int:
    while i < len(text) and text[i].isdigit():
        i += 1
    if i + 1 < len(text) and text[i] == "." and text[i + 1].isdigit():
        i += 1
        while i < len(text) and text[i].isdigit():
            i += 1
    return i


def _name_end(text: str, i: int) -> int:
    while i < len(text) and (text[i].isalnum() or text[i] == "_"):
        i += 1
    return i
