"""Declarative HL7 layouts: one description drives both parsing and writing.

A composite data type (CWE, XPN...) or a segment (PID, OBX...) is a frozen dataclass
whose attributes carry their HL7 position in the field metadata (``comp(n)`` for
components, ``fld(n)`` for fields). An attribute's type says how to read it: ``str``
(unescaped text), another composite (read from the next level down), or a tuple of
either (a repeating field). Reading and writing walk the same precomputed plan, which
keeps the writer -> parser round trip lossless by construction.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, NamedTuple

from kizuna.ingest.ssmix2.escape import Delimiters, escape, unescape


class SegPos(NamedTuple):
    """Where a segment sits in its message: for error locations."""

    name: str
    line: int  # 1-based segment number in the message (MSH is 1)
    occurrence: int  # 1-based count among segments of the same name

    @property
    def label(self) -> str:
        return f"{self.name}[{self.occurrence}]"


NO_POS = SegPos("", 0, 0)


def comp(n: int) -> Any:
    """A component (or subcomponent) at 1-based position ``n``; empty by default."""
    return dataclasses.field(default="", metadata={"n": n})


def sub(n: int, cls: type) -> Any:
    """A composite component at position ``n`` read from subcomponents."""
    return dataclasses.field(default_factory=cls, metadata={"n": n})


def fld(n: int, cls: type | None = None, *, rep: bool = False) -> Any:
    """A segment field at HL7 position ``n`` (MSH-3 is 3): text, composite, repeating."""
    if rep:
        return dataclasses.field(default=(), metadata={"n": n})
    if cls is None:
        return dataclasses.field(default="", metadata={"n": n})
    return dataclasses.field(default_factory=cls, metadata={"n": n})


def position() -> Any:
    """The segment's place in its message; not part of equality."""
    return dataclasses.field(default=NO_POS, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Slot:
    """One attribute of a layout: name, position, element type, repeating or not."""

    name: str
    n: int
    kind: type | None  # None for text, else a composite dataclass
    rep: bool


def plan(cls: type) -> tuple[Slot, ...]:
    """The slots of a layout class, in position order (which is declaration order,
    so values can be passed positionally; a segment's ``pos`` comes last)."""
    return _plan(cls)


@cache
def _plan(cls: Any) -> tuple[Slot, ...]:
    hints = typing.get_type_hints(cls)
    slots: list[Slot] = []
    for f in dataclasses.fields(cls):
        n = f.metadata.get("n")
        if n is None:
            continue
        hint = hints[f.name]
        rep = typing.get_origin(hint) is tuple
        elem = typing.get_args(hint)[0] if rep else hint
        slots.append(Slot(f.name, n, None if elem is str else elem, rep))
    positions = [s.n for s in slots]
    if positions != sorted(set(positions)):
        raise TypeError(f"{cls.__name__}: attributes must be declared in position order")
    return tuple(slots)


_EMPTY: dict[type, Any] = {}


def empty(cls: type) -> Any:
    """The shared all-empty instance of a composite.

    Parsed records share these blanks, so records are treated as immutable values:
    build a new record rather than assigning to a parsed one.
    """
    obj = _EMPTY.get(cls)
    if obj is None:
        obj = _EMPTY[cls] = cls()
    return obj


Convert = Callable[[str], Any]

#: Compiled readers per (delimiters, charset): almost every message shares one entry.
_COMPILED: dict[tuple[Delimiters, str], dict[tuple[type, int], Any]] = {}


class Reader:
    """Reads composites and segments with one message's delimiters and charset.

    Each layout class gets a compiled reader (positions picked with ``itemgetter``,
    values passed positionally), so a segment costs one split and one constructor call
    plus the composites it really contains.
    """

    __slots__ = ("_cache", "charset", "d")

    def __init__(self, delims: Delimiters, charset: str) -> None:
        self.d = delims
        self.charset = charset
        self._cache = _COMPILED.setdefault((delims, charset), {})

    def text(self, raw: str) -> str:
        return unescape(raw, self.d, self.charset) if self.d.escape in raw else raw

    def composite(self, cls: type, raw: str, level: int = 0) -> Any:
        """A composite from a field (level 0) or a component (level 1)."""
        return self._reader(cls, level)(raw)

    def _reader(self, cls: type, level: int) -> Convert:
        key = (cls, level)
        conv = self._cache.get(key)
        if conv is None:
            conv = self._cache[key] = self._compile_composite(cls, level)
        return conv

    def _compile_composite(self, cls: type, level: int) -> Convert:
        """A generated reader: one split, one constructor call; escapes take the slow path."""
        slots = plan(cls)
        sep = self.d.component if level == 0 else self.d.subcomponent
        env: dict[str, Any] = {"cls": cls, "slow": self._generic_composite(cls, level)}
        args: list[str] = []
        for i, slot in enumerate(slots):
            k = slot.n - 1
            if slot.kind is not None and level == 0:
                env[f"r{i}"] = self._reader(slot.kind, 1)
                env[f"b{i}"] = empty(slot.kind)
                args.append(f"(r{i}(p[{k}]) if n > {k} and p[{k}] else b{i})")
            else:
                args.append(f"(p[{k}] if n > {k} else '')")
        src = (
            "def read(raw):\n"
            f"    if {self.d.escape!r} in raw:\n"
            "        return slow(raw)\n"
            f"    p = raw.split({sep!r})\n"
            "    n = len(p)\n"
            f"    return cls({', '.join(args)})\n"
        )
        return _build(src, env)

    def _generic_composite(self, cls: type, level: int) -> Convert:
        """The general reader, used when a value holds escape sequences."""
        slots = plan(cls)
        sep = self.d.component if level == 0 else self.d.subcomponent

        def read(raw: str) -> Any:
            parts = raw.split(sep)
            values: list[Any] = []
            for slot in slots:
                part = parts[slot.n - 1] if slot.n <= len(parts) else ""
                if slot.kind is None or level > 0:
                    values.append(self.text(part))
                else:
                    values.append(self._reader(slot.kind, 1)(part) if part else empty(slot.kind))
            return cls(*values)

        return read

    def _slot_converter(self, slot: Slot) -> Convert:
        rsep = self.d.repetition
        one = self.text if slot.kind is None else self._reader(slot.kind, 0)
        if not slot.rep:
            return one

        def repeated(raw: str) -> tuple[Any, ...]:
            if rsep not in raw:
                return (one(raw),)
            return tuple([one(r) for r in raw.split(rsep)])

        return repeated

    def segment(self, cls: type, fields: list[str], pos: SegPos) -> Any:
        """A typed segment from its raw fields (``fields[n]`` is field n)."""
        conv = self._cache.get((cls, -1))
        if conv is None:
            conv = self._cache[(cls, -1)] = self._compile_segment(cls)
        return conv(fields, pos)

    def _compile_segment(self, cls: type) -> Callable[[list[str], SegPos], Any]:
        """A generated reader taking each field by position, converting only present ones."""
        env: dict[str, Any] = {"cls": cls, "esc": self.d.escape, "text": self.text}
        args: list[str] = []
        for i, slot in enumerate(plan(cls)):
            k = slot.n
            if slot.kind is None and not slot.rep:
                args.append(f"((text(f[{k}]) if esc in f[{k}] else f[{k}]) if n > {k} else '')")
                continue
            env[f"c{i}"] = self._slot_converter(slot)
            env[f"d{i}"] = () if slot.rep else empty(slot.kind)  # type: ignore[arg-type]
            args.append(f"(c{i}(f[{k}]) if n > {k} and f[{k}] else d{i})")
        src = f"def read(f, pos):\n    n = len(f)\n    return cls({', '.join(args)}, pos)\n"
        return _build(src, env)


def _build(source: str, env: dict[str, Any]) -> Any:
    """Compile a generated reader. The source is built from our own layout
    declarations (positions and names), never from message content."""
    namespace: dict[str, Any] = {}
    exec(compile(source, "<ssmix2-reader>", "exec"), env, namespace)  # noqa: S102
    return namespace["read"]


class Writer:
    """Writes composites and segments with given delimiters (trailing empties trimmed)."""

    __slots__ = ("d",)

    def __init__(self, delims: Delimiters) -> None:
        self.d = delims

    def composite(self, obj: Any, level: int = 0) -> str:
        sep = self.d.component if level == 0 else self.d.subcomponent
        parts: list[str] = []
        for slot in plan(type(obj)):
            value = getattr(obj, slot.name)
            text = escape(value, self.d) if slot.kind is None else self.composite(value, 1)
            if text:
                parts.extend([""] * (slot.n - 1 - len(parts)))
                parts.append(text)
        return sep.join(parts)

    def value(self, slot: Slot, value: Any) -> str:
        if slot.rep:
            if slot.kind is None:
                return self.d.repetition.join(escape(v, self.d) for v in value)
            return self.d.repetition.join(self.composite(v) for v in value)
        if slot.kind is None:
            return escape(value, self.d)
        return self.composite(value)

    def fields(self, obj: Any) -> list[str]:
        """Field texts of a typed segment, index n holding field n (index 0 unused)."""
        out: list[str] = [""]
        for slot in plan(type(obj)):
            text = self.value(slot, getattr(obj, slot.name))
            if text:
                out.extend([""] * (slot.n - len(out)))
                out.append(text)
        return out
