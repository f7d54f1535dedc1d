"""Finding and rewriting the references inside a resource."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from kizuna.fhir.types import is_resource_type

Resolver = Callable[[str, str], str]  # (reference, FHIRPath location) -> new reference


def rewrite_references(node: Any, resolve: Resolver, where: str) -> Any:
    """A copy of ``node`` with every ``reference`` string passed through ``resolve``."""
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                out[key] = resolve(value, f"{where}.reference")
            elif isinstance(value, (dict, list)):
                out[key] = rewrite_references(value, resolve, f"{where}.{key}")
            else:
                out[key] = value
        return out
    if isinstance(node, list):
        return [rewrite_references(v, resolve, f"{where}[{i}]") for i, v in enumerate(node)]
    return node


def _walk(node: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                yield value, f"{where}.reference"
            elif key != "contained" and isinstance(value, (dict, list)):
                yield from _walk(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, f"{where}[{i}]")


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
    for reference, location in _walk(resource, where):
        key = split_local(reference)
        if key is not None:
            found.append((key, location))
    return found
