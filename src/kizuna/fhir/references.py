"""Finding and rewriting the references inside a resource.

Both walks skip building location strings on the hot path: a location is only worked out
when a reference needs reporting.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from kizuna.fhir.types import is_resource_type

Resolver = Callable[[str, str], str]  # (reference, FHIRPath location) -> new reference
Path = tuple[str | int, ...]


def _location(where: str, path: Path) -> str:
    out = where
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else f".{step}"
    return out


def _rewrite(node: Any, resolve: Resolver, where: str, path: Path) -> Any:
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                out[key] = resolve(value, _location(where, (*path, key)))
            elif isinstance(value, (dict, list)):
                out[key] = _rewrite(value, resolve, where, (*path, key))
            else:
                out[key] = value
        return out
    if isinstance(node, list):
        return [
            _rewrite(v, resolve, where, (*path, i)) if isinstance(v, (dict, list)) else v
            for i, v in enumerate(node)
        ]
    return node


def rewrite_references(node: Any, resolve: Resolver, where: str) -> Any:
    """A copy of ``node`` with every ``reference`` string passed through ``resolve``."""
    return _rewrite(node, resolve, where, ())


def _walk(node: Any, path: Path) -> Iterator[tuple[str, Path]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                yield value, (*path, key)
            elif key != "contained" and isinstance(value, (dict, list)):
                yield from _walk(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            if isinstance(value, (dict, list)):
                yield from _walk(value, (*path, i))


def split_local(reference: str) -> tuple[str, str] | None:
    """``(type, id)`` of a relative reference ``Type/id[/_history/v]``, else None."""
    if reference.startswith(("#", "urn:", "http:", "https:")) or "?" in reference:
        return None
    parts = reference.split("/")
    if len(parts) in (2, 4) and is_resource_type(parts[0]) and parts[1]:
        return parts[0], parts[1]
    return None


def local_references(resource: dict[str, Any], where: str) -> list[tuple[tuple[str, str], str]]:
    """Every relative ``Type/id`` reference with its location."""
    found: list[tuple[tuple[str, str], str]] = []
    for reference, path in _walk(resource, ()):
        key = split_local(reference)
        if key is not None:
            found.append((key, _location(where, path)))
    return found
