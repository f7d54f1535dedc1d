"""A Pratt parser from FHIRPath text to a small immutable syntax tree."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kizuna.fhir.fhirpath.lexer import FhirPathError, Token, tokenize


@dataclass(frozen=True, slots=True)
class Literal:
    value: Any
    type: str  # "string" | "boolean" | "integer" | "decimal" | "empty"


@dataclass(frozen=True, slots=True)
class Member:
    """An identifier that starts a path: a member of the focus or a type name."""

    name: str


@dataclass(frozen=True, slots=True)
class Var:
    name: str  # "%resource", "$this" ...


@dataclass(frozen=True, slots=True)
class Invoke:
    target: Node
    name: str


@dataclass(frozen=True, slots=True)
class Call:
    target: Node | None
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Index:
    target: Node
    index: Node


@dataclass(frozen=True, slots=True)
class Binary:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class TypeOp:
    op: str  # "is" | "as"
    operand: Node
    type_name: str


@dataclass(frozen=True, slots=True)
class Unary:
    op: str
    operand: Node


Node = Literal | Member | Var | Invoke | Call | Index | Binary | TypeOp | Unary

BINDING = {
    "implies": 1,
    "or": 2,
    "xor": 2,
    "and": 3,
    "in": 4,
    "contains": 4,
    "=": 5,
    "~": 5,
    "!=": 5,
    "!~": 5,
    "<": 6,
    ">": 6,
    "<=": 6,
    ">=": 6,
    "|": 7,
    "is": 8,
    "as": 8,
    "+": 9,
    "-": 9,
    "&": 9,
    "*": 10,
    "/": 10,
    "div": 10,
    "mod": 10,
}
POSTFIX = 12
WORD_OPERATORS = frozenset(k for k in BINDING if k.isalpha())


def parse(text: str) -> Node:
    parser = _Parser(tokenize(text))
    node = parser.expression(0)
    if parser.peek().kind != "end":
        raise FhirPathError(f"unexpected {parser.peek().text!r} at {parser.peek().pos}")
    return node


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0

    def peek(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def expect(self, text: str) -> None:
        token = self.take()
        if token.text != text or token.kind not in ("op", "name"):
            raise FhirPathError(f"expected {text!r} at {token.pos}, found {token.text!r}")

    def expression(self, min_binding: int) -> Node:
        left = self.postfix(self.term())
        while True:
            op = self._infix_operator()
            if op is None or BINDING[op] <= min_binding:
                return left
            self.take()
            if op in ("is", "as"):
                left = TypeOp(op, left, self.type_name())
            else:
                left = Binary(op, left, self.expression(BINDING[op]))

    def _infix_operator(self) -> str | None:
        token = self.peek()
        if token.kind == "op" and token.text in BINDING:
            return token.text
        if token.kind == "name" and token.text in WORD_OPERATORS:
            return token.text
        return None

    def type_name(self) -> str:
        parts = [self._name()]
        while self.peek().text == "." and self.peek().kind == "op":
            self.take()
            parts.append(self._name())
        return ".".join(parts)

    def _name(self) -> str:
        token = self.take()
        if token.kind not in ("name", "qname"):
            raise FhirPathError(f"expected a name at {token.pos}")
        return token.text

    def term(self) -> Node:
        token = self.take()
        if token.kind == "string":
            return Literal(token.text, "string")
        if token.kind == "number":
            return _number(token.text)
        if token.kind == "var":
            return Var(token.text)
        if token.kind == "name" and token.text in ("true", "false"):
            return Literal(token.text == "true", "boolean")
        if token.kind in ("name", "qname"):
            if self.peek().text == "(" and token.kind == "name":
                return Call(None, token.text, self.arguments())
            return Member(token.text)
        if token.text == "(":
            node = self.expression(0)
            self.expect(")")
            return node
        if token.text == "{":
            self.expect("}")
            return Literal(None, "empty")
        if token.text in ("-", "+"):
            return Unary(token.text, self.postfix(self.term()))
        raise FhirPathError(f"unexpected {token.text!r} at {token.pos}")

    def postfix(self, node: Node) -> Node:
        while True:
            token = self.peek()
            if token.kind == "op" and token.text == ".":
                self.take()
                name = self._name()
                if self.peek().text == "(" and self.peek().kind == "op":
                    node = Call(node, name, self.arguments())
                else:
                    node = Invoke(node, name)
            elif token.kind == "op" and token.text == "[":
                self.take()
                index = self.expression(0)
                self.expect("]")
                node = Index(node, index)
            else:
                return node

    def arguments(self) -> tuple[Node, ...]:
        self.expect("(")
        args: list[Node] = []
        if self.peek().text == ")":
            self.take()
            return ()
        while True:
            args.append(self.expression(0))
            token = self.take()
            if token.text == ")":
                return tuple(args)
            if token.text != ",":
                raise FhirPathError(f"expected ',' or ')' at {token.pos}")


def _number(text: str) -> Literal:
    if "." in text:
        return Literal(float(text), "decimal")
    return Literal(int(text), "integer")
