"""Splitting search values: commas (OR), pipes (system|code) and FHIR's backslash escapes."""

from __future__ import annotations


def split_escaped(text: str, sep: str) -> list[str]:
    """Split on ``sep`` not preceded by a backslash, then unescape ``\\,`` ``\\|`` ``\\$``."""
    if "\\" not in text:  # nothing escaped: a plain split (most values)
        return text.split(sep)
    parts: list[str] = []
    current: list[str] = []
    escaped = False
    for ch in text:
        if escaped:
            if ch not in ",|$\\":
                current.append("\\")
            current.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == sep:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    if escaped:
        current.append("\\")
    parts.append("".join(current))
    return parts


def split_or(text: str) -> list[str]:
    """The OR-alternatives of one parameter value; commas inside escapes are kept."""
    if "\\" not in text:
        return text.split(",")
    return _split_keep_escapes(text, ",")


def split_pipe(text: str) -> list[str]:
    """``system|code`` style parts, unescaped."""
    return split_escaped(text, "|")


def _split_keep_escapes(text: str, sep: str) -> list[str]:
    parts: list[str] = []
    start = 0
    i = 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == sep:
            parts.append(text[start:i])
            start = i + 1
        i += 1
    parts.append(text[start:])
    return parts


def unescape(text: str) -> str:
    return split_escaped(text, "\x00")[0]


def like_escape(text: str) -> str:
    """Escape LIKE wildcards; use with ``ESCAPE '\\'``."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
