"""Compile a FHIRPath syntax tree into Python closures, with static FHIR types.

A compiled expression is a list of *branches*, each a chain of steps with the static
type of what it yields. A choice element (``Observation.value``) becomes one branch per
variant (``valueQuantity`` typed Quantity, ``valueString`` typed string ...), so
``as``/``ofType`` pick branches at compile time and callers can attach type-specific
encoders to each branch without looking at the data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kizuna.fhir.fhirpath import model, runtime
from kizuna.fhir.fhirpath.lexer import FhirPathError
from kizuna.fhir.fhirpath.parser import (
    Binary,
    Call,
    Index,
    Invoke,
    Literal,
    Member,
    Node,
    TypeOp,
    Unary,
    Var,
)
from kizuna.fhir.fhirpath.runtime import Fn

Predicate = Callable[[Any, dict[str, Any]], bool]


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a branch: a key lookup (fused with its neighbours) or a function."""

    key: str | None = None
    fn: Fn | None = None
    label: str = ""  # identifies what ``fn`` computes, for sharing equal branches
    resolves_to: tuple[str, ...] = ()  # ``where(resolve() is T)``: the types it keeps


@dataclass(frozen=True, slots=True)
class Branch:
    steps: tuple[Step, ...]
    type: str | None

    def then(self, step: Step, type_name: str | None) -> Branch:
        return Branch((*self.steps, step), type_name)

    def build(self) -> Fn:
        return _chain(self.steps)

    def build_rest(self) -> Fn | None:
        """The steps after the first key (None when there are none)."""
        return _chain(self.steps[1:]) if len(self.steps) > 1 else None

    @property
    def signature(self) -> tuple[str, ...]:
        return tuple(step.key if step.key is not None else step.label for step in self.steps)

    @property
    def root_key(self) -> str | None:
        """The first JSON key read from the focus, when the branch starts with one."""
        return self.steps[0].key if self.steps else None


def _chain(steps: tuple[Step, ...]) -> Fn:
    fns: list[Fn] = []
    keys: list[str] = []
    for step in steps:
        if step.key is not None:
            keys.append(step.key)
            continue
        if keys:
            fns.append(runtime.path_getter(tuple(keys)))
            keys = []
        assert step.fn is not None
        fns.append(step.fn)
    if keys:
        fns.append(runtime.path_getter(tuple(keys)))
    return runtime.sequence(fns)


@dataclass(slots=True)
class Paths:
    """What an expression compiles to: branches, and whether repeats must be removed."""

    branches: list[Branch]
    distinct: bool = False

    def merged(self) -> Fn:
        return runtime.concat([b.build() for b in self.branches], self.distinct)

    def signature(self) -> str:
        return repr([b.signature for b in self.branches]) + ("|" if self.distinct else "")

    def common_type(self) -> str | None:
        kinds = {b.type for b in self.branches}
        return kinds.pop() if len(kinds) == 1 else None


@dataclass(slots=True)
class Context:
    root_type: str | None
    notes: list[str] = field(default_factory=list)


def compile_node(node: Node, focus: str | None, ctx: Context) -> Paths:
    handler = _HANDLERS.get(type(node))
    if handler is None:
        raise FhirPathError(f"unsupported syntax {type(node).__name__}")
    return handler(node, focus, ctx)


def _literal(node: Literal, focus: str | None, ctx: Context) -> Paths:
    values = [] if node.type == "empty" else [node.value]
    return Paths([Branch((Step(fn=_constant(values), label=repr(node)),), node.type)])


def _constant(values: list[Any]) -> Fn:
    def const(items: list[Any], root: dict[str, Any]) -> list[Any]:
        return list(values)

    return const


def _var(node: Var, focus: str | None, ctx: Context) -> Paths:
    if node.name == "$this":
        return Paths([Branch((), focus)])
    if node.name in ("%resource", "%rootResource", "%context"):
        return Paths([Branch((Step(fn=_root, label="%resource"),), ctx.root_type)])
    if node.name == "%ucum":
        ucum = _constant(["http://unitsofmeasure.org"])
        return Paths([Branch((Step(fn=ucum, label="%ucum"),), "string")])
    raise FhirPathError(f"unsupported variable {node.name}")


def _root(items: list[Any], root: dict[str, Any]) -> list[Any]:
    return [root]


def _member(node: Member, focus: str | None, ctx: Context) -> Paths:
    start = Branch((), focus)
    if node.name[:1].isupper() and model.is_resource_type(node.name):
        return Paths(_type_filter(start, (node.name,), narrow=True))
    return Paths(_navigate(start, node.name, ctx))


def _invoke(node: Invoke, focus: str | None, ctx: Context) -> Paths:
    target = compile_node(node.target, focus, ctx)
    branches = _flat(target)
    return Paths([nav for b in branches for nav in _navigate(b, node.name, ctx)])


def _flat(paths: Paths) -> list[Branch]:
    """Branches to extend further; a union's repeats are removed first."""
    if not paths.distinct:
        return paths.branches
    step = Step(fn=paths.merged(), label="distinct" + paths.signature())
    return [Branch((step,), paths.common_type())]


def _navigate(branch: Branch, member: str, ctx: Context) -> list[Branch]:
    found = model.navigate(branch.type, member)
    if found:
        return [branch.then(Step(key=key), kind) for key, kind in found]
    if branch.type is None:
        step = Step(fn=runtime.dynamic_getter(member), label="dynamic:" + member)
        return [branch.then(step, None)]
    ctx.notes.append(f"{member} is not an element of {branch.type}")
    return [branch.then(Step(key=member), None)]


def _type_filter(branch: Branch, wanted: tuple[str, ...], narrow: bool) -> list[Branch]:
    """Keep values of the wanted type: decided now when the type is known."""
    if branch.type is not None and branch.type not in model.ABSTRACT_RESOURCES:
        return [branch] if model.type_matches(branch.type, wanted) else []
    kind = wanted[0] if narrow or len(wanted) == 1 else None
    matches = model.type_test(wanted)

    def of_type(items: list[Any], root: dict[str, Any]) -> list[Any]:
        out = []
        for item in items:
            actual = model.runtime_type(item)
            if actual is not None and matches(actual):
                out.append(item)
        return out

    return [branch.then(Step(fn=of_type, label=f"ofType:{wanted}"), kind)]


def _type_op(node: TypeOp, focus: str | None, ctx: Context) -> Paths:
    wanted = _wanted(node.type_name)
    operand = compile_node(node.operand, focus, ctx)
    if node.op == "as":
        return Paths([b for br in _flat(operand) for b in _type_filter(br, wanted, False)])
    return _is(operand, wanted)


def _wanted(name: str) -> tuple[str, ...]:
    wanted = model.wanted_types(name)
    if not wanted:
        raise FhirPathError(f"unknown type {name}")
    return wanted


def _is(operand: Paths, wanted: tuple[str, ...]) -> Paths:
    tests = [(b.build(), b.type) for b in operand.branches]
    matches = model.type_test(wanted)

    def is_type(items: list[Any], root: dict[str, Any]) -> list[Any]:
        results: list[bool] = []
        for fn, kind in tests:
            for value in fn(items, root):
                actual = kind if kind is not None else model.runtime_type(value)
                results.append(actual is not None and matches(actual))
        return results if len(results) == 1 else []

    label = f"is:{wanted}:{operand.signature()}"
    return Paths([Branch((Step(fn=is_type, label=label),), "boolean")])


def _index(node: Index, focus: str | None, ctx: Context) -> Paths:
    if not isinstance(node.index, Literal) or node.index.type != "integer":
        raise FhirPathError("only literal integer indexes are supported")
    position: int = node.index.value
    target = compile_node(node.target, focus, ctx)
    fn = target.merged()

    def at(items: list[Any], root: dict[str, Any]) -> list[Any]:
        return fn(items, root)[position : position + 1]

    label = f"[{position}]:{target.signature()}"
    return Paths([Branch((Step(fn=at, label=label),), target.common_type())])


def _unary(node: Unary, focus: str | None, ctx: Context) -> Paths:
    operand = node.operand
    if isinstance(operand, Literal) and operand.type in ("integer", "decimal"):
        value = -operand.value if node.op == "-" else operand.value
        return _literal(Literal(value, operand.type), focus, ctx)
    raise FhirPathError("unary operators apply to number literals only")


def _binary(node: Binary, focus: str | None, ctx: Context) -> Paths:
    if node.op == "|":
        left = compile_node(node.left, focus, ctx)
        right = compile_node(node.right, focus, ctx)
        return Paths(left.branches + right.branches, distinct=True)
    combine = _COMBINERS.get(node.op)
    if combine is None:
        raise FhirPathError(f"unsupported operator {node.op}")
    left_fn = compile_node(node.left, focus, ctx).merged()
    right_fn = compile_node(node.right, focus, ctx).merged()

    def operate(items: list[Any], root: dict[str, Any]) -> list[Any]:
        return combine(left_fn(items, root), right_fn(items, root))

    label = f"{node.op}:{focus}:{node!r}"
    return Paths([Branch((Step(fn=operate, label=label),), "boolean")])


def _not_equals(left: list[Any], right: list[Any]) -> list[bool]:
    return [not r for r in runtime.equals(left, right)]


def _not_equivalent(left: list[Any], right: list[Any]) -> list[bool]:
    return [not r for r in runtime.equivalent(left, right)]


def _logical(op: str) -> Callable[[list[Any], list[Any]], list[bool]]:
    def combine(left: list[Any], right: list[Any]) -> list[bool]:
        return runtime.logic(op, runtime.as_boolean(left), runtime.as_boolean(right))

    return combine


def _membership(left: list[Any], right: list[Any]) -> list[bool]:
    if not left:
        return []
    return [len(left) == 1 and any(runtime.same(left[0], r) for r in right)]


_COMBINERS: dict[str, Callable[[list[Any], list[Any]], list[bool]]] = {
    "=": runtime.equals,
    "!=": _not_equals,
    "~": runtime.equivalent,
    "!~": _not_equivalent,
    "and": _logical("and"),
    "or": _logical("or"),
    "xor": _logical("xor"),
    "implies": _logical("implies"),
    "in": _membership,
    "contains": lambda left, right: _membership(right, left),
}


def _call(node: Call, focus: str | None, ctx: Context) -> Paths:
    handler = _FUNCTIONS.get(node.name)
    if handler is None:
        raise FhirPathError(f"unsupported function {node.name}()")
    target = compile_node(node.target, focus, ctx) if node.target else Paths([Branch((), focus)])
    return handler(target, node.args, ctx)


def _arity(args: tuple[Node, ...], allowed: tuple[int, ...], name: str) -> None:
    if len(args) not in allowed:
        raise FhirPathError(f"{name}() takes {' or '.join(map(str, allowed))} arguments")


def _fn_where(target: Paths, args: tuple[Node, ...], ctx: Context) -> Paths:
    _arity(args, (1,), "where")
    out = []
    for branch in _flat(target):
        keep = _predicate(args[0], branch.type, ctx)

        def where(items: list[Any], root: dict[str, Any], keep: Predicate = keep) -> list[Any]:
            return [item for item in items if keep(item, root)]

        label = f"where:{branch.type}:{args[0]!r}"
        kept = _resolved_types(args[0])
        out.append(branch.then(Step(fn=where, label=label, resolves_to=kept), branch.type))
    return Paths(out)


def _resolved_types(criteria: Node) -> tuple[str, ...]:
    """The types ``resolve() is T`` accepts, or () for any other criteria."""
    if (
        isinstance(criteria, TypeOp)
        and criteria.op == "is"
        and criteria.operand == Call(None, "resolve", ())
    ):
        return _wanted(criteria.type_name)
    return ()


def _predicate(criteria: Node, focus: str | None, ctx: Context) -> Predicate:
    """A per-item test, with fast forms for ``resolve() is T`` and ``name = 'literal'``."""
    wanted = _resolved_types(criteria)
    if wanted:
        matches = model.type_test(wanted)

        def resolves_to(item: Any, root: dict[str, Any]) -> bool:
            kind = runtime.reference_type(item, root)
            return kind is not None and matches(kind)

        return resolves_to
    fast = _fast_equality(criteria, focus)
    if fast is not None:
        return fast
    fn = compile_node(criteria, focus, ctx).merged()

    def test(item: Any, root: dict[str, Any]) -> bool:
        return runtime.as_boolean(fn([item], root)) is True

    return test


def _fast_equality(criteria: Node, focus: str | None) -> Predicate | None:
    if not (
        isinstance(criteria, Binary)
        and criteria.op == "="
        and isinstance(criteria.left, Member)
        and isinstance(criteria.right, Literal)
        and criteria.right.type == "string"
    ):
        return None
    found = model.navigate(focus, criteria.left.name)
    if not found or len(found) != 1 or found[0][0] != criteria.left.name:
        return None
    key, expected = criteria.left.name, criteria.right.value

    def equal(item: Any, root: dict[str, Any]) -> bool:
        return type(item) is dict and item.get(key) == expected

    return equal


def _fn_type_filter(target: Paths, args: tuple[Node, ...], ctx: Context) -> Paths:
    _arity(args, (1,), "ofType")
    wanted = _wanted(_type_argument(args[0]))
    return Paths([b for br in _flat(target) for b in _type_filter(br, wanted, False)])


def _fn_is(target: Paths, args: tuple[Node, ...], ctx: Context) -> Paths:
    _arity(args, (1,), "is")
    return _is(target, _wanted(_type_argument(args[0])))


def _type_argument(node: Node) -> str:
    if isinstance(node, Member):
        return node.name
    if isinstance(node, Invoke) and isinstance(node.target, Member):
        return f"{node.target.name}.{node.name}"
    raise FhirPathError("a type name is expected")


def _fn_extension(target: Paths, args: tuple[Node, ...], ctx: Context) -> Paths:
    _arity(args, (1,), "extension")
    url = args[0]
    if not isinstance(url, Literal) or url.type != "string":
        raise FhirPathError("extension() takes a string literal url")
    expected = url.value

    def with_url(items: list[Any], root: dict[str, Any]) -> list[Any]:
        return [x for x in items if type(x) is dict and x.get("url") == expected]

    out = []
    for branch in _flat(target):
        for nav in _navigate(branch, "extension", ctx):
            out.append(nav.then(Step(fn=with_url, label="url=" + expected), nav.type))
    return Paths(out)


def _fn_resolve(target: Paths, args: tuple[Node, ...], ctx: Context) -> Paths:
    _arity(args, (0,), "resolve")
    step = Step(fn=runtime.resolve, label="resolve")
    return Paths([b.then(step, None) for b in _flat(target)])


def _fn_select(target: Paths, args: tuple[Node, ...], ctx: Context) -> Paths:
    _arity(args, (1,), "select")
    out = []
    for branch in _flat(target):
        projection = compile_node(args[0], branch.type, ctx)
        for proj in projection.branches:
            fn = proj.build()

            def select(items: list[Any], root: dict[str, Any], fn: Fn = fn) -> list[Any]:
                return [value for item in items for value in fn([item], root)]

            label = f"select:{branch.type}:{proj.signature}"
            out.append(branch.then(Step(fn=select, label=label), proj.type))
    return Paths(out)


def _aggregate(
    compute: Callable[[list[Any]], list[Any]], result_type: str | None = None
) -> Callable[[Paths, tuple[Node, ...], Context], Paths]:
    """A function of the whole input collection, taking no arguments."""

    def handler(target: Paths, args: tuple[Node, ...], ctx: Context) -> Paths:
        _arity(args, (0,), "this function")
        fn = target.merged()

        def run(items: list[Any], root: dict[str, Any]) -> list[Any]:
            return compute(fn(items, root))

        kind = result_type or target.common_type()
        label = f"{compute!r}:{target.signature()}"
        return Paths([Branch((Step(fn=run, label=label),), kind)])

    return handler


def _fn_exists(target: Paths, args: tuple[Node, ...], ctx: Context) -> Paths:
    _arity(args, (0, 1), "exists")
    if args:
        target = _fn_where(target, args, ctx)
    return _aggregate(lambda items: [bool(items)], "boolean")(target, (), ctx)


def _not(items: list[Any]) -> list[Any]:
    value = runtime.as_boolean(items)
    return [] if value is None else [not value]


def _has_value(items: list[Any]) -> list[Any]:
    return [len(items) == 1 and not isinstance(items[0], dict | list)]


_FUNCTIONS: dict[str, Callable[[Paths, tuple[Node, ...], Context], Paths]] = {
    "where": _fn_where,
    "as": _fn_type_filter,
    "ofType": _fn_type_filter,
    "is": _fn_is,
    "extension": _fn_extension,
    "resolve": _fn_resolve,
    "select": _fn_select,
    "exists": _fn_exists,
    "empty": _aggregate(lambda items: [not items], "boolean"),
    "not": _aggregate(_not, "boolean"),
    "first": _aggregate(lambda items: items[:1]),
    "last": _aggregate(lambda items: items[-1:]),
    "tail": _aggregate(lambda items: items[1:]),
    "count": _aggregate(lambda items: [len(items)], "integer"),
    "distinct": _aggregate(runtime.unique),
    "hasValue": _aggregate(_has_value, "boolean"),
}

_HANDLERS: dict[type, Callable[[Any, str | None, Context], Paths]] = {
    Literal: _literal,
    Var: _var,
    Member: _member,
    Invoke: _invoke,
    TypeOp: _type_op,
    Index: _index,
    Unary: _unary,
    Binary: _binary,
    Call: _call,
}
