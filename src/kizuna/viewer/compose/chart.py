"""The input of every composer: one person's resources, indexed once, plus the directory."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any, TypeVar
from urllib.parse import unquote

import orjson

from kizuna.fhir.instant import japan_today

T = TypeVar("T")

Resource = dict[str, Any]
SOURCE_PREFIX = "urn:kizuna:source:"
DIRECTORY_TYPES = ("Organization", "Practitioner", "PractitionerRole")
#: references to the directory, found in the stored JSON text without walking the tree
_DIRECTORY_REF = re.compile(
    r'"reference":\s*"(Organization|Practitioner|PractitionerRole)/([^"/]+)"'
)


@dataclass(frozen=True)
class Source:
    """Where a resource came from: ``urn:kizuna:source:<format>:<facility>:<file>#<record>``."""

    format: str
    facility_code: str | None
    file: str
    record: str


def source_of(resource: Resource) -> Source | None:
    return parse_source((resource.get("meta") or {}).get("source") or "")


@lru_cache(maxsize=4096)
def parse_source(text: str) -> Source | None:
    if not text.startswith(SOURCE_PREFIX):
        return None
    rest = text[len(SOURCE_PREFIX) :]
    parts = rest.split(":", 2)
    if len(parts) < 3:
        return None
    fmt, facility, tail = parts
    file, _, record = tail.partition("#")
    code = facility if facility and facility != "-" else None
    return Source(fmt, code, unquote(file), unquote(record))


@dataclass
class Directory:
    """Resources that belong to no patient: facilities, practitioners and their roles."""

    by_key: dict[tuple[str, str], Resource] = field(default_factory=dict)
    facility_names: dict[str, str] = field(default_factory=dict)

    def get(self, reference: str | None) -> Resource | None:
        if not reference or "/" not in reference:
            return None
        res_type, _, res_id = reference.partition("/")
        return self.by_key.get((res_type, res_id))

    def facility_name(self, code: str | None) -> str | None:
        return self.facility_names.get(code or "")


@dataclass
class Chart:
    """One person's resources (as the access decision let the reader see them)."""

    by_type: dict[str, list[Resource]]
    by_key: dict[tuple[str, str], Resource]
    directory: Directory
    today: date
    cited: set[tuple[str, str]] | None = None  # directory references seen in the raw JSON
    memo: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    def memoised(self, key: Any, make: Callable[[], T]) -> T:
        """``make()`` once per chart: composing is pure, so a cached chart reuses it."""
        if key not in self.memo:
            self.memo[key] = make()
        found: T = self.memo[key]
        return found

    @classmethod
    def from_hits(
        cls,
        hits: Iterable[tuple[str, str, Any]],
        directory: Directory | None = None,
        today: date | None = None,
    ) -> Chart:
        by_type: dict[str, list[Resource]] = defaultdict(list)
        by_key: dict[tuple[str, str], Resource] = {}
        cited: set[tuple[str, str]] | None = set()
        for res_type, res_id, content in hits:
            if isinstance(content, dict):
                resource, cited = content, None
            else:
                resource = orjson.loads(content)
                if cited is not None:
                    cited.update(_DIRECTORY_REF.findall(content))
            by_type[res_type].append(resource)
            by_key[(res_type, res_id)] = resource
        return cls(dict(by_type), by_key, directory or Directory(), today or japan_today(), cited)

    def of(self, *types: str) -> list[Resource]:
        return [r for t in types for r in self.by_type.get(t, [])]

    def get(self, reference: str | None) -> Resource | None:
        """A resource of the person or of the directory, by ``Type/id``."""
        if not reference or "/" not in reference:
            return None
        res_type, _, res_id = reference.partition("/")
        return self.by_key.get((res_type, res_id)) or self.directory.by_key.get((res_type, res_id))

    def references(self) -> set[tuple[str, str]]:
        """Every ``Organization``/``Practitioner``/``PractitionerRole`` this chart cites."""
        if self.cited is not None:
            return self.cited
        found: set[tuple[str, str]] = set()
        for resources in self.by_type.values():
            for resource in resources:
                _collect(resource, found)
        return found

    def facility_codes(self) -> set[str]:
        codes = set()
        for resources in self.by_type.values():
            for resource in resources:
                src = source_of(resource)
                if src and src.facility_code:
                    codes.add(src.facility_code)
        return codes


def _collect(node: Any, found: set[tuple[str, str]]) -> None:
    if isinstance(node, dict):
        ref = node.get("reference")
        if isinstance(ref, str) and "/" in ref:
            res_type, _, res_id = ref.partition("/")
            if res_type in DIRECTORY_TYPES and "/" not in res_id:
                found.add((res_type, res_id))
        for value in node.values():
            if isinstance(value, dict | list):
                _collect(value, found)
    elif isinstance(node, list):
        for value in node:
            _collect(value, found)
