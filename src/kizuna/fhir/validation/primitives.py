"""Checks of FHIR primitive values: JSON type, the R4 regex, ranges and real dates.

``checker(type_name)`` returns a function ``value -> problem text | None``. Regexes
come from the R4 StructureDefinitions and run in ASCII mode, as in the specification's
reference implementations (so a full-width space is an ordinary character, and
``\\s`` means only ASCII white space). String values that passed are remembered per
type (:func:`passed_strings`), so repeated codes, systems, dates and texts cost a set
lookup, which callers may also make themselves before calling the check.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Set
from functools import cache
from typing import Any

from kizuna.fhir import definitions
from kizuna.fhir.indexing.date import parse_date_range

Checker = Callable[[Any], str | None]

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
_CACHE_LIMIT = 65_536
_CALENDAR_TYPES = frozenset({"date", "dateTime", "instant"})
_NOTHING: frozenset[str] = frozenset()


def is_primitive(type_name: str | None) -> bool:
    return type_name is not None and (type_name in definitions.primitives() or type_name == "xhtml")


@cache
def checker(type_name: str) -> Checker:
    """The check for one primitive type (``xhtml`` included)."""
    if type_name == "xhtml":
        return _check_xhtml
    info = definitions.primitives()[type_name]
    if info.json == "boolean":
        return _check_boolean
    if info.json == "integer":
        low = {"positiveInt": 1, "unsignedInt": 0}.get(type_name, INT32_MIN)
        return _integer_checker(type_name, low)
    if info.json == "decimal":
        return _check_decimal
    if type_name in ("string", "markdown"):
        return _plain_string_checker(passed_strings(type_name))
    return _string_checker(type_name, info.regex)


@cache
def passed_strings(type_name: str) -> set[str]:
    """The string values of ``type_name`` that passed its check (bounded, then cleared)."""
    return set()


def known_strings(type_name: str) -> Set[str]:
    """Strings known to pass the check of ``type_name``: a value found here needs no call
    to the checker (empty for types whose check remembers nothing)."""
    if type_name == "xhtml" or definitions.primitives()[type_name].json != "string":
        return _NOTHING
    return passed_strings(type_name)


def _remember(passed: set[str], value: str) -> None:
    if len(passed) >= _CACHE_LIMIT:
        passed.clear()
    passed.add(value)


def _check_boolean(value: Any) -> str | None:
    return None if value is True or value is False else "expected a JSON boolean"


def _integer_checker(type_name: str, low: int) -> Checker:
    def check(value: Any) -> str | None:
        if type(value) is not int:
            return f"expected a JSON integer ({type_name})"
        if not low <= value <= INT32_MAX:
            return f"{type_name} out of range"
        return None

    return check


def _check_decimal(value: Any) -> str | None:
    if type(value) is int or type(value) is float:
        return None
    return "expected a JSON number (decimal)"


def _plain_string_checker(passed: set[str]) -> Checker:
    def check(value: Any) -> str | None:
        if type(value) is not str:
            return "expected a JSON string"
        if value in passed:
            return None
        if not value:
            return "empty string"
        if "\x0b" in value or "\x0c" in value:
            return "string contains a form feed or vertical tab"
        _remember(passed, value)
        return None

    return check


def _check_xhtml(value: Any) -> str | None:
    if type(value) is not str:
        return "expected a JSON string (xhtml)"
    if not value.lstrip().startswith("<div"):
        return "narrative must be an XHTML <div> element"
    return None


def _string_checker(type_name: str, regex: str | None) -> Checker:
    pattern = re.compile(regex, re.ASCII) if regex else None
    calendar = type_name in _CALENDAR_TYPES
    passed = passed_strings(type_name)

    def check(value: Any) -> str | None:
        if type(value) is not str:
            return f"expected a JSON string ({type_name})"
        if value in passed:
            return None
        if not value:
            return "empty string"
        if pattern is not None and pattern.fullmatch(value) is None:
            return f"not a valid {type_name}"
        if calendar and not _real_date(value):
            return f"not a real calendar {type_name}"
        _remember(passed, value)
        return None

    return check


def _real_date(value: str) -> bool:
    try:
        parse_date_range(value)
    except ValueError:
        return False
    return True
