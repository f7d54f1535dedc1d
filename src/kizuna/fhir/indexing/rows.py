"""The index rows of one resource: the contract between extraction and the store.

Every row starts with the search parameter code. Encodings:

- ``tokens``: ``(param, system, code, text_norm)``
- ``strings``: ``(param, value_norm, value_exact)``
- ``dates``: ``(param, low_ms, high_ms)``, inclusive epoch milliseconds
- ``references``: ``(param, target_type, target_id, url)``
- ``quantities``: ``(param, value, system, code, unit)``
- ``numbers``: ``(param, value)``
- ``uris``: ``(param, value)``
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

TokenRow = tuple[str, str | None, str | None, str | None]
StringRow = tuple[str, str, str]
DateRow = tuple[str, int, int]
ReferenceRow = tuple[str, str | None, str | None, str | None]
QuantityRow = tuple[str, float, str | None, str | None, str | None]
NumberRow = tuple[str, float]
UriRow = tuple[str, str]


@dataclass(slots=True)
class IndexRows:
    tokens: list[TokenRow] = field(default_factory=list)
    strings: list[StringRow] = field(default_factory=list)
    dates: list[DateRow] = field(default_factory=list)
    references: list[ReferenceRow] = field(default_factory=list)
    quantities: list[QuantityRow] = field(default_factory=list)
    numbers: list[NumberRow] = field(default_factory=list)
    uris: list[UriRow] = field(default_factory=list)

    def deduplicate(self) -> None:
        """Drop repeated rows, keeping first-seen order."""
        if len(self.tokens) > 1:
            self.tokens = _unique(self.tokens)
        if len(self.strings) > 1:
            self.strings = _unique(self.strings)
        if len(self.dates) > 1:
            self.dates = _unique(self.dates)
        if len(self.references) > 1:
            self.references = _unique(self.references)
        if len(self.quantities) > 1:
            self.quantities = _unique(self.quantities)
        if len(self.numbers) > 1:
            self.numbers = _unique(self.numbers)
        if len(self.uris) > 1:
            self.uris = _unique(self.uris)

    def lists(self) -> tuple[list[tuple[object, ...]], ...]:
        """The seven row lists, in ``ROW_KINDS`` order."""
        return (
            self.tokens,
            self.strings,
            self.dates,
            self.references,
            self.quantities,
            self.numbers,
            self.uris,
        )  # type: ignore[return-value]

    def count(self) -> int:
        return sum(len(getattr(self, name)) for name in ROW_KINDS)


def _unique(rows: list[Any]) -> list[Any]:
    """``rows`` without repeats in first-seen order; the same list when it has none (the
    usual case, which a set answers more cheaply than rebuilding the list)."""
    if len(set(rows)) == len(rows):
        return rows
    return list(dict.fromkeys(rows))


Encoder = Callable[[str, Any, IndexRows], None]
"""Appends the rows of one value under one parameter code."""

ROW_KINDS = ("tokens", "strings", "dates", "references", "quantities", "numbers", "uris")
