"""FHIRPath for search indexing: compile once into closures, run many times.

Supports the subset used by the R4 SearchParameter expressions: paths, ``|``, indexers,
``where``/``exists``/``empty``/``not``/``first``/``select``, ``resolve() is T``, ``is``/``as``/
``ofType`` (operators and functions) over choice types, ``extension('url')``, ``=``/``!=``/
``~``, ``and``/``or``/``xor``/``implies``, ``in``/``contains``, ``%resource`` and ``$this``.
Anything else raises :class:`FhirPathError` when compiled, never when run.

``resolve()`` does not fetch: it yields the contained resource for ``#id`` and otherwise a
stand-in ``{"resourceType": T, "id": id}`` whose type comes from the reference text (or
``Reference.type``), which is what ``where(resolve() is Patient)`` needs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kizuna.fhir.fhirpath import runtime
from kizuna.fhir.fhirpath.compiler import Branch, Context, compile_node
from kizuna.fhir.fhirpath.lexer import FhirPathError
from kizuna.fhir.fhirpath.parser import parse
from kizuna.fhir.fhirpath.runtime import split_reference

__all__ = [
    "CompiledBranch",
    "CompiledPath",
    "FhirPathError",
    "compile",
    "key_values",
    "split_reference",
]


@dataclass(frozen=True, slots=True)
class CompiledBranch:
    """Part of a compiled expression whose results all share one static type.

    ``run(resource)`` evaluates it. ``root_key`` is the first key it reads from the
    resource (None when it may read anything), so callers can skip it cheaply; then
    ``rest(values, resource)`` finishes the work from that key's values (``rest`` is
    None when the key's values are the result). Branches with equal ``signature``
    compute the same values. Results may share lists with the resource: read them,
    never modify them.
    """

    run: Callable[[dict[str, Any]], list[Any]]
    type: str | None
    root_key: str | None
    rest: runtime.Fn | None
    signature: tuple[str, ...]
    resolves_to: tuple[str, ...] = ()  # ends in ``where(resolve() is T)``: the types kept


@dataclass(frozen=True, slots=True)
class CompiledPath:
    expression: str
    root_type: str | None
    branches: tuple[CompiledBranch, ...]
    notes: tuple[str, ...]
    evaluate: Callable[[list[Any], dict[str, Any]], list[Any]]

    def __call__(self, resource: dict[str, Any]) -> list[Any]:
        return self.evaluate([resource], resource)


def compile(expression: str, root_type: str | None = None) -> CompiledPath:
    """Compile ``expression`` for resources of ``root_type`` (any resource when None).

    With a root type, union branches for other resource types are dropped at compile
    time, so ``AllergyIntolerance.patient | CarePlan.subject ...`` costs one lookup.
    """
    ctx = Context(root_type)
    paths = compile_node(parse(expression), root_type, ctx)
    branches = tuple(_branch(b) for b in paths.branches)
    return CompiledPath(expression, root_type, branches, tuple(ctx.notes), paths.merged())


def _branch(branch: Branch) -> CompiledBranch:
    key, rest = branch.root_key, branch.build_rest()
    kept = branch.steps[-1].resolves_to if branch.steps else ()
    if key is None:
        run, rest = _at_root(branch.build()), None
    else:
        run = _from_key(key, rest)
    return CompiledBranch(run, branch.type, key, rest, branch.signature, kept)


def _at_root(fn: runtime.Fn) -> Callable[[dict[str, Any]], list[Any]]:
    def run(resource: dict[str, Any]) -> list[Any]:
        return fn([resource], resource)

    return run


def _from_key(key: str, rest: runtime.Fn | None) -> Callable[[dict[str, Any]], list[Any]]:
    def run(resource: dict[str, Any]) -> list[Any]:
        values = key_values(resource.get(key))
        return rest(values, resource) if rest is not None and values else values

    return run


def key_values(value: Any) -> list[Any]:
    """A JSON member's value as a FHIRPath collection (arrays flattened, nulls dropped)."""
    if value is None:
        return []
    if type(value) is list:
        return [v for v in value if v is not None] if None in value else value
    return [value]
