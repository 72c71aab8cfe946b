"""The small part of XPath that XLSForm's ``relevant`` and ``constraint`` columns use and that a
questionnaire can hold: ``${q} = 'x'``, ``!=``, ``selected(${q}, 'x')``, ``not(…)``, ``and``,
``or``, parentheses, comparisons of ``.`` with numbers and ``string-length(.)``.

Anything else (arithmetic, other functions, ``${q}`` on both sides) parses as far as it can and
is then refused by whoever reads the tree, so a form's condition is carried exactly or not at all.
Excel's "smart quotes" (‘x’, “x”) are read as quotes: Excel puts them there, not the author.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Deeper nesting than any real form uses: refused instead of recursing without end.
MAX_DEPTH = 40

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<ref>\$\{\s*(?P<refname>[^}\s]+)\s*\})
      | (?P<str>'[^']*'|"[^"]*"|‘[^’]*’|“[^”]*”)
      | (?P<num>-?\d+(?:\.\d+)?)
      | (?P<op>!=|>=|<=|=|>|<)
      | (?P<punct>[(),])
      | (?P<name>[A-Za-z_][A-Za-z0-9_:-]*)
      | (?P<dot>\.)
    )""",
    re.VERBOSE,
)


class Unsupported(Exception):
    """The expression is not one this module can carry."""


@dataclass(frozen=True)
class Node:
    """A parsed expression: ``kind`` is ``or``, ``and``, ``not``, ``cmp`` (``op`` and two
    ``parts``), ``call`` (``value`` is the function's name), ``ref`` (``value`` a question
    name), ``str``, ``num`` or ``dot``."""

    kind: str
    value: str = ""
    op: str = ""
    parts: tuple[Node, ...] = ()


def parse(text: str) -> Node:
    """The tree of an expression, or ``Unsupported``."""
    tokens = _tokenize(text)
    parser = _Parser(tokens)
    node = parser.expression(0)
    if parser.position != len(tokens):
        raise Unsupported(text)
    return node


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise Unsupported(text)
        kind = match.lastgroup or ""
        if kind == "refname":
            kind = "ref"
        value = match.group("refname") if kind == "ref" else match.group(kind)
        if kind == "str":
            value = value[1:-1]
        tokens.append((kind, value))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.position = 0

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.position] if self.position < len(self.tokens) else ("end", "")

    def take(self, kind: str, value: str | None = None) -> str:
        token_kind, token_value = self.peek()
        if token_kind != kind or (value is not None and token_value.lower() != value):
            raise Unsupported(f"{kind} {value}")
        self.position += 1
        return token_value

    def is_word(self, word: str) -> bool:
        kind, value = self.peek()
        return kind == "name" and value.lower() == word

    def expression(self, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise Unsupported("depth")
        parts = [self.conjunction(depth)]
        while self.is_word("or"):
            self.position += 1
            parts.append(self.conjunction(depth))
        return parts[0] if len(parts) == 1 else Node("or", parts=tuple(parts))

    def conjunction(self, depth: int) -> Node:
        parts = [self.comparison(depth)]
        while self.is_word("and"):
            self.position += 1
            parts.append(self.comparison(depth))
        return parts[0] if len(parts) == 1 else Node("and", parts=tuple(parts))

    def comparison(self, depth: int) -> Node:
        left = self.primary(depth)
        kind, value = self.peek()
        if kind != "op":
            return left
        self.position += 1
        return Node("cmp", op=value, parts=(left, self.primary(depth)))

    def primary(self, depth: int) -> Node:
        kind, value = self.peek()
        if kind == "punct" and value == "(":
            self.position += 1
            inner = self.expression(depth + 1)
            self.take("punct", ")")
            return inner
        if kind == "name":
            self.position += 1
            self.take("punct", "(")
            arguments: list[Node] = []
            if self.peek() != ("punct", ")"):
                arguments.append(self.expression(depth + 1))
                while self.peek() == ("punct", ","):
                    self.position += 1
                    arguments.append(self.expression(depth + 1))
            self.take("punct", ")")
            name = value.lower()
            if name == "not" and len(arguments) == 1:
                return Node("not", parts=(arguments[0],))
            return Node("call", value=name, parts=tuple(arguments))
        if kind in ("ref", "str", "num", "dot"):
            self.position += 1
            return Node(kind, value=value)
        raise Unsupported(value)


def number_bounds(node: Node, *, integer: bool) -> tuple[float | int | None, float | int | None]:
    """``(min, max)`` of a number constraint: ``. >= a``, ``. <= b`` joined by ``and`` (for an
    integer, ``. > a`` and ``. < b`` too), or ``Unsupported``."""
    low: float | int | None = None
    high: float | int | None = None
    for op, value in _comparisons_with_dot(node):
        bound = _number(value)
        if op in (">", "<"):
            if not integer or not isinstance(bound, int):
                raise Unsupported(op)
            bound, op = (bound + 1, ">=") if op == ">" else (bound - 1, "<=")
        if op == ">=" and low is None:
            low = bound
        elif op == "<=" and high is None:
            high = bound
        else:
            raise Unsupported(op)
    return low, high


def max_length(node: Node) -> int:
    """``n`` of ``string-length(.) <= n`` (or ``< n+1``), or ``Unsupported``."""
    if node.kind != "cmp":
        raise Unsupported(node.kind)
    left, right = node.parts
    op = node.op
    if left.kind == "num":
        left, right, op = right, left, _FLIPPED.get(op, op)
    if not (
        left.kind == "call"
        and left.value == "string-length"
        and len(left.parts) == 1
        and left.parts[0].kind == "dot"
        and right.kind == "num"
    ):
        raise Unsupported("string-length")
    limit = _number(right.value)
    if not isinstance(limit, int) or op not in ("<=", "<"):
        raise Unsupported(op)
    return limit if op == "<=" else limit - 1


_FLIPPED = {">=": "<=", "<=": ">=", ">": "<", "<": ">", "=": "=", "!=": "!="}


def _comparisons_with_dot(node: Node) -> list[tuple[str, str]]:
    parts = node.parts if node.kind == "and" else (node,)
    found = []
    for part in parts:
        if part.kind != "cmp":
            raise Unsupported(part.kind)
        left, right = part.parts
        if left.kind == "dot" and right.kind == "num":
            found.append((part.op, right.value))
        elif right.kind == "dot" and left.kind == "num":
            found.append((_FLIPPED[part.op], left.value))
        else:
            raise Unsupported("comparison")
    return found


def _number(text: str) -> int | float:
    return float(text) if "." in text else int(text)
